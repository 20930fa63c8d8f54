/**
 * Ctrl-C: SIGINT to the real bin during a scan exits promptly with 130, says the output is
 * incomplete, and leaves no temp files. The signal is sent once the bin reads standard input, or
 * while it holds the big file open (both seen in /proc/<pid>).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from './helpers/cli.js';
import { GIT_TEST_ENV } from './helpers/git.js';
import { childCommands, holdsOpen } from './helpers/proc.js';
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

function start(argv: string[], cwd: string, tmp: string): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, ...argv], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', TMPDIR: tmp },
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
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    expect(JSON.parse(r.stdout).incomplete).toBe(true);
    expect(childCommands(child.pid!)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  });
});
