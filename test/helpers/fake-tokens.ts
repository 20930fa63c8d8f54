/**
 * Deterministic fake HubSpot credentials for tests, fixtures and benchmarks. Nothing here is a real
 * credential; values are generated at run time so that no token-shaped literal sits in the repository
 * (GitHub push protection and our own self-scan stay quiet).
 */
import { createHash } from 'node:crypto';

/** A seeded byte stream (SHA-256 in counter mode). */
export class Rng {
  private counter = 0;
  private pool: Buffer = Buffer.alloc(0);
  constructor(private readonly seed: string) {}

  bytes(n: number): Buffer {
    while (this.pool.length < n) {
      const block = createHash('sha256').update(`${this.seed}:${this.counter++}`).digest();
      this.pool = Buffer.concat([this.pool, block]);
    }
    const out = this.pool.subarray(0, n);
    this.pool = this.pool.subarray(n);
    return Buffer.from(out);
  }

  int(max: number): number {
    return this.bytes(4).readUInt32BE(0) % max;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

const HUBLETS = ['na1', 'na2', 'na3', 'eu1', 'ap1'] as const;
export const hublets: readonly string[] = HUBLETS;

function hex(rng: Rng, n: number): string {
  return rng.bytes(Math.ceil(n / 2)).toString('hex').slice(0, n);
}

/** A random v4 UUID. */
export function fakeUuid(rng: Rng): string {
  const b = rng.bytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function fakePrivateAppToken(rng: Rng, hublet = 'na1'): string {
  return ['pat', hublet, fakeUuid(rng)].join('-');
}

/** `<hublet>-xxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`: refresh tokens and new-style developer keys. */
export function fakeHubHex(rng: Rng, hublet = 'na1'): string {
  return [hublet, hex(rng, 4), hex(rng, 4), hex(rng, 4), hex(rng, 4), hex(rng, 12)].join('-');
}

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}

function lenField(field: number, data: Buffer): Buffer {
  return Buffer.concat([varint(field * 8 + 2), varint(data.length), data]);
}

function varField(field: number, n: number): Buffer {
  return Buffer.concat([varint(field * 8), varint(n)]);
}

/** HubSpot CLI personal access key: base64url protobuf whose field 1 is a hublet-hex id. */
export function fakePersonalAccessKey(rng: Rng, hublet = 'na1'): string {
  const buf = Buffer.concat([
    lenField(1, Buffer.from(fakeHubHex(rng, hublet), 'latin1')),
    lenField(2, rng.bytes(16)),
    varField(3, 1000000 + rng.int(90000000)),
    lenField(4, rng.bytes(20)),
    lenField(9, Buffer.from(hublet, 'latin1')),
  ]);
  return buf.toString('base64url');
}

/** HubSpot OAuth access token: base64url protobuf, field 1 a varint (so it starts with `C`). */
export function fakeOAuthAccessToken(rng: Rng, hublet?: string): string {
  const parts = [
    varField(1, 1_600_000_000_000 + rng.int(2 ** 31)),
    lenField(2, Buffer.from([1, 1])),
    varField(3, 1000 + rng.int(50_000_000)),
    varField(4, 100_000 + rng.int(900_000)),
    varField(5, 10_000 + rng.int(90_000)),
    lenField(6, rng.bytes(25)),
  ];
  if (hublet) parts.push(lenField(7, Buffer.from(hublet, 'latin1')));
  return Buffer.concat(parts).toString('base64url');
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export function fakeSmtpPassword(rng: Rng, length = 30): string {
  for (;;) {
    const s = [...rng.bytes(length)].map((b) => ALNUM[b % ALNUM.length]).join('');
    if (/[a-z]/i.test(s) && /\d/.test(s)) return s;
  }
}

export function fakeSmtpUser(rng: Rng, portal = 1234567): string {
  const s = [...rng.bytes(10)].map((b) => ALNUM[b % 36]!.toLowerCase()).join('');
  return `${s}@${portal}.smtp.hubspot.net`;
}

/** One generated value of each kind, keyed by kind name (handy in tests). */
export function fakeAll(seed: string): Record<string, string> {
  const rng = new Rng(seed);
  return {
    pat: fakePrivateAppToken(rng),
    refresh: fakeHubHex(rng),
    uuid: fakeUuid(rng),
    pak: fakePersonalAccessKey(rng),
    oauth: fakeOAuthAccessToken(rng),
    smtp: fakeSmtpPassword(rng),
  };
}
