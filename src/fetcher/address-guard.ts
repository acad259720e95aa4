// Which upstream addresses a fetch may reach. Pure: no imports, no I/O, so both runtimes and the
// admin API share one definition. Node checks every address it is about to connect to (see
// entry/node-fetch.ts); every runtime checks URLs before any request (checkUpstreamUrl).
//
// An address is public unless it falls in a special-purpose range (IANA IPv4/IPv6 Special-Purpose
// Address Registries, RFC 6890): loopback, RFC 1918, link-local and cloud metadata, CGNAT, ULA,
// multicast, reserved, benchmarking, documentation … IPv6 forms that carry an IPv4 address
// (mapped, NAT64, 6to4) are judged by the IPv4 address they carry.

export interface IpAddress {
  family: 4 | 6;
  /** The address as an unsigned integer: 32 bits for IPv4, 128 for IPv6. */
  value: bigint;
}

export interface AddressClass {
  public: boolean;
  /** Why the address is not public, in words ("loopback", "private (RFC 1918)"); null when public. */
  reason: string | null;
}

/** Parses a canonical textual IP: dotted-decimal IPv4, or IPv6 with optional brackets and zone. */
export function parseIp(text: string): IpAddress | null {
  const v4 = parseIPv4(text);
  if (v4 !== null) return { family: 4, value: BigInt(v4) };
  const v6 = parseIPv6(text);
  return v6 === null ? null : { family: 6, value: v6 };
}

function parseIPv4(text: string): number | null {
  // Only the canonical form: resolvers and WHATWG URL parsing both produce it, and accepting
  // `0177.1` here would only invite disagreement with the code that connects.
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!match) return null;
  let value = 0;
  for (const part of match.slice(1) as string[]) {
    if (part.length > 1 && part.startsWith('0')) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value;
}

function parseIPv6(text: string): bigint | null {
  let s = text;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone !== -1) s = s.slice(0, zone);
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(':')) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const head = groups(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? groups(halves[1]!, true) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  let value = 0n;
  for (const group of [...head, ...new Array<number>(missing).fill(0), ...tail]) value = (value << 16n) | BigInt(group);
  return value;
}

/** 16-bit groups of one side of `::`; a dotted IPv4 tail is allowed only at the very end. */
function groups(part: string, mayEndInIPv4: boolean): number[] | null {
  if (part === '') return [];
  const out: number[] = [];
  const pieces = part.split(':');
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    if (piece.includes('.')) {
      const v4 = mayEndInIPv4 && i === pieces.length - 1 ? parseIPv4(piece) : null;
      if (v4 === null) return null;
      out.push(Math.floor(v4 / 65536), v4 % 65536);
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return null;
      out.push(parseInt(piece, 16));
    }
  }
  return out;
}

export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) {
    const v = Number(ip.value);
    return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
  }
  const parts: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) parts.push(((ip.value >> shift) & 0xffffn).toString(16));
  // Compress the longest run of zero groups (RFC 5952), good enough for messages.
  const text = parts.join(':');
  const runs = text.match(/(?:^|:)0(?::0)+(?::|$)/g);
  if (!runs) return text;
  const longest = runs.reduce((a, b) => (b.length > a.length ? b : a));
  return text.replace(longest, '::');
}

interface Range {
  family: 4 | 6;
  network: bigint;
  prefix: number;
}

function bits(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

function mask(family: 4 | 6, prefix: number): bigint {
  const width = BigInt(bits(family));
  return prefix === 0 ? 0n : ((1n << width) - 1n) ^ ((1n << (width - BigInt(prefix))) - 1n);
}

function contains(range: Range, ip: IpAddress): boolean {
  return range.family === ip.family && (ip.value & mask(range.family, range.prefix)) === range.network;
}

function range(cidr: string): Range {
  const [address, prefix] = cidr.split('/') as [string, string];
  const ip = parseIp(address)!;
  return { family: ip.family, network: ip.value, prefix: Number(prefix) };
}

type Rule = [Range, string | ((ip: IpAddress) => AddressClass)];

/** IPv4 in the low 32 bits of an IPv6 address, or (6to4) in bits 16–48. */
function embeddedV4(ip: IpAddress, shift: bigint): IpAddress {
  return { family: 4, value: (ip.value >> shift) & 0xffffffffn };
}

function judgedByEmbedded(kind: string, shift: bigint): (ip: IpAddress) => AddressClass {
  return (ip) => {
    const inner = embeddedV4(ip, shift);
    const verdict = classifyIp(inner);
    return verdict.public ? verdict : { public: false, reason: `${kind} ${formatIp(inner)}, ${verdict.reason}` };
  };
}

// First match wins: narrower ranges come before the ranges that contain them.
const V4_RULES: Rule[] = [
  [range('0.0.0.0/8'), 'unspecified ("this network")'],
  [range('10.0.0.0/8'), 'private (RFC 1918)'],
  [range('100.64.0.0/10'), 'carrier-grade NAT (RFC 6598)'],
  [range('127.0.0.0/8'), 'loopback'],
  [range('169.254.169.254/32'), 'cloud metadata service'],
  [range('169.254.0.0/16'), 'link-local'],
  [range('172.16.0.0/12'), 'private (RFC 1918)'],
  [range('192.0.0.0/24'), 'IETF protocol assignments'],
  [range('192.0.2.0/24'), 'documentation (TEST-NET-1)'],
  [range('192.88.99.0/24'), '6to4 relay anycast (deprecated)'],
  [range('192.168.0.0/16'), 'private (RFC 1918)'],
  [range('198.18.0.0/15'), 'benchmarking (RFC 2544)'],
  [range('198.51.100.0/24'), 'documentation (TEST-NET-2)'],
  [range('203.0.113.0/24'), 'documentation (TEST-NET-3)'],
  [range('224.0.0.0/4'), 'multicast'],
  [range('255.255.255.255/32'), 'broadcast'],
  [range('240.0.0.0/4'), 'reserved'],
  // Public address space, but only ever meaningful from inside Azure (its platform endpoint).
  [range('168.63.129.16/32'), 'cloud metadata service'],
];

const V6_RULES: Rule[] = [
  [range('::/128'), 'unspecified'],
  [range('::1/128'), 'loopback'],
  [range('::ffff:0:0/96'), judgedByEmbedded('IPv4-mapped', 0n)],
  [range('::/96'), 'IPv4-compatible (deprecated)'],
  [range('64:ff9b::/96'), judgedByEmbedded('NAT64 of', 0n)],
  [range('64:ff9b:1::/48'), 'NAT64 local use'],
  [range('100::/64'), 'discard-only'],
  [range('2001:db8::/32'), 'documentation'],
  [range('2001::/23'), 'IETF protocol assignments (Teredo, benchmarking, ORCHID)'],
  [range('2002::/16'), judgedByEmbedded('6to4 of', 80n)],
  [range('3fff::/20'), 'documentation'],
  [range('fd00:ec2::254/128'), 'cloud metadata service'],
  [range('fc00::/7'), 'unique local (ULA)'],
  [range('fe80::/10'), 'link-local'],
  [range('fec0::/10'), 'site-local (deprecated)'],
  [range('ff00::/8'), 'multicast'],
];
const V6_GLOBAL_UNICAST = range('2000::/3');

export function classifyIp(ip: IpAddress): AddressClass {
  for (const [r, verdict] of ip.family === 4 ? V4_RULES : V6_RULES) {
    if (contains(r, ip)) return typeof verdict === 'string' ? { public: false, reason: verdict } : verdict(ip);
  }
  if (ip.family === 6 && !contains(V6_GLOBAL_UNICAST, ip)) return { public: false, reason: 'reserved (outside 2000::/3)' };
  return { public: true, reason: null };
}

/** True for a textual address that a fetch may reach without an allowlist entry; false for non-addresses. */
export function isPublicAddress(text: string): boolean {
  const ip = parseIp(text);
  return ip !== null && classifyIp(ip).public;
}

/** `::ffff:a.b.c.d` is a.b.c.d on the wire: compare allowlist entries in that one form. */
function canonical(ip: IpAddress): IpAddress {
  return ip.family === 6 && ip.value >> 32n === 0xffffn ? embeddedV4(ip, 0n) : ip;
}

// --- ALLOW_PRIVATE_UPSTREAMS ---

export interface Allowlist {
  /** `*`: every address. */
  any: boolean;
  /** Host names whose connections may go anywhere they resolve to (lower case, no trailing dot). */
  hosts: ReadonlySet<string>;
  /** Bare addresses (as /32 or /128) and CIDR ranges. */
  ranges: readonly Range[];
}

export class AllowlistError extends Error {
  override name = 'AllowlistError';
}

export function normalizeHost(host: string): string {
  let h = host.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

/**
 * Parses the entries of ALLOW_PRIVATE_UPSTREAMS: host names, bare IP addresses (that address
 * alone), CIDR ranges, or `*`. Throws AllowlistError naming the first entry it cannot read.
 */
export function parseAllowlist(entries: readonly string[]): Allowlist {
  let any = false;
  const hosts = new Set<string>();
  const ranges: Range[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === '') continue;
    if (entry === '*') {
      any = true;
      continue;
    }
    const bad = new AllowlistError(
      `ALLOW_PRIVATE_UPSTREAMS: "${entry}" is not a host name, an IP address, a CIDR range (10.0.0.0/8) or *`,
    );
    if (entry.includes('/')) {
      const [address, prefixText, ...rest] = entry.split('/');
      const ip = parseIp(address!);
      const prefix = Number(prefixText);
      if (!ip || rest.length > 0 || !/^\d{1,3}$/.test(prefixText!) || prefix > bits(ip.family)) throw bad;
      // A mapped-IPv4 range is an IPv4 range.
      const r =
        ip.family === 6 && prefix >= 96 && canonical(ip).family === 4
          ? { family: 4 as const, network: ip.value & 0xffffffffn, prefix: prefix - 96 }
          : { family: ip.family, network: ip.value, prefix };
      ranges.push({ ...r, network: r.network & mask(r.family, r.prefix) });
      continue;
    }
    const ip = parseIp(entry) ?? hostAsIp(entry);
    if (ip) {
      const c = canonical(ip);
      ranges.push({ family: c.family, network: c.value, prefix: bits(c.family) });
      continue;
    }
    const host = urlHostname(entry);
    if (host === null || !/^[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$/.test(host)) throw bad;
    hosts.add(normalizeHost(host));
  }
  return { any, hosts, ranges };
}

/** The host as WHATWG URL parsing reads it (`127.1` → `127.0.0.1`, `Bücher.de` → punycode), or null. */
function urlHostname(entry: string): string | null {
  if (/[/?#@:\\\s]/.test(entry)) return null;
  try {
    return new URL(`http://${entry}/`).hostname;
  } catch {
    return null;
  }
}

function hostAsIp(entry: string): IpAddress | null {
  const host = urlHostname(entry);
  return host === null ? null : parseIp(host);
}

/** May a connection made for `host` go to `address`? Public addresses always may. */
export function admits(allow: Allowlist, host: string, address: string): boolean {
  const ip = parseIp(address);
  if (!ip) return false;
  if (classifyIp(ip).public || allow.any) return true;
  if (allow.hosts.has(normalizeHost(host))) return true;
  const c = canonical(ip);
  return allow.ranges.some((r) => contains(r, c));
}

// --- URL-level check, before any connection ---

export interface Refusal {
  code: 'scheme' | 'blocked' | 'url';
  message: string;
}

export function blockedMessage(host: string, address: string): string {
  return `fetcher: ${host} resolves to ${address}, a private/loopback address; set ALLOW_PRIVATE_UPSTREAMS to allow it`;
}

/** RFC 6761 §6.3: `localhost` and names under it always mean the loopback interface. */
export function isLocalhostName(host: string): boolean {
  const h = normalizeHost(host);
  return h === 'localhost' || h.endsWith('.localhost');
}

/**
 * What can be refused from the URL alone: the scheme, an address-literal host (WHATWG parsing has
 * already turned `127.1`, `2130706433`, `0x7f.1`, `0177.0.0.1` into `127.0.0.1`), `localhost`
 * names, and user:password@ forms. Host names that resolve inward are caught at connection time.
 */
export function checkUpstreamUrl(url: URL, allow: Allowlist): Refusal | null {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { code: 'scheme', message: `fetcher: only http and https URLs can be fetched, not ${url.protocol}` };
  }
  const host = url.hostname;
  const literal = parseIp(host);
  if (literal) {
    if (!admits(allow, host, host)) return { code: 'blocked', message: blockedMessage(host, formatIp(literal)) };
  } else if (isLocalhostName(host)) {
    if (!admits(allow, host, '127.0.0.1') && !admits(allow, host, '::1')) {
      return { code: 'blocked', message: blockedMessage(host, '127.0.0.1') };
    }
  }
  if (url.username !== '' || url.password !== '') {
    return { code: 'url', message: 'fetcher: URLs with a user name or password (user:pass@host) are not supported' };
  }
  return null;
}
