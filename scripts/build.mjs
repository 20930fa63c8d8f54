// Bundles the CLI (and, once it exists, the Action) into dist/. Deterministic: the same sources
// give the same bytes, so a test can rebuild into a temp folder and compare with what is committed.
import { build } from 'esbuild';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outdir = path.resolve(process.argv[2] ?? path.join(root, 'dist'));

const entryPoints = { cli: path.join(root, 'src/bin.ts'), 'scan-worker': path.join(root, 'src/parallel/worker.ts') };
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
await build({
  absWorkingDir: root,
  entryPoints,
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  minify: true,
  legalComments: 'linked',
  sourcemap: false,
  logLevel: 'warning',
  define: { __HUBSPOT_SECRETS_VERSION__: JSON.stringify(version), __HUBSPOT_SECRETS_RULE_FACTS__: JSON.stringify(facts) },
  plugins: [yargsShims],
  banner,
});
