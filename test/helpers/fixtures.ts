/**
 * Fixture templates → real files. Fixtures under fixtures/<rule-id>/{found,clean}/ hold no
 * token-shaped literals; instead they say `{{hs:KIND…}}` where a generated fake credential goes:
 *
 *   {{hs:pat:na1}}          must be found (by the folder's rule) at this line and column
 *   {{hs:uuid@rule-id}}     must be found by another rule
 *   {{hs-:uuid}}            a generated look-alike that must NOT be found
 *
 * KIND: pat[:hublet][:upper|short|long] · randb64:<prefix>:<length> · hubhex[:hublet] · uuid · pak[:hublet] · oauth[:hublet] · smtp-pass ·
 * smtp-user · b64:<KIND…> (base64 of the value) · b64kv:<NAME>:<KIND…> (base64 of `NAME=value\n`) ·
 * b64kv16:<NAME>:<KIND…> (the same in UTF-16LE, as PowerShell's -EncodedCommand).
 * File-name markers choose how the file is written: `.utf16le.` / `.utf16be.` (with BOM),
 * `.utf16le-nobom.`, `.bom.` (UTF-8 BOM), `.crlf.` (CRLF line ends), `.cr.` (CR line ends).
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LineIndex } from '../../src/core/text.js';
import {
  fakeHubHex,
  fakeOAuthAccessToken,
  fakePersonalAccessKey,
  fakePrivateAppToken,
  fakeSmtpPassword,
  fakeSmtpUser,
  fakeUuid,
  Rng,
} from './fake-tokens.js';

export const FIXTURES_DIR = path.resolve(import.meta.dirname, '../../fixtures');

export interface Expected {
  ruleId: string;
  line: number;
  column: number;
  /** The generated value (tests only; never printed by assertions). */
  value: string;
}

export interface RenderedFixture {
  /** Path relative to fixtures/. */
  rel: string;
  ruleId: string;
  kind: 'found' | 'clean';
  text: string;
  bytes: Buffer;
  expected: Expected[];
  /** Every generated value, found or not: none may appear in default output. */
  generated: string[];
}

const MARKER = /\{\{hs(-?):([^}@]+)(?:@([a-z0-9-]+))?\}\}/g;

function generate(rng: Rng, spec: string[]): string {
  const [kind, ...args] = spec;
  switch (kind) {
    case 'pat': {
      let t = fakePrivateAppToken(rng, args[0] ?? 'na1');
      if (args.includes('short')) t = t.slice(0, -1);
      if (args.includes('long')) t = `${t}a`;
      return args.includes('upper') ? t.toUpperCase() : t;
    }
    case 'randb64':
      // A look-alike: the given prefix, then random base64url characters.
      return `${args[0] ?? ''}${rng.bytes(Number(args[1] ?? 80)).toString('base64url')}`.slice(0, Number(args[1] ?? 80));
    case 'hubhex':
      return fakeHubHex(rng, args[0] ?? 'na1');
    case 'uuid':
      return args.includes('upper') ? fakeUuid(rng).toUpperCase() : fakeUuid(rng);
    case 'pak':
      return fakePersonalAccessKey(rng, args[0] ?? 'na1');
    case 'oauth':
      return fakeOAuthAccessToken(rng, args[0]);
    case 'smtp-pass':
      return fakeSmtpPassword(rng);
    case 'smtp-user':
      return fakeSmtpUser(rng, Number(args[0] ?? 1234567));
    case 'b64':
      return Buffer.from(generate(rng, args)).toString('base64');
    case 'b64kv':
      return Buffer.from(`${args[0]}=${generate(rng, args.slice(1))}\n`).toString('base64');
    case 'b64kv16':
      // As b64kv, of the text in UTF-16LE (PowerShell's -EncodedCommand).
      return Buffer.from(`${args[0]}=${generate(rng, args.slice(1))}\n`, 'utf16le').toString('base64');
    default:
      throw new Error(`unknown fixture marker kind ${kind}`);
  }
}

function newlines(template: string, name: string): string {
  if (name.includes('.crlf.')) return template.replace(/\r?\n/g, '\r\n');
  if (name.includes('.cr.')) return template.replace(/\r?\n/g, '\r');
  return template;
}

function encode(text: string, name: string): Buffer {
  if (name.includes('.utf16le-nobom.')) return Buffer.from(text, 'utf16le');
  if (name.includes('.utf16le.')) return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  if (name.includes('.utf16be.')) {
    const le = Buffer.from(text, 'utf16le');
    for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
    return Buffer.concat([Buffer.from([0xfe, 0xff]), le]);
  }
  if (name.includes('.bom.')) return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
  return Buffer.from(text, 'utf8');
}

export function renderTemplate(template: string, rel: string, folderRule: string) {
  const rng = new Rng(`fixture:${rel}`);
  const src = newlines(template, path.basename(rel));
  const pieces: string[] = [];
  const marks: { offset: number; ruleId: string; value: string; expected: boolean }[] = [];
  let last = 0;
  let outLen = 0;
  for (const m of src.matchAll(MARKER)) {
    const before = src.slice(last, m.index);
    pieces.push(before);
    outLen += before.length;
    const value = generate(rng, m[2]!.split(':'));
    
    // A value inside a base64 payload is reported where its own bytes are encoded (3 bytes : 4 chars).
    const spec = m[2]!.split(':');
    const inner = spec[0] === 'b64kv' ? Math.floor((spec[1]!.length + 1) / 3) * 4 : spec[0] === 'b64kv16' ? Math.floor(((spec[1]!.length + 1) * 2) / 3) * 4 : 0;
    marks.push({ offset: outLen + inner, ruleId: m[3] ?? folderRule, value, expected: m[1] !== '-' });
    pieces.push(value);
    outLen += value.length;
    last = m.index + m[0].length;
  }
  pieces.push(src.slice(last));
  const text = pieces.join('');
  const lines = new LineIndex(text);
  const expected = marks
    .filter((k) => k.expected)
    .map((k) => ({ ruleId: k.ruleId, value: k.value, ...lines.position(k.offset) }));
  return { text, expected, generated: marks.map((k) => k.value) };
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/** Every fixture of every rule (or of one rule), rendered. */
export function loadFixtures(ruleId?: string): RenderedFixture[] {
  const out: RenderedFixture[] = [];
  for (const rule of readdirSync(FIXTURES_DIR).sort()) {
    if (ruleId && rule !== ruleId) continue;
    const ruleDir = path.join(FIXTURES_DIR, rule);
    if (!statSync(ruleDir).isDirectory()) continue;
    for (const kind of ['found', 'clean'] as const) {
      const dir = path.join(ruleDir, kind);
      let files: string[] = [];
      try {
        files = walk(dir);
      } catch {
        continue;
      }
      for (const file of files) {
        const rel = path.relative(FIXTURES_DIR, file).split(path.sep).join('/');
        const r = renderTemplate(readFileSync(file, 'utf8'), rel, rule);
        out.push({ rel, ruleId: rule, kind, text: r.text, bytes: encode(r.text, path.basename(file)), expected: r.expected, generated: r.generated });
      }
    }
  }
  return out;
}

/** Write rendered fixtures under `dir`, keeping their relative paths. */
export function writeFixtures(dir: string, fixtures: readonly RenderedFixture[]): void {
  for (const f of fixtures) {
    const p = path.join(dir, f.rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, f.bytes);
  }
}
