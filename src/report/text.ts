/** Human report: findings grouped by file, then how to fix each credential type found. */
import type { CommitInfo, Finding, Severity } from '../core/types.js';
import type { ReportInput } from './types.js';
import { display } from './display.js';

const CODES = { red: [31, 39], yellow: [33, 39], cyan: [36, 39], dim: [2, 22], bold: [1, 22], green: [32, 39] } as const;
type Style = keyof typeof CODES;

function styler(color: boolean): (style: Style, s: string) => string {
  return color ? (style, s) => `\u001b[${CODES[style][0]}m${s}\u001b[${CODES[style][1]}m` : (_style, s) => s;
}

const SEVERITY_STYLE: Record<Severity, Style> = { critical: 'red', high: 'red', medium: 'yellow', low: 'cyan' };

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1048576).toFixed(1)} MB`;
}

/** Where a finding is: `path:line:col` (`archive!member:line:col` in an archive), with the commit when it came from history. */
export function location(f: Finding): string {
  const at = `${display(f.path)}${f.entry !== undefined ? `!${display(f.entry)}` : ''}:${f.line}:${f.column}`;
  if (!f.commit) return at;
  return f.commit.message ? `${display(messageOf(f.commit))}:${f.line}:${f.column}` : `${at} @ ${f.commit.sha.slice(0, 12)}`;
}

/** Where a message finding is: `commit <sha> (message)`, or `tag <name> (message)` (raw: display() it). */
function messageOf(c: CommitInfo): string {
  return c.tag !== undefined ? `tag ${c.tag} (message)` : `commit ${c.sha.slice(0, 12)} (message)`;
}

/** Where a finding is, as the report groups it: its file, or the commit or tag whose message holds it. */
function placeOf(f: Finding): string {
  return f.commit?.message ? messageOf(f.commit) : f.path;
}

function verificationText(f: Finding): string {
  const v = f.verification;
  if (!v) return '';
  const bits: string[] = [v.status.toUpperCase()];
  if (v.hubId !== undefined) bits.push(`hub ${v.hubId}`);
  if (v.appId !== undefined) bits.push(`app ${v.appId}`);
  if (v.userId !== undefined || v.user) bits.push(`user ${v.user ?? v.userId}`);
  if (v.scopes?.length) bits.push(`${v.scopes.length} scopes`);
  if (v.broadScopes?.length) bits.push(`over-broad: ${v.broadScopes.join(', ')}`);
  if (v.reason) bits.push(v.reason);
  return bits.join(', ');
}

const STATUS_ORDER = ['active', 'unknown', 'inactive', 'not-checked', 'not-checkable'] as const;

/** `1 active, 2 inactive, 1 not-checkable` over findings that were verified; '' when none was. */
export function verificationSummary(findings: readonly Finding[]): string {
  const counts = new Map<string, number>();
  for (const f of findings) if (f.verification) counts.set(f.verification.status, (counts.get(f.verification.status) ?? 0) + 1);
  return STATUS_ORDER.filter((s) => counts.has(s))
    .map((s) => `${counts.get(s)} ${s}`)
    .join(', ');
}

export function textReport(input: ReportInput): string {
  const { result, ruleset } = input;
  const c = styler(input.color ?? false);
  const out: string[] = [];
  const list = input.showSuppressed ? [...result.findings, ...result.suppressed] : result.findings;

  const byFile = new Map<string, Finding[]>();
  for (const f of list) {
    // A member of an archive is a place of its own (`docs/setup.docx!word/document.xml`).
    const key = f.entry !== undefined && !f.commit?.message ? `${f.path}!${f.entry}` : placeOf(f);
    let arr = byFile.get(key);
    if (!arr) byFile.set(key, (arr = []));
    arr.push(f);
  }
  for (const [file, fs] of byFile) {
    out.push(c('bold', display(file)));
    for (const f of fs) {
      const sup = (f as { suppressedBy?: string }).suppressedBy;
      const pos = `${f.line}:${f.column}`.padEnd(8);
      const sev = c(SEVERITY_STYLE[f.severity], f.severity.padEnd(8));
      const enc = f.encoding !== 'plain' ? c('dim', ` (${f.encoding})`) : '';
      out.push(`  ${pos} ${sev} ${display(f.title)}  ${c('dim', f.secret)}${enc}${sup ? c('dim', `  [suppressed: ${sup}]`) : ''}`);
      const extra: string[] = [];
      if (f.commit) {
        const who = display([f.commit.author, f.commit.date].filter(Boolean).join(', '));
        // A tag message's object is the tag's own, not a commit.
        extra.push(`${f.commit.tag !== undefined ? 'tag object' : 'commit'} ${f.commit.sha.slice(0, 12)}${who ? ` (${who})` : ''}`);
      }
      if (f.inHead !== undefined) extra.push(f.inHead ? 'still in HEAD' : 'only in history');
      const v = verificationText(f);
      if (v) extra.push(`verified: ${v}`);
      if (extra.length) out.push(`  ${' '.repeat(8)} ${c('dim', extra.join(' · '))}`);
    }
    out.push('');
  }

  const n = result.findings.length;
  const s = result.stats;
  const scanned = `${plural(s.files, 'file')} scanned, ${formatBytes(s.bytes)}${s.skipped ? `, ${s.skipped} skipped` : ''}, ${s.durationMs} ms`;
  const sup = Object.entries(s.suppressed)
    .filter(([, k]) => k)
    .map(([by, k]) => `${k} by ${by}`)
    .join(', ');
  if (input.quiet) {
    // The report only: findings, and the warnings that say something was not scanned.
    for (const w of result.warnings) out.push(c('yellow', `warning: ${display(w.path)}: ${display(w.message)}`));
    if (result.incomplete) out.push(c('yellow', 'warning: the scan was interrupted; this report is incomplete.'));
    return out.length ? `${out.join('\n')}\n` : '';
  }
  if (result.incomplete) {
    out.push(c('yellow', `Scan interrupted: ${plural(n, 'HubSpot credential')} found before it stopped`) + ` (${scanned}).`);
  } else if (n === 0) {
    out.push(c('green', `No HubSpot credentials found`) + ` (${scanned}).`);
  } else {
    // Where the findings are (not the suppressed ones --show-suppressed lists too): files, and commit or tag messages.
    const files = new Set<string>();
    const messages = new Set<string>();
    for (const f of result.findings) (f.commit?.message ? messages : files).add(placeOf(f));
    const where = [files.size ? plural(files.size, 'file') : '', messages.size ? plural(messages.size, 'message') : ''].filter(Boolean).join(' and ');
    out.push(c('bold', `${plural(n, 'HubSpot credential')} found in ${where}`) + ` (${scanned}).`);
  }
  if (sup) out.push(`Suppressed: ${sup}${input.showSuppressed ? '' : ' (--show-suppressed lists them)'}.`);
  const verified = verificationSummary(result.findings);
  if (verified) out.push(`Verification: ${verified}.`);
  for (const w of result.warnings) out.push(c('yellow', `warning: ${display(w.path)}: ${display(w.message)}`));
  if (result.incomplete) out.push(c('yellow', 'warning: the scan was interrupted; this report is incomplete.'));

  if (n > 0) {
    out.push('', c('bold', 'How to fix'));
    out.push('Rotate first: removing a secret from the code or from git history does not un-leak it.');
    const seen = new Set<string>();
    for (const f of result.findings) {
      if (seen.has(f.ruleId)) continue;
      seen.add(f.ruleId);
      const rule = ruleset.byId.get(f.ruleId);
      if (!rule) continue;
      // A custom rule's text comes from a config a pull request may change: shown as safely as a path.
      out.push('', `${c('bold', display(rule.spec.title))}: ${display(rule.spec.remediation.summary)}`);
      rule.spec.remediation.steps.forEach((step, i) => out.push(`  ${i + 1}. ${display(step)}`));
      out.push(`  ${c('dim', display(rule.spec.docs))}`);
    }
    // Inside an archive there is no line to put a comment on.
    const inArchive = result.findings.some((f) => f.entry !== undefined);
    const allow = result.findings.every((f) => f.entry !== undefined)
      ? 'A false positive? Findings inside an archive are accepted with `hubspot-secrets baseline` (or an `allow` entry in the config).'
      : `A false positive? Add \`hubspot-secrets:allow\` in a comment on that line${inArchive ? ' (not inside an archive)' : ''}, or record known findings with \`hubspot-secrets baseline\`.`;
    out.push('', c('dim', allow));
  }
  return `${out.join('\n')}\n`;
}
