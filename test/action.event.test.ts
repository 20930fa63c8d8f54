/** The pure parts of the Action: event → plan, annotations, summary cells. */
import { describe, expect, it } from 'vitest';
import { findingAnnotation } from '../src/action/annotations.js';
import { planScan } from '../src/action/event.js';
import { cell, summaryMarkdown } from '../src/action/summary.js';
import { emptyStats, type ScanResult } from '../src/scan.js';
import { builtinRuleSet } from '../src/rules/index.js';
import { compileRules } from '../src/core/rules.js';
import { BUILTIN_RULES } from '../src/rules/index.js';
import type { Finding } from '../src/core/types.js';
import { UsageError } from '../src/errors.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const Z = '0'.repeat(40);
const repository = { default_branch: 'main' };

describe('planScan', () => {
  it('pull_request and pull_request_target: base..head', () => {
    for (const eventName of ['pull_request', 'pull_request_target']) {
      const plan = planScan({ eventName, payload: { pull_request: { number: 3, base: { sha: A }, head: { sha: B } } } }, 'auto');
      expect(plan).toMatchObject({ kind: 'range', base: A, head: B });
      expect(plan.kind === 'range' && plan.fallbackBranch).toBeUndefined();
    }
  });

  it('merge_group: base_sha..head_sha', () => {
    expect(planScan({ eventName: 'merge_group', payload: { merge_group: { base_sha: A, head_sha: B } } }, 'auto')).toMatchObject({ kind: 'range', base: A, head: B });
  });

  it('push: before..after, falling back to the default branch on a force push to another branch', () => {
    expect(planScan({ eventName: 'push', payload: { ref: 'refs/heads/feature', before: A, after: B, repository } }, 'auto')).toMatchObject({
      kind: 'range',
      base: A,
      head: B,
      fallbackBranch: 'main',
    });
    expect(planScan({ eventName: 'push', payload: { ref: 'refs/heads/main', before: A, after: B, forced: true, repository } }, 'auto')).toMatchObject({
      kind: 'range',
      fallbackBranch: null,
    });
  });

  it('push of a new branch or tag: the commits not on the default branch; the default branch itself: everything', () => {
    expect(planScan({ eventName: 'push', payload: { ref: 'refs/heads/feature', before: Z, after: B, created: true, repository } }, 'auto')).toMatchObject({
      kind: 'new-ref',
      head: B,
      defaultBranch: 'main',
    });
    expect(planScan({ eventName: 'push', payload: { ref: 'refs/tags/v1', before: Z, after: B, repository } }, 'auto')).toMatchObject({ kind: 'new-ref', defaultBranch: 'main' });
    expect(planScan({ eventName: 'push', payload: { ref: 'refs/heads/main', before: Z, after: B, repository } }, 'auto')).toMatchObject({ kind: 'new-ref', defaultBranch: null });
  });

  it('push deleting a branch: nothing', () => {
    expect(planScan({ eventName: 'push', payload: { ref: 'refs/heads/x', before: A, after: Z, deleted: true, repository } }, 'auto').kind).toBe('none');
  });

  it('schedule and workflow_dispatch: history; other events: files; the input forces a mode', () => {
    expect(planScan({ eventName: 'schedule', payload: {} }, 'auto').kind).toBe('history');
    expect(planScan({ eventName: 'workflow_dispatch', payload: {} }, 'auto').kind).toBe('history');
    expect(planScan({ eventName: 'release', payload: {} }, 'auto').kind).toBe('files');
    const pr = { eventName: 'pull_request', payload: { pull_request: { base: { sha: A }, head: { sha: B } } } };
    expect(planScan(pr, 'history').kind).toBe('history');
    expect(planScan(pr, 'files').kind).toBe('files');
    expect(planScan(pr, 'diff').kind).toBe('range');
    expect(() => planScan({ eventName: 'schedule', payload: {} }, 'diff')).toThrow(UsageError);
  });

  it('a payload without the shas is an error, never a pass', () => {
    expect(() => planScan({ eventName: 'pull_request', payload: { pull_request: { base: {}, head: { sha: B } } } }, 'auto')).toThrow(/pull_request.base.sha/);
    expect(() => planScan({ eventName: 'push', payload: { ref: 'refs/heads/x', after: B } }, 'auto')).toThrow(UsageError);
    expect(() => planScan({ eventName: 'pull_request', payload: { pull_request: { base: { sha: 'main; rm -rf /' }, head: { sha: B } } } }, 'auto')).toThrow(UsageError);
    // Each key named, and one that is there but is no commit id said so ("has no" misled: found by a trial).
    expect(() => planScan({ eventName: 'pull_request', payload: { pull_request: { base: { sha: 'zzz' }, head: {} } } }, 'auto')).toThrow(
      'pull_request event payload: pull_request.base.sha is not a commit id, no pull_request.head.sha',
    );
    expect(() => planScan({ eventName: 'push', payload: { ref: 'refs/heads/x', after: B } }, 'auto')).toThrow('push event payload: no before');
    expect(() => planScan({ eventName: 'push', payload: {} }, 'auto')).toThrow('push event: no event payload (GITHUB_EVENT_PATH is unset, empty, or names an empty document)');
    expect(() => planScan({ eventName: 'merge_group', payload: { merge_group: { base_sha: A, head_sha: 7 } } }, 'auto')).toThrow('merge_group event payload: merge_group.head_sha is not a commit id');
  });
});

describe('annotations', () => {
  const f: Finding = {
    ruleId: 'hubspot-private-app-token',
    title: 'HubSpot private app access token',
    severity: 'critical',
    path: 'a.env',
    line: 2,
    column: 5,
    endLine: 3,
    endColumn: 4,
    secret: 'pat-na1-…abcd',
    fingerprint: 'f'.repeat(64),
    encoding: 'base64',
  };

  it('columns only on a one-line span; the encoding and preview in the message', () => {
    const a = findingAnnotation(f);
    expect(a.properties).toEqual({ title: 'HubSpot secret: HubSpot private app access token', file: 'a.env', startLine: 2, endLine: 3 });
    expect(a.message).toContain('pat-na1-…abcd (base64-encoded)');
    expect(findingAnnotation({ ...f, endLine: 2 }).properties).toMatchObject({ startColumn: 5, endColumn: 4 });
  });

  it('a secret in a commit message has no file', () => {
    const a = findingAnnotation({ ...f, path: '<commit message>', commit: { sha: A, message: true } });
    expect(a.properties.file).toBeUndefined();
    expect(a.message).toContain('aaaaaaaaaaaa (in its message)');
  });

  it("a secret in an annotated tag's message names the tag and has no file", () => {
    const a = findingAnnotation({ ...f, path: '<tag message>', commit: { sha: A, message: true, tag: 'v1.0' } });
    expect(a.properties.file).toBeUndefined();
    expect(a.message).toContain('In the message of tag v1.0 (tag object aaaaaaaaaaaa).');
  });
});

describe('summary cells', () => {
  it('cannot break the table or inject HTML', () => {
    expect(cell('a|b\nc <img src=x> `code` *x*')).toBe('a&#124;b c &lt;img src=x&gt; &#96;code&#96; \\*x\\*');
    // Other control characters too: a terminal escape in a name or a rule's text (found by a trial).
    expect(cell('a\u001b[8mb\u2028c')).toBe('a \\[8mb c');
  });

  const finding = (path: string, ruleId = 'hubspot-private-app-token'): ScanResult['findings'][number] => ({
    ruleId,
    title: 'HubSpot private app access token',
    severity: 'critical',
    path,
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 45,
    secret: 'pat-na1-…abcd',
    fingerprint: 'f'.repeat(32),
    encoding: 'plain',
  });
  const result = (findings: ScanResult['findings'], warnings: ScanResult['warnings'] = []): ScanResult => ({ findings, suppressed: [], stats: emptyStats(), warnings, incomplete: false });

  it('stays under the 1 MiB GitHub accepts for a step summary (200 rows of long escaped paths made 1,072,203 bytes, and GitHub dropped it whole: found by a trial)', () => {
    const deep = `${Array(4).fill('<'.repeat(250)).join('/')}/${'<'.repeat(240)}`;
    const findings = Array.from({ length: 200 }, (_, i) => finding(`${deep}${i}.env`));
    const warnings = Array.from({ length: 60 }, (_, i) => ({ path: `${deep}${i}.bin`, reason: 'unreadable' as const, message: 'cannot read: EACCES' }));
    const md = summaryMarkdown({ result: result(findings, warnings), ruleset: builtinRuleSet(), target: 'the pull request', failOn: 'any', failed: true });
    expect(Buffer.byteLength(md)).toBeLessThan(1024 * 1024);
    const rows = md.split('\n').filter((l) => l.startsWith('| &lt;'));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(200);
    expect(md).toContain(`… and ${200 - rows.length} more; see the SARIF file or the annotations.`);
    expect(md).toMatch(/- … and \d+ more\./);
    // A short table is whole.
    const small = summaryMarkdown({ result: result([finding('a.env'), finding('b.env')]), ruleset: builtinRuleSet(), target: 'x', failOn: 'any', failed: true });
    expect(small).not.toContain('more;');
  });

  it("a custom rule's docs link cannot close the table or the link (its text comes from a config a pull request may change: found by a trial)", () => {
    const spec = { ...BUILTIN_RULES[0]!, id: 'acme', docs: 'https://x.example/a) | x\n\n## No HubSpot credentials found\n<details>' };
    const ruleset = compileRules([spec]);
    const md = summaryMarkdown({ result: result([finding('a.env', 'acme')]), ruleset, target: 'x', failOn: 'any', failed: true });
    const row = md.split('\n').find((l) => l.startsWith('| a.env'))!;
    expect(row).toContain('[docs](https://x.example/a%29%20%7C%20x%0A%0A##%20No%20HubSpot%20credentials%20found%0A%3Cdetails%3E)');
    expect(md).not.toMatch(/^## No HubSpot/m);
    expect(md).not.toContain('<details>');
  });
});
