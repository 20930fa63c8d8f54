/** The committed bundle is what the sources build to (a stale or hand-edited dist/ fails). */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';
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
