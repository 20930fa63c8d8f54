/** V8's code cache for the bundled CLI (src/code-cache.ts, src/launch.ts). */
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CACHE_DIR_ENV, cacheDirs, cacheName, checksum, readCache, runKind, writeCache } from '../src/code-cache.js';
import { BIN, runBin } from './helpers/cli.js';
import { fakePrivateAppToken, Rng } from './helpers/fake-tokens.js';
import { makeRepo } from './helpers/git.js';
import { tempDir } from './helpers/tmp.js';

const posix = process.platform !== 'win32';
const HEADER = 'hubspot-secrets code cache\n';

describe('where the cache lives', () => {
  const none = (): boolean => false;
  it('next to an installed package, then in the user cache folder', () => {
    const bundle = '/srv/app/node_modules/hubspot-secrets/dist/main.cjs';
    expect(cacheDirs(bundle, { HOME: '/home/me' }, none, '/work')).toEqual(['/srv/app/node_modules/.cache/hubspot-secrets', '/home/me/.cache/hubspot-secrets']);
    expect(cacheDirs(bundle, { HOME: '/home/me', XDG_CACHE_HOME: '/var/cache/me' }, none, '/work')).toEqual(['/srv/app/node_modules/.cache/hubspot-secrets', '/var/cache/me/hubspot-secrets']);
    // A relative or missing home is no place for it.
    expect(cacheDirs(bundle, { HOME: 'me' }, none, '/work')).toEqual(['/srv/app/node_modules/.cache/hubspot-secrets']);
    expect(cacheDirs(bundle, {}, none, '/work')).toEqual(['/srv/app/node_modules/.cache/hubspot-secrets']);
  });

  it("in a checkout, its own node_modules (if it has one); a named folder; none when it is off", () => {
    const bundle = '/src/hubspot-secrets/dist/main.cjs';
    expect(cacheDirs(bundle, {}, (p) => p === '/src/hubspot-secrets/node_modules', '/work')).toEqual(['/src/hubspot-secrets/node_modules/.cache/hubspot-secrets']);
    expect(cacheDirs(bundle, {}, none, '/work')).toEqual([]);
    expect(cacheDirs(bundle, { [CACHE_DIR_ENV]: '/tmp/c', HOME: '/home/me' }, none, '/work')).toEqual(['/tmp/c']);
    expect(cacheDirs(bundle, { [CACHE_DIR_ENV]: 'off', HOME: '/home/me' }, () => true, '/work')).toEqual([]);
    expect(cacheDirs(bundle, { [CACHE_DIR_ENV]: 'OFF', HOME: '/home/me' }, () => true, '/work')).toEqual([]);
    // A relative folder, or one inside the folder the tool runs in, would be in the checkout being
    // scanned (whose author could plant a cache): not used.
    expect(cacheDirs(bundle, { [CACHE_DIR_ENV]: '.hs-cache', HOME: '/home/me' }, none, '/work')).toEqual(['/home/me/.cache/hubspot-secrets']);
    expect(cacheDirs(bundle, { [CACHE_DIR_ENV]: '/work/repo/.hs-cache', HOME: '/home/me' }, none, '/work/repo')).toEqual(['/home/me/.cache/hubspot-secrets']);
    expect(cacheDirs(bundle, { [CACHE_DIR_ENV]: '/work/repo', HOME: '/home/me' }, none, '/work/repo')).toEqual(['/home/me/.cache/hubspot-secrets']);
    expect(cacheDirs(bundle, { [CACHE_DIR_ENV]: '/work/repo-cache', HOME: '/home/me' }, none, '/work/repo')).toEqual(['/work/repo-cache']);
  });

  it('one file per bundle, Node version, CPU and the flags Node was started with', () => {
    expect(cacheName('0123456789abcdef', '')).toBe(`0123456789abcdef-${process.version}-${process.arch}.v8`);
    const a = cacheName('0123456789abcdef', '--max-old-space-size=4096');
    expect(a).toMatch(new RegExp(`^0123456789abcdef-${process.version.replace(/\./g, '\\.')}-${process.arch}-[0-9a-f]{8}\\.v8$`));
    expect(cacheName('0123456789abcdef', '--stack-trace-limit=50')).not.toBe(a);
  });

  it('the kind of run: what code it compiles', () => {
    expect(runKind([])).toBe('-');
    expect(runKind(['--version'])).toBe('-');
    expect(runKind(['scna'])).toBe('-');
    expect(runKind(['scan', '--staged'])).toBe('scan --staged');
    expect(runKind(['scan', '--commits', 'a..b'])).toBe('scan --commits');
    expect(runKind(['scan', '--commits=a..b'])).toBe('scan --commits');
    expect(runKind(['scan', '.'])).toBe('scan');
    expect(runKind(['hook', 'run', 'pre-commit'])).toBe('hook run');
    expect(runKind(['hook', 'install'])).toBe('hook install');
    expect(runKind(['hook', '--help'])).toBe('hook');
    expect(runKind(['audit', '--include-unreachable'])).toBe('audit');
  });
});

describe('reading and writing it', () => {
  const name = cacheName('feedfacefeedface');
  const data = Buffer.from([0, 1, 2, 3, 10, 255]);

  it('gives back what was written, with the kinds of run it holds', () => {
    const dir = path.join(tempDir('hs-cc-'), 'a', 'b');
    writeCache([dir], name, ['scan --staged', '-', '-'], data);
    expect(readCache([dir], name)).toEqual({ dir, kinds: ['-', 'scan --staged'], data });
    if (posix) {
      expect(lstatSync(dir).mode & 0o777).toBe(0o700);
      expect(lstatSync(path.join(dir, name)).mode & 0o777).toBe(0o600);
    }
    expect(readdirSync(dir)).toEqual([name]);
  });

  it('reads the first folder that has it, and writes to the first that can be written', () => {
    const root = tempDir('hs-cc-');
    const blocked = path.join(root, 'file');
    writeFileSync(blocked, 'not a folder');
    const second = path.join(root, 'second');
    writeCache([path.join(blocked, 'cache'), second], name, ['-'], data);
    expect(existsSync(path.join(second, name))).toBe(true);
    expect(readCache([path.join(root, 'empty'), second], name)?.dir).toBe(second);
  });

  it.runIf(posix)('never reads or writes where another user could write, nor through a symbolic link', () => {
    const root = tempDir('hs-cc-');
    const open = path.join(root, 'open');
    writeCache([open], name, ['-'], data);
    chmodSync(open, 0o777);
    expect(readCache([open], name)).toBeUndefined();
    writeCache([open], cacheName('0000000000000000'), ['-'], data);
    expect(readdirSync(open)).toEqual([name]);
    chmodSync(open, 0o700);
    chmodSync(path.join(open, name), 0o666);
    expect(readCache([open], name)).toBeUndefined();
    chmodSync(path.join(open, name), 0o600);
    expect(readCache([open], name)?.data).toEqual(data);
    const linked = path.join(root, 'linked');
    mkdirSync(linked, { mode: 0o700 });
    symlinkSync(path.join(open, name), path.join(linked, name));
    expect(readCache([linked], name)).toBeUndefined();
    const linkedDir = path.join(root, 'linked-dir');
    symlinkSync(open, linkedDir);
    expect(readCache([linkedDir], name)).toBeUndefined();

  });

  it('ignores a file that is not one of its caches, or whose data does not match its checksum', () => {
    const dir = tempDir('hs-cc-');
    writeFileSync(path.join(dir, name), 'something else\n');
    expect(readCache([dir], name)).toBeUndefined();
    writeFileSync(path.join(dir, name), HEADER);
    expect(readCache([dir], name)).toBeUndefined();
    writeCache([dir], name, ['-'], data);
    const good = readFileSync(path.join(dir, name));
    for (let bit = 0; bit < 8 * data.length; bit++) {
      const bad = Buffer.from(good);
      bad[good.length - data.length + (bit >> 3)]! ^= 1 << (bit & 7);
      writeFileSync(path.join(dir, name), bad);
      expect(readCache([dir], name), `bit ${bit}`).toBeUndefined();
    }
    // Either checksum reads back (SHA-256 where zlib has no CRC-32: Node before 20.15).
    for (const kind of ['crc32', 'sha256']) {
      const sum = checksum(data, kind);
      if (sum === undefined) continue;
      writeFileSync(path.join(dir, name), Buffer.concat([Buffer.from(`${HEADER}${sum} -\n`), data]));
      expect(readCache([dir], name)?.data, kind).toEqual(data);
    }
    expect(checksum(data, 'md5')).toBeUndefined();
  });

  it("removes other bundles' caches not written for a week; keeps this bundle's for other Node versions", () => {
    const dir = tempDir('hs-cc-');
    const old = Date.now() / 1000 - 8 * 24 * 3600;
    const files = { stale: 'aaaaaaaaaaaaaaaa-v18.0.0-x64.v8', staleFlags: 'cccccccccccccccc-v18.0.0-arm64-0badf00d.v8', recent: 'bbbbbbbbbbbbbbbb-v20.0.0-x64.v8', otherNode: 'feedfacefeedface-v18.0.0-x64.v8', notOurs: 'notes.txt', otherTool: 'snapshot.v8' };
    for (const f of Object.values(files)) {
      writeFileSync(path.join(dir, f), 'x');
      if (f !== files.recent) utimesSync(path.join(dir, f), old, old);
    }
    writeCache([dir], name, ['-'], data);
    expect(readdirSync(dir).sort()).toEqual([files.recent, files.otherNode, name, files.notOurs, files.otherTool].sort());
  });
});

describe('the bin with its cache', () => {
  // The report, without the run's duration.
  const run = (argv: string[], cwd: string, env: Record<string, string>) => {
    const r = runBin(argv, { cwd, env });
    return { ...r, stdout: r.stdout.replace(/\d+ ms\)/g, 'N ms)') };
  };
  const cacheFile = (dir: string): string => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.v8'));
    expect(files).toHaveLength(1);
    return path.join(dir, files[0]!);
  };
  const kinds = (file: string): string => readFileSync(file, 'latin1').split('\n')[1]!.replace(/^\S+ /, '');

  it('writes it after a run, takes it in the next (same report), and adds the code of a new kind of run', () => {
    const repo = makeRepo();
    const token = fakePrivateAppToken(new Rng('code-cache-bin'));
    repo.commit('first', { 'a.txt': 'a\n' });
    repo.write({ 'config.env': `HUBSPOT_ACCESS_TOKEN=${token}\n` }).git('add', 'config.env');
    const dir = path.join(tempDir('hs-cc-bin-'), 'cache');
    const env = { [CACHE_DIR_ENV]: dir };

    const first = run(['scan', '--staged'], repo.dir, env);
    expect(first.code, first.stderr).toBe(1);
    const file = cacheFile(dir);
    expect(path.basename(file)).toMatch(new RegExp(`^[0-9a-f]{16}-${process.version.replace(/\./g, '\\.')}-${process.arch}\\.v8$`));
    expect(kinds(file)).toBe('scan --staged');
    // Our bytecode only: nothing the run read.
    const bytes = readFileSync(file);
    expect(bytes.includes(token)).toBe(false);
    expect(bytes.includes(token.slice(-20))).toBe(false);
    expect(bytes.includes('config.env')).toBe(false);
    const written = lstatSync(file).mtimeMs;

    // Taken: a cache V8 rejected would be written again.
    const second = run(['scan', '--staged'], repo.dir, env);
    expect(second).toEqual(first);
    expect(lstatSync(file).mtimeMs).toBe(written);
    expect(readFileSync(file).equals(bytes)).toBe(true);

    // Node started with other V8 flags: a cache of its own, the first one untouched.
    expect(run(['scan', '--staged'], repo.dir, { ...env, NODE_OPTIONS: '--stack-trace-limit=50' })).toEqual(first);
    expect(readdirSync(dir).filter((f) => f.endsWith('.v8'))).toHaveLength(2);
    expect(readFileSync(file).equals(bytes)).toBe(true);
    rmSync(path.join(dir, readdirSync(dir).find((f) => f.endsWith('.v8') && f !== path.basename(file))!));

    const rules = runBin(['rules'], { cwd: repo.dir, env });
    expect(rules.code, rules.stderr).toBe(0);
    expect(kinds(file)).toBe('rules,scan --staged');
    expect(readFileSync(file).length).toBeGreaterThan(bytes.length);
    expect(run(['scan', '--staged'], repo.dir, env)).toEqual(first);
  });

  it('a broken cache changes nothing in the run, and is replaced', () => {
    const repo = makeRepo();
    repo.commit('first', { 'a.txt': 'a\n' });
    repo.write({ 'b.txt': 'b\n' }).git('add', 'b.txt');
    const dir = path.join(tempDir('hs-cc-bin-'), 'cache');
    const env = { [CACHE_DIR_ENV]: dir };
    const clean = run(['scan', '--staged'], repo.dir, { [CACHE_DIR_ENV]: 'off' });
    expect(clean.code, clean.stderr).toBe(0);
    runBin(['--version'], { cwd: repo.dir, env });
    const file = cacheFile(dir);
    const good = readFileSync(file);
    // Same header and length, V8's data garbled: V8 rejects it.
    const bad = Buffer.from(good);
    for (let i = HEADER.length + 8; i < bad.length; i += 7) bad[i] = (bad[i]! + 1) & 0xff;
    writeFileSync(file, bad);
    expect(run(['scan', '--staged'], repo.dir, env)).toEqual(clean);
    expect(readFileSync(file).equals(bad)).toBe(false);
    expect(kinds(file)).toBe('scan --staged');
    // One bit flipped in V8's data (V8 itself would run it): the same, and replaced.
    for (const at of [0.1, 0.5, 0.9]) {
      const good2 = readFileSync(file);
      const flipped = Buffer.from(good2);
      flipped[Math.floor(good2.length * at)]! ^= 4;
      writeFileSync(file, flipped);
      expect(run(['scan', '--staged'], repo.dir, env), `flipped at ${at}`).toEqual(clean);
      expect(readFileSync(file).equals(flipped), `flipped at ${at}`).toBe(false);
    }
    const replaced = readFileSync(file);
    // A FIFO in its place: not a file, and the bin never waits for a writer (a child: a blocked open
    // would hang this test's thread).
    const cut = readFileSync(file);
    rmSync(file);
    expect(spawnSync('mkfifo', ['-m', '600', file]).status).toBe(0);
    const viaFifo = spawnSync(process.execPath, [BIN, 'scan', '--staged'], { cwd: repo.dir, env: { PATH: process.env['PATH'], [CACHE_DIR_ENV]: dir }, encoding: 'utf8', timeout: 20_000 });
    expect(viaFifo.status, viaFifo.stderr).toBe(0);
    expect(lstatSync(file).isFile()).toBe(true);
    writeFileSync(file, cut);
    // Cut short: the same.
    writeFileSync(file, replaced.subarray(0, replaced.length >> 1));
    expect(run(['scan', '--staged'], repo.dir, env)).toEqual(clean);
    expect(readFileSync(file).length).toBeGreaterThan(replaced.length >> 1);
  });

  it('a HUBSPOT_SECRETS_CACHE_DIR inside the checkout (relative, or absolute) is not used: a cache planted there is never read, none is written there', () => {
    const repo = makeRepo();
    repo.commit('first', { 'a.txt': 'a\n' });
    repo.write({ 'b.txt': 'b\n' }).git('add', 'b.txt');
    const home = tempDir('hs-cc-home-');
    const clean = run(['scan', '--staged'], repo.dir, { [CACHE_DIR_ENV]: 'off' });
    // A planted cache (here: the real one, garbled; a forged one would be code the tool runs).
    const own = path.join(home, 'own');
    run(['scan', '--staged'], repo.dir, { [CACHE_DIR_ENV]: own });
    const planted = path.join(repo.dir, '.hs-cache');
    mkdirSync(planted, { mode: 0o700 });
    const f = readdirSync(own)[0]!;
    writeFileSync(path.join(planted, f), readFileSync(path.join(own, f)), { mode: 0o600 });
    const before = readFileSync(path.join(planted, f));
    expect(run(['scan', '--staged'], repo.dir, { [CACHE_DIR_ENV]: '.hs-cache', HOME: home })).toEqual(clean);
    // Had it been used, a run of a kind it does not hold (rules) would have rewritten it.
    expect(runBin(['rules'], { cwd: repo.dir, env: { [CACHE_DIR_ENV]: '.hs-cache', HOME: home } }).code).toBe(0);
    expect(readFileSync(path.join(planted, f)).equals(before)).toBe(true);
    expect(readdirSync(planted)).toEqual([f]);
    // Named by its absolute path, inside the folder the tool runs in: the same.
    expect(runBin(['rules'], { cwd: repo.dir, env: { [CACHE_DIR_ENV]: planted, HOME: home } }).code).toBe(0);
    expect(readFileSync(path.join(planted, f)).equals(before)).toBe(true);
    // Run from elsewhere, the same folder is a cache folder like any other (the control).
    expect(runBin(['rules'], { cwd: home, env: { [CACHE_DIR_ENV]: planted, HOME: home } }).code).toBe(0);
    expect(readFileSync(path.join(planted, f)).equals(before)).toBe(false);
  });

  it('a run that changes V8 flags (a folder scan with workers) writes none; off writes none', () => {
    const dir = tempDir('hs-cc-bin-');
    writeFileSync(path.join(dir, 'notes.txt'), 'nothing secret\n');
    const cache = path.join(tempDir('hs-cc-bin-'), 'cache');
    const r = runBin(['scan', '.', '--threads', '1'], { cwd: dir, env: { [CACHE_DIR_ENV]: cache } });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(cache) ? readdirSync(cache) : []).toEqual([]);
    const off = runBin(['rules'], { cwd: dir, env: { [CACHE_DIR_ENV]: 'off', HOME: dir } });
    expect(off.code, off.stderr).toBe(0);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });

  it('the launcher runs the bundle next to it; without it, or with a broken one, exit 2 naming it (not 1: findings)', () => {
    expect(readFileSync(BIN, 'utf8')).toContain('main.cjs');
    expect(existsSync(path.join(path.dirname(BIN), 'main.cjs'))).toBe(true);
    const dist = path.join(tempDir('hs-cc-launch-'), 'dist');
    mkdirSync(dist);
    writeFileSync(path.join(dist, 'cli.js'), readFileSync(BIN));
    const bundle = path.join(dist, 'main.cjs');
    for (const content of [undefined, 'module.exports = (;\n', '', 'module.exports = {};\n']) {
      if (content !== undefined) writeFileSync(bundle, content);
      const r = spawnSync(process.execPath, [path.join(dist, 'cli.js'), 'scan', '-'], { input: 'x', encoding: 'utf8', env: { ...process.env, [CACHE_DIR_ENV]: 'off' } });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toContain(`hubspot-secrets: internal error: cannot load ${bundle}`);
    }
  });
});
