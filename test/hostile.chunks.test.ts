/**
 * Hostile input, the reading pipeline: chunked reading with overlap, streaming decode, and the
 * property tests — random bytes never make the scanner throw; a token inserted anywhere in random
 * text, in every supported encoding and line ending, across chunk boundaries, is found exactly once
 * at the right line and column.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detect } from '../src/core/detect.js';
import { compileRules } from '../src/core/rules.js';
import { decodeBytes, LineIndex } from '../src/core/text.js';
import type { RuleSpec } from '../src/core/types.js';
import { MAX_ENCODED_RUN } from '../src/core/views.js';
import { regexReach } from '../src/core/regex-shape.js';
import { chunkPlanFor, decodeStream, readItem, UNBOUNDED_MATCH_FALLBACK, type ChunkPlan } from '../src/read.js';
import { BUILTIN_RULES, builtinRuleSet } from '../src/rules/index.js';
import { scan } from '../src/scan.js';
import type { ByteStream, SourceEvent } from '../src/sources/types.js';
import { fakeHubHex, fakePrivateAppToken, fakeSmtpPassword, fakeSmtpUser, Rng } from './helpers/fake-tokens.js';

const ruleset = builtinRuleSet();

/** Bytes handed out in pieces of the given sizes (cycled), ignoring the reader's chunk size. */
function pieces(bytes: Uint8Array, sizes: number[]): ByteStream {
  return {
    size: bytes.byteLength,
    async *chunks() {
      let i = 0;
      let k = 0;
      while (i < bytes.byteLength) {
        const n = Math.max(1, sizes[k++ % sizes.length]!);
        yield bytes.subarray(i, i + n);
        i += n;
      }
    },
  };
}

async function collect(it: AsyncIterable<string>): Promise<string> {
  let s = '';
  for await (const t of it) s += t;
  return s;
}

describe('chunk overlap', () => {
  it('the overlap covers the longest built-in match with its context, lookarounds and encodings', () => {
    let longest = 0;
    for (const rule of ruleset.rules) {
      for (const re of rule.patterns) {
        const r = regexReach(re.source, re.flags);
        // {{assign}} allows unbounded blanks around a YAML block scalar: those use the stated fallback.
        longest = Math.max(longest, Number.isFinite(r.match) ? r.match : UNBOUNDED_MATCH_FALLBACK);
      }
    }
    expect(longest).toBeGreaterThan(400); // an OAuth token alone may be 401 characters
    const plan = chunkPlanFor(ruleset);
    expect(plan.chunkSize).toBe(4 * 1024 * 1024);
    // The OAuth rule asks for 2000 characters of context on each side; escapes can sextuple text.
    expect(plan.before).toBeGreaterThanOrEqual(MAX_ENCODED_RUN + 6 * 2000);
    expect(plan.after).toBeGreaterThanOrEqual(MAX_ENCODED_RUN + 6 * (longest + 2000));
  });

  it('a custom rule that can match without bound gets a stated fallback, not an endless window', () => {
    const spec: RuleSpec = { ...(BUILTIN_RULES[0] as RuleSpec), id: 'custom-greedy', patterns: ['key=(?<secret>.*)'] };
    const plan = chunkPlanFor(compileRules([spec]), { maxEncodedRun: 0 });
    expect(Number.isFinite(plan.after)).toBe(true);
    expect(plan.after).toBeGreaterThan(64 * 1024);
  });
});

describe('streaming decode', () => {
  const prefixes = [[], [0xef, 0xbb, 0xbf], [0xff, 0xfe], [0xfe, 0xff], [0x41, 0x00, 0x42, 0x00, 0x43, 0x00, 0x44, 0x00]];

  it('gives exactly the text (or the binary verdict) of decoding the whole, however the bytes are split', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...prefixes),
        fc.uint8Array({ maxLength: 600 }),
        fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 1, maxLength: 5 }),
        async (prefix, body, sizes) => {
          const bytes = Buffer.concat([Buffer.from(prefix), body]);
          const whole = decodeBytes(bytes);
          const d = await decodeStream(pieces(bytes, sizes).chunks(0));
          expect(d.kind).toBe(whole.kind);
          if (d.kind === 'text' && whole.kind === 'text') {
            expect(d.encoding).toBe(whole.encoding);
            expect(await collect(d.texts)).toBe(whole.text);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('also in pieces bigger than the parts big texts are decoded in (512 KiB), a character across each edge', async () => {
    const odd = Buffer.from('é€😀');
    const bytes = Buffer.concat([Buffer.alloc((1 << 19) - 2, 0x61), odd, Buffer.alloc((1 << 19) - 3, 0x62), odd, Buffer.from([0xf0, 0x9f])]);
    const whole = decodeBytes(bytes);
    for (const sizes of [[bytes.length], [700_001], [(1 << 19) + 1, 1 << 20]]) {
      const d = await decodeStream(pieces(bytes, sizes).chunks(0));
      expect(d.kind === 'text' && whole.kind === 'text' && (await collect(d.texts)) === whole.text).toBe(true);
    }
  });
});

describe('random bytes never make the scanner throw', () => {
  it('through the whole pipeline (decode, binary sniffing, windows, detect, findings)', async () => {
    const bytesArb = fc.oneof(
      fc.uint8Array({ maxLength: 3000 }),
      // Text-like bytes with the characters rules care about, so detection really runs.
      fc.array(fc.constantFrom(...Buffer.from('pat-na1-0123456789abcdef\r\n\t =:"\'\\%/+_CiRhubspot\u00e9\u4e2d')), { maxLength: 3000 }).map(
        (a) => Uint8Array.from(a),
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom([], [0xef, 0xbb, 0xbf], [0xff, 0xfe], [0xfe, 0xff]),
        bytesArb,
        fc.integer({ min: 1, max: 400 }),
        fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 4 }),
        async (prefix, body, chunkSize, sizes) => {
          const bytes = Buffer.concat([Buffer.from(prefix), body]);
          const plan: ChunkPlan = { chunkSize, before: 50, after: 80 };
          const events: SourceEvent[] = [
            { kind: 'item', path: 'a.bin', content: bytes },
            { kind: 'item', path: 'b.bin', content: pieces(bytes, sizes) },
            { kind: 'item', path: 'c.txt', content: bytes.toString('latin1') },
          ];
          const r = await scan(events, { ruleset, chunkPlan: plan });
          expect(r.stats.files + r.stats.skipped).toBe(3);
        },
      ),
      { numRuns: 200 },
    );
  });
});

// --- a token at a random place ------------------------------------------------------------------

type Encoding = 'utf8' | 'utf8-bom' | 'utf16le' | 'utf16be';
type Eol = '\n' | '\r\n' | '\r';

function encode(text: string, enc: Encoding): Buffer {
  switch (enc) {
    case 'utf8':
      return Buffer.from(text, 'utf8');
    case 'utf8-bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    case 'utf16le':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    case 'utf16be': {
      const le = Buffer.from(text, 'utf16le');
      for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
      return Buffer.concat([Buffer.from([0xfe, 0xff]), le]);
    }
  }
}

/** Random lines of words, punctuation and non-ASCII text (whole characters, never a lone surrogate). */
const UNITS = ['lorem', 'ipsum', ' ', '  ', '\t', '=', ':', '"', "'", '{', '}', ',', ';', '0', '42', 'é', '中文', '😀', 'x_y', 'AbC', '/', '%', '\\'];
function randomLines(rng: Rng, count: number, maxUnits: number): string[][] {
  const lines: string[][] = [];
  for (let i = 0; i < count; i++) {
    const n = rng.int(maxUnits + 1);
    const line: string[] = [];
    for (let k = 0; k < n; k++) line.push(rng.pick(UNITS));
    lines.push(line);
  }
  return lines;
}

/** Insert `payload` (which may contain `\n`, turned into `eol`) between units of a random line. */
function build(rng: Rng, lines: string[][], payload: string, eol: Eol): { text: string; line: number; column: number } {
  const li = rng.int(lines.length);
  const at = rng.int(lines[li]!.length + 1);
  const before = lines[li]!.slice(0, at).join('');
  const payloadLines = payload.split('\n');
  const rows = lines.map((l) => l.join(''));
  rows[li] = `${before} ${payloadLines.join(eol)} ${lines[li]!.slice(at).join('')}`;
  return { text: rows.join(eol), line: li + 1, column: before.length + 2 };
}

// The private app token rule, and the refresh token rule's shape pattern (its `refresh_token=` form
// uses {{assign}}, whose reach is unbounded) without its context (a HubSpot term within 600
// characters, which the hublet-hex shape itself satisfies): small, derived overlaps, so windows are
// far smaller than the texts and tokens really straddle window edges.
const tokenRules = compileRules(
  BUILTIN_RULES.filter((r) => r.id === 'hubspot-private-app-token' || r.id === 'hubspot-oauth-refresh-token').map((r) => {
    if (r.id !== 'hubspot-oauth-refresh-token') return r;
    const { context: _context, ...rest } = r;
    return { ...rest, patterns: r.patterns.slice(0, 1) };
  }),
);

describe('a token inserted at a random place is found exactly once, at the right line and column', () => {
  it('in every encoding and line ending, split across chunk and read boundaries', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 8 }),
        fc.constantFrom<Encoding>('utf8', 'utf8-bom', 'utf16le', 'utf16be'),
        fc.constantFrom<Eol>('\n', '\r\n', '\r'),
        fc.integer({ min: 1, max: 600 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        async (seed, enc, eol, chunkSize, sizes, refresh) => {
          const rng = new Rng(seed);
          // A generated value the rule itself accepts (a low-entropy random part is rightly rejected).
          let token: string;
          do token = refresh ? fakeHubHex(rng, rng.pick(['na1', 'eu1', 'ap1'])) : fakePrivateAppToken(rng, rng.pick(['na1', 'eu1', 'ap1']));
          while (detect({ text: token }, tokenRules).length !== 1);
          const { text, line, column } = build(rng, randomLines(rng, 1 + rng.int(60), 30), token, eol);
          // The overlap is derived from these rules: windows far smaller than the text.
          const plan = chunkPlanFor(tokenRules, { chunkSize, maxEncodedRun: 0 });
          expect(plan.before + plan.after).toBeLessThan(1000);
          const r = await readItem({ kind: 'item', path: 'f.txt', content: pieces(encode(text, enc), sizes) }, tokenRules, { plan });
          expect(r.kind).toBe('text');
          if (r.kind !== 'text') return;
          expect(r.matches.map((m) => [m.secret, m.line, m.column, m.endLine, m.endColumn])).toEqual([
            [token, line, column, line, column + token.length],
          ]);
        },
      ),
      { numRuns: 300 },
    );
  });

  // Bounded rules (context, base64 and URL views included) give windows smaller than the texts.
  const bounded = compileRules(
    BUILTIN_RULES.filter((r) => ['hubspot-private-app-token', 'hubspot-smtp-credential', 'hubspot-personal-access-key'].includes(r.id)).map((r) =>
      r.id === 'hubspot-smtp-credential' ? { ...r, patterns: r.patterns.filter((p) => p.startsWith('smtps?://')) } : r,
    ),
  );
  it.each([
    ['the built-in rules', builtinRuleSet()],
    ['bounded rules (small windows)', bounded],
  ])('chunked scanning finds exactly what scanning the whole text finds (context, base64, URL): %s', async (_name, full) => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 8 }),
        fc.constantFrom<Encoding>('utf8', 'utf16le', 'utf16be'),
        fc.constantFrom<Eol>('\n', '\r\n', '\r'),
        fc.constantFrom('smtp', 'base64', 'url', 'pat'),
        fc.integer({ min: 2000, max: 12000 }),
        async (seed, enc, eol, kind, chunkSize) => {
          const rng = new Rng(seed);
          const pat = fakePrivateAppToken(rng);
          const payload =
            kind === 'smtp'
              ? `smtp_user = ${fakeSmtpUser(rng)}\nsmtp_password = ${fakeSmtpPassword(rng)}\nrelay = smtp://apikey:${fakeSmtpPassword(rng)}@smtp.hubapi.com:587`
              : kind === 'base64'
                ? Buffer.from(`HUBSPOT_TOKEN=${pat}`).toString('base64')
                : kind === 'url'
                  ? `token=${encodeURIComponent(`HUBSPOT_TOKEN=${pat}`).replace(/-/g, '%2D')}`
                  : pat;
          const { text } = build(rng, randomLines(rng, 200 + rng.int(600), 30), payload, eol);
          const expected = detect({ text, path: 'f.txt' }, full);
          expect(expected.length).toBeGreaterThan(0);
          const plan = chunkPlanFor(full, { chunkSize, maxEncodedRun: 256 });
          let windows = 0;
          const r = await readItem({ kind: 'item', path: 'f.txt', content: encode(text, enc) }, full, {
            plan,
            onWindow: () => windows++,
          });
          if (r.kind !== 'text') throw new Error('not text');
          expect(r.matches).toEqual(expected);
          if (full === bounded) expect(plan.after).toBeLessThan(12_000);
          expect(windows).toBeGreaterThanOrEqual(Math.ceil(text.length / chunkSize));
          // Inline-allow comments see the match's line.
          const lines = new LineIndex(text);
          for (const m of r.matches) expect(r.lineText(m.line)).toBe(lines.lineText(m.line));
        },
      ),
      { numRuns: 60 },
    );
  });
});
