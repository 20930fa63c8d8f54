/**
 * `npm run bench`: generates the corpora (deterministic, cached in a temp dir), runs the bundled
 * bin and the reference commands side by side, prints a table and writes .bench/results.json.
 *
 *   npm run bench                 all cases
 *   npm run bench -- --only scan  one case (scan | audit | staged | big)
 *   npm run bench -- --runs 5     repetitions per command (median is reported)
 *   npm run bench -- --fresh      regenerate the corpora
 *   npm run bench -- --no-secretlint
 *   npm run bench -- --secretlint-timeout 300   seconds secretlint may take (default 180)
 *
 * Not part of .ci/run: timings depend on the machine. Needs ripgrep (`apt-get install -y ripgrep`)
 * and /usr/bin/time (GNU time) for peak memory.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync, closeSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hasCommand, makeBigRepo, makeHistoryRepo, makeStagedRepo, makeTree, CORPUS_VERSION, type Planted } from './corpus.js';

const ROOT = process.cwd();
const CLI = path.join(ROOT, 'dist/cli.js');
const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(`--${name}`);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const RUNS = Number(opt('runs') ?? 3);
const ONLY = opt('only');
const BASE = path.join(os.tmpdir(), `hubspot-secrets-bench-v${CORPUS_VERSION}`);
const OUT = path.join(BASE, 'out');

interface Measure {
  wallMs: number;
  peakRssMb: number;
  code: number;
  stderr: string;
  /** Stopped at the time limit without finishing. */
  timedOut?: boolean;
}

interface Row {
  case: string;
  command: string;
  wallMs: number;
  mbPerS: number | null;
  ratio: number | null;
  ratioTo: string | null;
  target: number | null;
  met: boolean | null;
  peakRssMb: number;
  findings: number | null;
  planted: number | null;
  found: number | null;
  note?: string;
}

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** Run once, measuring wall time here and peak RSS with GNU time (max RSS of the process tree's largest member). */
function runOnce(cmd: string, args: string[], cwd: string, stdout?: string, timeoutMs = 20 * 60_000): Measure {
  const tf = path.join(OUT, 'time.txt');
  // A time limit must kill the measured command itself, not only the `time` wrapper around it.
  const limited = timeoutMs < 20 * 60_000 ? ['timeout', '-s', 'KILL', String(Math.ceil(timeoutMs / 1000)), cmd, ...args] : [cmd, ...args];
  const full = TIME ? [TIME, '-f', '%M', '-o', tf, ...limited] : limited;
  const fd = openSync(stdout ?? '/dev/null', 'w');
  const t0 = performance.now();
  const r = spawnSync(full[0]!, full.slice(1), { cwd, stdio: ['ignore', fd, 'pipe'], maxBuffer: 1 << 26, timeout: timeoutMs + 30_000, killSignal: 'SIGKILL' });
  const wallMs = performance.now() - t0;
  closeSync(fd);
  const kb = TIME && existsSync(tf) ? Number(readFileSync(tf, 'utf8').trim().split('\n').pop()) : NaN;
  // `timeout -s KILL` exits 137 when it had to kill.
  const timedOut = r.status === 137 || (r.status === null && r.signal === 'SIGKILL');
  // When it had to kill, `time` measured the timeout wrapper, not the command: no peak to report.
  return { wallMs, peakRssMb: timedOut ? NaN : kb / 1024, code: r.status ?? -1, stderr: r.stderr?.toString() ?? '', ...(timedOut ? { timedOut } : {}) };
}

interface Spec {
  cmd: string;
  args: string[];
  cwd: string;
  stdout?: string;
}

/**
 * The commands of one case, side by side: a warm-up run of each, then `runs` rounds that run each
 * once in turn, so a machine whose speed drifts (a shared VM) slows them alike and their ratio
 * holds. Per command: median wall time, max peak RSS.
 */
function measureTogether(specs: readonly Spec[], runs = RUNS): Measure[] {
  for (const s of specs) runOnce(s.cmd, s.args, s.cwd, s.stdout);
  const all: Measure[][] = specs.map(() => []);
  for (let i = 0; i < runs; i++) specs.forEach((s, k) => all[k]!.push(runOnce(s.cmd, s.args, s.cwd, s.stdout)));
  return all.map((ms) => {
    const walls = ms.map((m) => m.wallMs).sort((a, b) => a - b);
    return { wallMs: walls[Math.floor(walls.length / 2)]!, peakRssMb: Math.max(...ms.map((m) => m.peakRssMb)), code: ms[0]!.code, stderr: ms[0]!.stderr };
  });
}

/** Which planted values a JSON report (with --show-secrets) contains. */
function checkReport(file: string, planted: Planted[]): { findings: number; found: number; missing: Planted[] } {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { findings: { path: string; secret: string }[] };
  const seen = new Set(doc.findings.map((f) => `${f.path}\0${f.secret}`));
  const missing = planted.filter((p) => !seen.has(`${p.path}\0${p.value}`));
  return { findings: doc.findings.length, found: planted.length - missing.length, missing };
}

function cached<T>(name: string, make: () => T): T {
  const stamp = path.join(BASE, `${name}.json`);
  if (!flag('fresh') && existsSync(stamp)) return JSON.parse(readFileSync(stamp, 'utf8')) as T;
  process.stderr.write(`generating ${name} corpus in ${BASE} …\n`);
  const v = make();
  writeFileSync(stamp, JSON.stringify(v));
  return v;
}

const rows: Row[] = [];
const mb = (bytes: number, ms: number): number => Math.round((bytes / 1e6 / (ms / 1000)) * 10) / 10;
const r1 = (n: number): number => Math.round(n * 10) / 10;

function row(r: Omit<Row, 'wallMs' | 'peakRssMb' | 'ratio' | 'met'> & { m: Measure; ref?: Measure }): void {
  const ratio = r.ref ? Math.round((r.m.wallMs / r.ref.wallMs) * 100) / 100 : null;
  const { m, ref: _ref, ...rest } = r;
  rows.push({
    ...rest,
    wallMs: Math.round(m.wallMs),
    peakRssMb: r1(m.peakRssMb),
    ratio,
    met: ratio === null || r.target === null ? null : ratio <= r.target && m.peakRssMb <= 300 && (r.planted === null || r.found === r.planted),
  });
}

function cliAvailable(cwd: string, args: string[]): boolean {
  const r = spawnSync('node', [CLI, ...args, '--help'], { cwd, stdio: 'pipe' });
  return r.status === 0;
}

mkdirSync(OUT, { recursive: true });
// V8's code cache of the bin (src/code-cache.ts): its own folder, emptied now; each case's warm-up
// run writes it, as a user's first run does. One row shows the hook without it.
const CODE_CACHE = path.join(OUT, 'code-cache');
rmSync(CODE_CACHE, { recursive: true, force: true });
process.env['HUBSPOT_SECRETS_CACHE_DIR'] = CODE_CACHE;
if (!existsSync(CLI)) throw new Error('dist/cli.js missing: run npm run build');
if (!hasCommand('rg')) process.stderr.write('ripgrep not found: apt-get install -y ripgrep (the directory-scan reference)\n');

// --- directory scan -------------------------------------------------------------------------
if (!ONLY || ONLY === 'scan') {
  const tree = cached('tree', () => makeTree(path.join(BASE, 'tree')));
  const report = path.join(OUT, 'scan.json');
  const specs: Spec[] = [{ cmd: 'node', args: [CLI, 'scan', '.', '--format', 'json', '--show-secrets', '-o', report, '-q'], cwd: tree.dir }];
  if (hasCommand('rg')) {
    const patterns = [
      'pat-[a-z]{2}\\d{1,2}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
      '[a-z]{2}\\d{1,2}-[0-9a-f]{4}(?:[0-9a-f]{4})?-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
      '(?:hapikey|api[_.-]?key|client[_.-]?secret|refresh[_.-]?token|develop\\w{0,20}key)\\W{1,8}[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
      'Ci[RV][A-Za-z0-9+/_-]{60,400}',
      'bearer\\s{1,8}C[A-Za-z0-9_-]{59,400}',
      '(?:pass(?:word)?|pwd)\\w{0,10}\\W{1,8}[a-z0-9]{16,64}',
    ];
    specs.push({ cmd: 'rg', args: ['--no-ignore', '--hidden', '-i', '-c', ...patterns.flatMap((p) => ['-e', p]), '.'], cwd: tree.dir });
  }
  const [ours, rg] = measureTogether(specs) as [Measure, Measure | undefined];
  const check = checkReport(report, tree.planted);
  for (const p of check.missing.slice(0, 5)) process.stderr.write(`  missed: ${p.rule} in ${p.path}\n`);
  if (rg) row({ case: 'directory scan', command: 'ripgrep (reference, 6 patterns, -i)', m: rg, mbPerS: mb(tree.bytes, rg.wallMs), ratioTo: null, target: null, findings: null, planted: null, found: null });
  row({
    case: 'directory scan',
    command: 'hubspot-secrets scan .',
    m: ours,
    ref: rg,
    mbPerS: mb(tree.bytes, ours.wallMs),
    ratioTo: rg ? 'ripgrep' : null,
    target: 3,
    findings: check.findings,
    planted: tree.planted.length,
    found: check.found,
    note: `${tree.files} files, ${r1(tree.bytes / 1e6)} MB`,
  });
  if (!flag('no-secretlint')) {
    const rc = path.join(OUT, 'secretlintrc.json');
    writeFileSync(rc, JSON.stringify({ rules: [{ id: '@secretlint/secretlint-rule-preset-recommend' }] }));
    // One run, bounded: on this corpus secretlint has not finished within minutes.
    const limit = Number(opt('secretlint-timeout') ?? 180) * 1000;
    const sl = runOnce('node', [path.join(ROOT, 'node_modules/secretlint/bin/secretlint.js'), '**/*', '--secretlintrc', rc, '--format', 'json', '--output', path.join(OUT, 'secretlint.json')], tree.dir, undefined, limit);
    let findings: number | null = null;
    try {
      const doc = JSON.parse(readFileSync(path.join(OUT, 'secretlint.json'), 'utf8')) as { messages: unknown[] }[];
      findings = doc.reduce((n, f) => n + f.messages.length, 0);
    } catch {
      /* no report */
    }
    const note = sl.timedOut ? `stopped after ${limit / 1000} s without finishing (--secretlint-timeout); generic rules: not HubSpot-aware` : 'generic rules: not HubSpot-aware';
    row({ case: 'directory scan', command: `secretlint + preset-recommend (TS peer)${sl.timedOut ? ' — did not finish' : ''}`, m: sl, ref: rg, mbPerS: sl.timedOut ? null : mb(tree.bytes, sl.wallMs), ratioTo: rg ? 'ripgrep' : null, target: null, findings: sl.timedOut ? null : findings, planted: null, found: null, note });
  }
}

// --- history audit --------------------------------------------------------------------------
if (!ONLY || ONLY === 'audit') {
  const repo = cached('history', () => makeHistoryRepo(path.join(BASE, 'history')));
  const catSpec: Spec = { cmd: 'git', args: ['cat-file', '--batch-all-objects', '--batch', '--unordered'], cwd: repo.dir };
  const report = path.join(OUT, 'audit.json');
  const audit = cliAvailable(repo.dir, ['audit']);
  const [catFile, ours] = measureTogether([catSpec, ...(audit ? [{ cmd: 'node', args: [CLI, 'audit', '--format', 'json', '--show-secrets', '-o', report, '-q'], cwd: repo.dir }] : [])]) as [Measure, Measure | undefined];
  const objBytes = Number(spawnSync('git', ['count-objects', '-v'], { cwd: repo.dir, encoding: 'utf8' }).stdout.match(/size-pack: (\d+)/)?.[1] ?? 0) * 1024;
  const blobBytes = Number(
    spawnSync('sh', ['-c', "git cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' | awk '$1==\"blob\"{s+=$2} END{print s}'"], { cwd: repo.dir, encoding: 'utf8' }).stdout.trim(),
  );
  row({ case: 'history audit', command: 'git cat-file --batch-all-objects --batch --unordered (reference)', m: catFile, mbPerS: mb(blobBytes, catFile.wallMs), ratioTo: null, target: null, findings: null, planted: null, found: null, note: `${repo.commits} commits, pack ${r1(objBytes / 1e6)} MB, blobs ${r1(blobBytes / 1e6)} MB` });
  if (ours) {
    const check = existsSync(report) ? checkReport(report, repo.planted) : { findings: 0, found: 0, missing: repo.planted };
    for (const p of check.missing.slice(0, 5)) process.stderr.write(`  missed: ${p.rule} in ${p.path}\n`);
    row({ case: 'history audit', command: 'hubspot-secrets audit', m: ours, ref: catFile, mbPerS: mb(blobBytes, ours.wallMs), ratioTo: 'git cat-file', target: 3, findings: check.findings, planted: repo.planted.length, found: check.found, note: ours.code > 1 ? `exit ${ours.code}: ${ours.stderr.trim().split('\n')[0]}` : undefined });
  } else {
    rows.push({ case: 'history audit', command: 'hubspot-secrets audit', wallMs: NaN, mbPerS: null, ratio: null, ratioTo: null, target: 3, met: null, peakRssMb: NaN, findings: null, planted: null, found: null, note: 'not available in this build' });
  }
}

// --- the pre-commit hook: scan --staged -----------------------------------------------------
if (!ONLY || ONLY === 'staged') {
  const repo = cached('staged', () => makeStagedRepo(path.join(BASE, 'staged')));
  const runs = Math.max(RUNS, 10);
  const staged = cliAvailable(repo.dir, ['scan']) && spawnSync('node', [CLI, 'scan', '--staged', '--help'], { cwd: repo.dir }).stdout.toString().includes('--staged');
  const report = path.join(OUT, staged ? 'staged.json' : 'one.json');
  const oursArgs = staged ? ['scan', '--staged'] : ['scan', repo.planted[0]!.path];
  const [node0, version, ours, uncached] = measureTogether(
    [
      { cmd: 'node', args: ['-e', '0'], cwd: repo.dir },
      { cmd: 'node', args: [CLI, '--version'], cwd: repo.dir },
      { cmd: 'node', args: [CLI, ...oursArgs, '--format', 'json', '--show-secrets', '-o', report, '-q'], cwd: repo.dir },
      { cmd: 'env', args: ['HUBSPOT_SECRETS_CACHE_DIR=off', 'node', CLI, ...oursArgs, '--format', 'json', '--show-secrets', '-o', `${report}.uncached`, '-q'], cwd: repo.dir },
    ],
    runs,
  ) as [Measure, Measure, Measure, Measure];
  row({ case: 'pre-commit hook', command: 'node -e 0 (reference)', m: node0, mbPerS: null, ratioTo: null, target: null, findings: null, planted: null, found: null });
  row({ case: 'pre-commit hook', command: 'hubspot-secrets --version', m: version, ref: node0, mbPerS: null, ratioTo: 'node -e 0', target: null, findings: null, planted: null, found: null });
  if (staged) {
    const check = existsSync(report) ? checkReport(report, repo.planted) : { findings: 0, found: 0, missing: repo.planted };
    row({ case: 'pre-commit hook', command: 'hubspot-secrets scan --staged', m: ours, ref: node0, mbPerS: null, ratioTo: 'node -e 0', target: 2.5, findings: check.findings, planted: 1, found: check.found, note: `${repo.files} files in the repository, 1 staged` });
    row({ case: 'pre-commit hook', command: 'hubspot-secrets scan --staged, no code cache', m: uncached, ref: node0, mbPerS: null, ratioTo: 'node -e 0', target: null, findings: null, planted: null, found: null, note: 'what a first run costs, and every run where the cache cannot be written (src/code-cache.ts)' });
  } else {
    const check = checkReport(report, repo.planted);
    row({ case: 'pre-commit hook', command: 'hubspot-secrets scan <one file> (scan --staged not available yet)', m: ours, ref: node0, mbPerS: null, ratioTo: 'node -e 0', target: 2.5, findings: check.findings, planted: 1, found: check.found });
  }
}

// --- big content: one ~200 MB file in every mode ---------------------------------------------
if (!ONLY || ONLY === 'big') {
  const big = cached('big', () => makeBigRepo(path.join(BASE, 'big')));
  const oid = spawnSync('git', ['rev-parse', `HEAD:${big.file}`], { cwd: big.dir, encoding: 'utf8' }).stdout.trim();
  const modes: { command: string; args: string[]; planted: Planted[] }[] = [
    { command: 'hubspot-secrets scan <the file>', args: ['scan', big.file], planted: big.staged },
    { command: 'hubspot-secrets scan --staged (the file modified)', args: ['scan', '--staged'], planted: big.staged },
    { command: 'hubspot-secrets scan --commits HEAD', args: ['scan', '--commits', 'HEAD'], planted: big.committed },
    { command: 'hubspot-secrets audit', args: ['audit'], planted: big.committed },
  ];
  const report = (i: number): string => path.join(OUT, `big-${i}.json`);
  const ms = measureTogether([
    { cmd: 'git', args: ['cat-file', 'blob', oid], cwd: big.dir },
    ...modes.map((m, i) => ({ cmd: 'node', args: [CLI, ...m.args, '--format', 'json', '--show-secrets', '-o', report(i), '-q'], cwd: big.dir })),
  ]);
  const size = `${r1(big.bytes / 1e6)} MB`;
  row({ case: 'big content', command: 'git cat-file blob (reference: reading it)', m: ms[0]!, mbPerS: mb(big.bytes, ms[0]!.wallMs), ratioTo: null, target: null, findings: null, planted: null, found: null, note: `one ${size} file` });
  modes.forEach((m, i) => {
    const check = existsSync(report(i)) ? checkReport(report(i), m.planted) : { findings: 0, found: 0, missing: m.planted };
    for (const p of check.missing.slice(0, 5)) process.stderr.write(`  missed: ${p.rule} in ${p.path} (${m.command})\n`);
    const peak = ms[i + 1]!.peakRssMb;
    row({ case: 'big content', command: m.command, m: ms[i + 1]!, mbPerS: mb(big.bytes, ms[i + 1]!.wallMs), ratioTo: null, target: null, findings: check.findings, planted: m.planted.length, found: check.found, note: `peak RSS ≤ 300 MB ${peak <= 300 ? '✔' : '✘'}` });
  });
}

// --- report ---------------------------------------------------------------------------------
const cpu = os.cpus();
const machine = `${cpu.length} × ${cpu[0]?.model.trim() ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${os.release()}, Node ${process.versions.node}`;
const fmt = (v: number | null | undefined, d = ''): string => (v === null || v === undefined || Number.isNaN(v) ? '–' : `${v}${d}`);
const lines = [
  '| case | command | wall | MB/s | ratio | target | peak RSS | findings | planted found |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.case} | ${r.command} | ${fmt(r.wallMs, ' ms')} | ${fmt(r.mbPerS)} | ${r.ratio === null ? '–' : `${r.ratio}x ${r.ratioTo}`} | ${r.target === null ? '–' : `≤ ${r.target}x ${r.met === null ? '' : r.met ? '✔' : '✘'}`} | ${fmt(r.peakRssMb, ' MB')} | ${fmt(r.findings)} | ${r.planted === null ? '–' : `${r.found}/${r.planted}`} |`,
  ),
];
process.stdout.write(`\nMachine: ${machine}; median of ${RUNS} runs after a warm-up (hook: ${Math.max(RUNS, 10)} runs), each case's commands run in turn\n\n${lines.join('\n')}\n\n`);
for (const r of rows) if (r.note) process.stdout.write(`- ${r.command}: ${r.note}\n`);
mkdirSync(path.join(ROOT, '.bench'), { recursive: true });
writeFileSync(path.join(ROOT, '.bench/results.json'), `${JSON.stringify({ machine, runs: RUNS, date: new Date().toISOString(), rows }, null, 2)}\n`);
process.stdout.write(`\nwritten: .bench/results.json (corpora in ${BASE})\n`);
rmSync(path.join(OUT, 'time.txt'), { force: true });
