/**
 * Runs the real bundled Action (dist/action.js built into a temp dir) the way the GitHub runner does:
 * GITHUB_EVENT_NAME / GITHUB_EVENT_PATH (a real payload file) / GITHUB_WORKSPACE / GITHUB_OUTPUT /
 * GITHUB_STEP_SUMMARY and INPUT_* from action.yml's defaults, in a child node process.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ROOT } from './cli.js';

export interface ActionYml {
  name: string;
  description: string;
  branding?: { icon: string; color: string };
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string };
}

export function actionYml(): ActionYml {
  return parseYaml(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as ActionYml;
}

/** Build the bundle into `outdir` (scripts/build.mjs, as `npm run build` does) and return action.js. */
export function buildAction(outdir: string): string {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs'), outdir], { cwd: ROOT, stdio: 'pipe' });
  const main = path.join(outdir, path.basename(actionYml().runs.main));
  if (!existsSync(main)) throw new Error(`build did not write ${main}`);
  return main;
}

/** The runner's INPUT_ variable name for an input (as @actions/core reads it). */
export function inputVar(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** Everything the run wrote that a person could read. */
  all: string;
}

/** Parse the GITHUB_OUTPUT file (`name<<delimiter` blocks, or `name=value` lines). */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i]!);
      out[heredoc[1]!] = value.join('\n');
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

export interface RunActionOptions {
  /** The bundled entry. */
  main: string;
  workspace: string;
  eventName: string;
  payload: unknown;
  /** Inputs by action.yml name; others take action.yml's defaults. */
  inputs?: Record<string, string>;
  /** A scratch dir for the payload, output and summary files. */
  scratch: string;
  /** Extra environment (e.g. HUBSPOT_API_BASE_URL for a local fake API). */
  env?: Record<string, string>;
}

let runs = 0;

/** Asynchronous, so a test may serve HTTP (a fake HubSpot API) while the Action runs. */
export async function runAction(o: RunActionOptions): Promise<ActionRun> {
  const dir = path.join(o.scratch, `run-${++runs}`);
  mkdirSync(dir, { recursive: true });
  const eventPath = path.join(dir, 'event.json');
  const outputPath = path.join(dir, 'output.txt');
  const summaryPath = path.join(dir, 'summary.md');
  writeFileSync(eventPath, JSON.stringify(o.payload, null, 2));
  writeFileSync(outputPath, '');
  writeFileSync(summaryPath, '');
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: mkdtempSync(path.join(dir, 'home-')),
    GIT_CONFIG_NOSYSTEM: '1',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    RUNNER_TEMP: dir,
    GITHUB_EVENT_NAME: o.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_WORKSPACE: o.workspace,
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
  };
  for (const [name, spec] of Object.entries(actionYml().inputs)) env[inputVar(name)] = spec.default ?? '';
  for (const [name, value] of Object.entries(o.inputs ?? {})) env[inputVar(name)] = value;
  Object.assign(env, o.env);
  // The runner starts the step in the workspace.
  const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [o.main], { cwd: o.workspace, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
  const outputs = parseOutputFile(readFileSync(outputPath, 'utf8'));
  const summary = readFileSync(summaryPath, 'utf8');
  const sarifFile = outputs['sarif-file'];
  const sarif = sarifFile && existsSync(sarifFile) ? readFileSync(sarifFile, 'utf8') : '';
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, outputs, summary, all: [r.stdout, r.stderr, summary, sarif, JSON.stringify(outputs)].join('\n') };
}

/** `::error file=…,line=…::message` lines on stdout, with properties unescaped. */
export function annotations(stdout: string): { props: Record<string, string>; message: string }[] {
  const unescapeProp = (s: string) => s.replace(/%2C/g, ',').replace(/%3A/g, ':').replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%');
  const unescapeMsg = (s: string) => s.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%');
  const out: { props: Record<string, string>; message: string }[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^::error(?: ([^:]*))?::(.*)$/.exec(line);
    if (!m) continue;
    const props: Record<string, string> = {};
    for (const kv of (m[1] ?? '').split(',').filter(Boolean)) props[kv.slice(0, kv.indexOf('='))] = unescapeProp(kv.slice(kv.indexOf('=') + 1));
    out.push({ props, message: unescapeMsg(m[2]!) });
  }
  return out;
}

/** git in a directory, with identity and signing set for this call only. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' },
  }).trim();
}

/** Write files and commit them; returns the new commit's sha. */
export function commit(repo: string, message: string, files: Record<string, string | null>): string {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(repo, rel);
    if (content === null) {
      git(repo, 'rm', '-q', '--', rel);
      continue;
    }
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, content);
    git(repo, 'add', '--', rel);
  }
  git(repo, 'commit', '-q', '--allow-empty', '-m', message);
  return git(repo, 'rev-parse', 'HEAD');
}

/** What a scan must leave alone: HEAD, every ref, the index and the working tree. */
export function repoState(repo: string): string {
  return [git(repo, 'rev-parse', 'HEAD'), git(repo, 'for-each-ref', '--format=%(refname) %(objectname)'), git(repo, 'status', '--porcelain=v1', '--ignored', '-uall')].join('\n');
}

export const ZERO = '0'.repeat(40);
