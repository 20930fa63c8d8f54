/**
 * The Action's entry (bundled to dist/action.js, named in action.yml). Reads nothing itself: wires
 * @actions/core, git and the sources into runAction, and sets the exit code.
 */
import * as core from '@actions/core';
import { fileSource } from '../sources/files.js';
import { commitsSource } from '../sources/git/commits.js';
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

const outcome = await runAction({
  env: process.env,
  getInput: (name) => core.getInput(name),
  sink,
  cwd: process.cwd(),
  sources: {
    files: fileSource,
    commits: (o) => commitsSource(o),
    history: (o) => historySource(o),
  },
});
process.exitCode = outcome.code;
