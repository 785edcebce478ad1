/**
 * Client address rules for a listener's `allowFrom`: an IPv4/IPv6 address or a CIDR block
 * (`10.0.0.0/8`, `2001:db8::/32`, `192.168.1.20`). Pure, so the schema checker (editor, language
 * server, loader) and the listener read the same rule the same way.
 */

export interface AddressRule {
  /** The address part as written (without the prefix). */
  address: string;
  family: "ipv4" | "ipv6";
  /** Prefix length: 32 / 128 for a single address. */
  prefix: number;
}

function isIpv4(s: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  return m?.slice(1).every((x) => Number(x) <= 255) === true;
}

function isIpv6(s: string): boolean {
  let body = s;
  if (s.includes(".")) {
    // An embedded IPv4 tail (`::ffff:10.0.0.1`) stands for two groups.
    const i = s.lastIndexOf(":");
    if (i < 0 || !isIpv4(s.slice(i + 1))) return false;
    body = `${s.slice(0, i + 1)}0:0`;
  }
  const halves = body.split("::");
  if (halves.length > 2) return false;
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  const all = halves.flatMap(groups);
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return halves.length === 2 ? all.length <= 7 : all.length === 8;
}

/** The rule `text` writes, or undefined when it is neither an address nor a CIDR block. */
export function parseAddressRule(text: string): AddressRule | undefined {
  const slash = text.indexOf("/");
  const address = slash < 0 ? text : text.slice(0, slash);
  const family = isIpv4(address) ? "ipv4" : isIpv6(address) ? "ipv6" : undefined;
  if (family === undefined) return undefined;
  const max = family === "ipv4" ? 32 : 128;
  if (slash < 0) return { address, family, prefix: max };
  const p = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(p) || Number(p) > max) return undefined;
  return { address, family, prefix: Number(p) };
}
