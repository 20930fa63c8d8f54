/**
 * Ctrl-C: SIGINT to the real bin during a scan exits promptly with 130, says the output is
 * incomplete, and leaves no temp files. The signal is sent once the bin reads standard input, or
 * while it holds the big file open (both seen in /proc/<pid>).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { untilAborted } from '../src/read.js';
import { builtinRuleSet } from '../src/rules/index.js';
import { scan } from '../src/scan.js';
import { historySource } from '../src/sources/git/history.js';
import { BIN } from './helpers/cli.js';
import { fakeAll } from './helpers/fake-tokens.js';
import { GIT_TEST_ENV, makeRepo, wrappedGit } from './helpers/git.js';
import { childCommands, childPids, holdsOpen, isRunning } from './helpers/proc.js';
import { tempDir } from './helpers/tmp.js';

const root = tempDir('hs-sigint-');

/**
 * The bin reads standard input: libuv has made fd 0 non-blocking, which happens only once the bin
 * runs (after its SIGINT handler is installed). Node's own startup SIGINT handler shows in SigCgt
 * too, so that is no sign of readiness.
 */
function readsStdin(pid: number): boolean {
  try {
    const m = /flags:\s*([0-7]+)/.exec(readFileSync(`/proc/${pid}/fdinfo/0`, 'utf8'));
    return m !== null && (parseInt(m[1]!, 8) & 0o4000) !== 0; // O_NONBLOCK
  } catch {
    return false;
  }
}


async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 4000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`never saw: ${what}`);
}

function start(
  argv: string[],
  cwd: string,
  tmp: string,
  env: Record<string, string> = {},
): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, ...argv], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', TMPDIR: tmp, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += c));
  child.stderr!.on('data', (c) => (stderr += c));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000); // not prompt: fails below
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, done };
}

describe('Ctrl-C (SIGINT to the real bin)', () => {
  it('while waiting on standard input: exits 130 at once, JSON says incomplete, no temp files', async () => {
    const tmp = path.join(root, 'tmp1');
    mkdirSync(tmp);
    const { child, done } = start(['scan', '-', '-f', 'json'], root, tmp);
    child.stdin!.write('some text, and standard input stays open\n');
    await until(() => readsStdin(child.pid!), 'standard input being read');
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    expect(JSON.parse(r.stdout).incomplete).toBe(true);
    expect(readdirSync(tmp)).toEqual([]);
    // With -o, the summary on stderr says so too.
    const out = path.join(root, 'interrupted.json');
    const o = start(['scan', '-', '-f', 'json', '-o', out], root, tmp);
    o.child.stdin!.write('some text\n');
    await until(() => readsStdin(o.child.pid!), 'standard input being read');
    o.child.kill('SIGINT');
    const ro = await o.done;
    expect(ro.code).toBe(130);
    expect(ro.stderr).toContain('Interrupted: No HubSpot credentials found before it stopped; json report written to');
    expect(JSON.parse(readFileSync(out, 'utf8')).incomplete).toBe(true);
  });

  it('in the middle of a big file: exits 130, the text report says it is incomplete', async () => {
    const tmp = path.join(root, 'tmp2');
    const d = path.join(root, 'tree');
    mkdirSync(tmp);
    mkdirSync(d);
    const big = path.join(d, 'big.js');
    writeFileSync(big, 'var a = function (b) { return b * 2 }; '.repeat(1_500_000)); // 60 MB
    const { child, done } = start(['scan', '.'], d, tmp);
    await until(() => holdsOpen(child.pid!, big), 'the big file being read');
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    expect(r.stdout).toContain('the scan was interrupted; this report is incomplete');
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('during an audit: exits 130, JSON says incomplete, no git child left running, no temp files', async () => {
    const tmp = path.join(root, 'tmp3');
    const repo = path.join(root, 'repo');
    mkdirSync(tmp);
    mkdirSync(repo);
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, env: { ...process.env, ...GIT_TEST_ENV } });
    git('init', '-q', '-b', 'main');
    writeFileSync(path.join(repo, 'big.js'), 'var a = function (b) { return b * 2 }; '.repeat(1_500_000)); // 60 MB blob
    git('add', 'big.js');
    git('-c', 'user.name=Test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'big');
    const { child, done } = start(['audit', '-f', 'json'], repo, tmp);
    await until(() => childCommands(child.pid!).some((c) => c.includes('cat-file')), 'git cat-file reading blobs');
    const gits = childPids(child.pid!);
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    expect(JSON.parse(r.stdout).incomplete).toBe(true);
    expect(gits.length).toBeGreaterThan(0);
    await until(() => gits.every((pid) => !isRunning(pid)), 'every git child stopped');
    expect(readdirSync(tmp)).toEqual([]);
  });

  for (const threads of ['0', '1']) {
    it(`files finished before a big one in the same batch are reported when Ctrl-C comes during the big one (--threads ${threads})`, async () => {
      const tmp = path.join(root, `tmp-early-${threads}`);
      const d = path.join(root, `early-${threads}`);
      mkdirSync(tmp);
      mkdirSync(d);
      writeFileSync(path.join(d, 'a.env'), `HUBSPOT_TOKEN=${fakeAll(`sigint-early-${threads}`)['pat']}\n`);
      const big = path.join(d, 'big.js');
      writeFileSync(big, 'var a = function (b) { return b * 2 }; '.repeat(1_500_000)); // 60 MB
      const { child, done } = start(['scan', 'a.env', 'big.js', '-f', 'json', '--threads', threads], d, tmp);
      await until(() => holdsOpen(child.pid!, big), 'the big file being read');
      await new Promise((r) => setTimeout(r, 200)); // a worker tells what it has finished every 50 ms
      child.kill('SIGINT');
      const r = await done;
      expect(r.code).toBe(130);
      const doc = JSON.parse(r.stdout) as { incomplete: boolean; findings: { path: string }[]; stats: { files: number } };
      expect(doc.incomplete).toBe(true);
      expect(doc.findings.map((f) => f.path)).toEqual(['a.env']);
      expect(doc.stats.files).toBe(1);
    });
  }

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} during an audit whose listing is still walking: exits 130 and stops every git it started (none left orphaned)`, async () => {
      const tmp = path.join(root, `tmp-walk-${signal}`);
      mkdirSync(tmp);
      const repo = makeRepo();
      repo.commit('a', { 'a.env': `HUBSPOT_TOKEN=${fakeAll('sigint-walk')['pat']}\n` });
      // Every git the bin starts notes its pid; rev-list then stands for a long walk (it sleeps).
      const pids = path.join(root, `git-pids-${signal}`);
      const bin = wrappedGit(`echo "$$ $sub" >> ${pids}\n[ "$sub" = rev-list ] && exec sleep 30`);
      const { child, done } = start(['audit', '-f', 'json'], repo.dir, tmp, { PATH: `${bin}:${process.env['PATH']}` });
      const started = () => (existsSync(pids) ? readFileSync(pids, 'utf8').trim().split('\n') : []);
      await until(() => started().some((l) => l.endsWith(' rev-list')) && started().some((l) => l.endsWith(' cat-file')), 'rev-list walking and cat-file waiting');
      child.kill(signal);
      const r = await done;
      expect(r.code).toBe(130);
      if (signal === 'SIGTERM') {
        expect(r.stderr).toMatch(/^hubspot-secrets: terminated \(SIGTERM\)/);
        expect(r.stdout).toBe(''); // stopped at once: no report
      } else {
        expect(JSON.parse(r.stdout)).toMatchObject({ incomplete: true, findings: [] });
      }
      await until(() => started().every((l) => !isRunning(Number(l.split(' ')[0]))), 'every git the audit started stopped');
    });
  }

  it('to the whole process group during an audit (git stopped by it too): still 130 with the incomplete report, no git error', async () => {
    const tmp = path.join(root, 'tmp4');
    mkdirSync(tmp);
    const repo = path.join(root, 'repo'); // the 60 MB blob of the test above
    const child = spawn(process.execPath, [BIN, 'audit', '-f', 'json', '--threads', '1'], {
      cwd: repo,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, as a shell's foreground job: Ctrl-C reaches git as well
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c) => (stdout += c));
    child.stderr!.on('data', (c) => (stderr += c));
    const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await until(() => childCommands(child.pid!).some((c) => c.includes('cat-file')), 'git cat-file reading blobs');
    process.kill(-child.pid!, 'SIGINT');
    expect(await done).toBe(130);
    expect(stderr).not.toMatch(/git .*(failed|stopped)|internal error/);
    expect(JSON.parse(stdout).incomplete).toBe(true);
  });

  it('after the report is written but before the process ends (a producer cut off by the same Ctrl-C): 130, never 0', async () => {
    const tmp = path.join(root, 'tmp5');
    mkdirSync(tmp);
    // Holds the process open a little after main() settles: the window in which Ctrl-C can land late.
    const hold = path.join(tmp, 'hold.cjs');
    writeFileSync(hold, 'setTimeout(() => {}, 1500);\n');
    const child = spawn(process.execPath, ['--require', hold, BIN, 'scan', '-'], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout!.on('data', (c) => (stdout += c));
    const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    child.stdin!.end('the start of an input whose producer was stopped\n');
    await until(() => stdout.includes('No HubSpot credentials found'), 'the clean report');
    child.kill('SIGINT');
    expect(await done).toBe(130);
  });
});

describe('a failure Ctrl-C caused (git stopped by the same signal)', () => {
  async function* failing(): AsyncGenerator<number> {
    yield 1;
    throw new Error('git cat-file stopped (exit code null)');
  }

  it('a source failing with Ctrl-C on its heels ends the run as interrupted; without Ctrl-C it is an error', async () => {
    const seen: number[] = [];
    const c = new AbortController();
    const it = untilAborted(failing(), c.signal);
    seen.push((await it.next()).value as number);
    setTimeout(() => c.abort(), 20); // the signal is handled a little after git's death is seen
    expect(await it.next()).toEqual({ done: true, value: undefined });
    expect(seen).toEqual([1]);
    const plain = untilAborted(failing(), new AbortController().signal);
    await plain.next();
    await expect(plain.next()).rejects.toThrow(/cat-file stopped/);
  });

  it("an interrupted audit keeps its findings when git cannot map them to commits; a complete one fails", async () => {
    const repo = makeRepo();
    repo.commit('a', { 'a.env': `HUBSPOT_TOKEN=${fakeAll('sigint-map')['pat']}\n` });
    const ruleset = builtinRuleSet();
    const run = async () => {
      const h = await historySource({ cwd: repo.dir });
      return { h, r: await scan(h.events, { ruleset }) };
    };
    const complete = await run();
    const interrupted = await run();
    rmSync(path.join(repo.dir, '.git'), { recursive: true, force: true }); // git log and ls-tree fail now
    await expect(complete.h.annotate(complete.r)).rejects.toThrow();
    interrupted.r.incomplete = true;
    await interrupted.h.annotate(interrupted.r);
    expect(interrupted.r.findings).toHaveLength(1);
    expect(interrupted.r.findings[0]!.path).toMatch(/^<blob [0-9a-f]{12}: the run was interrupted before its commit was found>$/);
  });
});
