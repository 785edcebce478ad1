/**
 * Strict validation (opt-in, the slow path): checks a parsed message against the definitions of its
 * declared version — unknown segments, required fields, repeatability, lengths, segments outside the
 * message structure. Every issue names a stable code, the segment position, a field path and offsets.
 */
import { type FieldDefinition, getDefinitions, resolveVersion, type StructureNode } from "./definitions.js";
import type { Message } from "./message.js";
import type { FieldNode, SegmentNode } from "./tree.js";
import type { ValidateOptions, ValidationIssue } from "./validate-types.js";

export type { ValidateOptions, ValidationCode, ValidationIssue } from "./validate-types.js";

/** Validates `msg`; returns every issue found (an empty array means valid). Never throws on bad input. */
export function validateStrict(msg: Message, opts: ValidateOptions = {}): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const declared = opts.version ?? msg.version ?? "";
  const defs = getDefinitions(declared);
  const tree = msg.tree();
  if (declared === "" || resolveVersion(declared) !== declared) {
    const msh = tree.segments[0];
    const v = msh?.fields.find((f) => f.index === 12);
    issues.push({
      code: "HL7_UNKNOWN_VERSION",
      severity: "warning",
      message: declared
        ? `version ${declared} is not one of 2.1–2.8; validated against ${defs.version}`
        : `MSH-12 declares no version; validated against ${defs.version}`,
      segmentIndex: 0,
      segment: "MSH",
      path: "MSH-12",
      start: v?.start ?? msh?.start ?? tree.start,
      end: v?.end ?? msh?.end ?? tree.start,
    });
  }
  if (opts.includeParseIssues ?? true) {
    for (const p of msg.issues) {
      issues.push({
        code: p.code,
        severity: "warning",
        message: p.message,
        segmentIndex: -1,
        segment: "",
        path: "",
        start: p.start,
        end: p.end,
      });
    }
  }

  const allowed = structureSegments(defs.messageStructure(structureName(msg)));
  for (const seg of tree.segments) {
    const segName = seg.occurrence > 1 ? `${seg.name}[${seg.occurrence}]` : seg.name;
    const def = defs.segment(seg.name);
    if (!def) {
      if (!seg.name.startsWith("Z")) {
        issues.push(
          issue(
            "HL7_UNKNOWN_SEGMENT",
            "error",
            `segment ${seg.name} is not defined in HL7 ${defs.version}`,
            seg,
            segName,
            seg,
          ),
        );
      }
      continue;
    }
    if (allowed && !allowed.has(seg.name)) {
      issues.push(
        issue(
          "HL7_SEGMENT_NOT_IN_STRUCTURE",
          "warning",
          `segment ${seg.name} is not part of message structure ${structureName(msg)}`,
          seg,
          segName,
          seg,
        ),
      );
    }
    const byIndex = new Map<number, FieldNode>();
    for (const f of seg.fields) byIndex.set(f.index, f);
    for (const fd of def.fields) checkField(fd, byIndex.get(fd.index), seg, segName, issues);
    const last = def.fields[def.fields.length - 1]?.index ?? 0;
    for (const f of seg.fields) {
      if (f.index > last && f.value !== "") {
        issues.push(
          issue(
            "HL7_UNDEFINED_FIELD",
            "warning",
            `${seg.name} defines ${last} fields in HL7 ${defs.version}; field ${f.index} is extra`,
            seg,
            `${segName}-${f.index}`,
            f,
          ),
        );
      }
    }
  }
  return issues;
}

function checkField(
  fd: FieldDefinition,
  f: FieldNode | undefined,
  seg: SegmentNode,
  segName: string,
  out: ValidationIssue[],
): void {
  const path = `${segName}-${fd.index}`;
  const label = `${seg.name}-${fd.index} (${fd.name})`;
  if (f === undefined || f.value === "") {
    if (fd.required) {
      const at = f ?? { start: seg.end, end: seg.end };
      out.push(issue("HL7_REQUIRED_FIELD_MISSING", "error", `${label} is required`, seg, path, at));
    }
    return;
  }
  const header = seg.name === "MSH" || seg.name === "BHS" || seg.name === "FHS";
  if (header && fd.index <= 2) return; // the separators themselves; their "length" rules do not apply
  const reps = f.repetitions;
  if (fd.maxRepetitions !== undefined && reps.length > fd.maxRepetitions) {
    const extra = reps[fd.maxRepetitions]!;
    out.push(
      issue(
        "HL7_FIELD_NOT_REPEATABLE",
        "error",
        fd.maxRepetitions === 1
          ? `${label} does not repeat, but has ${reps.length} repetitions`
          : `${label} allows ${fd.maxRepetitions} repetitions, but has ${reps.length}`,
        seg,
        `${path}[${fd.maxRepetitions + 1}]`,
        { start: extra.start, end: f.end },
      ),
    );
  }
  if (fd.length !== undefined) {
    reps.forEach((r, i) => {
      if (r.value.length > fd.length!) {
        out.push(
          issue(
            "HL7_FIELD_TOO_LONG",
            "error",
            `${label} is ${r.value.length} characters; at most ${fd.length} allowed`,
            seg,
            reps.length > 1 ? `${path}[${i + 1}]` : path,
            r,
          ),
        );
      }
    });
  }
}

function issue(
  code: ValidationIssue["code"],
  severity: ValidationIssue["severity"],
  message: string,
  seg: SegmentNode,
  path: string,
  at: { start: number; end: number },
): ValidationIssue {
  return {
    code,
    severity,
    message,
    segmentIndex: seg.position,
    segment: seg.name,
    path,
    start: at.start,
    end: at.end,
  };
}

/** MSH-9.3 when present (ADT_A01), otherwise type_trigger. */
function structureName(msg: Message): string {
  return msg.get("MSH-9.3") || msg.messageType.replace("^", "_");
}

function structureSegments(s: { children: readonly StructureNode[] } | undefined): Set<string> | undefined {
  if (!s || s.children.length === 0) return undefined;
  const names = new Set<string>();
  const walk = (nodes: readonly StructureNode[]): void => {
    for (const n of nodes) {
      if (n.isGroup) walk(n.children);
      else names.add(n.name);
    }
  };
  walk(s.children);
  return names;
}
