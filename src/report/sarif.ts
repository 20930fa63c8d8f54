/** SARIF 2.1.0 for GitHub code scanning (and any SARIF viewer). */
import type { CompiledRule, Finding, Severity } from '../core/types.js';
import { TOOL_NAME, TOOL_URI, TOOL_VERSION } from '../version.js';
import type { ReportInput } from './types.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
};

/** GitHub's security-severity: a CVSS-like number that sorts alerts. */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0' };

function pascal(id: string): string {
  return id
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

function encodeUri(p: string): string {
  return p
    .split('/')
    .map((seg) => encodeSegment(seg))
    .join('/');
}

/**
 * Where a finding is: relative to %SRCROOT% (the folder paths are reported from), or, for a file
 * outside it (`scan ../other`, reported by its absolute path), an absolute `file:` URI without a base.
 */
function artifactLocation(p: string): { uri: string; uriBaseId?: string } {
  if (p.startsWith('/')) return { uri: `file://${encodeUri(p)}` };
  // A drive and a backslash: Windows' absolute form (a relative path here has `/` separators, so
  // a folder named `C:` on POSIX stays relative).
  const drive = /^([A-Za-z]:)\\/.exec(p);
  if (drive) return { uri: `file:///${drive[1]}/${encodeUri(p.slice(3).replace(/\\/g, '/'))}` };
  return { uri: encodeUri(p), uriBaseId: '%SRCROOT%' };
}

/**
 * A path segment, percent-encoded. A byte of a file name that is not UTF-8 (kept by decodePath as
 * U+DC80–U+DCFF) becomes that byte again, so the URI names the real file; any other lone surrogate
 * (which encodeURIComponent refuses) becomes U+FFFD.
 */
function encodeSegment(seg: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < seg.length; i++) {
    const c = seg.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff && (seg.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      i++; // a pair: a character outside the BMP
      continue;
    }
    out += encodeURIComponent(seg.slice(from, i)) + (c >= 0xdc80 && c <= 0xdcff ? `%${(c - 0xdc00).toString(16).toUpperCase()}` : '%EF%BF%BD');
    from = i + 1;
  }
  return out + encodeURIComponent(seg.slice(from));
}

function ruleDescriptor(rule: CompiledRule) {
  const s = rule.spec;
  const steps = s.remediation.steps.map((x, i) => `${i + 1}. ${x}`).join('\n');
  return {
    id: s.id,
    name: pascal(s.id),
    shortDescription: { text: s.title },
    fullDescription: { text: s.description },
    helpUri: s.docs,
    help: {
      text: `${s.remediation.summary}\n\n${steps}\n\nRotate first: removing a secret from code or history does not un-leak it.`,
      markdown: `**${s.remediation.summary}**\n\n${steps}\n\nRotate first: removing a secret from code or history does not un-leak it.\n\n[HubSpot documentation](${s.docs})`,
    },
    defaultConfiguration: { level: LEVEL[s.severity] },
    properties: {
      tags: ['security', 'secret', 'hubspot', 'external/cwe/cwe-798'],
      precision: 'high',
      'security-severity': SECURITY_SEVERITY[s.severity],
    },
  };
}

function level(f: Finding): 'error' | 'warning' | 'note' {
  const st = f.verification?.status;
  if (st === 'active') return 'error';
  if (st === 'inactive') return 'note';
  return LEVEL[f.severity];
}

function verificationWords(v: NonNullable<Finding['verification']>): string {
  const bits: string[] = [];
  if (v.hubId !== undefined) bits.push(`hub ${v.hubId}`);
  if (v.scopes?.length) bits.push(`${v.scopes.length} scopes`);
  if (v.broadScopes?.length) bits.push(`over-broad: ${v.broadScopes.join(', ')}`);
  if (v.reason && v.status !== 'active') bits.push(v.reason);
  const head = v.status === 'active' ? 'ACTIVE (a live credential: rotate it now)' : v.status;
  return bits.length ? `${head}; ${bits.join('; ')}` : head;
}

function message(f: Finding): string {
  const where = f.encoding === 'plain' ? '' : ` (${f.encoding}-encoded)`;
  const v = f.verification ? ` Verification: ${verificationWords(f.verification)}.` : '';
  const c = f.commit ? ` Introduced in commit ${f.commit.sha.slice(0, 12)}.` : '';
  const member = f.entry !== undefined ? ` In ${f.entry}, line ${f.line}, inside this archive.` : '';
  return `${f.title} ${f.secret}${where}.${member}${c}${v} Rotate it in HubSpot, then remove it.`;
}

export function sarifReport(input: ReportInput): string {
  const rules = input.ruleset.rules;
  const index = new Map(rules.map((r, i) => [r.id, i]));
  // --show-suppressed: suppressed findings too, marked as SARIF suppressions (inline allow is in
  // source; baseline and config are external), so viewers show them as suppressed, not open.
  const listed = input.showSuppressed ? [...input.result.findings, ...input.result.suppressed] : input.result.findings;
  const results = listed.map((f) => {
    const by = (f as { suppressedBy?: string }).suppressedBy;
    const props: Record<string, unknown> = { encoding: f.encoding };
    if (f.commit) props['commit'] = f.commit;
    if (f.inHead !== undefined) props['inHead'] = f.inHead;
    if (f.verification) props['verification'] = f.verification;
    if (f.entry !== undefined) props['entry'] = f.entry;
    return {
      ruleId: f.ruleId,
      ruleIndex: index.get(f.ruleId) ?? -1,
      level: level(f),
      message: { text: message(f) },
      locations: [
        {
          physicalLocation: {
            artifactLocation: artifactLocation(f.path),
            // In an archive the lines are a member's, not the file's: the file alone is the place.
            ...(f.entry === undefined ? { region: { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: f.endColumn } } : {}),
          },
        },
      ],
      partialFingerprints: { 'hubspotSecrets/v1': f.fingerprint },
      ...(by
        ? { suppressions: [{ kind: by === 'inline' ? 'inSource' : 'external', status: 'accepted', justification: `suppressed by ${by}` }] }
        : {}),
      properties: props,
    };
  });
  const doc = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: TOOL_NAME,
            version: TOOL_VERSION,
            semanticVersion: TOOL_VERSION,
            informationUri: TOOL_URI,
            rules: rules.map(ruleDescriptor),
          },
        },
        results,
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
