/** Synthetic benchmark messages (invented data only): a ~2 KB ADT^A01 and a ~40 KB ORU^R01 with many OBX. */

const MSH = (type: string, id: string) =>
  `MSH|^~\\&|SENDAPP|SENDFAC|RECVAPP|RECVFAC|20240101120000||${type}|${id}|P|2.5.1|||AL|NE||UNICODE UTF-8`;
const PID =
  "PID|1||123456^^^HOSP^MR~987654321^^^SSA^SS||TEST^PATIENT^QUINCY^JR^DR^^L||19800101|M||2106-3^White^HL70005|" +
  "100 MAIN ST^APT 4^SPRINGFIELD^IL^62701^USA^H||(555)555-0100^PRN^PH~^NET^Internet^test.patient@example.test|" +
  "(555)555-0101^WPN^PH|EN^English^ISO6391|M^Married^HL70002|CHR^Christian^HL70006|ACC0001^^^HOSP^AN|999-99-9999";
const PV1 =
  "PV1|1|I|WARD1^101^A^HOSP^^^^^WEST WING||||1234^ATTEND^ALICE^^^DR|5678^REFER^ROBERT^^^DR|9012^CONSULT^CAROL^^^DR|MED|" +
  "||||ADM|A0||1234^ATTEND^ALICE^^^DR|IP|VIS0001^^^HOSP^VN|||||||||||||||||||HOSP||||||20240101110000";

export function makeAdt(): string {
  const segs = [
    MSH("ADT^A01^ADT_A01", "ADT00001"),
    "EVN|A01|20240101120000|||OP123^OPERATOR^OLIVE|20240101115500",
    PID,
    "PD1|||GENERAL CLINIC^^1001|1234^ATTEND^ALICE^^^DR",
    "NK1|1|TEST^SPOUSE^S|SPO^Spouse^HL70063|100 MAIN ST^^SPRINGFIELD^IL^62701|(555)555-0102",
    "NK1|2|TEST^CHILD^C|CHD^Child^HL70063|100 MAIN ST^^SPRINGFIELD^IL^62701|(555)555-0103",
    PV1,
    "PV2|||CHEST PAIN^Chest pain^LOCAL||||||20240105|3|||||||||||||N",
    "OBX|1|NM|8302-2^Body height^LN||180|cm^centimeter^UCUM|||||F",
    "OBX|2|NM|29463-7^Body weight^LN||80|kg^kilogram^UCUM|||||F",
    "OBX|3|ST|11368-8^Illness onset^LN||Sudden onset of chest discomfort at rest||||||F",
    "OBX|4|CE|72166-2^Tobacco smoking status^LN||266919005^Never smoked^SCT||||||F",
    "ROL|1|AD|AT^Attending^HL70443|1234^ATTEND^ALICE^^^DR|20240101110000",
    "ROL|2|AD|PP^Primary care^HL70443|3456^PRIMARY^PAUL^^^DR|20200101",
    "AL1|1|DA|70618^Penicillin^RXNORM|SV|Hives|20100101",
    "AL1|2|FA|256349002^Peanut^SCT|MO|Swelling|20120101",
    "DG1|1||I20.9^Angina pectoris, unspecified^I10||20240101|A",
    "DG1|2||E11.9^Type 2 diabetes mellitus^I10||20240101|A",
    "GT1|1||TEST^PATIENT^QUINCY||100 MAIN ST^^SPRINGFIELD^IL^62701|(555)555-0100|||||SEL^Self^HL70063",
    "IN1|1|PLAN001^Example Health Plan|INS001^^^HOSP|EXAMPLE INSURANCE CO|PO BOX 1^^SPRINGFIELD^IL^62701||(555)555-0199|GRP001|||||||" +
      "TEST^PATIENT^QUINCY|SEL^Self^HL70063|19800101|100 MAIN ST^^SPRINGFIELD^IL^62701",
    "ZPI|custom|value^with^components|x&y",
  ];
  return `${segs.join("\r")}\r`;
}

export function makeOru(): string {
  const segs = [
    MSH("ORU^R01^ORU_R01", "ORU00001"),
    PID,
    PV1,
    "ORC|RE|ORD0001^LAB|FIL0001^LAB||CM||||20240101120000|||1234^ATTEND^ALICE^^^DR",
    "OBR|1|ORD0001^LAB|FIL0001^LAB|24323-8^Comprehensive metabolic panel^LN|||20240101100000|||||||20240101101500||" +
      "1234^ATTEND^ALICE^^^DR||||||20240101115900|||F",
  ];
  let i = 0;
  while (segs.join("\r").length < 40_000) {
    i++;
    segs.push(
      `OBX|${i}|NM|${1000 + i}-${i % 10}^Synthetic analyte ${i}^LN||${(i * 1.37).toFixed(2)}|mg/dL^milligram per deciliter^UCUM|` +
        `1.0-${(i * 2).toFixed(1)}|${i % 7 === 0 ? "H" : "N"}|||F|||20240101110000|LAB^Synthetic Lab`,
    );
    if (i % 25 === 0) segs.push(`NTE|${i}||Result comment ${i}: specimen slightly hemolyzed \\T\\ re-run`);
  }
  return `${segs.join("\r")}\r`;
}
