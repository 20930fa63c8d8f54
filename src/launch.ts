#!/usr/bin/env node
/**
 * The executable (dist/cli.js): runs the CLI's bundle (dist/main.cjs, built from src/bin.ts) with
 * V8's code cache (src/code-cache.ts). Compiling the bundle was ~30 ms of every start, a third of the
 * pre-commit hook's own time; from the cache it is a few. The bundle is one classic script because
 * only those take a code cache in Node 20 (its ES modules do not).
 *
 * Kept to node's built-ins and code-cache.ts: this runs before anything else, on every start.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { cacheDirs, cacheName, readCache, runKind, writeCache } from './code-cache.js';

/** The bundle's content hash, set when it is built (scripts/build.mjs). */
declare const __HUBSPOT_SECRETS_BUNDLE_HASH__: string;

/** What the bundle exports (src/bin.ts). */
interface Bundle {
  run(settled: (cacheable: boolean) => void): void;
}

const bundle = fileURLToPath(new URL('./main.cjs', import.meta.url));
const dirs = cacheDirs(bundle, process.env, existsSync, process.cwd());
const name = cacheName(__HUBSPOT_SECRETS_BUNDLE_HASH__);
const cached = readCache(dirs, name);
let script: Script | undefined;
const mod = { exports: {} as Bundle };
try {
  // The bundle as Node's CommonJS loader would run it: a function of the module's variables.
  const source = `(function (exports, require, module, __filename, __dirname) { ${readFileSync(bundle, 'utf8')}\n})`;
  script = new Script(source, { filename: bundle, cachedData: cached?.data });
  (script.runInThisContext() as (...args: unknown[]) => void).call(mod.exports, mod.exports, createRequire(bundle), mod, bundle, path.dirname(bundle));
  if (typeof mod.exports.run !== 'function') throw new Error('it has no run()');
} catch (err) {
  // Fail closed, with the error exit code (not Node's 1, which a hook would read as findings).
  const why = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.stack : String(err));
  process.stderr.write(`hubspot-secrets: internal error: cannot load ${bundle}: ${why}; nothing may be concluded from this run.\n`);
  process.exit(2);
}
const loaded = script;
mod.exports.run((cacheable) => {
  // After the run, so the cache holds the functions it compiled; not when the run changed V8's flags
  // (V8 would reject that cache in a run that does not).
  if (dirs.length === 0 || !cacheable) return;
  const kind = runKind(process.argv.slice(2));
  const taken = cached !== undefined && loaded.cachedDataRejected === false;
  if (taken && cached.kinds.includes(kind)) return;
  try {
    writeCache(taken ? [cached.dir, ...dirs] : dirs, name, taken ? [...cached.kinds, kind] : [kind], loaded.createCachedData());
  } catch {
    // A cache only saves time: the run's verdict stands.
  }
});
