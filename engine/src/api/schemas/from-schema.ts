/**
 * `FromSchema<typeof schema>`: the TypeScript type of the JSON a schema describes, so each wire type is
 * derived from the very schema fastify validates and serializes with and the two cannot drift.
 * Covers the JSON Schema subset the route schemas use: `type` (one or a list), `enum`, `anyOf`,
 * `properties` + `required`, `additionalProperties`, `items`. Type-level only; no runtime code.
 *
 * An object with `properties` is closed here (extra keys are not part of the contract: the serializer
 * drops them); without `properties` it is a record of its `additionalProperties`.
 */

/** Flattens intersections so editors show one object literal. */
type Simplify<T> = { [K in keyof T]: T[K] } & {};

type RequiredKeys<S> = S extends { required: readonly (infer R)[] } ? R : never;

type PropsOf<P, R> = Simplify<
  { -readonly [K in keyof P as K extends R ? K : never]-?: FromSchema<P[K]> } & {
    -readonly [K in keyof P as K extends R ? never : K]?: FromSchema<P[K]>;
  }
>;

type ExtraOf<S> = S extends { additionalProperties: infer A }
  ? A extends false
    ? unknown
    : A extends true
      ? Record<string, unknown>
      : Record<string, FromSchema<A>>
  : unknown;

type ObjectOf<S> = S extends { properties: infer P }
  ? ExtraOf<S> extends Record<string, infer V>
    ? Simplify<PropsOf<P, RequiredKeys<S>> & Record<string, V>>
    : PropsOf<P, RequiredKeys<S>>
  : ExtraOf<S> extends Record<string, unknown>
    ? ExtraOf<S>
    : Record<string, unknown>;

type ArrayOf<S> = S extends { items: infer I } ? FromSchema<I>[] : unknown[];

/** One `type` name → its TypeScript type (distributes over a union of names). */
type OfTypeName<T, S> = T extends "string"
  ? string
  : T extends "integer" | "number"
    ? number
    : T extends "boolean"
      ? boolean
      : T extends "null"
        ? null
        : T extends "array"
          ? ArrayOf<S>
          : T extends "object"
            ? ObjectOf<S>
            : unknown;

export type FromSchema<S> = S extends { anyOf: readonly (infer A)[] }
  ? FromSchema<A>
  : S extends { enum: readonly (infer E)[] }
    ? E
    : S extends { type: infer T }
      ? OfTypeName<T extends readonly (infer N)[] ? N : T, S>
      : unknown;
