/**
 * Hostile input, the directory walk: special files, symlinks out of the root and in loops, huge and
 * binary and oddly encoded files, hostile file names, unreadable files and folders, deep and wide
 * trees. The scan must finish, report correctly, and read nothing outside the root.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinRuleSet } from '../src/rules/index.js';
import { chunkPlanFor } from '../src/read.js';
import { scan } from '../src/scan.js';
import { fileSource } from '../src/sources/files.js';
import { BIN, runMain } from './helpers/cli.js';
import { fakePrivateAppToken, Rng } from './helpers/fake-tokens.js';
import { tempDir } from './helpers/tmp.js';

const rng = new Rng('hostile-files');
const tok = (): string => fakePrivateAppToken(rng);
const root = tempDir('hs-hostile-');

interface Bin {
  code: number | null;
  stdout: string;
  stderr: string;
  json: () => any;
}

/** The real bin, optionally behind a wrapper command (setpriv) and with node flags. */
function bin(argv: string[], opts: { cwd: string; wrap?: string[]; node?: string[]; env?: Record<string, string> }): Bin {
  const cmd = [...(opts.wrap ?? []), process.execPath, ...(opts.node ?? []), BIN, ...argv];
  const r = spawnSync(cmd[0]!, cmd.slice(1), {
    cwd: opts.cwd,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...opts.env },
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
}

function dirOf(name: string): string {
  const d = path.join(root, name);
  mkdirSync(d, { recursive: true });
  return d;
}

describe('FIFOs, sockets and devices are skipped without blocking', () => {
  const d = dirOf('special');
  const token = tok();
  let server: net.Server;
  beforeAll(async () => {
    execFileSync('mkfifo', [path.join(d, 'pipe.env')]);
    execFileSync('mknod', [path.join(d, 'null.env'), 'c', '1', '3']);
    symlinkSync('/dev/zero', path.join(d, 'zero.env'));
    server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(d, 'sock.env'), resolve));
    writeFileSync(path.join(d, 'real.env'), `HUBSPOT_TOKEN=${token}\n`);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('in-process: the walk finishes, the real file is scanned, the others counted', async () => {
    const r = await runMain(['scan', '.', '-f', 'json'], { cwd: d });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.findings.map((f: { path: string }) => f.path)).toEqual(['real.env']);
    expect(doc.stats.skippedBy).toEqual({ special: 3, symlink: 1 });
  });

  it('through the real bin (a blocked open would hit the time limit)', () => {
    const r = bin(['scan', '.', '-f', 'json'], { cwd: d });
    expect(r.code).toBe(1);
    expect(r.json().stats.skippedBy).toEqual({ special: 3, symlink: 1 });
  });

  it('a FIFO or device named on the command line: a warning, not a hang; --strict makes it exit 2', () => {
    const r = bin(['scan', 'pipe.env', '/dev/null'], { cwd: d });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('warning: pipe.env: not a regular file');
    expect(r.stdout).toContain('warning: /dev/null: not a regular file');
    expect(bin(['scan', 'pipe.env', '--strict'], { cwd: d }).code).toBe(2);
  });
});

describe('symbolic links are never followed', () => {
  const outside = dirOf('outside');
  const d = dirOf('links');
  const envToken = tok();
  beforeAll(() => {
    writeFileSync(path.join(outside, 'credentials'), `[default]\nhubspot_token = ${tok()}\n`);
    symlinkSync(path.join(outside, 'credentials'), path.join(d, 'aws.env'));
    symlinkSync('/proc/self/environ', path.join(d, 'x.env'));
    symlinkSync(outside, path.join(d, 'outside-dir'));
    symlinkSync('.', path.join(d, 'loop'));
    symlinkSync('..', path.join(d, 'up'));
    symlinkSync('b', path.join(d, 'a'));
    symlinkSync('a', path.join(d, 'b'));
    writeFileSync(path.join(d, 'clean.txt'), 'nothing here\n');
  });

  it('links out of the root (a file, /proc/self/environ, a folder) and loops: nothing read, the scan ends', () => {
    // If x.env were followed, the bin's own environment (holding a token) would be reported.
    const r = bin(['scan', '.', '-f', 'json'], { cwd: d, env: { HUBSPOT_TOKEN: envToken } });
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(doc.findings).toEqual([]);
    expect(doc.stats.files).toBe(1);
    expect(doc.stats.skippedBy).toEqual({ symlink: 7 });
    expect(r.stdout).not.toContain(envToken);
  });

  it('a symlink named as a scan argument is skipped with a warning (a PR could pass its own file names)', () => {
    const r = bin(['scan', 'x.env', 'aws.env'], { cwd: d, env: { HUBSPOT_TOKEN: envToken } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('warning: x.env: is a symbolic link: not followed');
    expect(r.stdout).toContain('warning: aws.env: is a symbolic link: not followed');
    expect(bin(['scan', 'x.env', '--strict'], { cwd: d }).code).toBe(2);
  });
});

describe('huge files: read in chunks, memory bounded', () => {
  const d = dirOf('huge');
  const tokens = [tok(), tok(), tok()];
  const CHUNK = 4 * 1024 * 1024;
  // A 30 MB single-line minified file; one token straddles the first 4 MiB window edge.
  const offsets = [100, CHUNK - 10, 30_000_000 - 100];
  beforeAll(() => {
    const unit = 'function a(b){return b.map(c=>c*2).filter(Boolean)};var x="lorem ipsum";';
    let s = unit.repeat(Math.ceil(30_000_000 / unit.length)).slice(0, 30_000_000);
    offsets.forEach((o, i) => {
      const t = ` ${tokens[i]} `;
      s = s.slice(0, o - 1) + t + s.slice(o - 1 + t.length);
    });
    writeFileSync(path.join(d, 'bundle.min.js'), s);
  });

  it('is scanned to the end, every token found once at the right column, with a 40 MB JS heap', () => {
    // A 30 MB text cannot even be held once with its lower-case copy in a 40 MB heap: only a
    // chunked read passes this.
    const r = bin(['scan', '.', '-f', 'json'], { cwd: d, node: ['--max-old-space-size=40'] });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const doc = r.json();
    expect(doc.findings.map((f: { line: number; column: number }) => [f.line, f.column])).toEqual(offsets.map((o) => [1, o + 1]));
    expect(doc.stats.bytes).toBe(30_000_000);
    expect(doc.stats.peakRssMb).toBeGreaterThan(10);
    expect(doc.stats.peakRssMb).toBeLessThan(1024);
  });

  it('--max-file-size skips it with a clear notice; --strict turns that into exit 2', () => {
    const r = bin(['scan', '.', '-f', 'json', '--max-file-size', '1000000'], { cwd: d });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: bundle.min.js: skipped: too large (30000000 bytes > --max-file-size 1000000)');
    expect(r.json().stats.skippedBy).toEqual({ 'too-large': 1 });
    const strict = bin(['scan', '.', '--max-file-size', '1000000', '--strict'], { cwd: d });
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain('--strict');
  });
});

describe('encodings, binary files, odd bytes and line ends, read through the file source', () => {
  const d = dirOf('bytes');
  const t = Array.from({ length: 8 }, tok);
  const utf16 = (s: string, be: boolean): Buffer => {
    const b = Buffer.from(s, 'utf16le');
    if (be) for (let i = 0; i < b.length; i += 2) [b[i], b[i + 1]] = [b[i + 1]!, b[i]!];
    return Buffer.concat([Buffer.from(be ? [0xfe, 0xff] : [0xff, 0xfe]), b]);
  };
  const filler = 'lorem ipsum dolor sit amet\n'.repeat(400); // 10800 characters, 400 lines
  beforeAll(() => {
    // A PNG's signature and header chunk (width, height, depth, colour type: NUL and control bytes), then text.
    const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0];
    writeFileSync(path.join(d, 'image.png'), Buffer.concat([Buffer.from(png), Buffer.from(`x ${t[0]} x`)]));
    writeFileSync(path.join(d, 'le.txt'), utf16(`${filler}key = ${t[1]}\n${filler}key = ${t[2]}\n`, false));
    writeFileSync(path.join(d, 'be.txt'), utf16(`${filler}key = ${t[3]}\n`, true));
    writeFileSync(path.join(d, 'bad-utf8.txt'), Buffer.concat([Buffer.from('a\n\xff\xfe'), Buffer.from([0xc3, 0x28, 0x80]), Buffer.from(` ${t[4]}\n`)]));
    writeFileSync(path.join(d, 'late-nul.txt'), Buffer.concat([Buffer.from(filler), Buffer.from([0]), Buffer.from(`\nkey ${t[5]}\n`)]));
    writeFileSync(path.join(d, 'cr.txt'), `one\rtwo\r\rkey=${t[6]}\r`);
    writeFileSync(path.join(d, 'long-line.txt'), `${'x'.repeat(200_000)} ${t[7]}\n`);
  });

  it('finds each token at the right line and column (small chunks: every file here spans several)', async () => {
    const ruleset = builtinRuleSet();
    const r = await scan(fileSource(['.'], { cwd: d, chunkSize: 4096 }), { ruleset, chunkPlan: chunkPlanFor(ruleset, { chunkSize: 4096 }) });
    const got = r.findings.map((f) => [f.path, f.line, f.column]).sort();
    expect(got).toEqual(
      [
        ['le.txt', 401, 7],
        ['le.txt', 802, 7],
        ['be.txt', 401, 7],
        // `\xff\xfe` and `\xc3(` `\x80`: each invalid byte is one U+FFFD (a column), `(` is itself.
        ['bad-utf8.txt', 2, 7],
        ['late-nul.txt', 402, 5],
        ['cr.txt', 4, 5],
        ['long-line.txt', 1, 200_002],
      ].sort(),
    );
    expect(r.stats.skippedBy).toEqual({ binary: 1 });
    expect(r.stats.files).toBe(6);
  });
});

describe('hostile file names are reported exactly and never reach a shell', () => {
  const d = dirOf('names');
  const names = ['with space.env', 'new\nline.env', `quo"te's.env`, '-rf.env', '$(touch pwned).env', 'back\\slash.env'];
  beforeAll(() => {
    for (const n of names) writeFileSync(path.join(d, n), `HUBSPOT_TOKEN=${tok()}\n`);
    // Not valid UTF-8: a file, and a folder holding a file.
    writeFileSync(Buffer.concat([Buffer.from(`${d}/caf`), Buffer.from([0xe9]), Buffer.from('.env')]), `HUBSPOT_TOKEN=${tok()}\n`);
    const raw = Buffer.concat([Buffer.from(`${d}/d`), Buffer.from([0xff])]);
    mkdirSync(raw);
    writeFileSync(Buffer.concat([raw, Buffer.from('/inner.env')]), `HUBSPOT_TOKEN=${tok()}\n`);
  });

  it('JSON carries each name exactly; non-UTF-8 bytes are read and shown as U+FFFD', async () => {
    const r = await runMain(['scan', '.', '-f', 'json'], { cwd: d });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.findings.map((f: { path: string }) => f.path).sort()).toEqual([...names, 'caf\uFFFD.env', 'd\uFFFD/inner.env'].sort());
    expect(doc.warnings).toEqual([]);
    expect(readdirSync(d)).not.toContain('pwned');
  });

  it('a file named on the command line with a name that is not valid UTF-8 is read through its raw name (real bin)', () => {
    // The shell passes the raw bytes; Node shows them as U+FFFD.
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" scan -f json $'caf\\xe9.env' 'with space.env'`], { cwd: d, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).findings.map((f: { path: string }) => f.path).sort()).toEqual(['caf\uFFFD.env', 'with space.env']);
    const folder = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" scan $'d\\xff'`], { cwd: d, encoding: 'utf8' });
    expect(folder.status).toBe(2);
    expect(folder.stderr).toMatch(/not valid UTF-8.*scan the folder above it/);
  });

  it('names that differ only in bytes that are not UTF-8 (both shown alike) are each read once', async () => {
    const c = dirOf('collide');
    for (const b of [0xff, 0xfe]) {
      writeFileSync(Buffer.concat([Buffer.from(`${c}/x`), Buffer.from([b]), Buffer.from('.env')]), `HUBSPOT_TOKEN=${tok()}\n`);
      const folder = Buffer.concat([Buffer.from(`${c}/D`), Buffer.from([b])]);
      mkdirSync(folder);
      writeFileSync(Buffer.concat([folder, Buffer.from('/in.env')]), `HUBSPOT_TOKEN=${tok()}\n`);
    }
    const r = await runMain(['scan', '.', '-f', 'json'], { cwd: c });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.findings.map((f: { path: string }) => f.path).sort()).toEqual(['D\uFFFD/in.env', 'D\uFFFD/in.env', 'x\uFFFD.env', 'x\uFFFD.env']);
    expect(doc.stats.files).toBe(4);
  });

  it('a leading dash is a file name after `--` (real bin)', () => {
    const r = bin(['scan', '-f', 'json', '--', '-rf.env'], { cwd: d });
    expect(r.code).toBe(1);
    expect(r.json().findings.map((f: { path: string }) => f.path)).toEqual(['-rf.env']);
  });
});

describe('unreadable files and folders (as root, via setpriv dropping the override capabilities)', () => {
  const d = dirOf('unreadable');
  // Root reads anything while it holds CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH; setpriv drops both
  // for the bin, so mode 000 really denies it (also in CI, which runs as root).
  const wrap = ['setpriv', '--bounding-set=-dac_override,-dac_read_search', '--inh-caps=-dac_override,-dac_read_search', '--'];
  beforeAll(() => {
    writeFileSync(path.join(d, 'ok.env'), `HUBSPOT_TOKEN=${tok()}\n`);
    writeFileSync(path.join(d, 'secret.env'), `HUBSPOT_TOKEN=${tok()}\n`);
    mkdirSync(path.join(d, 'locked'));
    writeFileSync(path.join(d, 'locked', 'inner.env'), `HUBSPOT_TOKEN=${tok()}\n`);
    chmodSync(path.join(d, 'secret.env'), 0);
    chmodSync(path.join(d, 'locked'), 0);
  });
  afterAll(() => chmodSync(path.join(d, 'locked'), 0o755));

  it('a warning names each path, the scan goes on, the summary counts them', () => {
    const r = bin(['scan', '.', '-f', 'json'], { cwd: d, wrap });
    expect(r.code).toBe(1);
    const doc = r.json();
    expect(doc.findings.map((f: { path: string }) => f.path)).toEqual(['ok.env']);
    expect(doc.stats.skippedBy).toEqual({ unreadable: 2 });
    expect(doc.warnings.map((w: { path: string; message: string }) => [w.path, w.message]).sort()).toEqual([
      ['locked', 'cannot list folder: EACCES'],
      ['secret.env', 'cannot read: EACCES'],
    ]);
    expect(r.stderr).toContain('warning: secret.env: cannot read: EACCES');
  });

  it('--strict: exit 2, the report still written', () => {
    const r = bin(['scan', '.', '--strict'], { cwd: d, wrap });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('ok.env');
    expect(r.stderr).toContain('--strict: 2 files were not scanned');
  });

  it('one named on the command line (a file a hook passes, a folder): exit 2 naming it, never "nothing found"', () => {
    for (const named of [['secret.env'], ['ok.env', 'secret.env'], ['locked']]) {
      const r = bin(['scan', ...named, '-f', 'json'], { cwd: d, wrap });
      expect(r.code, named.join(' ')).toBe(2);
      const unread = named[named.length - 1]!;
      expect(r.stderr).toMatch(new RegExp(`hubspot-secrets: ${unread}: cannot (read|list folder): EACCES; it was named to be scanned`));
      // The report of what could be read is still written.
      expect(r.json().findings.map((f: { path: string }) => f.path)).toEqual(named.includes('ok.env') ? ['ok.env'] : []);
    }
    // Found inside a named folder: a warning, as before (--strict for exit 2).
    expect(bin(['scan', '.'], { cwd: d, wrap }).code).toBe(1);
    // baseline: entries for what it could not read are kept, not pruned as fixed.
    const copy = path.join(dirOf('unreadable-baseline'), 'b');
    mkdirSync(path.join(copy, 'locked'), { recursive: true });
    writeFileSync(path.join(copy, 'secret.env'), `HUBSPOT_TOKEN=${tok()}\n`);
    writeFileSync(path.join(copy, 'locked', 'inner.env'), `HUBSPOT_TOKEN=${tok()}\n`);
    writeFileSync(path.join(copy, 'ok.env'), `HUBSPOT_TOKEN=${tok()}\n`);
    expect(bin(['baseline'], { cwd: copy }).code).toBe(0);
    const entries = (): string[] => (JSON.parse(readFileSync(path.join(copy, '.hubspot-secrets-baseline.json'), 'utf8')) as { entries: { path: string }[] }).entries.map((e) => e.path).sort();
    expect(entries()).toEqual(['locked/inner.env', 'ok.env', 'secret.env']);
    chmodSync(path.join(copy, 'secret.env'), 0);
    chmodSync(path.join(copy, 'locked'), 0);
    try {
      for (const args of [['baseline'], ['baseline', '--update']]) {
        const r = bin(args, { cwd: copy, wrap });
        expect(r.code, args.join(' ')).toBe(0);
        expect(entries(), args.join(' ')).toEqual(['locked/inner.env', 'ok.env', 'secret.env']);
      }
    } finally {
      chmodSync(path.join(copy, 'locked'), 0o755);
    }
    // Also one with the current folder's own name (reported alike: mysite/mysite).
    const site = path.join(dirOf('mysite'), 'mysite');
    mkdirSync(path.join(site, 'mysite'), { recursive: true });
    writeFileSync(path.join(site, 'manage.py'), 'x = 1\n');
    chmodSync(path.join(site, 'mysite'), 0);
    try {
      for (const args of [['scan'], ['scan', '.'], ['scan', site]]) {
        const r = bin([...args, '-f', 'json'], { cwd: site, wrap });
        expect(r.code, args.join(' ')).toBe(0);
        expect(r.json().warnings.map((w: { path: string }) => w.path)).toEqual(['mysite']);
      }
    } finally {
      chmodSync(path.join(site, 'mysite'), 0o755);
    }
  });
});

describe('deep and wide trees', () => {
  it('250 levels deep: no stack overflow, the file at the bottom is found', async () => {
    const d = dirOf('deep');
    const levels = Array.from({ length: 250 }, (_, i) => `d${i % 10}`);
    const bottom = path.join(d, ...levels);
    mkdirSync(bottom, { recursive: true });
    writeFileSync(path.join(bottom, 'deep.env'), `HUBSPOT_TOKEN=${tok()}\n`);
    const r = await runMain(['scan', '.', '-f', 'json'], { cwd: d });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).findings[0].path).toBe(`${levels.join('/')}/deep.env`);
  });

  // 20,000 rather than 100,000 files keeps the suite fast (100,000 took 26 s here); the bound is the same.
  it('20,000 files: all scanned, with a bounded number of open files', async () => {
    const d = dirOf('wide');
    const N = 20_000;
    for (let i = 0; i < 100; i++) {
      const sub = path.join(d, `s${i}`);
      mkdirSync(sub);
      for (let k = 0; k < N / 100; k++) writeFileSync(path.join(sub, `f${k}`), '');
    }
    writeFileSync(path.join(d, 's42', 'f7'), `HUBSPOT_TOKEN=${tok()}\n`);
    const fds = (): number => readdirSync('/proc/self/fd').length;
    const baseline = fds();
    let most = 0;
    let samples = 0;
    const r = await scan(fileSource(['.'], { cwd: d, concurrency: 16 }), {
      ruleset: builtinRuleSet(),
      onProgress: (s) => {
        if (s.files % 50 === 0) {
          most = Math.max(most, fds());
          samples++;
        }
      },
    });
    expect(r.stats.files).toBe(N);
    expect(r.findings.map((f) => f.path)).toEqual(['s42/f7']);
    expect(samples).toBeGreaterThan(300);
    // 16 files in flight, plus folders being listed by the walk (libuv's 4 threads): far below N.
    expect(most - baseline).toBeLessThanOrEqual(16 + 8);
  }, 120_000);
});
