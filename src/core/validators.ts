/**
 * Named checks a matched secret must pass (rules name them in `validators`). Pure functions.
 */

const HUBHEX = /^[a-z]{2}\d{1,2}-[0-9a-f]{4}(?:[0-9a-f]{4})?-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ASCENDING = '0123456789abcdefghijklmnopqrstuvwxyz';
/** Every 8 characters in a row of ASCENDING, forwards and backwards (`abcdefgh`, `87654321`). */
const COUNTING = new Set<string>();
for (const seq of [ASCENDING, [...ASCENDING].reverse().join('')]) for (let i = 0; i + 8 <= seq.length; i++) COUNTING.add(seq.slice(i, i + 8));

/** Shannon entropy in bits per character. */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * The UUIDs documentation is full of (RFC 4122's example and namespaces, Swagger / OpenAPI's default,
 * the uuid libraries' and Wikipedia's examples), without dashes: a value holding one is copied from
 * docs, never a live secret.
 */
const EXAMPLE_UUIDS = [
  '550e8400e29b41d4a716446655440000',
  'f47ac10b58cc4372a5670e02b2c3d479',
  '123e4567e89b12d3a456426614174000',
  '123e4567e89b12d3a456426655440000',
  '3fa85f6457174562b3fc2c963f66afa6',
  '6ba7b8109dad11d180b400c04fd430c8',
  '6ba7b8119dad11d180b400c04fd430c8',
  '6ba7b8129dad11d180b400c04fd430c8',
  '6ba7b8149dad11d180b400c04fd430c8',
  '1b4e28ba2fa111d2883f0016d3cca427',
  'a8098c1af86e11dabd1a00112444be1e',
];

export const isDigitCode = (c: number): boolean => c >= 48 && c <= 57;

/**
 * 8 characters in a row made of two interleaved sequences, one of letters and one of digits, that
 * each count or repeat alike (`a1b2c3d4`, `1a2b3c4d`, `a0a0a0a0`): hand-typed. A random UUID holds
 * one about once in 2.5 million (4 of 10 million measured; the checks above take 4 more).
 */
function interleaved(s: string): boolean {
  for (let i = 0; i + 8 <= s.length; i++) {
    const step = s.charCodeAt(i + 2) - s.charCodeAt(i);
    if (step < -1 || step > 1 || s.charCodeAt(i + 3) - s.charCodeAt(i + 1) !== step) continue;
    const digitFirst = isDigitCode(s.charCodeAt(i));
    let k = 0;
    while (k < 8 && isDigitCode(s.charCodeAt(i + k)) === (k % 2 === 0 ? digitFirst : !digitFirst)) k++;
    if (k < 8) continue;
    k = 2;
    while (k < 6 && s.charCodeAt(i + k + 2) - s.charCodeAt(i + k) === step) k++;
    if (k === 6) return true;
  }
  return false;
}

/**
 * At least 3 in 4 characters are in short counting pieces of digits or of letters (`abcd1234-ab12-
 * cd34-ef56-abcdef123456`): hand-typed. In random hex a character counts on from the one before
 * (same kind, one up) once in 18; 12 such steps in 31 happen about once in ten million.
 */
function stepwise(s: string): boolean {
  if (s.length < 16) return false;
  let marked = 0;
  let prevMarked = false;
  for (let i = 1; i < s.length; i++) {
    const a = s.charCodeAt(i - 1);
    const b = s.charCodeAt(i);
    const step = b - a === 1 && isDigitCode(a) === isDigitCode(b);
    if (step) marked += prevMarked ? 1 : 2;
    prevMarked = step;
  }
  return marked * 4 >= s.length * 3;
}

/**
 * True when `body` looks like a documentation placeholder rather than a random value:
 * long runs of one character, few distinct characters, counting sequences (8 or more), two
 * interleaved ones, short counting pieces throughout, or a UUID documentation is full of.
 */
export function looksLikePlaceholder(body: string): boolean {
  const s = body.toLowerCase().replace(/[-_]/g, '');
  if (s.length === 0) return true;
  // Runs of 8: a random 32-hex value holds a run of 6 about once in 30,000 — that would be a real
  // token missed — but one of 8 only once in ten million; documentation placeholders have long runs.
  if (/(.)\1{7}/.test(s)) return true;
  if (new Set(s).size < Math.min(8, Math.ceil(s.length / 3))) return true;
  for (let i = 0; i + 8 <= s.length; i++) if (COUNTING.has(s.slice(i, i + 8))) return true;
  if (/x{4}|example|sample|dummy|placeholder|redacted|changeme|your/i.test(body)) return true;
  if (interleaved(s) || stepwise(s)) return true;
  return EXAMPLE_UUIDS.some((e) => s.includes(e));
}

/** Decode base64 or base64url (padding optional). Returns null on characters outside both alphabets. */
export function decodeBase64(s: string): Buffer | null {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(s)) return null;
  return Buffer.from(s, 'base64');
}

interface ProtoField {
  field: number;
  wire: number;
  bytes?: Buffer;
}

/** Reads protobuf fields until the buffer ends or something does not parse. */
export function readProtobuf(buf: Buffer, maxFields = 64): { fields: ProtoField[]; consumed: number; ok: boolean } {
  const fields: ProtoField[] = [];
  let pos = 0;
  const varint = (): number | null => {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= buf.length) return null;
      const b = buf[pos++]!;
      if (shift < 49) result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
    return null;
  };
  while (pos < buf.length && fields.length < maxFields) {
    const start = pos;
    const key = varint();
    if (key === null) return { fields, consumed: start, ok: false };
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field < 1) return { fields, consumed: start, ok: false };
    if (wire === 0) {
      if (varint() === null) return { fields, consumed: start, ok: false };
      fields.push({ field, wire });
    } else if (wire === 2) {
      const len = varint();
      if (len === null || pos + len > buf.length) return { fields, consumed: start, ok: false };
      fields.push({ field, wire, bytes: buf.subarray(pos, pos + len) });
      pos += len;
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (pos + n > buf.length) return { fields, consumed: start, ok: false };
      pos += n;
      fields.push({ field, wire });
    } else {
      return { fields, consumed: start, ok: false };
    }
  }
  return { fields, consumed: pos, ok: true };
}

/** HubSpot CLI personal access key: protobuf whose field 1 is a `<hublet>-xxxx-…` string. */
export function isPersonalAccessKey(secret: string): boolean {
  const buf = decodeBase64(secret);
  if (!buf || buf.length < 40) return false;
  const { fields } = readProtobuf(buf, 4);
  const first = fields[0];
  if (!first || first.field !== 1 || first.wire !== 2 || !first.bytes) return false;
  const inner = first.bytes.toString('latin1');
  return HUBHEX.test(inner) && !looksLikePlaceholder(inner.slice(inner.indexOf('-') + 1));
}

/** HubSpot OAuth access token: base64url protobuf starting with a varint field 1 and parsing on. */
export function isOAuthAccessToken(secret: string): boolean {
  const buf = decodeBase64(secret);
  if (!buf || buf.length < 40 || buf[0] !== 0x08) return false;
  const { fields, ok, consumed } = readProtobuf(buf);
  if (fields.length < 4 || fields[0]!.field !== 1) return false;
  // Tokens are protobuf to the end; allow a little slop for base64 padding bits.
  return ok || consumed >= buf.length - 2;
}

function bodyAfterPrefix(secret: string): string {
  // Strip `pat-na1-` / `na1-` style prefixes; what is left is the random part.
  return secret.replace(/^pat-[a-z]{2}\d{1,2}-/i, '').replace(/^[a-z]{2}\d{1,2}-/i, '');
}

export const VALIDATORS: Readonly<Record<string, (secret: string) => boolean>> = {
  'not-placeholder': (s) => !looksLikePlaceholder(bodyAfterPrefix(s)),
  'personal-access-key': isPersonalAccessKey,
  'oauth-access-token': isOAuthAccessToken,
  /** Mixed letters and digits, as generated passwords are. */
  'mixed-alnum': (s) => /[a-z]/i.test(s) && /\d/.test(s) && !looksLikePlaceholder(s),
};

/** The random part of a secret, for the entropy floor. */
export function randomPart(secret: string): string {
  return bodyAfterPrefix(secret).replace(/-/g, '');
}
