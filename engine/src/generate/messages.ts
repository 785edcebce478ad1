/**
 * Synthetic, PHI-free HL7 v2.5.1 messages. Names are obviously invented (TEST^…), identifiers are
 * random digits with a TEST prefix, addresses use a fictional street; everything comes from the seed
 * (including timestamps), so a seed always gives the same output.
 */
import { type Hl7MessageTypeName, isX12MessageType, type MessageTypeName } from "./message-types.js";
import { FAMILY, GIVEN, type Patient, patient, ts } from "./people.js";
import { Rng } from "./rng.js";
import { generate270 } from "./x12.js";

const LABS: [string, string, string, number, number][] = [
  ["2345-7", "Glucose", "mg/dL", 70, 99],
  ["2951-2", "Sodium", "mmol/L", 136, 145],
  ["2823-3", "Potassium", "mmol/L", 3.5, 5.1],
  ["718-7", "Hemoglobin", "g/dL", 12, 17.5],
];
const VACCINES: [string, string][] = [
  ["08", "Hep B, adolescent or pediatric"],
  ["20", "DTaP"],
  ["03", "MMR"],
  ["141", "Influenza, seasonal, injectable"],
];
const STRUCTURE: Record<Hl7MessageTypeName, string> = {
  "ADT^A01": "ADT_A01",
  "ADT^A03": "ADT_A03",
  "ADT^A04": "ADT_A01",
  "ADT^A08": "ADT_A01",
  "ORU^R01": "ORU_R01",
  "ORM^O01": "ORM_O01",
  "SIU^S12": "SIU_S12",
  "VXU^V04": "VXU_V04",
};

function pid(p: Patient): string {
  return `PID|1||${p.mrn}^^^MEFOR^MR||${p.family}^${p.given}||${p.dob}|${p.sex}|||100 TEST STREET^^SPRINGFIELD^ZZ^00000`;
}

function pv1(rng: Rng, p: Patient, cls = "I"): string {
  return `PV1|1|${cls}|WARD${rng.int(1, 9)}^${rng.int(100, 499)}^${rng.int(1, 2)}||||${rng.digits(5)}^DOCTOR^TEST|||||||||||${p.visit}`;
}

/** One message as ER7 text with CR segment terminators (an X12 type: an interchange). */
export function generateMessage(type: MessageTypeName, rng: Rng, seq: number): string {
  if (isX12MessageType(type)) return generate270(rng, seq);
  const [code, trigger] = type.split("^") as [string, string];
  const when = ts(rng);
  const control = `MF${rng.digits(8)}${String(seq).padStart(4, "0")}`;
  const p = patient(rng);
  const segs = [
    `MSH|^~\\&|MEFOR_GEN|TEST_FACILITY|RECEIVER|TEST_FACILITY|${when}||${code}^${trigger}^${STRUCTURE[type]}|${control}|P|2.5.1`,
  ];
  switch (code) {
    case "ADT":
      segs.push(`EVN|${trigger}|${when}`, pid(p));
      if (trigger !== "A04") segs.push(`NK1|1|${rng.pick(FAMILY)}^${rng.pick(GIVEN)}|SPO^Spouse^HL70063`);
      segs.push(pv1(rng, p, trigger === "A04" ? "O" : "I"));
      if (trigger === "A03") segs.push(`PV2|||DISCHARGE^Discharged`);
      break;
    case "ORU": {
      segs.push(pid(p), pv1(rng, p, "O"));
      segs.push(
        `ORC|RE|${rng.digits(8)}^MEFOR`,
        `OBR|1|${rng.digits(8)}^MEFOR|${rng.digits(8)}^LAB|24323-8^Metabolic panel^LN|||${when}`,
      );
      LABS.forEach(([loinc, name, unit, lo, hi], i) => {
        const span = hi - lo;
        const v = Math.round((lo - span * 0.3 + rng.next() * span * 1.6) * 10) / 10;
        const flag = v < lo ? "L" : v > hi ? "H" : "N";
        segs.push(`OBX|${i + 1}|NM|${loinc}^${name}^LN||${v}|${unit}|${lo}-${hi}|${flag}|||F|||${when}`);
      });
      break;
    }
    case "ORM":
      segs.push(pid(p), pv1(rng, p, "O"));
      segs.push(`ORC|NW|${rng.digits(8)}^MEFOR||||||||||${rng.digits(5)}^DOCTOR^TEST`);
      segs.push(
        `OBR|1|${rng.digits(8)}^MEFOR||${rng.pick(["71045^XR CHEST 1 VIEW^CPT", "70450^CT HEAD W/O CONTRAST^CPT"])}|||${when}`,
      );
      break;
    case "SIU":
      segs.push(`SCH|${rng.digits(6)}^MEFOR|||||ROUTINE^Routine visit|||30|MIN|^^30^${when}^${when}`);
      segs.push(pid(p), pv1(rng, p, "O"), `RGS|1`, `AIS|1||CONSULT^Consultation|${when}|||30|MIN`);
      break;
    case "VXU": {
      const [cvx, name] = rng.pick(VACCINES);
      segs.push(pid(p), `ORC|RE||${rng.digits(8)}^MEFOR`);
      segs.push(
        `RXA|0|1|${when}|${when}|${cvx}^${name}^CVX|0.5|mL^mL^UCUM||00^New immunization record^NIP001|||||||TESTLOT${rng.digits(4)}`,
      );
      break;
    }
  }
  return `${segs.join("\r")}\r`;
}

export interface GenerateOptions {
  type: MessageTypeName;
  count: number;
  seed: number;
}

export function generateMessages(opts: GenerateOptions): string[] {
  const rng = new Rng(opts.seed);
  return Array.from({ length: opts.count }, (_, i) => generateMessage(opts.type, rng, i + 1));
}
