/** Invented people and timestamps shared by the HL7 and X12 generators (seeded, PHI-free by construction). */
import type { Rng } from "./rng.js";

export const FAMILY = ["TEST", "SAMPLE", "DEMO", "SYNTHETIC", "EXAMPLE", "FICTION"];
export const GIVEN = ["PATIENT", "PERSON", "ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO", "FOXTROT"];

export function ts(rng: Rng, year = 2026): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${year}${p(rng.int(1, 12))}${p(rng.int(1, 28))}${p(rng.int(0, 23))}${p(rng.int(0, 59))}${p(rng.int(0, 59))}`;
}

export interface Patient {
  mrn: string;
  family: string;
  given: string;
  dob: string;
  sex: string;
  visit: string;
}

export function patient(rng: Rng): Patient {
  return {
    mrn: `TEST${rng.digits(6)}`,
    family: rng.pick(FAMILY),
    given: rng.pick(GIVEN),
    dob: ts(rng, rng.int(1940, 2020)).slice(0, 8),
    sex: rng.pick(["F", "M", "U"]),
    visit: `V${rng.digits(7)}`,
  };
}
