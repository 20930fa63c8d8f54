/**
 * The byte passes (src/core/bytes.ts, in WebAssembly) give exactly what their JavaScript twins give:
 * UUID shapes, base64 runs, and every place a literal of a set starts. detect() on bytes equals
 * detect() on the text alone (also in prefilter.test.ts, on generated documents).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ByteText, literalSet } from '../src/core/bytes.js';
import { detect } from '../src/core/detect.js';
import { base64Runs, uuidShapes } from '../src/core/prefilter.js';
import { SCAN_WASM } from '../src/core/scan-wasm.js';
import { decodeBytes } from '../src/core/text.js';
import { builtinRuleSet } from '../src/rules/index.js';
import { assemble } from '../scripts/wasm.mjs';
import { fakePrivateAppToken, fakeUuid, Rng } from './helpers/fake-tokens.js';

const ascii = (s: string): Uint8Array => Buffer.from(s, 'latin1');

/** A short text dense in what the passes look for: hex, dashes, base64 characters, literal pieces. */
function dense(rng: Rng): string {
  const pieces = ['-', '-', 'a', 'F', '0', '9', 'g', 'Z', '+', '/', '_', '=', '.', ' ', '\n', '"', 'hapikey', 'HAPI', 'smtp.hub', 'pat-', 'ci', '\t'];
  const hexRate = rng.int(10) / 10;
  const hex = (k: number): string => Array.from({ length: k }, () => '0123456789abcdefABCDEFg'[rng.int(23)]).join('');
  let s = '';
  const n = rng.int(300);
  while (s.length < n) {
    const r = rng.int(20);
    // A UUID shape's middle (`-hhhh-hhhh-hhhh-`), a group of it too short or too long, or a piece.
    if (r === 0) s += `-${hex(4)}-${hex(4)}-${hex(4)}-`;
    else if (r === 1) s += `-${hex(4)}-${hex(3 + rng.int(3))}-${hex(4)}`;
    else s += rng.int(10) < hexRate * 10 ? '0123456789abcdef'[rng.int(16)] : rng.pick(pieces);
  }
  return s;
}

/** Every place in [start, end) of `s` where a literal starts (case-insensitive), with the longest there. */
function literalHits(s: string, literals: string[], start: number, end: number): [number, string][] {
  const out: [number, string][] = [];
  for (let i = start; i < end; i++) {
    const here = literals.filter((l) => s.slice(i, i + l.length).toLowerCase() === l.toLowerCase());
    if (here.length) out.push([i, here.sort((a, b) => b.length - a.length)[0]!.toLowerCase()]);
  }
  return out;
}

describe('the WebAssembly module', () => {
  it('is what scripts/wasm.mjs assembles from src/core/scan.wat (edit the .wat, then npm run build)', async () => {
    const generated = readFileSync(new URL('../src/core/scan-wasm.ts', import.meta.url), 'utf8');
    expect(await assemble()).toBe(generated);
    expect(SCAN_WASM.length).toBeGreaterThan(100);
  });
});

describe('byte passes equal their JavaScript twins', () => {
  it('UUID shapes and base64 runs of 16 to 64 characters (3,000 dense texts)', () => {
    const rng = new Rng('bytes-shapes');
    let shapes = 0;
    let runs = 0;
    for (let i = 0; i < 3000; i++) {
      const s = dense(rng);
      const b = new ByteText(ascii(s));
      expect(b.uuidShapes(), JSON.stringify(s)).toEqual(uuidShapes(s));
      shapes += uuidShapes(s).length;
      for (const min of [16, 17, 31, 40, 41, 64]) {
        expect(b.base64Runs(min), `${min} ${JSON.stringify(s)}`).toEqual(base64Runs(s, min));
        runs += base64Runs(s, min).length;
      }
    }
    expect(shapes).toBeGreaterThan(100);
    expect(runs).toBeGreaterThan(1000);
  });

  it('every byte value: base64 or not, hex or not, as the JavaScript passes read it', () => {
    for (let c = 0; c < 256; c++) {
      const ch = String.fromCharCode(c);
      const run = `${'A'.repeat(20)}${ch}${'B'.repeat(24)}`;
      expect(new ByteText(Buffer.from(run, 'latin1')).base64Runs(40), `0x${c.toString(16)}`).toEqual(base64Runs(run, 40));
      const shape = `x-${ch}bcd-1234-abcd-y`;
      expect(new ByteText(Buffer.from(shape, 'latin1')).uuidShapes(), `0x${c.toString(16)}`).toEqual(uuidShapes(shape));
    }
    expect(base64Runs(`${'A'.repeat(20)}_${'B'.repeat(24)}`, 40)).toEqual([0, 45]);
    expect(uuidShapes('x-fbcd-1234-abcd-y')).toEqual([1]);
  });

  it('go on past what one call returns: 10,000 UUID shapes and 5,000 runs in one text', () => {
    const rng = new Rng('bytes-many');
    const uuids = Array.from({ length: 10_000 }, () => fakeUuid(rng)).join(' ');
    expect(new ByteText(ascii(uuids)).uuidShapes()).toEqual(uuidShapes(uuids));
    expect(uuidShapes(uuids)).toHaveLength(10_000);
    const runs = Array.from({ length: 5000 }, (_, i) => 'A'.repeat(40 + (i % 30))).join('.');
    expect(new ByteText(ascii(runs)).base64Runs(40)).toEqual(base64Runs(runs, 40));
    expect(base64Runs(runs, 40)).toHaveLength(10_000);
  });

  it('refuse base64 runs shorter than 16 (the pass tests 16 characters at a time)', () => {
    expect(() => new ByteText(ascii('x')).base64Runs(15)).toThrow(/16 at least/);
  });

  it('literals: every place one starts, case-insensitive, with the longest there, in any range, whatever the batch size (3,000 dense texts)', () => {
    const rng = new Rng('bytes-literals');
    const sets = [['hapikey'], ['smtp.hub', 'HAPIKEY', 'hapi', 'pat-'], ['ci', 'cir', 'civ'], ['-'], ['a-f', '"\t', 'zz9', 'A-F0']];
    let hits = 0;
    for (let i = 0; i < 3000; i++) {
      const s = dense(rng);
      const literals = sets[i % sets.length]!;
      const set = literalSet(literals)!;
      const start = rng.int(20);
      const end = Math.max(start, s.length - rng.int(20));
      const got: [number, string][] = [];
      new ByteText(ascii(s)).someLiteral(set, start, end, 1 + rng.int(8), (at, n) => {
        got.push([at, set.literals[n]!]);
        return false;
      });
      const want = literalHits(s, literals, start, end);
      expect(got, `${literals.join('|')} ${start}-${end} ${JSON.stringify(s)}`).toEqual(want);
      hits += want.length;
    }
    expect(hits).toBeGreaterThan(1000);
  });

  it('literals over many ranges in few calls: what each range gives alone, past 1,024 ranges and 2,048 hits a call', () => {
    const rng = new Rng('bytes-ranges');
    const set = literalSet(['ab', 'abc', 'key', 'x'])!;
    for (const [words, ranges] of [[50, 20], [20_000, 20], [20_000, 3000]] as const) {
      // Hits next to each other (`xx`): a call that stops at one must go on at the very next place.
      const s = Array.from({ length: words }, () => rng.pick(['ab', 'ABC', 'x', 'X', 'key', '--', 'kex'])).join('');
      const cuts = [...new Set(Array.from({ length: ranges * 2 }, () => rng.int(s.length + 1)))].sort((a, b) => a - b);
      const list: { start: number; end: number }[] = [];
      for (let k = 0; k + 1 < cuts.length; k += 2) list.push({ start: cuts[k]!, end: cuts[k + 1]! });
      // One range over most of the text: more hits than one call gives.
      if (ranges === 20) list.push({ start: list[list.length - 1]!.end, end: s.length });
      const b = new ByteText(ascii(s));
      const want: [number, string, number][] = [];
      list.forEach((w, k) =>
        b.someLiteral(set, w.start, w.end, 64, (i, n) => {
          want.push([i, set.literals[n]!, k]);
          return false;
        }),
      );
      const got: [number, string, number][] = [];
      b.eachLiteralIn(set, list, (i, n, k) => got.push([i, set.literals[n]!, k]));
      expect(got).toEqual(want);
      expect(want.length).toBeGreaterThan(words === 50 ? 5 : 2048);
    }
    // A hit at every place: each call stops at one, and the next goes on at the very next place.
    const xs = new ByteText(ascii('x'.repeat(10_000)));
    const all: number[] = [];
    xs.eachLiteralIn(set, [{ start: 1, end: 9_999 }], (i, n, k) => all.push(i + (n === set.literals.indexOf('x') && k === 0 ? 0 : 0.5)));
    expect(all).toEqual(Array.from({ length: 9_998 }, (_, i) => i + 1));
  });

  it('literals longer than 16 characters: their places where the first 16 are (the caller checks the rest)', () => {
    const long = 'x-hubspot-api-key-of-the-app';
    const set = literalSet([long, 'x-hub'])!;
    expect(set.long).toBe(true);
    const s = `a ${long} b ${long.slice(0, 16)}Q c X-HUB d`;
    const got: [number, string][] = [];
    new ByteText(ascii(s)).someLiteral(set, 0, s.length, 8, (at, n) => {
      got.push([at, set.literals[n]!]);
      return false;
    });
    expect(got).toEqual([
      [2, long],
      [33, long],
      [53, 'x-hub'],
    ]);
    expect(literalSet(['hubspot'])!.long).toBe(false);
  });

  it('literals stop at the first place the caller takes, and the caller may run another pass meanwhile', () => {
    const s = 'x hubspot y HUBSPOT z hubspot';
    const b = new ByteText(ascii(s));
    const seen: number[] = [];
    const set = literalSet(['hubspot'])!;
    expect(
      b.someLiteral(set, 0, s.length, 1, (i) => {
        seen.push(i);
        // Another pass (and another text) in between: the places already found stay.
        new ByteText(ascii('-aaaa-bbbb-cccc-')).uuidShapes();
        b.uuidShapes();
        return seen.length === 2;
      }),
    ).toBe(true);
    expect(seen).toEqual([2, 12]);
  });

  it('a literal set with a character outside ASCII (a case-insensitive regex may match it otherwise), a NUL or over 255 literals is not taken', () => {
    expect(literalSet(['clé'])).toBeNull();
    expect(literalSet(['ſecret'])).toBeNull();
    expect(literalSet([])).toBeNull();
    expect(literalSet(['a', ''])).toBeNull();
    expect(literalSet(['a\0'])).toBeNull();
    expect(literalSet(Array.from({ length: 256 }, (_, i) => `k${i}`))).toBeNull();
    expect(literalSet(['smtp.hub'])).toBe(literalSet(['smtp.hub']));
  });

  it('the same array holding another text later (a reused read buffer) is read again', () => {
    const rng = new Rng('bytes-reuse');
    const buf = Buffer.alloc(64, ' ');
    buf.write(`-${fakeUuid(rng).slice(9)}`, 0, 'latin1');
    const first = new ByteText(buf).uuidShapes();
    buf.fill(' ');
    buf.write(`x = -${fakeUuid(rng).slice(9)}`, 0, 'latin1');
    expect(first).toEqual([0]);
    expect(new ByteText(buf).uuidShapes()).toEqual([4]);
  });
});

describe('decodeBytes gives the bytes only when each is one character', () => {
  it('ASCII and invalid single bytes: yes; multi-byte UTF-8, UTF-16: no; after a BOM, the bytes past it', () => {
    expect(decodeBytes(ascii('a = 1\n')).kind === 'text' && (decodeBytes(ascii('a = 1\n')) as { bytes?: Uint8Array }).bytes).toBeTruthy();
    const bytesOf = (b: Uint8Array): Uint8Array | undefined => {
      const d = decodeBytes(b);
      return d.kind === 'text' ? d.bytes : undefined;
    };
    expect(bytesOf(Buffer.from([0x61, 0xff, 0x62]))).toHaveLength(3);
    expect(bytesOf(Buffer.from('é = 1', 'utf8'))).toBeUndefined();
    expect(bytesOf(Buffer.from([0xe2, 0x82, 0x61]))).toBeUndefined();
    expect(bytesOf(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a = 1', 'utf16le')]))).toBeUndefined();
    const bom = bytesOf(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), ascii('k = 1')]));
    expect(bom && Buffer.from(bom).toString('latin1')).toBe('k = 1');
  });

  it('detect() on a file with a BOM or an invalid byte before a token finds it where the text has it', () => {
    const rng = new Rng('bytes-detect');
    const token = fakePrivateAppToken(rng, 'eu1');
    for (const head of [Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from([0x80, 0xff]), Buffer.alloc(0)]) {
      const file = Buffer.concat([head, ascii(`// HubSpot\nconst token = "${token}";\n`)]);
      const d = decodeBytes(file);
      if (d.kind !== 'text') throw new Error('binary');
      const onBytes = detect({ text: d.text, path: 'a.ts', bytes: d.bytes }, builtinRuleSet());
      expect(onBytes.map((m) => [m.secret === token, m.line, m.column])).toEqual([[true, 2, 16]]);
      expect(onBytes).toEqual(detect({ text: d.text, path: 'a.ts' }, builtinRuleSet()));
    }
  });

  it('bytes that are not the text (another length) are not used', () => {
    const rng = new Rng('bytes-mismatch');
    const text = `hapikey=${fakeUuid(rng)}`;
    expect(detect({ text, path: 'a.env', bytes: ascii(`${text} `) }, builtinRuleSet())).toEqual(detect({ text, path: 'a.env' }, builtinRuleSet()));
  });
});
