// `npm run bench`: bundles bench/bench.ts (and the fake-token generator it shares with the tests)
// with esbuild on the fly, builds dist/ unless --no-build, then runs it. See bench/bench.ts.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
process.chdir(root);
if (!process.argv.includes('--no-build')) {
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const dir = mkdtempSync(path.join(os.tmpdir(), 'hs-bench-'));
const outfile = path.join(dir, 'bench.mjs');
await build({ entryPoints: ['bench/bench.ts'], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile, logLevel: 'warning' });
try {
  await import(pathToFileURL(outfile).href);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
