/**
 * The GitHub Action, with everything from the outside passed in (environment, inputs, the runner's
 * command sink, git, sources) so tests need no module mocks. main.ts wires the real ones.
 *
 * Fail closed: any error (bad input, unreadable repository, a range a shallow checkout cannot cover
 * even after fetching) fails the step with exit 2; the step passes only when the whole range was
 * scanned and `fail-on` allows what was found.
 */
import { constants, existsSync, statSync } from 'node:fs';
import { readFile, mkdir, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { withoutIgnored } from '../cli/git-scan.js';
import { scanInWorkers } from '../parallel/prescan.js';
import { DEFAULT_VERIFY_CONCURRENCY, DEFAULT_VERIFY_TIMEOUT_MS, failOnExitCode, failsOnActive } from '../cli/verify-options.js';
import { prepareScan } from '../config/prepare.js';
import { CONFIG_FILE } from '../config/load.js';
import { relativeTo } from '../paths.js';
import { BASELINE_FILE } from '../config/baseline.js';
import { ExitCode, GitError, InputError, isUserError, UsageError } from '../errors.js';
import { render } from '../report/index.js';
import { scan, type ScanResult } from '../scan.js';
import { resolveApiBaseUrl } from '../verify/base-url.js';
import type { FileSourceOptions } from '../sources/files.js';
import type { RuleSet } from '../core/types.js';
import { concatSources, type SourceEvent, type SourceOutput } from '../sources/types.js';
import type { PushUpdate } from '../sources/git/commits.js';
import type { PathRules } from '../sources/git/history.js';
import { TOOL_NAME } from '../version.js';
import { reportedPaths } from '../report/paths.js';
import { findingAnnotation, type AnnotationProperties } from './annotations.js';
import { planScan, SCAN_INPUTS, type ScanInput, type ScanPlan } from './event.js';
import { ActionGit, runGit, type GitRunner } from './git.js';
import { errorMarkdown, summaryMarkdown } from './summary.js';
import { display } from '../report/display.js';

export type FailOn = 'any' | 'active' | 'never';
export const FAIL_ON: readonly FailOn[] = ['any', 'active', 'never'];

export interface ActionInputs {
  path: string;
  scan: ScanInput;
  verify: boolean;
  failOn: FailOn;
  sarifFile: string;
  config?: string;
  baseline?: string;
}

/** What a run scanned, and the settings files (config, baseline) the scanned change itself edits. */
interface Scanned {
  result: ScanResult;
  target: string;
  settingsChanged?: string[];
}

/** Defaults, as in action.yml (the runner sets them; these cover a run outside the runner). */
export const INPUT_DEFAULTS = { path: '.', scan: 'auto', verify: 'false', 'fail-on': 'any', 'sarif-file': 'hubspot-secrets.sarif' } as const;

/** What @actions/core does for the Action; tests pass a recorder. */
export interface ActionSink {
  info(message: string): void;
  warning(message: string): void;
  /** An `::error` annotation. */
  error(message: string, properties?: AnnotationProperties): void;
  setOutput(name: string, value: string): void;
  /** Append Markdown to the job summary. */
  summary(markdown: string): Promise<void>;
  setFailed(message: string): void;
}

/** The git sources (issue 3) and the directory walk; passed in so tests may swap them. */
export interface ActionSources {
  /** Read (and, with worker threads, scanned) as `scan <folder>` does: the rules come along. */
  files(roots: readonly string[], opts: FileSourceOptions & { ruleset: RuleSet }): AsyncIterable<SourceOutput>;
  commits(opts: { cwd: string; range: string }): AsyncIterable<SourceEvent>;
  /** What a push of refs sends besides commits: tag messages, content a tag points at. */
  pushedTags(opts: { cwd: string; updates: readonly PushUpdate[] }): AsyncIterable<SourceEvent>;
  /** The whole history; `annotate` maps blob findings back to their introducing commit and path. */
  history(opts: { cwd: string }): Promise<{ events: AsyncIterable<SourceOutput>; annotate(result: ScanResult, later?: PathRules): Promise<void> }>;
}

export interface ActionDeps {
  env: Readonly<Record<string, string | undefined>>;
  /** An input by its action.yml name ('' when unset), like core.getInput. */
  getInput(name: string): string;
  sink: ActionSink;
  sources: ActionSources;
  git?: GitRunner;
  /** Working directory when GITHUB_WORKSPACE is not set. */
  cwd: string;
}

export interface ActionOutcome {
  code: number;
  result?: ScanResult;
  plan?: ScanPlan;
}

export function parseInputs(getInput: (name: string) => string): ActionInputs {
  const get = (name: keyof typeof INPUT_DEFAULTS | 'config' | 'baseline'): string => {
    const v = getInput(name).trim();
    return v !== '' ? v : ((INPUT_DEFAULTS as Record<string, string>)[name] ?? '');
  };
  const scanIn = get('scan');
  if (!(SCAN_INPUTS as readonly string[]).includes(scanIn)) throw new UsageError(`input scan: '${scanIn}' is not one of ${SCAN_INPUTS.join(', ')}`);
  // `none` is the CLI's word for `never`; both work everywhere.
  const failOn = get('fail-on') === 'none' ? 'never' : get('fail-on');
  if (!(FAIL_ON as readonly string[]).includes(failOn)) throw new UsageError(`input fail-on: '${failOn}' is not one of ${FAIL_ON.join(', ')}`);
  const verifyIn = get('verify');
  if (!/^(true|false)$/i.test(verifyIn)) throw new UsageError(`input verify: '${verifyIn}' is not true or false`);
  const verify = verifyIn.toLowerCase() === 'true';
  if (failOn === 'active' && !verify) throw new UsageError('input fail-on: active needs verify: true (without verification nothing is known to be active)');
  const inputs: ActionInputs = { path: get('path'), scan: scanIn as ScanInput, verify, failOn: failOn as FailOn, sarifFile: get('sarif-file') };
  const config = get('config');
  const baseline = get('baseline');
  if (config) inputs.config = config;
  if (baseline) inputs.baseline = baseline;
  return inputs;
}

async function readPayload(file: string | undefined): Promise<Record<string, unknown>> {
  if (!file) return {};
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`GITHUB_EVENT_PATH ${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    throw new UsageError(`GITHUB_EVENT_PATH ${file}: not valid JSON`);
  }
}

const FETCH_HINT = 'Check out with actions/checkout and `fetch-depth: 0` so the whole range is there.';

/** How a shallow checkout is deepened, step by step, before giving up: 200 commits more, then all. */
const DEEPEN_STEPS: readonly (number | null)[] = [200, null];

interface Scanner {
  (events: AsyncIterable<SourceOutput>): Promise<ScanResult>;
}

class Runner {
  constructor(
    private readonly deps: ActionDeps,
    private readonly git: ActionGit,
    private readonly root: string,
    private readonly scanEvents: Scanner,
    /** scanEvents for the history: blob findings are suppressed by their line alone (historySuppress). */
    private readonly scanHistory: Scanner,
    private readonly ignore: ((relPath: string) => boolean) | undefined,
    /** What annotate() applies on the history's real paths (PreparedScan.history). */
    private readonly historyRules: PathRules,
    private readonly ruleset: RuleSet,
    /** The config and baseline files (in use, or where they would be found), relative to the repository root. */
    private readonly settings: readonly string[] = [],
  ) {}

  async run(plan: ScanPlan, workspace: string): Promise<Scanned> {
    switch (plan.kind) {
      case 'none':
        return { result: await this.scanEvents(emptySource()), target: plan.why };
      case 'files':
        return {
          result: await this.scanEvents(this.deps.sources.files([this.root], { cwd: workspace, ruleset: this.ruleset, ...(this.ignore ? { ignore: this.ignore } : {}) })),
          target: `the checked-out files (${path.relative(workspace, this.root) || '.'})`,
        };
      case 'history':
        return { result: await this.history(), target: 'the whole history (every branch and tag)' };
      case 'new-ref': {
        if (plan.defaultBranch === null) return { result: await this.history(), target: `${plan.why}: the whole history` };
        const tip = await this.git.remoteBranchTip(plan.defaultBranch);
        if (!tip) throw new GitError(`${plan.why}: cannot find origin's ${plan.defaultBranch} branch to compare with. ${FETCH_HINT}`);
        return this.range(tip, plan.head, `${plan.why} (${tip.slice(0, 12)}..${plan.head.slice(0, 12)})`, undefined, plan.tag);
      }
      case 'range':
        return this.range(plan.base, plan.head, plan.why, plan.fallbackBranch, plan.tag);
    }
  }

  private info(msg: string): void {
    this.deps.sink.info(msg);
  }

  /** base..head: every commit reachable from head and not from base; for a pushed tag, its messages too. */
  private async range(base: string, head: string, why: string, fallbackBranch: string | null | undefined, tag?: string): Promise<Scanned> {
    const fetched = await this.git.fetchMissing([base, head]);
    if (fetched.missing.length) this.info(`fetched what the checkout lacked; still missing: ${fetched.missing.map((s) => s.slice(0, 12)).join(', ')}`);
    if (fetched.missing.includes(head)) {
      throw new GitError(`${why}: commit ${head} is not in the checkout and could not be fetched${fetched.error ? ` (${fetched.error})` : ''}. ${FETCH_HINT}`);
    }
    if (fetched.missing.includes(base)) {
      if (fallbackBranch === undefined) {
        throw new GitError(`${why}: base commit ${base} is not in the checkout and could not be fetched${fetched.error ? ` (${fetched.error})` : ''}. ${FETCH_HINT}`);
      }
      // A force push whose old tip is gone: the commits not on the default branch, or (a push to the
      // default branch itself) the whole history.
      this.info(`${why}: the old tip ${base.slice(0, 12)} is gone (force push); scanning ${fallbackBranch ? `the commits not on ${fallbackBranch}` : 'the whole history'} instead`);
      if (fallbackBranch === null) return { result: await this.history(), target: `${why}: old tip gone, the whole history` };
      const tip = await this.git.remoteBranchTip(fallbackBranch);
      if (!tip) throw new GitError(`${why}: old tip ${base} is gone and origin's ${fallbackBranch} cannot be found. ${FETCH_HINT}`);
      return this.range(tip, head, `${why}: old tip gone, the commits not on ${fallbackBranch}`, undefined, tag);
    }
    const range = `${base}..${head}`;
    // A pushed tag as the event names it (`after`) and as checked out (the ref may name the tag
    // object where the event names its commit): what a push of it sent besides commits.
    const local = tag ? await this.git.revParse(tag) : null;
    const updates = !tag ? [] : [head, ...(local && local !== head ? [local] : [])].map((sha) => ({ localRef: tag, localSha: sha, remoteRef: tag, remoteSha: '0'.repeat(sha.length) }));
    const events = (): AsyncIterable<SourceEvent> =>
      withoutIgnored(concatSources(this.deps.sources.commits({ cwd: this.root, range }), this.deps.sources.pushedTags({ cwd: this.root, updates })), this.ignore);
    const result = await this.repairingShallow(() => this.scanEvents(events()), [base, head], why);
    // The scan reads the config and baseline of the checkout, which the change may itself have
    // written: an `ignore` or a baseline entry added with a secret hides it. Said, to be reviewed
    // (asked after the scan, which has deepened a shallow checkout to the merge base if need be).
    const touched = await this.git.changed(base, head, this.settings);
    if (touched.length) {
      this.deps.sink.warning(
        `${why} changes ${touched.join(', ')}, the settings this scan reads from the checkout: an ignore glob, an allow entry or a baseline entry added there can hide a secret. Review that change too.`,
      );
    }
    return { result, target: why, settingsChanged: touched };
  }

  private async history(): Promise<ScanResult> {
    // An audit of a shallow checkout would miss everything below the boundary: deepen first.
    if (await this.git.isShallow()) {
      this.info("the checkout is shallow; fetching the whole history and origin's branches and tags for the audit");
      const r = await this.git.unshallowAll();
      if (!r.ok || (await this.git.isShallow())) {
        throw new GitError(`the checkout is shallow and the rest of the history could not be fetched${r.error ? ` (${r.error})` : ''}. ${FETCH_HINT}`);
      }
    }
    const h = await this.deps.sources.history({ cwd: this.root });
    // Blobs and commits read as one git stream, scanned by the pool's worker threads, as `audit` does.
    const result = await this.scanHistory(scanInWorkers(h.events, { ruleset: this.ruleset }));
    // Blob paths are known only after annotate (as in `audit`): the config's ignore globs and path rules apply then.
    await h.annotate(result, this.historyRules);
    return result;
  }

  /** Run a range scan; when git says the history is cut off by a shallow checkout, deepen it and try again. */
  private async repairingShallow(attempt: () => Promise<ScanResult>, shas: readonly string[], why: string): Promise<ScanResult> {
    for (let step = 0; ; step++) {
      try {
        return await attempt();
      } catch (err) {
        if (!(err instanceof GitError) || !(await this.git.isShallow())) throw err;
        const deepen = DEEPEN_STEPS[step];
        if (deepen === undefined) throw new GitError(`${why}: the checkout is too shallow for the range even after fetching more history (${err.message}). ${FETCH_HINT}`, { cause: err });
        this.info(`the checkout is too shallow for ${why}; fetching ${deepen === null ? 'the whole history' : `${deepen} more commits`}`);
        const r = await this.git.deepen(deepen, shas);
        if (!r.ok) {
          throw new GitError(`${why}: the checkout is too shallow for the range, and fetching more history failed${r.error ? ` (${r.error})` : ''}. ${FETCH_HINT}`, { cause: err });
        }
      }
    }
  }
}

async function* emptySource(): AsyncGenerator<SourceEvent> {}



function activeCount(result: ScanResult): number {
  return result.findings.filter((f) => f.verification?.status === 'active').length;
}

/** The CLI's --fail-on rule (`never` is the CLI's `none`); `active` fails on all but `inactive`: fail closed. */
export function shouldFail(failOn: FailOn, result: ScanResult): boolean {
  return failOnExitCode(failOn === 'never' ? 'none' : failOn, result) !== 0;
}

/**
 * The config and baseline files (in use, or where they would be found) as paths relative to the
 * repository root, each also as the file it links to when it is a symbolic link (the loader follows
 * it): what a change to the scan's own settings would touch. Files outside the repository are left out.
 */
async function settingsPaths(root: string, files: readonly (string | null | undefined)[]): Promise<string[]> {
  const realRoot = await realpath(root).catch(() => root);
  const out = new Set<string>();
  const add = (base: string, file: string): void => {
    const rel = relativeTo(base, file);
    if (rel) out.add(rel);
  };
  for (const f of files) {
    if (typeof f !== 'string') continue;
    add(root, f);
    const real = await realpath(f).catch(() => null);
    if (real) add(realRoot, real);
  }
  return [...out];
}

/** The `sarif-file` input as a path inside the workspace, or a UsageError naming it. */
export function sarifTarget(workspace: string, input: string): string {
  const file = path.resolve(workspace, input);
  if (!relativeTo(workspace, file)) {
    throw new UsageError(`input sarif-file: '${input}' is not a file inside the workspace (${workspace})`);
  }
  const last = input.split(/[\\/]/).pop();
  if (last === '' || last === '.' || last === '..' || statSync(file, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UsageError(`input sarif-file: '${input}' names a folder; name the file (for example ${path.join(input, 'hubspot-secrets.sarif')})`);
  }
  return file;
}

/**
 * Write the SARIF report without following a symbolic link a pull request may have committed at
 * its path (or in a folder above it, inside the workspace): the runner would otherwise overwrite
 * whatever the link points at. A place that cannot take it is an error naming the input.
 */
async function writeSarif(workspace: string, file: string, text: string): Promise<void> {
  const fail = (why: string): never => {
    throw new InputError(`input sarif-file: cannot write ${file}: ${why}`);
  };
  try {
    const ws = await realpath(workspace);
    const inside = async (dir: string): Promise<void> => {
      if (relativeTo(ws, await realpath(dir)) === null) fail('a folder on its way is a symbolic link out of the workspace');
    };
    // The nearest folder that exists is checked before any is made under it, and the file's after.
    let existing = path.dirname(file);
    while (!existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
    await inside(existing);
    await mkdir(path.dirname(file), { recursive: true });
    await inside(path.dirname(file));
    await writeFile(file, text, { flag: constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW });
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    fail(code === 'ELOOP' ? 'it is a symbolic link (not followed)' : code === 'EISDIR' ? 'it is a folder' : (code ?? (err as Error).message));
  }
}

export async function runAction(deps: ActionDeps): Promise<ActionOutcome> {
  const { env, sink } = deps;
  // The runner's workspace, as its real path: a workspace that is itself a symbolic link would be a
  // link named as a path, not followed, and nothing would be scanned.
  const given = path.resolve(env['GITHUB_WORKSPACE'] || deps.cwd);
  const workspace = await realpath(given).catch(() => given);
  let target = 'the repository';
  let plan: ScanPlan | undefined;
  try {
    const inputs = parseInputs(deps.getInput);
    // Checked before the scan: a report that cannot be written is known before the work is done.
    const sarifPath = sarifTarget(workspace, inputs.sarifFile);
    // So is an API base URL verification could not use (found or not).
    const baseUrl = inputs.verify ? resolveApiBaseUrl(undefined, env) : undefined;
    const root = path.resolve(workspace, inputs.path);
    const git = new ActionGit(deps.git ?? runGit, root);
    const eventName = env['GITHUB_EVENT_NAME'] ?? '';
    plan = planScan({ eventName, payload: await readPayload(env['GITHUB_EVENT_PATH']) }, inputs.scan);
    target = plan.why;
    sink.info(`${TOOL_NAME}: ${plan.why}`);

    // Git scans report paths relative to the repository root; a files scan, to the workspace.
    let repoRoot: string | null = null;
    if (plan.kind !== 'files' && plan.kind !== 'none') {
      // A file named as the repository: said as such (it was "not a git repository": found by a trial).
      if (existsSync(root) && !statSync(root).isDirectory()) throw new UsageError(`input path: ${inputs.path} is a file; it names the repository's folder (or, with scan: files, the folder to scan)`);
      repoRoot = await git.topLevel();
      if (!repoRoot) throw new GitError(`${root} is not a git repository; check out the repository with actions/checkout first`);
    }
    const prepared = await prepareScan({
      io: { cwd: workspace },
      args: { ...(inputs.config ? { config: inputs.config } : {}), ...(inputs.baseline ? { baseline: inputs.baseline } : {}) },
      root: repoRoot ?? root,
      reportDir: repoRoot ?? workspace,
    });
    const { ruleset } = prepared;
    const scanEvents: Scanner = (events) => scan(events, { ruleset, showSecrets: false, ...prepared.pipeline });
    const scanHistory: Scanner = (events) => scan(events, { ruleset, showSecrets: false, ...prepared.pipeline, suppress: prepared.history.suppress });
    const settingsRoot = repoRoot ?? root;
    const settings = await settingsPaths(settingsRoot, [prepared.config.file, prepared.baseline?.file, path.join(settingsRoot, CONFIG_FILE), path.join(settingsRoot, BASELINE_FILE)]);
    const done = await new Runner(deps, git, settingsRoot, scanEvents, scanHistory, prepared.ignore, prepared.history.later, ruleset, settings).run(plan, workspace);
    const result = done.result;
    target = done.target;
    const settingsChanged = done.settingsChanged ?? [];
    if (result.incomplete) throw new Error('the scan stopped before the end of its input');

    if (baseUrl !== undefined && result.findings.length) {
      const { verifyFindings } = await import('../verify/index.js');
      sink.info(`verifying ${result.findings.length} finding${result.findings.length === 1 ? '' : 's'} against ${baseUrl}`);
      await verifyFindings(result.findings, ruleset, { baseUrl, concurrency: DEFAULT_VERIFY_CONCURRENCY, timeoutMs: DEFAULT_VERIFY_TIMEOUT_MS });
    }

    // From here on the result is what reports show: a token in a file's name masked.
    const shown = reportedPaths(result);
    await writeSarif(workspace, sarifPath, render('sarif', { result: shown, ruleset, target }));

    for (const f of shown.findings) {
      const a = findingAnnotation(f);
      sink.error(a.message, a.properties);
    }
    for (const w of shown.warnings) sink.warning(`${display(w.path)}: ${display(w.message)}`);

    const failed = shouldFail(inputs.failOn, result);
    const n = result.findings.length;
    const active = activeCount(result);
    sink.setOutput('findings', String(n));
    sink.setOutput('active', String(active));
    sink.setOutput('sarif-file', sarifPath);
    await sink.summary(summaryMarkdown({ result: shown, ruleset, target, failOn: inputs.failOn, failed, settingsChanged }));

    const unknown = inputs.verify ? result.findings.filter((f) => failsOnActive(f) && f.verification?.status !== 'active').length : 0;
    const counts = `${n} HubSpot credential${n === 1 ? '' : 's'} found${inputs.verify ? ` (${active} active${unknown ? `, ${unknown} could not be checked` : ''})` : ''} in ${target}`;
    if (failed) {
      sink.setFailed(`${counts}. Rotate each one in HubSpot first, then remove it; see the annotations and the job summary.`);
      return { code: ExitCode.Findings, result, plan };
    }
    sink.info(`${counts}. SARIF written to ${sarifPath}.`);
    return { code: ExitCode.Clean, result, plan };
  } catch (err) {
    const message = isUserError(err)
      ? err.message
      : `internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}. Nothing may be concluded from this run.`;
    await sink.summary(errorMarkdown(target, message)).catch(() => undefined);
    sink.setFailed(`${TOOL_NAME}: ${message}`);
    return { code: ExitCode.Error, ...(plan ? { plan } : {}) };
  }
}
