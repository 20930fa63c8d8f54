/** gitStarted: a git process started now whose output is read later (the audit's introduction log). */
import { describe, expect, it } from 'vitest';
import { gitRun, gitStarted } from '../src/sources/git/repo.js';
import { git, makeRepo } from './helpers/git.js';

/** Child processes this thread's event loop waits for. */
const processes = (): number => process.getActiveResourcesInfo().filter((r) => r === 'ProcessWrap').length;

describe('gitStarted', () => {
  it('holds the process open only once its output is read (a run that ends before reading it exits), and gives all of it', async () => {
    const repo = makeRepo();
    const big = `${'x'.repeat(1 << 20)}\n`;
    const oid = git(repo.dir, ['hash-object', '-w', '--stdin'], { input: big }).trim();
    const before = processes();
    const started = gitStarted(repo.dir, ['cat-file', 'blob', oid], { readAhead: 1 });
    // git now waits on a full pipe: it is running, and keeps nothing open.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(processes()).toBe(before);
    let n = 0;
    for await (const chunk of started.chunks()) n += chunk.length;
    expect(n).toBe(big.length);
  });

  it('reads ahead up to its bound while the output is being read too (git finishes while the reader waits)', async () => {
    const repo = makeRepo();
    const big = `${'y'.repeat(1 << 20)}\n`;
    const oid = git(repo.dir, ['hash-object', '-w', '--stdin'], { input: big }).trim();
    const before = processes();
    const it = gitStarted(repo.dir, ['cat-file', 'blob', oid], { readAhead: 4 << 20 }).chunks();
    let n = (await it.next()).value!.length;
    // The reader now waits; git, never on a full pipe, writes the rest and exits.
    const deadline = Date.now() + 5000;
    while (processes() > before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(processes()).toBe(before);
    for await (const chunk of it) n += chunk.length;
    expect(n).toBe(big.length);
  });

  it("git's own notes are not taken for its errors: the graft file set aside (GIT_GRAFT_FILE) makes git print a deprecation hint on every call, which replaced git's error in messages (found by a trial)", async () => {
    const repo = makeRepo();
    repo.commit('a', { 'a.txt': 'a\n' });
    for (const args of [['log', '-1', '--format=%H'], ['rev-list', '--all'], ['rev-parse', 'HEAD']]) {
      const r = await gitRun(repo.dir, args);
      expect(r.stderr, args.join(' ')).toBe('');
    }
  });
});
