/**
 * The job summary: what was scanned, the counts, and a Markdown table of findings (file, line, type,
 * status, how to fix). Pure: returns Markdown; only redacted previews appear in it.
 */
import type { RuleSet } from '../core/types.js';
import type { ScanResult } from '../scan.js';
import { CONTROL_CHAR } from '../report/display.js';
import { unknownReason } from './annotations.js';

const CONTROL_RUNS = new RegExp(`${CONTROL_CHAR.source}+`, 'g');

/** Text safe inside a Markdown table cell: no pipe, no newline nor other control character, no HTML, no backticks opening code. */
export function cell(s: string): string {
  // Markdown escapes first, then entities (whose `#` and `;` must stay as they are).
  return s
    .replace(CONTROL_RUNS, ' ')
    .replace(/([\\*_[\]#~])/g, '\\$1')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '&#124;')
    .replace(/`/g, '&#96;');
}

export interface SummaryInput {
  result: ScanResult;
  ruleset: RuleSet;
  /** What was scanned, in words. */
  target: string;
  failOn: string;
  failed: boolean;
  /** Settings files (config, baseline) the scanned change edits: what it says may hide a secret. */
  settingsChanged?: readonly string[];
}

const MAX_ROWS = 200;
/**
 * GitHub drops a step summary larger than 1 MiB whole: the table stops at this many bytes (long paths,
 * escaped 4x, made 200 rows 1 MB: found by a trial), leaving room for the rest of the summary.
 */
const MAX_TABLE_BYTES = 512 * 1024;
/** The list of files that could not be scanned stops at this many bytes (a path may be 4 KiB, 20 KiB escaped). */
const MAX_WARNING_BYTES = 256 * 1024;

/** Each item's line, as long as the lines so far (with their newlines) take at most `maxBytes`. */
function upTo<T>(maxBytes: number, items: readonly T[], line: (item: T) => string): string[] {
  const out: string[] = [];
  let bytes = 0;
  for (const item of items) {
    const l = line(item);
    bytes += Buffer.byteLength(l) + 1;
    if (bytes > maxBytes) break;
    out.push(l);
  }
  return out;
}

export function summaryMarkdown(s: SummaryInput): string {
  const { result } = s;
  const n = result.findings.length;
  const active = result.findings.filter((f) => f.verification?.status === 'active').length;
  const suppressed = result.suppressed.length;
  const lines: string[] = ['## hubspot-secrets', ''];
  lines.push(`Scanned ${cell(s.target)}: ${result.stats.files} item${result.stats.files === 1 ? '' : 's'}, ${result.stats.skipped} skipped.`, '');
  if (n === 0) {
    lines.push(`**No HubSpot credentials found.**${suppressed ? ` ${suppressed} suppressed (baseline / inline / config).` : ''}`, '');
  } else {
    lines.push(
      `**${n} HubSpot credential${n === 1 ? '' : 's'} found**${active ? `, ${active} verified active` : ''}${suppressed ? `; ${suppressed} suppressed` : ''}. ` +
        `Rotate each one in HubSpot first: removing it from the code or history does not un-leak it.`,
      '',
      '| file | line | type | status | how to fix |',
      '| --- | --- | --- | --- | --- |',
    );
    const rows = upTo(MAX_TABLE_BYTES, result.findings.slice(0, MAX_ROWS), (f) => {
      const rule = s.ruleset.byId.get(f.ruleId);
      const fix = rule ? `${rule.spec.remediation.summary} ${rule.spec.remediation.steps[0] ?? ''}` : 'Rotate it in HubSpot, then remove it.';
      const commit = !f.commit ? '' : f.commit.tag !== undefined ? ` (tag ${f.commit.tag}, message)` : ` (commit ${f.commit.sha.slice(0, 12)}${f.commit.message ? ', message' : ''})`;
      // The link's target is percent-encoded where Markdown or HTML could read it as its end or as markup.
      const docs = rule ? ` [docs](${rule.spec.docs.replace(/[\s()[\]|`<>\\]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)})` : '';
      return `| ${cell(f.path)}${f.entry !== undefined ? `!${cell(f.entry)}` : ''}${cell(commit)} | ${f.line} | ${cell(f.title)} (${cell(f.secret)}) | ${cell(f.verification ? `${f.verification.status}${unknownReason(f.verification)}` : 'not verified')} | ${cell(fix)}${docs} |`;
    });
    lines.push(...rows);
    const shown = rows.length;
    if (n > shown) lines.push('', `… and ${n - shown} more; see the SARIF file or the annotations.`);
    lines.push('');
  }
  if (result.warnings.length) {
    lines.push(`${result.warnings.length} file${result.warnings.length === 1 ? '' : 's'} could not be scanned:`, '');
    const items = upTo(MAX_WARNING_BYTES, result.warnings.slice(0, 50), (w) => `- ${cell(w.path)}: ${cell(w.message)}`);
    lines.push(...items);
    const shown = items.length;
    if (result.warnings.length > shown) lines.push(`- … and ${result.warnings.length - shown} more.`);
    lines.push('');
  }
  if (s.settingsChanged?.length) {
    const files = s.settingsChanged.map((f) => cell(f)).join(', ');
    lines.push(
      `**Review the settings too:** this change edits ${files}, which this scan read from the checkout. An ignore glob, an allow entry or a baseline entry added there can hide a secret from it.`,
      '',
    );
  }
  lines.push(s.failed ? `Step failed (fail-on: ${s.failOn}).` : `Step passed (fail-on: ${s.failOn}).`, '');
  return lines.join('\n');
}

/** The summary written when the scan could not be completed. */
export function errorMarkdown(target: string, message: string): string {
  return ['## hubspot-secrets', '', `**The scan of ${cell(target)} did not complete; nothing may be concluded from it.**`, '', cell(message), ''].join('\n');
}
