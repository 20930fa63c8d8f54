/**
 * The bin on a real pseudo-terminal (util-linux `script`), where the audit's progress spinner draws:
 * it must end, also on a terminal whose size was never set (0 columns), as `script` gives a command
 * run without a terminal, and as some CI and agent wrappers do.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN } from './helpers/cli.js';
import { fakeAll } from './helpers/fake-tokens.js';
import { GIT_TEST_ENV, makeRepo } from './helpers/git.js';

const T = fakeAll('tty-spinner');
/** `command` in a shell on a new pseudo-terminal; its exit code and everything the terminal showed. */
function onPty(command: string, cwd: string): { code: number | null; out: string; error?: Error } {
  const r = spawnSync('script', ['-qec', command, '/dev/null'], {
    cwd,
    // Not CI (the spinner is off in CI), a terminal type that draws.
    env: { PATH: process.env['PATH'], HOME: process.env['HOME'], TERM: 'xterm', ...GIT_TEST_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 30_000,
    // A spinner that never stops writes without bound: stop it here rather than fill the disk.
    maxBuffer: 4 << 20,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}`, ...(r.error ? { error: r.error } : {}) };
}

describe('the audit on a pseudo-terminal (util-linux script)', () => {
  const repo = makeRepo();
  repo.commit('add config', { 'config.env': `HUBSPOT_TOKEN=${T.pat}\n` });
  // Under `timeout` (KILL: a thread stuck in a loop never runs a SIGTERM handler): if the spinner ever
  // loops again, the test fails and leaves no process behind.
  const audit = `timeout -s KILL 25 ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} audit`;

  it('draws its progress and ends, with the finding and exit 1, on a terminal with a width', () => {
    const r = onPty(`stty cols 100 rows 30; ${audit}`, repo.dir);
    expect(r.error).toBeUndefined();
    expect(r.code).toBe(1);
    expect(r.out).toContain('Auditing history');
    expect(r.out).toContain('config.env');
    expect(r.out).not.toContain(T.pat!);
  });

  it('ends on a terminal 0 columns wide (no spinner there: ora would clear lines without end)', () => {
    const size = onPty('stty size', repo.dir);
    expect(size.out.trim()).toBe('0 0');
    const r = onPty(audit, repo.dir);
    expect(r.error).toBeUndefined();
    expect(r.code).toBe(1);
    expect(r.out).toContain('config.env');
    expect(r.out).not.toContain('Auditing history');
    expect(r.out.length).toBeLessThan(20_000);
  });
});
