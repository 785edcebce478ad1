/** Synthetic interchanges shaped like real traffic (names like SAMPLE/ECHO; ids made up). */

/** A 5010 270 with `*` `:` `^` `~` and CRLF between segments. */
export const I270_CRLF = `${[
  "ISA*00*          *00*          *ZZ*SUBMITTER01    *ZZ*PAYER01        *261206*1200*^*00501*000000101*1*T*:~",
  "GS*HS*SUBMITTER01*PAYER01*20261206*1200*101*X*005010X279A1~",
  "ST*270*0001*005010X279A1~",
  "BHT*0022*13*REQ0001*20261206*1200~",
  "HL*1**20*1~",
  "NM1*PR*2*SAMPLE PAYER*****PI*PAYER01~",
  "HL*2*1*21*1~",
  "NM1*1P*2*SAMPLE CLINIC*****XX*1234567893~",
  "HL*3*2*22*0~",
  "TRN*1*TRACE0001*9000000000~",
  "NM1*IL*1*SAMPLE*ECHO****MI*W000000001~",
  "DMG*D8*19800101*F~",
  "DTP*291*D8*20261206~",
  "EQ*30^1^33~",
  "SE*13*0001~",
  "GE*1*101~",
  "IEA*1*000000101~",
].join("\r\n")}\r\n`;

/** A 00401 837-ish interchange with `|` elements, `>` components, `!` terminator, no line breaks. */
export const I837_401_ODD = [
  "ISA|00|          |00|          |ZZ|CLINIC         |ZZ|CLEARINGHOUSE  |261206|0930|U|00401|000000202|0|P|>!",
  "GS|HC|CLINIC|CLEARINGHOUSE|20261206|0930|202|X|004010X098A1!",
  "ST|837|0001!",
  "NM1|85|2|SAMPLE CLINIC|||||XX|1234567893!",
  "CLM|PCN001|125|||11>B>1|Y|A|Y|Y!",
  "HI|BK>4019|BF>2724!",
  "SV1|HC>99213>25|125|UN|1|||1!",
  "SV1|HC>85025|40|UN|1|||1!",
  "SE|7|0001!",
  "GE|1|202!",
  "IEA|1|000000202!",
].join("");

/** Two groups, second group with two sets, LF only between segments. */
export const I_MULTI_LF = [
  "ISA*00*          *00*          *ZZ*A              *ZZ*B              *261206*0800*^*00501*000000303*0*P*:~",
  "GS*HS*A*B*20261206*0800*1*X*005010X279A1~",
  "ST*270*0001*005010X279A1~",
  "BHT*0022*13*R1*20261206*0800~",
  "SE*3*0001~",
  "GE*1*1~",
  "GS*HS*A*B*20261206*0800*2*X*005010X279A1~",
  "ST*270*0002*005010X279A1~",
  "BHT*0022*13*R2*20261206*0800~",
  "SE*3*0002~",
  "ST*270*0003*005010X279A1~",
  "BHT*0022*13*R3*20261206*0800~",
  "SE*3*0003~",
  "GE*2*2~",
  "IEA*2*000000303~",
].join("\n");
