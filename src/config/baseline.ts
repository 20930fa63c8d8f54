/**
 * The baseline (.hubspot-secrets-baseline.json): findings a team has accepted, by fingerprint
 * (hash of rule, secret and path: it survives lines moving, and a different secret on the same
 * line does not match). Rule, path and line are there for humans; the raw secret never is.
 * Entries are sorted and the file holds no timestamp or tool version, so the same findings always
 * give the same bytes and the file never causes merge conflicts.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fingerprint } from '../core/redact.js';
import type { Finding } from '../core/types.js';
import { ConfigError } from '../errors.js';
import { rawSecret } from '../scan.js';
import { parseUserJson, readUserFile } from './json.js';

export const BASELINE_FILE = '.hubspot-secrets-baseline.json';

export interface BaselineEntry {
  fingerprint: string;
  rule: string;
  /** Relative to the folder holding the baseline file, `/` separators. */
  path: string;
  /** Where it was when recorded (for humans; matching never uses it). */
  line: number;
  /** The commit that introduced it (for humans), for an entry recorded from the history. */
  commit?: string;
  /**
   * Recorded from the whole history (`baseline --history`): judged (kept or pruned) only by history
   * runs, never by a scan of the files, where a secret only in the history is not found.
   */
  history?: true;
}

export interface Baseline {
  /** Absolute path of the baseline file. */
  file: string;
  entries: BaselineEntry[];
  fingerprints: ReadonlySet<string>;
}

export const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'entries'],
  properties: {
    version: { const: 1 },
    entries: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['fingerprint', 'rule', 'path', 'line'],
        properties: {
          fingerprint: { type: 'string', pattern: '^[0-9a-f]{16,64}$' },
          rule: { type: 'string', minLength: 1 },
          path: { type: 'string' },
          line: { type: 'integer', minimum: 1 },
          commit: { type: 'string', pattern: '^[0-9a-fA-F]{4,64}$' },
          history: { const: true },
        },
      },
    },
  },
} as const;

/**
 * Parse and validate baseline text; a broken baseline is an error (exit 2), never an empty one.
 * The validator (ajv) is loaded only here, when there is a baseline to read.
 */
export async function parseBaseline(text: string, file: string, shown = file): Promise<Baseline> {
  const doc = parseUserJson(text, shown, 'baseline is not valid JSON');
  const { baselineProblems } = await import('./parse.js');
  const problems = baselineProblems(doc, SCHEMA);
  if (problems.length) {
    throw new ConfigError(`${shown}: invalid baseline:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
  }
  const entries = (doc as { entries: BaselineEntry[] }).entries;
  return { file, entries, fingerprints: new Set(entries.map((e) => e.fingerprint)) };
}

export async function readBaseline(file: string, shown = file): Promise<Baseline> {
  return parseBaseline(await readUserFile(file, shown, 'baseline'), file, shown);
}

function compareEntries(a: BaselineEntry, b: BaselineEntry): number {
  const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  return cmp(a.path, b.path) || a.line - b.line || cmp(a.rule, b.rule) || cmp(a.fingerprint, b.fingerprint);
}

/** The file's bytes: one entry per fingerprint, sorted, fixed key order, no timestamps. */
export function serializeBaseline(entries: readonly BaselineEntry[]): string {
  const byFp = new Map<string, BaselineEntry>();
  for (const e of entries) {
    const prev = byFp.get(e.fingerprint);
    if (!prev || compareEntries(e, prev) < 0) byFp.set(e.fingerprint, e);
  }
  const sorted = [...byFp.values()]
    .sort(compareEntries)
    .map((e) => ({ fingerprint: e.fingerprint, rule: e.rule, path: e.path, line: e.line, ...(e.commit ? { commit: e.commit } : {}), ...(e.history ? { history: true } : {}) }));
  return `${JSON.stringify({ version: 1, entries: sorted }, null, 2)}\n`;
}

/** Write atomically (temp file + rename) so a crash never leaves half a baseline. */
export async function writeBaseline(file: string, entries: readonly BaselineEntry[]): Promise<string> {
  const text = serializeBaseline(entries);
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
  return text;
}

/** `abs` relative to `dir` (`..` allowed, `/` separators); null on another drive. */
function relativePath(dir: string, abs: string): string | null {
  const r = path.relative(dir, abs);
  return path.isAbsolute(r) ? null : r.split(path.sep).join('/');
}

/**
 * A finding's path and fingerprint as the baseline sees them: relative to the baseline's folder,
 * so a baseline matches whichever folder the scan runs from. Findings reported relative to
 * `reportDir`.
 */
export function baselineKey(f: Finding, baselineDir: string, reportDir: string): { path: string; fingerprint: string } {
  const rel = f.commit?.message ? null : relativePath(baselineDir, path.resolve(reportDir, f.path));
  const raw = rawSecret(f);
  if (rel === null || raw === undefined) return { path: f.path, fingerprint: f.fingerprint };
  return { path: rel, fingerprint: rel === f.path ? f.fingerprint : fingerprint(f.ruleId, raw, rel) };
}

export function entryFor(f: Finding, baselineDir: string, reportDir: string): BaselineEntry {
  const k = baselineKey(f, baselineDir, reportDir);
  return { fingerprint: k.fingerprint, rule: f.ruleId, path: k.path, line: f.line };
}

export interface MergeResult {
  entries: BaselineEntry[];
  added: number;
  pruned: number;
  kept: number;
}

/**
 * `baseline --update`: entries still found are kept exactly as recorded (so moving lines changes
 * nothing), new findings are added, and entries the scan covered but no longer found are pruned.
 * Entries outside what was scanned (`covered` false) are kept untouched.
 */
export function mergeBaseline(
  existing: readonly BaselineEntry[],
  fresh: readonly BaselineEntry[],
  covered: (entry: BaselineEntry) => boolean,
): MergeResult {
  const freshFps = new Set(fresh.map((e) => e.fingerprint));
  const oldFps = new Set(existing.map((e) => e.fingerprint));
  const entries: BaselineEntry[] = [];
  let pruned = 0;
  let kept = 0;
  for (const e of existing) {
    if (freshFps.has(e.fingerprint) || !covered(e)) {
      entries.push(e);
      kept++;
    } else {
      pruned++;
    }
  }
  const addedFps = new Set<string>();
  for (const e of fresh) {
    if (oldFps.has(e.fingerprint)) continue;
    entries.push(e);
    addedFps.add(e.fingerprint);
  }
  return { entries, added: addedFps.size, pruned, kept };
}
