/**
 * action.yml and the README's workflow: what the issue asks of them, and valid by a linter from the
 * registry (@action-validator/cli, which checks against the published action / workflow schemas).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { INPUT_DEFAULTS } from '../src/action/run.js';
import { actionYml } from './helpers/action.js';
import { ROOT } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const tmp = tempDir('hs-action-lint-');
const VALIDATOR = path.join(ROOT, 'node_modules/.bin/action-validator');

function validate(file: string): { code: number; out: string } {
  const r = spawnSync(VALIDATOR, [file], { cwd: path.dirname(file), encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, out: r.stdout + r.stderr };
}

/** The README's "GitHub Action" section, and the workflow in it. */
function readmeAction(): { section: string; workflow: string } {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## GitHub Action\n');
  expect(start, 'README has a "## GitHub Action" section').toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const m = /```ya?ml\n([\s\S]*?)```/.exec(section);
  expect(m, 'the section shows a workflow').not.toBeNull();
  return { section, workflow: m![1]! };
}

describe('action.yml', () => {
  const a = actionYml();

  it('declares what the issue asks: inputs with defaults, outputs, node20 running the bundle', () => {
    expect(a.name).toBe('hubspot-secrets');
    expect(a.description.length).toBeGreaterThan(20);
    expect(a.branding).toEqual({ icon: expect.any(String), color: expect.any(String) });
    expect(Object.keys(a.inputs).sort()).toEqual(['baseline', 'config', 'fail-on', 'path', 'sarif-file', 'scan', 'verify']);
    expect(Object.fromEntries(Object.entries(a.inputs).map(([k, v]) => [k, v.default]))).toEqual({
      path: '.',
      scan: 'auto',
      verify: 'false',
      'fail-on': 'any',
      'sarif-file': 'hubspot-secrets.sarif',
      config: undefined,
      baseline: undefined,
    });
    for (const [k, v] of Object.entries(a.inputs)) expect(v.description, k).toBeTruthy();
    // The fallbacks runAction uses outside a runner are the same defaults.
    for (const [k, v] of Object.entries(INPUT_DEFAULTS)) expect(a.inputs[k]?.default, k).toBe(v);
    expect(Object.keys(a.outputs).sort()).toEqual(['active', 'findings', 'sarif-file']);
    expect(a.runs).toEqual({ using: 'node20', main: 'dist/action.js' });
  });

  it('is valid for action-validator (which rejects a broken copy)', () => {
    const ok = validate(path.join(ROOT, 'action.yml'));
    expect(ok.code, ok.out).toBe(0);
    const dir = path.join(tmp, 'broken');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'action.yml'), stringify({ ...a, runs: { using: 'node99', main: a.runs.main } }));
    const bad = validate(path.join(dir, 'action.yml'));
    expect(bad.code).not.toBe(0);
    expect(bad.out).toContain('/runs/using');
  });

  it('the README documents every input with its default', () => {
    const { section } = readmeAction();
    for (const [name, spec] of Object.entries(a.inputs)) {
      const row = section.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
      expect(row, `README row for input ${name}`).toBeDefined();
      expect(row!.split('|')[2]!.trim()).toBe(spec.default ? `\`${spec.default}\`` : '');
    }
    for (const name of Object.keys(a.outputs)) expect(section).toContain(`\`${name}\``);
  });
});

describe("the README's workflow", () => {
  const { workflow } = readmeAction();
  const wf = parseYaml(workflow) as {
    on: Record<string, unknown>;
    permissions: Record<string, string>;
    jobs: Record<string, { steps: { uses?: string; with?: Record<string, unknown>; if?: string; id?: string }[] }>;
  };
  const steps = Object.values(wf.jobs)[0]!.steps;

  it('is valid for action-validator', () => {
    const dir = path.join(tmp, 'repo', '.github', 'workflows');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'hubspot-secrets.yml');
    writeFileSync(file, workflow);
    const r = validate(file);
    expect(r.code, r.out).toBe(0);
    // The same workflow with a typo is rejected: the check can fail.
    writeFileSync(file, workflow.replace('runs-on:', 'runs_on:'));
    expect(validate(file).code).not.toBe(0);
  });

  it('runs on pull requests, pushes and a schedule, with read-only contents and security-events for the upload', () => {
    expect(Object.keys(wf.on)).toEqual(expect.arrayContaining(['pull_request', 'push', 'schedule']));
    expect(wf.permissions).toEqual({ contents: 'read', 'security-events': 'write' });
  });

  it('pins third-party actions by full commit sha, checks out with fetch-depth: 0 and uploads the SARIF always', () => {
    const uses = steps.map((s) => s.uses ?? '');
    for (const u of uses.filter((x) => !x.startsWith('hubspot-secrets/'))) expect(u).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
    const checkout = steps.find((s) => s.uses?.startsWith('actions/checkout@'))!;
    expect(checkout.with).toEqual({ 'fetch-depth': 0 });
    const ours = steps.find((s) => s.uses?.startsWith('hubspot-secrets/hubspot-secrets@'))!;
    expect(ours.id).toBeTruthy();
    const upload = steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'))!;
    expect(upload.if).toContain('always()');
    expect(upload.with?.['sarif_file']).toBe(`\${{ steps.${ours.id}.outputs.sarif-file }}`);
    expect(uses.indexOf(checkout.uses!)).toBeLessThan(uses.indexOf(ours.uses!));
    expect(uses.indexOf(ours.uses!)).toBeLessThan(uses.indexOf(upload.uses!));
  });
});
