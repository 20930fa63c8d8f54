/** The committed bundle is what the sources build to (a stale or hand-edited dist/ fails). */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

function files(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? files(p, base) : [path.relative(base, p)];
  });
}

describe('dist/', () => {
  it('is up to date with src/ (run `npm run build` and commit dist/)', () => {
    const out = path.join(tempDir('hs-dist-'), 'dist');
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs'), out], { cwd: ROOT });
    const built = files(out).sort();
    expect(files(path.join(ROOT, 'dist')).sort()).toEqual(built);
    for (const f of built) {
      const same = readFileSync(path.join(out, f)).equals(readFileSync(path.join(ROOT, 'dist', f)));
      expect(same, `dist/${f} differs from a fresh build`).toBe(true);
    }
  }, 60_000);
});

/**
 * Records every folder listing and every file read or stat of the process it is loaded into (the
 * bundle imports from 'fs' too: the builtin's ESM exports are synced after the patch).
 */
const TRACE_FS = `
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
const seen = [];
for (const name of ['readdirSync', 'readFileSync', 'statSync', 'existsSync']) {
  const real = fs[name];
  fs[name] = function (p, ...rest) { seen.push(name + ' ' + String(p)); return real.call(this, p, ...rest); };
}
syncBuiltinESMExports();
process.on('exit', () => fs.writeFileSync(process.env.HS_FS_TRACE, seen.join('\\n')));
`;

describe('the bundled bin at start-up', () => {
  it('never searches the folders for a package.json (yargs guesses its own version: stubbed out)', () => {
    const dir = tempDir('hs-startup-');
    // yargs would search up from the current folder (installed: from the project above node_modules).
    const project = path.join(dir, 'project');
    mkdirSync(project);
    writeFileSync(path.join(project, 'package.json'), '{"name":"users-project","version":"9.9.9"}');
    const preload = path.join(dir, 'trace-fs.mjs');
    writeFileSync(preload, TRACE_FS);
    writeFileSync(path.join(project, 'notes.txt'), 'nothing secret\n');
    for (const [i, argv] of [['--version'], ['rules'], ['scan', 'notes.txt']].entries()) {
      const trace = path.join(dir, `trace-${i}.txt`);
      const r = spawnSync(process.execPath, ['--import', preload, BIN, ...argv], { cwd: project, env: { ...process.env, HS_FS_TRACE: trace, HUBSPOT_SECRETS_CACHE_DIR: 'off' }, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const seen = readFileSync(trace, 'utf8').split('\n');
      // The trace sees the bundle's calls: the scanned file is looked at through it. (The code cache,
      // off here, lists its own folder when it writes: src/code-cache.ts.)
      if (argv[0] === 'scan') expect(seen).toContain(`statSync ${path.join(project, 'notes.txt')}`);
      expect(seen.filter((l) => l.startsWith('readdirSync ') || l.includes('package.json'))).toEqual([]);
      if (argv[0] === '--version') expect(r.stdout.trim()).not.toBe('9.9.9');
    }
  });
});
