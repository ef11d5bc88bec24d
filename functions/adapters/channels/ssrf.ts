/**
 * Where a webhook may go. A webhook URL is typed by a merchant (or whoever took over their
 * admin key), so the sender must not become a way into the network it runs in: the instance
 * metadata service (169.254.169.254, fd00:ec2::254), the VPC, localhost. Every address a name
 * resolves to is checked, and the connection is made to the address that was checked.
 */
import { isIP } from 'node:net';

/** Why an address is refused, or undefined when it is a public unicast address. */
export function refusedAddress(address: string): string | undefined {
  const family = isIP(address.split('%')[0] ?? '');
  if (family === 4) return refusedIpv4(parseIpv4(address));
  if (family === 6) return refusedIpv6(parseIpv6(address));
  return 'not an IP address';
}

/** Whether an address is a loopback address (127.0.0.0/8, ::1, or an IPv4-mapped 127.x). */
export function isLoopback(address: string): boolean {
  const family = isIP(address.split('%')[0] ?? '');
  if (family === 4) return parseIpv4(address) >>> 24 === 127;
  if (family !== 6) return false;
  const words = parseIpv6(address);
  if (words.every((word, i) => word === (i === 7 ? 1 : 0))) return true;
  const mapped = embeddedIpv4(words);
  return mapped !== undefined && mapped.kind === 'mapped' && mapped.address >>> 24 === 127;
}

/**
 * Host names that reach cloud metadata services or internal zones whatever they resolve to
 * (a resolver inside the cloud answers them with link-local or private addresses anyway).
 */
const METADATA_NAMES = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'metadata.azure.com',
  'instance-data',
  'instance-data.ec2.internal',
]);

/** Why a host name is refused before it is resolved, or undefined. */
export function refusedName(hostname: string): string | undefined {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (METADATA_NAMES.has(name)) return 'a cloud metadata service name';
  if (name.endsWith('.internal')) return 'an internal zone name (.internal)';
  return undefined;
}

// ---- IPv4 -------------------------------------------------------------------------------------

const parseIpv4 = (address: string): number =>
  address.split('.').reduce((value, part) => value * 256 + Number(part), 0) >>> 0;

const v4 = (text: string, bits: number): [number, number, string] => {
  const [address = '', reason = ''] = text.split(' ');
  return [parseIpv4(address), bits, reason];
};

/** IANA special-purpose IPv4 blocks (RFC 6890 and after) that a webhook must never reach. */
const IPV4_BLOCKS: readonly [number, number, string][] = [
  v4('0.0.0.0 this-network', 8),
  v4('10.0.0.0 private', 8),
  v4('100.64.0.0 carrier-grade-NAT', 10),
  v4('127.0.0.0 loopback', 8),
  v4('169.254.0.0 link-local', 16),
  v4('172.16.0.0 private', 12),
  v4('192.0.0.0 IETF-protocol-assignments', 24),
  v4('192.0.2.0 documentation', 24),
  v4('192.88.99.0 6to4-relay-anycast', 24),
  v4('192.168.0.0 private', 16),
  v4('198.18.0.0 benchmarking', 15),
  v4('198.51.100.0 documentation', 24),
  v4('203.0.113.0 documentation', 24),
  v4('224.0.0.0 multicast', 4),
  v4('240.0.0.0 reserved', 4),
];

function refusedIpv4(address: number): string | undefined {
  for (const [block, bits, reason] of IPV4_BLOCKS) {
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    if ((address & mask) >>> 0 === block) return reason;
  }
  return undefined;
}

// ---- IPv6 -------------------------------------------------------------------------------------

/** The eight 16-bit words of a valid IPv6 address (net.isIP has checked it); a zone id is dropped. */
function parseIpv6(address: string): number[] {
  let text = address.split('%')[0] ?? '';
  const tail: number[] = [];
  const dotted = text.match(/:(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted?.[1]) {
    const value = parseIpv4(dotted[1]);
    tail.push(value >>> 16, value & 0xffff);
    text = text.slice(0, -dotted[1].length); // keeps the colon before it: "::" stays "::", "…:" loses it
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const words = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((word) => Number.parseInt(word, 16));
  const [head = '', rest] = text.split('::');
  const left = words(head);
  const right = rest === undefined ? [] : words(rest);
  const missing = 8 - tail.length - left.length - right.length;
  return [...left, ...new Array<number>(rest === undefined ? 0 : missing).fill(0), ...right, ...tail];
}

type Embedded = { kind: 'mapped' | 'compatible' | 'nat64' | '6to4'; address: number };

/** The IPv4 address an IPv6 form carries, where the network routes it as that IPv4 address. */
function embeddedIpv4(words: readonly number[]): Embedded | undefined {
  const w = (i: number): number => words[i] ?? 0;
  const low = ((w(6) << 16) | w(7)) >>> 0;
  const zeros = (from: number, to: number): boolean => words.slice(from, to).every((word) => word === 0);
  if (zeros(0, 5) && w(5) === 0xffff) return { kind: 'mapped', address: low }; // ::ffff:a.b.c.d
  if (zeros(0, 4) && w(4) === 0xffff && w(5) === 0) return { kind: 'mapped', address: low }; // ::ffff:0:a.b.c.d (SIIT)
  if (zeros(0, 6) && low > 1) return { kind: 'compatible', address: low }; // ::a.b.c.d (deprecated)
  if (w(0) === 0x64 && w(1) === 0xff9b && zeros(2, 6)) return { kind: 'nat64', address: low }; // 64:ff9b::/96
  if (w(0) === 0x2002) return { kind: '6to4', address: ((w(1) << 16) | w(2)) >>> 0 }; // 2002::/16
  return undefined;
}

function refusedIpv6(words: readonly number[]): string | undefined {
  const w = (i: number): number => words[i] ?? 0;
  if (words.every((word) => word === 0)) return 'unspecified';
  if (words.every((word, i) => word === (i === 7 ? 1 : 0))) return 'loopback';
  const embedded = embeddedIpv4(words);
  if (embedded) {
    const reason = refusedIpv4(embedded.address);
    return reason === undefined ? undefined : `${reason} (IPv4 in an IPv6 ${embedded.kind} address)`;
  }
  if (w(0) === 0x64 && w(1) === 0xff9b && w(2) === 1) return 'local-use NAT64';
  if (w(0) === 0x100 && w(1) === 0 && w(2) === 0 && w(3) === 0) return 'discard-only';
  if (w(0) === 0x2001 && w(1) === 0) return 'Teredo';
  if (w(0) === 0x2001 && w(1) === 0xdb8) return 'documentation';
  if (w(0) === 0x3fff && w(1) >>> 12 === 0) return 'documentation';
  if ((w(0) & 0xfe00) === 0xfc00) return 'unique-local';
  if ((w(0) & 0xffc0) === 0xfe80) return 'link-local';
  if ((w(0) & 0xffc0) === 0xfec0) return 'site-local';
  if ((w(0) & 0xff00) === 0xff00) return 'multicast';
  return undefined;
}
