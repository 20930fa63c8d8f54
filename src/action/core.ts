/**
 * The Action wired to the real world: @actions/core for inputs, annotations, outputs, the job
 * summary and failure; git and the sources. `run()` is what main.ts (the bundled entry) calls, and
 * what `@github/local-action` calls when the Action is run locally.
 */
import * as core from '@actions/core';
import { ExitCode } from '../errors.js';
import { parallelFileSource } from '../parallel/source.js';
import { commitsSource, pushedTagsSource } from '../sources/git/commits.js';
import { historySource } from '../sources/git/history.js';
import { runAction, type ActionSink } from './run.js';

const sink: ActionSink = {
  info: (m) => core.info(m),
  warning: (m) => core.warning(m),
  error: (m, p) => core.error(m, p),
  setOutput: (n, v) => core.setOutput(n, v),
  summary: async (md) => {
    // Outside a runner there is no summary file; the annotations and the log still say everything.
    if (!process.env['GITHUB_STEP_SUMMARY']) return;
    await core.summary.addRaw(md, true).write();
  },
  setFailed: (m) => core.setFailed(m),
};

/** Run the Action; sets process.exitCode (0 passed, 1 findings per fail-on, 2 could not scan). */
export async function run(): Promise<void> {
  // Fail closed: should the run end early in any way (a promise that never settles), the step fails.
  process.exitCode = ExitCode.Error;
  const outcome = await runAction({
    env: process.env,
    getInput: (name) => core.getInput(name),
    sink,
    cwd: process.cwd(),
    sources: {
      // The tree is read and scanned by worker threads and this one, as `scan <folder>` does.
      files: (roots, o) => parallelFileSource(roots, o),
      commits: (o) => commitsSource(o),
      pushedTags: (o) => pushedTagsSource(o),
      // Blobs and commits read as one git stream; worker threads scan them.
      history: (o) => historySource(o),
    },
  });
  process.exitCode = outcome.code;
}
