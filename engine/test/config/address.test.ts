/** allowFrom entries: which texts are an address or CIDR block, as the schema checker and listeners read them. */
import assert from "node:assert/strict";
import { parseAddressRule } from "../../src/graph/index.js";

describe("graph: allowFrom address rules", () => {
  const check = (text: string, expected: string | undefined) => {
    const r = parseAddressRule(text);
    assert.equal(r && `${r.family} ${r.address}/${r.prefix}`, expected, text);
  };

  it("reads IPv4 and IPv6 addresses and CIDR blocks", () => {
    check("192.168.1.20", "ipv4 192.168.1.20/32");
    check("10.0.0.0/8", "ipv4 10.0.0.0/8");
    check("0.0.0.0/0", "ipv4 0.0.0.0/0");
    check("::1", "ipv6 ::1/128");
    check("fd00::/8", "ipv6 fd00::/8");
    check("2001:db8:0:0:0:0:0:1", "ipv6 2001:db8:0:0:0:0:0:1/128");
    check("::ffff:10.1.2.3", "ipv6 ::ffff:10.1.2.3/128");
  });

  it("refuses names, bad octets, bad prefixes and malformed IPv6", () => {
    for (const bad of [
      "localhost",
      "",
      "256.1.1.1",
      "10.0.0",
      "10.0.0.0/33",
      "10.0.0.0/",
      "10.0.0.0/-1",
      "::1/129",
      "1::2::3",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7",
      "12345::",
      "1.2.3.4::",
      "fe80::1%eth0",
    ])
      check(bad, undefined);
  });
});
