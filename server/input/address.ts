/**
 * Classifies IP addresses for the SSRF rule: a source image may only be fetched from an
 * address that is publicly routable, unless private sources are allowed by config.
 *
 * Input is an address as Node reports it (`dns.lookup`, `socket.remoteAddress`) or a URL
 * hostname after WHATWG parsing, which already turns numeric forms such as `2130706433`,
 * `0x7f.1` or `017700000001` into `127.0.0.1`. Anything that is not a valid IPv4/IPv6
 * literal is `invalid`, hence not public.
 */
import { isIPv4, isIPv6 } from 'node:net';

export type AddressClass =
  | 'public'
  | 'unspecified' // 0.0.0.0/8, ::
  | 'loopback' // 127/8, ::1
  | 'private' // 10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10, 64:ff9b:1::/48
  | 'link-local' // 169.254/16 (cloud metadata 169.254.169.254), fe80::/10
  | 'shared' // 100.64/10, carrier-grade NAT
  | 'multicast' // 224/4, ff00::/8
  | 'reserved' // documentation, benchmarking, 240/4, broadcast, IPv6 outside 2000::/3...
  | 'invalid';

type V4Range = readonly [base: number, prefix: number, cls: AddressClass];

const V4_RANGES: readonly V4Range[] = [
  [ip4(0, 0, 0, 0), 8, 'unspecified'],
  [ip4(10, 0, 0, 0), 8, 'private'],
  [ip4(100, 64, 0, 0), 10, 'shared'],
  [ip4(127, 0, 0, 0), 8, 'loopback'],
  [ip4(169, 254, 0, 0), 16, 'link-local'],
  [ip4(172, 16, 0, 0), 12, 'private'],
  [ip4(192, 0, 0, 0), 24, 'reserved'], // IETF protocol assignments
  [ip4(192, 0, 2, 0), 24, 'reserved'], // TEST-NET-1
  [ip4(192, 88, 99, 0), 24, 'reserved'], // 6to4 relay anycast (deprecated)
  [ip4(192, 168, 0, 0), 16, 'private'],
  [ip4(198, 18, 0, 0), 15, 'reserved'], // benchmarking
  [ip4(198, 51, 100, 0), 24, 'reserved'], // TEST-NET-2
  [ip4(203, 0, 113, 0), 24, 'reserved'], // TEST-NET-3
  [ip4(224, 0, 0, 0), 4, 'multicast'],
  [ip4(240, 0, 0, 0), 4, 'reserved'], // includes 255.255.255.255
];

function ip4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

function inV4(addr: number, base: number, prefix: number): boolean {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return ((addr & mask) >>> 0) === base;
}

function classifyV4(addr: number): AddressClass {
  for (const [base, prefix, cls] of V4_RANGES) {
    if (inV4(addr, base, prefix)) return cls;
  }
  return 'public';
}

/** Strict dotted quad (what net.isIPv4 accepts) to a uint32. */
function parseV4(s: string): number {
  const p = s.split('.');
  return ip4(Number(p[0]), Number(p[1]), Number(p[2]), Number(p[3]));
}

/** IPv6 literal (already validated by net.isIPv6, zone id stripped) to 8 words. */
function parseV6(s: string): number[] {
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    const v4 = parseV4(s.slice(lastColon + 1));
    tail = [v4 >>> 16, v4 & 0xffff];
    s = s.slice(0, lastColon + 1);
    if (!s.endsWith('::')) s = s.slice(0, -1);
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const words = (part: string | undefined) => (part ? part.split(':').map((w) => parseInt(w, 16)) : []);
  const h = words(head);
  const r = words(rest);
  const zeros = rest === undefined ? [] : new Array(8 - h.length - r.length - tail.length).fill(0);
  return [...h, ...zeros, ...r, ...tail];
}

function embeddedV4(w: number[], hi: number, lo: number): number {
  return ((w[hi] << 16) | w[lo]) >>> 0;
}

function classifyV6(w: number[]): AddressClass {
  const zeroUpTo = (n: number) => w.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(8)) return 'unspecified';
  if (zeroUpTo(7) && w[7] === 1) return 'loopback';
  // Forms that embed an IPv4 address are judged by that address: ::ffff:a.b.c.d (mapped),
  // ::a.b.c.d (compatible, deprecated), ::ffff:0:a.b.c.d (translated), 64:ff9b::/96 (NAT64)
  // and 2002::/16 (6to4). Otherwise ::ffff:127.0.0.1 would reach the loopback interface.
  if (zeroUpTo(5) && w[5] === 0xffff) return classifyV4(embeddedV4(w, 6, 7));
  if (zeroUpTo(6)) return classifyV4(embeddedV4(w, 6, 7));
  if (zeroUpTo(4) && w[4] === 0xffff && w[5] === 0) return classifyV4(embeddedV4(w, 6, 7));
  if (w[0] === 0x64 && w[1] === 0xff9b && w.slice(2, 6).every((x) => x === 0)) {
    return classifyV4(embeddedV4(w, 6, 7));
  }
  if (w[0] === 0x64 && w[1] === 0xff9b && w[2] === 1) return 'private'; // local-use NAT64
  if (w[0] === 0x2002) return classifyV4(embeddedV4(w, 1, 2));
  if ((w[0] & 0xfe00) === 0xfc00) return 'private'; // unique local fc00::/7
  if ((w[0] & 0xffc0) === 0xfe80) return 'link-local';
  if ((w[0] & 0xffc0) === 0xfec0) return 'private'; // site-local (deprecated)
  if ((w[0] & 0xff00) === 0xff00) return 'multicast';
  // 2001::/23 holds Teredo (2001::/32, which tunnels to an arbitrary IPv4 address),
  // benchmarking and ORCHID; 2001:db8::/32 is documentation.
  if (w[0] === 0x2001 && (w[1] & 0xfe00) === 0) return 'reserved';
  if (w[0] === 0x2001 && w[1] === 0x0db8) return 'reserved';
  // Only 2000::/3 is allocated as global unicast.
  if ((w[0] & 0xe000) !== 0x2000) return 'reserved';
  return 'public';
}

/** Which kind of address this is; anything but a valid IPv4/IPv6 literal is `invalid`. */
export function classifyAddress(address: string): AddressClass {
  let s = address;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (isIPv4(s)) return classifyV4(parseV4(s));
  const zone = s.indexOf('%');
  if (zone !== -1) s = s.slice(0, zone);
  if (isIPv6(s)) return classifyV6(parseV6(s));
  return 'invalid';
}

/** True when a source may be fetched from this address with private sources disallowed. */
export function isPublicAddress(address: string): boolean {
  return classifyAddress(address) === 'public';
}
