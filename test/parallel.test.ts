/**
 * The worker-thread directory scan (src/parallel/) gives exactly what the single-thread path gives:
 * same findings (positions, secrets, encodings), same skips and warnings, same stats, on the
 * fixture set and on files cut at chunk boundaries; special files, symlinks and --max-file-size
 * behave alike. A worker that fails makes the run fail (exit 2 with a message), never pass.
 * The in-process cases start the bundled worker (dist/scan-worker.js: run `npm run build` first).
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RuleSet } from '../src/core/types.js';
import { PoolError, ScanPool } from '../src/parallel/pool.js';
import { COMPILE_BUDGET_FLAG, dropSpares, REGEXP_NATIVE_FLAG, speculate, startSpares, takeSpare, VALUE_OPTIONS, WORKER_V8_FLAGS } from '../src/parallel/spare.js';
import { scanInWorkers } from '../src/parallel/prescan.js';
import { parallelFileSource } from '../src/parallel/source.js';
import { historySource } from '../src/sources/git/history.js';
import { chunkPlanFor, type ChunkPlan } from '../src/read.js';
import { builtinRuleSet } from '../src/rules/index.js';
import { rawSecret, scan, type ScanResult } from '../src/scan.js';
import { fileSource } from '../src/sources/files.js';
import type { SourceOutput } from '../src/sources/types.js';
import { BIN, ROOT, runBin } from './helpers/cli.js';
import { fakeAll, fakePrivateAppToken, fakeHubHex, Rng } from './helpers/fake-tokens.js';
import { loadFixtures, writeFixtures } from './helpers/fixtures.js';
import { makeRepo } from './helpers/git.js';
import { tempDir } from './helpers/tmp.js';
import { holdsOpen } from './helpers/proc.js';

const WORKER = path.join(ROOT, 'dist/scan-worker.js');
const ruleset = builtinRuleSet();
const root = tempDir('hs-parallel-');

/** Everything a report could show, in a stable order (the walk's order is not fixed). */
function summary(r: ScanResult): unknown {
  const f = (list: ScanResult['findings']) =>
    list
      .map((x) => ({ ...x, raw: rawSecret(x) }))
      .sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line || a.column - b.column || a.ruleId.localeCompare(b.ruleId));
  const { durationMs: _d, peakRssMb: _p, ...stats } = r.stats;
  return {
    findings: f(r.findings),
    suppressed: f(r.suppressed),
    stats,
    warnings: [...r.warnings].sort((a, b) => a.path.localeCompare(b.path) || a.message.localeCompare(b.message)),
    incomplete: r.incomplete,
  };
}

async function both(dir: string, opts: { plan?: ChunkPlan; maxFileSize?: number; rules?: RuleSet } = {}): Promise<{ single: ScanResult; workers: ScanResult }> {
  const rules = opts.rules ?? ruleset;
  const plan = opts.plan ?? chunkPlanFor(rules);
  const common = { cwd: dir, ...(opts.maxFileSize !== undefined ? { maxFileSize: opts.maxFileSize } : {}) };
  const single = await scan(fileSource(['.'], { ...common, chunkSize: plan.chunkSize }), { ruleset: rules, chunkPlan: plan });
  const workers = await scan(parallelFileSource(['.'], { ...common, ruleset: rules, plan, threads: 2, workerUrl: WORKER }), { ruleset: rules, chunkPlan: plan });
  return { single, workers };
}

describe('worker-thread directory scan', () => {
  it('the bundled worker exists (npm run build)', () => {
    expect(existsSync(WORKER)).toBe(true);
  });

  it('finds exactly what the single-thread path finds on the fixture set', async () => {
    const dir = path.join(root, 'fixtures');
    const fixtures = loadFixtures();
    writeFixtures(dir, fixtures);
    const { single, workers } = await both(dir);
    expect(single.findings.length).toBeGreaterThan(40);
    expect(workers.stats.files).toBe(fixtures.length);
    expect(summary(workers)).toEqual(summary(single));
  });

  it('finds every token cut by a chunk boundary exactly once, as the single-thread path does', async () => {
    const dir = path.join(root, 'chunks');
    mkdirSync(dir);
    const rng = new Rng('parallel-chunks');
    const plan = chunkPlanFor(ruleset, { chunkSize: 4096 });
    let planted = 0;
    for (let f = 0; f < 24; f++) {
      // Tokens whose start falls a few characters either side of each 4096-character boundary.
      let text = '';
      for (let k = 1; k <= 5; k++) {
        const tok = f % 2 ? fakePrivateAppToken(rng) : fakeHubHex(rng);
        const line = f % 2 ? `HUBSPOT_ACCESS_TOKEN=${tok}\n` : `refresh_token: ${tok}\n`;
        const at = k * 4096 - (line.length - (f % 7) * 6);
        text += 'x'.repeat(Math.max(0, at - text.length - 1)) + '\n' + line;
        planted++;
      }
      writeFileSync(path.join(dir, `f${f}.${f % 3 === 0 ? 'crlf.txt' : 'txt'}`), f % 3 === 0 ? text.replace(/\n/g, '\r\n') : text);
    }
    // One UTF-16 file and one small file that fits one chunk.
    const t = fakeAll('parallel-utf16');
    writeFileSync(path.join(dir, 'wide.txt'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${'y'.repeat(4090)}\nTOKEN=${t['pat']}\n`, 'utf16le')]));
    writeFileSync(path.join(dir, 'small.env'), `TOKEN=${t['pat']}\n`);
    const { single, workers } = await both(dir, { plan });
    expect(single.findings.length).toBe(planted + 2);
    expect(summary(workers)).toEqual(summary(single));
  });

  it('skips FIFOs, symlinks and too-large files, and warns, as the single-thread path does', async () => {
    const dir = path.join(root, 'special');
    mkdirSync(dir);
    const t = fakeAll('parallel-special');
    writeFileSync(path.join(dir, 'a.env'), `TOKEN=${t['pat']}\n`);
    writeFileSync(path.join(dir, 'big.env'), `TOKEN=${t['pat']}\n${'z'.repeat(5000)}\n`);
    writeFileSync(path.join(dir, 'bin.dat'), Buffer.from([0, 1, 2, 3, 0, 0, 7]));
    execFileSync('mkfifo', [path.join(dir, 'pipe.env')]);
    symlinkSync('/etc/hostname', path.join(dir, 'link.env'));
    const { single, workers } = await both(dir, { maxFileSize: 1000 });
    expect(single.stats.skippedBy).toEqual({ 'too-large': 1, binary: 1, special: 1, symlink: 1 });
    expect(single.warnings.map((w) => w.path)).toEqual(['big.env']);
    expect(summary(workers)).toEqual(summary(single));
  });

  it('a worker that fails rejects the scan (never a clean result)', async () => {
    const dir = path.join(root, 'crash');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'a.txt'), 'hello\n');
    const bad = path.join(root, 'bad-worker.mjs');
    writeFileSync(bad, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => { throw new Error('worker boom'); });\n");
    const events = parallelFileSource(['.'], { cwd: dir, ruleset, threads: 2, workerUrl: bad });
    await expect(scan(events, { ruleset })).rejects.toThrow(PoolError);
    const exits = path.join(root, 'exit-worker.mjs');
    writeFileSync(exits, "process.exit(3);\n");
    await expect(scan(parallelFileSource(['.'], { cwd: dir, ruleset, threads: 1, workerUrl: exits }), { ruleset })).rejects.toThrow(/stopped unexpectedly \(exit code 3\)/);
  });
});

describe('workers started before the arguments are parsed (spare.ts)', () => {
  it('are guessed for a folder scan, a baseline of a folder or a history, or an audit only', () => {
    const dir = path.join(root, 'guess');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'one.txt'), 'x\n');
    const n = (argv: string[]) => speculate(argv, dir, 4);
    expect(n(['scan'])).toBe(3);
    expect(n(['scan', '.'])).toBe(3);
    expect(n(['scan', '.', '--threads', '2'])).toBe(2);
    expect(n(['scan', '--threads=1', '.'])).toBe(1);
    expect(n(['audit'])).toBe(3);
    expect(n(['audit', '--include-unreachable'])).toBe(3);
    expect(n(['baseline'])).toBe(3);
    expect(n(['baseline', '.', '--update'])).toBe(3);
    expect(n(['baseline', 'one.txt', '--history'])).toBe(3);
    // An option's value is not a path to scan.
    expect(n(['scan', '--format', 'sarif', '-o', 'results.sarif'])).toBe(3);
    expect(n(['baseline', '--output', 'accepted.json'])).toBe(3);
    expect(n(['scan', '--config', 'one.txt', 'one.txt'])).toBe(0);
    // Not a folder scan, or no worker wanted: no guess.
    expect(n(['scan', 'one.txt'])).toBe(0);
    expect(n(['baseline', 'one.txt'])).toBe(0);
    expect(n(['baseline', '--threads', '2'])).toBe(0);
    expect(n(['scan', '--staged'])).toBe(0);
    expect(n(['scan', '--commits', 'a..b'])).toBe(0);
    expect(n(['scan', '-'])).toBe(0);
    expect(n(['scan', '.', '--threads', '0'])).toBe(0);
    expect(n(['scan', '.', '--help'])).toBe(0);
    expect(n(['audit', '--threads', 'x'])).toBe(0);
    expect(n(['scan', '.', '--threads', '1e9'])).toBe(0); // refused later, with a clear error: no 64 workers first
    expect(n(['scan', '.', '--threads', '0x10'])).toBe(0);
    expect(n(['scan', '.', '--threads', '12'])).toBe(4); // a head start for as many as there are cores
    expect(n(['--config', 'c.json', 'scan', '.'])).toBe(0);
    expect(n(['rules'])).toBe(0);
    expect(n([])).toBe(0);
    expect(speculate(['scan', '.'], dir, 1)).toBe(0);
  });

  it("knows which of scan's, audit's and baseline's options take a value (their help's)", () => {
    for (const command of ['scan', 'audit', 'baseline']) {
      const help = execFileSync(process.execPath, [BIN, command, '--help'], { encoding: 'utf8' });
      for (const line of help.split('\n')) {
        const m = /^\s+(?:(-[a-z]), )?(--[a-z-]+)\s.*\[(string|number|array|choices:[^\]]*)\]/.exec(line);
        if (!m || m[2] === '--threads' || m[2] === '--commits') continue;
        expect(VALUE_OPTIONS.has(m[2]!), `${command} ${m[2]}`).toBe(true);
        if (m[1]) expect(VALUE_OPTIONS.has(m[1]), `${command} ${m[1]}`).toBe(true);
      }
    }
  });

  it('with workers, V8 optimizes later: the flag set is one this Node has, above its default (V8 ignores unknown flags)', () => {
    // 8x Node 20's default (66 KiB); newer V8s have defaults up to 144 KiB, where it is still above it.
    const [, name, value] = /^(--[a-z-]+)=(\d+)$/.exec(COMPILE_BUDGET_FLAG)!;
    const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
    const def = new RegExp(`^\\s+${name} \\(.*\\n\\s+type: int\\s+default: ${name}=(\\d+)`, 'm').exec(options);
    expect(def, `${name} in node --v8-options`).not.toBeNull();
    expect(Number(value)).toBeGreaterThan(Number(def![1]) * (process.versions.node.startsWith('20.') ? 4 : 2));
  });

  it('with workers, regular expressions compile straight to machine code: a flag this Node has, on by default', () => {
    const [, name] = /^--no-([a-z-]+)$/.exec(REGEXP_NATIVE_FLAG)!;
    const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
    expect(options, `--${name} in node --v8-options`).toMatch(new RegExp(`^\\s+--${name} \\(.*\\n\\s+type: bool\\s+default: --${name}\\n`, 'm'));
    expect(WORKER_V8_FLAGS.split(' ')).toEqual([COMPILE_BUDGET_FLAG, REGEXP_NATIVE_FLAG]);
  });

  it('a started worker is taken by the pool, configured by message, and finds what a fresh one finds', async () => {
    const dir = path.join(root, 'spare');
    writeFixtures(dir, loadFixtures());
    const plan = chunkPlanFor(ruleset);
    const url = pathToFileURL(WORKER);
    const fresh = await scan(parallelFileSource(['.'], { cwd: dir, ruleset, plan, threads: 1, workerUrl: url }), { ruleset, chunkPlan: plan });
    expect(startSpares(url, 1)).toHaveLength(1);
    const early = await scan(parallelFileSource(['.'], { cwd: dir, ruleset, plan, threads: 1, workerUrl: url }), { ruleset, chunkPlan: plan });
    expect(takeSpare(url)).toBeUndefined(); // the pool took it
    expect(summary(early)).toEqual(summary(fresh));
    expect(early.findings.length).toBeGreaterThan(0);
    dropSpares();
  });

  it('a small tree read on this thread stops the started workers', async () => {
    const dir = path.join(root, 'spare-small');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'a.txt'), `token ${fakePrivateAppToken(new Rng('spare-small'))}\n`);
    const url = pathToFileURL(WORKER);
    const [spare] = startSpares(url, 1);
    expect(spare).toBeDefined();
    const exited = new Promise((resolve) => spare!.once('exit', resolve));
    const r = await scan(parallelFileSource(['.'], { cwd: dir, ruleset, workerUrl: url }), { ruleset });
    expect(r.findings).toHaveLength(1);
    expect(takeSpare(url)).toBeUndefined();
    await exited; // terminated, not left running
  });
});

describe('audit with detection on worker threads', () => {
  it('the audit moves every blob to a worker (never copied, never scanned on this thread, which only feeds them)', async () => {
    const repo = makeRepo();
    const files: Record<string, string> = { 'a.env': `HUBSPOT_TOKEN=${fakePrivateAppToken(new Rng('parallel-audit-move'))}\n` };
    for (let i = 0; i < 60; i++) files[`f${i}.txt`] = `${i}\n`.repeat(100 + i); // several batches
    repo.commit('many', files);
    const h = await historySource({ cwd: repo.dir });
    const blobs: Uint8Array[] = [];
    async function* tap(events: AsyncIterable<SourceOutput>): AsyncGenerator<SourceOutput> {
      for await (const out of events) {
        for (const ev of out.kind === 'batch' ? out.events : [out]) if (ev.kind === 'item' && ev.blob && ev.content instanceof Uint8Array) blobs.push(ev.content);
        yield out;
      }
    }
    const r = await scan(scanInWorkers(tap(h.events), { ruleset, threads: 1, workerUrl: WORKER }), { ruleset });
    expect(r.findings).toHaveLength(1);
    expect(blobs).toHaveLength(61);
    expect(blobs.filter((b) => b.byteLength > 0)).toEqual([]);
  });

  it('content read for its task alone is moved to the worker (left empty here), other content is copied; both scan the same', async () => {
    const plan = chunkPlanFor(ruleset);
    const pool = new ScanPool({ threads: 1, here: false, workerUrl: pathToFileURL(WORKER), ruleset, plan });
    try {
      const text = `HUBSPOT_TOKEN=${fakePrivateAppToken(new Rng('parallel-move'))}\n`;
      const moved = Buffer.allocUnsafeSlow(text.length);
      moved.write(text);
      const copied = Buffer.from(text);
      const shared = Buffer.allocUnsafeSlow(text.length);
      shared.write(text);
      const [[a], [b], [c]] = await pool.run([
        { path: 'moved.env', content: moved, move: true },
        { path: 'copied.env', content: copied },
        // Not its own buffer's whole content: copied even when marked.
        { path: 'part.env', content: shared.subarray(0, text.length - 1), move: true },
      ]);
      expect(moved.byteLength).toBe(0);
      expect(copied.toString()).toBe(text);
      expect(shared.toString()).toBe(text);
      for (const r of [a, b, c]) expect(r).toMatchObject({ kind: 'text', matches: [{ ruleId: 'hubspot-private-app-token' }] });
    } finally {
      pool.close();
    }
  });


  it('finds, maps and dedupes exactly what the single-thread audit does (blobs, messages, inline allows)', async () => {
    const repo = makeRepo();
    const a = fakeAll('parallel-audit-a');
    const b = fakeAll('parallel-audit-b');
    repo.commit(`add config\n\ntoken ${b['pat']}`, { 'config/app.env': `A=1\nHUBSPOT_TOKEN=${a['pat']}\n` });
    repo.commit('edit', { 'config/app.env': `A=2\nHUBSPOT_TOKEN=${a['pat']}\n`, 'docs/x.md': `refresh_token: ${a['refresh']} # hubspot-secrets:allow\n` });
    const fixtures = loadFixtures().slice(0, 30);
    repo.commit('fixtures', Object.fromEntries(fixtures.map((f) => [`fx/${f.rel}`, f.bytes])));
    const run = async (threads: number) => {
      const h = await historySource({ cwd: repo.dir });
      const events = scanInWorkers(h.events, { ruleset, threads, workerUrl: WORKER });
      const r = await scan(events, { ruleset, suppress: (_f, ctx) => (/hubspot-secrets:allow/.test(ctx.lineText(ctx.match.line)) ? 'inline' : null) });
      await h.annotate(r);
      return r;
    };
    const single = await run(0);
    const workers = await run(2);
    expect(single.findings.length).toBeGreaterThan(5);
    expect(single.suppressed.length).toBe(1);
    expect(single.findings.some((f) => f.commit?.message)).toBe(true);
    expect(summary(workers)).toEqual(summary(single));
    const msg = (r: typeof single) => r.findings.filter((f) => f.commit?.message).map((f) => f.commit);
    expect(msg(workers)).toEqual(msg(single));
    expect(msg(workers)[0]).toMatchObject({ author: expect.any(String), date: expect.any(String), message: true });
    expect(workers.stats).toMatchObject({ files: single.stats.files, bytes: single.stats.bytes });
  });

  it('blobs scanned by the workers: too large and LFS pointers are skipped as in the single-thread audit; a missing object is exit 2 in one line', async () => {
    const repo = makeRepo();
    const a = fakeAll('parallel-audit-skips');
    repo.commit('big and lfs', {
      'big.env': `HUBSPOT_TOKEN=${a['pat']}\n${'x'.repeat(5000)}\n`,
      'model.bin': 'version https://git-lfs.github.com/spec/v1\noid sha256:' + '0'.repeat(64) + '\nsize 12345\n',
      'small.env': `HUBSPOT_TOKEN=${a['pat']}\n`,
    });
    const run = async (threads: number) => {
      const h = await historySource({ cwd: repo.dir, maxFileSize: 1000 });
      const r = await scan(scanInWorkers(h.events, { ruleset, threads, workerUrl: WORKER }), { ruleset });
      await h.annotate(r);
      return r;
    };
    const single = await run(0);
    const workers = await run(2);
    expect(single.stats.skippedBy).toEqual({ 'too-large': 1, 'lfs-pointer': 1 });
    expect(workers.stats.skippedBy).toEqual(single.stats.skippedBy);
    expect(summary(workers)).toEqual(summary(single));

    const blob = repo.git('rev-parse', 'HEAD:small.env');
    rmSync(path.join(repo.dir, '.git', 'objects', blob.slice(0, 2), blob.slice(2)));
    const r = runBin(['audit', '.', '--threads', '2'], { cwd: repo.dir });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^hubspot-secrets: .*(missing|corrupt)/);
  });
});

describe('worker-thread directory scan, real bin', () => {
  it('--threads 2 and --threads 0 give the same report on the fixture set', () => {
    const dir = path.join(root, 'bin-fixtures');
    writeFixtures(dir, loadFixtures());
    const run = (threads: string) => {
      const r = runBin(['scan', '.', '-f', 'json', '--threads', threads], { cwd: dir });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.stdout) as { findings: { path: string; line: number; column: number; ruleId: string }[]; stats: Record<string, unknown> };
      doc.findings.sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line || a.column - b.column || a.ruleId.localeCompare(b.ruleId));
      delete doc.stats['durationMs'];
      delete doc.stats['peakRssMb'];
      return doc;
    };
    expect(run('2')).toEqual(run('0'));
  });

  it('a crashing worker: exit 2 and a message, never a pass', () => {
    // A copy of the bundle whose worker script dies on its first batch.
    const dist = path.join(root, 'broken-dist');
    cpSync(path.join(ROOT, 'dist'), dist, { recursive: true });
    writeFileSync(path.join(root, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(path.join(dist, 'scan-worker.js'), "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => process.exit(7));\n");
    const dir = path.join(root, 'bin-crash');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'a.txt'), 'nothing here\n');
    const r = execFileSyncStatus(process.execPath, [path.join(dist, 'cli.js'), 'scan', '.', '--threads', '2'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/scan worker thread stopped unexpectedly \(exit code 7\)/);
    expect(r.stderr).toContain('Nothing may be concluded from this run');
  });

  it('Ctrl-C while a worker reads a big file: exits 130 at once, report says incomplete', async () => {
    const dir = path.join(root, 'sigint');
    mkdirSync(dir);
    for (let i = 0; i < 200; i++) writeFileSync(path.join(dir, `s${i}.txt`), `line ${i}\n`);
    const big = path.join(dir, 'big.js');
    writeFileSync(big, 'var a = function (b) { return b * 2 }; '.repeat(1_500_000)); // 60 MB
    const child = spawn(process.execPath, [BIN, 'scan', '.', '-f', 'json', '--threads', '2'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    for (let i = 0; i < 4000 && !holdsOpen(child.pid!, big); i++) await new Promise((r) => setTimeout(r, 2));
    expect(holdsOpen(child.pid!, big)).toBe(true);
    child.kill('SIGINT');
    expect(await done).toBe(130);
    expect(JSON.parse(stdout).incomplete).toBe(true);
  });
});

function execFileSyncStatus(cmd: string, args: string[], cwd: string): { code: number; stderr: string } {
  try {
    execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 60_000 });
    return { code: 0, stderr: '' };
  } catch (err) {
    const e = err as { status: number | null; stderr: string };
    return { code: e.status ?? -1, stderr: e.stderr };
  }
}
