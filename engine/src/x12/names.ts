/**
 * Names of common segments and transaction sets (envelopes, eligibility 270/271, claims 837,
 * remittance 835, acknowledgments), for hover and the parse tree. Unknown ids have no name.
 */
const SEGMENTS: Readonly<Record<string, string>> = {
  ISA: "Interchange Control Header",
  IEA: "Interchange Control Trailer",
  TA1: "Interchange Acknowledgment",
  GS: "Functional Group Header",
  GE: "Functional Group Trailer",
  ST: "Transaction Set Header",
  SE: "Transaction Set Trailer",
  BHT: "Beginning of Hierarchical Transaction",
  HL: "Hierarchical Level",
  TRN: "Trace Number",
  NM1: "Individual or Organizational Name",
  N3: "Address Information",
  N4: "Geographic Location",
  PER: "Administrative Communications Contact",
  REF: "Reference Information",
  DMG: "Demographic Information",
  DTP: "Date or Time Period",
  EQ: "Eligibility or Benefit Inquiry",
  EB: "Eligibility or Benefit Information",
  AAA: "Request Validation",
  MSG: "Message Text",
  III: "Information",
  INS: "Subscriber Relationship",
  HSD: "Health Care Services Delivery",
  LS: "Loop Header",
  LE: "Loop Trailer",
  PRV: "Provider Information",
  SBR: "Subscriber Information",
  PAT: "Patient Information",
  CLM: "Claim Information",
  HI: "Health Care Diagnosis Code",
  LX: "Transaction Set Line Number",
  SV1: "Professional Service",
  SV2: "Institutional Service Line",
  SV3: "Dental Service",
  CAS: "Claims Adjustment",
  AMT: "Monetary Amount Information",
  QTY: "Quantity Information",
  BPR: "Financial Information",
  CLP: "Claim Payment Information",
  SVC: "Service Payment Information",
  PLB: "Provider Level Adjustment",
  AK1: "Functional Group Response Header",
  AK2: "Transaction Set Response Header",
  IK3: "Error Identification",
  IK4: "Implementation Data Element Note",
  IK5: "Transaction Set Response Trailer",
  AK3: "Data Segment Note",
  AK4: "Data Element Note",
  AK5: "Transaction Set Response Trailer",
  AK9: "Functional Group Response Trailer",
};

const TRANSACTIONS: Readonly<Record<string, string>> = {
  "270": "Eligibility, Coverage or Benefit Inquiry",
  "271": "Eligibility, Coverage or Benefit Information",
  "276": "Health Care Claim Status Request",
  "277": "Health Care Claim Status Response",
  "278": "Health Care Services Review",
  "820": "Payroll Deducted and Other Group Premium Payment",
  "834": "Benefit Enrollment and Maintenance",
  "835": "Health Care Claim Payment/Advice",
  "837": "Health Care Claim",
  "997": "Functional Acknowledgment",
  "999": "Implementation Acknowledgment",
};

/** The segment's name, e.g. `NM1` → "Individual or Organizational Name". */
export function segmentName(id: string): string | undefined {
  return SEGMENTS[id];
}

/** The transaction set's name, e.g. `270` → "Eligibility, Coverage or Benefit Inquiry". */
export function transactionName(type: string): string | undefined {
  return TRANSACTIONS[type];
}
