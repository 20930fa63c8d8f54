/**
 * The executable's bundle (dist/main.cjs, which src/launch.ts runs): wires the real process to main().
 * The only place that sets the exit code.
 */
import { bundledWorkerUrl, dropSpares, speculate, startSpares, WORKER_V8_FLAGS } from './parallel/spare.js';
import { setV8Flags, v8FlagsSet } from './builtin.js';
import { locatedByEnv, opensRepoHere, REV_PARSE_HEAD, REV_PARSE_REPO, startEarly } from './sources/git/early.js';

/** Whether main() has settled (its report is out). */
let settled = false;

// SIGTERM (a cancelled CI job, a supervisor): stop at once, as a second Ctrl-C does, from the very
// start (this runs before anything else loads). Exiting kills the git processes still running
// (src/sources/git/repo.ts): none is left behind. 130 is ExitCode.Interrupted; 2 is ExitCode.Error.
process.on('SIGTERM', () => {
  if (!settled) process.stderr.write('hubspot-secrets: terminated (SIGTERM): the scan did not finish; nothing may be concluded from this run.\n');
  // A run that already ended in an error keeps its 2.
  process.exit(settled && process.exitCode === 2 ? 2 : 130);
});

// Scan workers for a folder scan or an audit start now, while the rest loads (src/parallel/spare.ts).
try {
  // The guess first: most runs (the hook's `scan --staged` among them) need no worker, nor its file.
  const n = speculate(process.argv.slice(2), process.cwd());
  // Set before any worker starts and before the hot code first runs (see WORKER_V8_FLAGS).
  if (n > 0) setV8Flags(WORKER_V8_FLAGS);
  const url = n > 0 ? bundledWorkerUrl() : undefined;
  if (url) startSpares(url, n);
} catch {
  // Only a head start: the pool starts its own workers (and reports their errors).
}

// A git run's first question (what the repository is) is asked now too, while the rest loads
// (src/sources/git/early.ts): the hook waits for it ~10 ms less. Not when the environment says where
// the repository is: a run that names its own (`audit <folder>`) does not use that, and the guess
// would be for another repository.
try {
  if (opensRepoHere(process.argv.slice(2)) && !locatedByEnv()) {
    startEarly(process.cwd(), REV_PARSE_HEAD);
    startEarly(process.cwd(), REV_PARSE_REPO);
  }
} catch {
  // Only a head start: openRepo asks itself.
}

/**
 * Runs the command line. `done` is told when the report is out, and whether this run left V8's flags
 * as they were (launch.ts keeps V8's code cache only from such a run).
 */
export function run(done: (cacheable: boolean) => void = () => {}): void {
  // Fail closed: if the event loop ever drains before main() settles (a source that never finishes,
  // or the rest failing to load), the process must not exit 0 as if the scan were clean.
  // 2 is ExitCode.Error (errors.ts loads with the rest).
  process.exitCode = 2;
  process.on('exit', (code) => {
    if (!settled && code === 2) {
      process.stderr.write('hubspot-secrets: internal error: the scan stopped before it finished; nothing may be concluded from this run.\n');
    }
  });
  start().then(
    () => done(!v8FlagsSet()),
    (err: unknown) => {
      settled = true;
      process.stderr.write(`hubspot-secrets: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}

async function start(): Promise<void> {
  // Everything else loads now (the workers above start meanwhile), in one import: its modules are
  // evaluated only now, after the early starts above.
  const { main, processIo, ExitCode } = await import('./cli/main.js');

  const controller = new AbortController();
  let interrupted = false;
  process.on('SIGINT', () => {
    if (interrupted) process.exit(ExitCode.Interrupted);
    interrupted = true;
    controller.abort();
    // Ctrl-C reaches the whole pipeline (`producer | hubspot-secrets scan -`): the producer may stop
    // first and its end of input be taken for the end of the data. A run that saw Ctrl-C before it
    // exited never passes, even one that had already reported.
    if (settled && process.exitCode !== ExitCode.Error) process.exitCode = ExitCode.Interrupted;
  });

  // A reader that stops early (`| head`, `| true`): the rest of the report has nowhere to go, and the
  // verdict (the exit code) stands. Any other failure to write the report (a full disk, a closed
  // descriptor) leaves nothing to conclude from: exit 2 with one line, never the findings code.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
    process.stderr.write(`hubspot-secrets: cannot write to standard output: ${err.code ?? err.message}; nothing may be concluded from this run.\n`);
    process.exit(ExitCode.Error);
  });

  const io = { ...processIo(), signal: controller.signal };
  try {
    const code = await main(process.argv.slice(2), io);
    settled = true;
    dropSpares();
    process.exitCode = interrupted ? ExitCode.Interrupted : code;
    // The report is written; a source still waiting (standard input, a walk in progress) must not
    // keep an interrupted run alive. Unref'd: a run that ends by itself is not held up.
    if (interrupted) setTimeout(() => process.exit(ExitCode.Interrupted), 200).unref();
  } catch (err) {
    settled = true;
    dropSpares();
    process.stderr.write(`hubspot-secrets: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = ExitCode.Error;
  }
}
