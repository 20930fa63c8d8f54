// Bundles the CLI (and, once it exists, the Action) into dist/. Deterministic: the same sources
// give the same bytes, so a test can rebuild into a temp folder and compare with what is committed.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outdir = path.resolve(process.argv[2] ?? path.join(root, 'dist'));

// The CLI is one classic script (dist/main.cjs, run by dist/cli.js with V8's code cache: src/launch.ts);
// the scan worker and the Action are ES modules sharing chunks.
const entryPoints = { 'scan-worker': path.join(root, 'src/parallel/worker.ts') };
if (existsSync(path.join(root, 'src/action/main.ts'))) entryPoints.action = path.join(root, 'src/action/main.ts');

// The detection core's WebAssembly module, from its text (src/core/scan.wat): written when it changed.
const { assemble, OUT: wasmModule } = await import('./wasm.mjs');
const wasmSource = await assemble();
if (readFileSync(wasmModule, 'utf8') !== wasmSource) writeFileSync(wasmModule, wasmSource);

const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

const banner = {
  // Some bundled CommonJS dependencies call require(); give them one.
  js: "import { createRequire as __hsCreateRequire } from 'node:module'; const require = __hsCreateRequire(import.meta.url);",
};

// The built-in rules' pattern facts, computed from the sources now and baked in (src/core/rules.ts).
const factsDir = mkdtempSync(path.join(tmpdir(), 'hubspot-secrets-facts-'));
let facts;
try {
  const factsFile = path.join(factsDir, 'rule-facts.mjs');
  await build({ absWorkingDir: root, entryPoints: [path.join(root, 'scripts/rule-facts.ts')], outfile: factsFile, bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning', banner });
  facts = (await import(pathToFileURL(factsFile).href)).builtinFacts();
} finally {
  rmSync(factsDir, { recursive: true, force: true });
}

// yargs imports two functions from node:assert, and a search up the folders for a package.json
// (escalade/sync); both cost every start of the bin (see each shim). Only yargs' imports are
// redirected: other dependencies keep the real modules.
const yargsShims = {
  name: 'yargs-shims',
  setup(b) {
    const fromYargs = (args) => /[\\/]node_modules[\\/]yargs[\\/]/.test(args.importer);
    b.onResolve({ filter: /^assert$/ }, (args) => (fromYargs(args) ? { path: path.join(root, 'scripts/assert-shim.mjs') } : undefined));
    b.onResolve({ filter: /^escalade\/sync$/ }, (args) => (fromYargs(args) ? { path: path.join(root, 'scripts/no-find-up.mjs') } : undefined));
  },
};

rmSync(outdir, { recursive: true, force: true });
const define = { __HUBSPOT_SECRETS_VERSION__: JSON.stringify(version), __HUBSPOT_SECRETS_RULE_FACTS__: JSON.stringify(facts) };
/** What every bundle is built with. */
const common = { absWorkingDir: root, bundle: true, platform: 'node', target: 'node20', minify: true, legalComments: 'linked', sourcemap: false, logLevel: 'warning' };
await build({
  ...common,
  entryPoints,
  outdir,
  splitting: true,
  format: 'esm',
  chunkNames: 'chunks/[name]-[hash]',
  define,
  plugins: [yargsShims],
  banner,
});

const main = path.join(outdir, 'main.cjs');
await build({
  ...common,
  entryPoints: [path.join(root, 'src/bin.ts')],
  outfile: main,
  format: 'cjs',
  // import.meta.url in a classic script: the bundle's own file URL.
  define: { ...define, 'import.meta.url': '__hsImportMetaUrl' },
  banner: { js: 'var __hsImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  plugins: [yargsShims],
});

// The launcher names its code cache after the bundle's content (src/code-cache.ts).
const bundleHash = createHash('sha256').update(readFileSync(main)).digest('hex').slice(0, 16);
await build({
  ...common,
  entryPoints: { cli: path.join(root, 'src/launch.ts') },
  outdir,
  format: 'esm',
  define: { __HUBSPOT_SECRETS_BUNDLE_HASH__: JSON.stringify(bundleHash) },
});
