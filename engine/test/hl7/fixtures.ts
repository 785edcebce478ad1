/** Synthetic HL7 only: invented names (TEST^PATIENT), invented ids. */

export const ADT_A01 = [
  "MSH|^~\\&|SENDAPP|SENDFAC|RECVAPP|RECVFAC|20240101120000||ADT^A01^ADT_A01|MSG00001|P|2.5.1",
  "EVN|A01|20240101120000",
  "PID|1||123456^^^HOSP^MR~987654^^^SSA^SS||TEST^PATIENT^Q^^DR||19800101|M|||1 MAIN ST^^SPRINGFIELD^IL^62701||555-0100",
  "PV1|1|I|WARD1^101^A",
  "ZPI|custom|x^y&z",
  "",
].join("\r");

/** The same message with `|*~\&` separators... and `#` as the escape character. */
export const ODD_SEPARATORS = [
  "MSH|*~#&|SENDAPP|SENDFAC|RECVAPP|RECVFAC|20240101120000||ORU*R01|MSG00002|P|2.4",
  "PID|1||555*^^HOSP||TEST*PATIENT#S#JR",
  "OBX|1|ST|CODE*Glucose||value with #F# bar and #T# amp|mg/dL",
  "",
].join("\r");
