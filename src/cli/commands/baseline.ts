/**
 * `hubspot-secrets baseline [paths..]`: record today's findings so that scans report only new ones.
 * Without --update the entries for the scanned paths are rewritten from the findings; with --update
 * entries still found are kept as recorded, new findings are added and entries no longer found are
 * pruned. Either way, entries for paths this run did not scan are kept as they are.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Argv } from 'yargs';
import { findUp, workTreeTop } from '../../config/find.js';
import { BASELINE_FILE, entryFor, mergeBaseline, parseBaseline, readBaseline, writeBaseline, type BaselineEntry } from '../../config/baseline.js';
import { relativeTo } from '../../paths.js';
import { displayPath } from '../../config/load.js';
import { prepareScan } from '../../config/prepare.js';
import { ConfigError, ExitCode, UsageError } from '../../errors.js';
import { scan } from '../../scan.js';
import { parallelFileSource } from '../../parallel/source.js';
import { scanInWorkers } from '../../parallel/prescan.js';
import { historySource } from '../../sources/git/history.js';
import { gitRun } from '../../sources/git/repo.js';
import { afterDash } from '../after-dash.js';
import { DASH, type Io } from '../io.js';
import { scanRoot } from './scan.js';
import { display } from '../../report/display.js';
import { parseSize } from '../report-options.js';
import { maskPath } from '../../report/paths.js';

export interface BaselineArgs {
  paths?: string[];
  output?: string;
  update: boolean;
  history: boolean;
  config?: string;
  quiet: boolean;
  'max-file-size'?: number;
}

/** Which of `paths` (relative to `top`, `/` separators) some commit of the repository adds. */
async function committedPaths(top: string, paths: readonly string[]): Promise<Set<string>> {
  if (!paths.length) return new Set();
  const r = await gitRun(top, ['--literal-pathspecs', 'log', '--all', '--no-renames', '--diff-filter=A', '--name-only', '--format=', '-z', '--', ...paths]);
  return new Set(r.stdout.toString('utf8').split('\0').map((p) => p.trim()).filter(Boolean));
}

export const baselineCommand = {
  command: 'baseline [paths..]',
  describe: `Record current findings in ${BASELINE_FILE} so scans report only new ones`,
  builder: (y: Argv) =>
    y
      .positional('paths', { type: 'string', array: true, describe: 'Files or folders to scan (default .)' })
      .option('output', { alias: 'o', type: 'string', describe: `Baseline file to write (default: the ${BASELINE_FILE} a scan of these paths reads — in the scanned folder or one above it, up to the repository root — else a new one at the repository root, or in the scanned folder outside a repository)` })
      .option('update', { type: 'boolean', default: false, describe: 'Keep recorded entries still found, add new findings, prune entries no longer found' })
      .option('history', {
        type: 'boolean',
        default: false,
        describe: "Record the findings of the repository's whole history (what audit finds: deleted files, old paths, commit messages) instead of the files'; such entries are judged only by history runs",
      })
      .option('config', { type: 'string', describe: 'Config file (default: .hubspot-secrets.json, found as for scan)' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No summary line' })
      .option('max-file-size', { type: 'string', coerce: parseSize, describe: 'Skip files larger than this (bytes, or 500k, 10MB …)' })
      .example('$0 baseline', `Accept every current finding (writes ${BASELINE_FILE})`)
      .example('$0 baseline --update', 'Add new findings, prune fixed ones; unchanged entries keep their bytes')
      .example('$0 baseline --history', 'Accept what audit finds in the history (rotated credentials in old commits)'),

  async run(args: BaselineArgs, io: Io): Promise<number> {
    // `baseline -- docs`: what follows `--` are paths too.
    const dashed = afterDash(args as { _?: unknown[] });
    if (dashed.length) args.paths = [...(args.paths ?? []), ...dashed];
    const paths = args.paths?.length ? args.paths : ['.'];
    if (paths.includes(DASH)) throw new UsageError('baseline: standard input cannot be baselined; name files or folders');
    if (args.output === '' || args.output === DASH) throw new UsageError('baseline: --output needs a file name');
    if (args.history && args.paths?.some((p) => path.resolve(io.cwd, p) !== io.cwd)) {
      throw new UsageError('baseline --history: records the whole history of the current repository; name no paths');
    }
    // The whole history: the repository's root, where audit reads its baseline.
    const hist = args.history ? await historySource({ cwd: io.cwd, maxFileSize: args['max-file-size'] }) : undefined;
    const root = hist ? (hist.repo.root ?? hist.repo.cwd) : await scanRoot(args, io);
    /** The folder findings' paths are relative to. */
    const reportDir = hist ? root : io.cwd;
    // Default: the baseline a scan of these paths reads (here or in a folder above, up to the
    // repository root), so `baseline src --update` updates it rather than starting a second one.
    // With none yet, a new one at the top of the repository (outside one, in the scanned folder): the
    // one the hook, audit and the Action read (one in a subfolder, only scans of that folder did).
    const file = path.resolve(io.cwd, args.output ?? (await findUp(root, BASELINE_FILE)) ?? path.join((await workTreeTop(root)) ?? root, BASELINE_FILE));
    const shown = displayPath(file, io.cwd);
    const dir = path.dirname(file);

    // Read the old file first: a broken one fails --update before any work is done.
    const previousText = await readFile(file, 'utf8').catch(() => null);
    const previous = args.update && previousText !== null ? await readBaseline(file, shown) : null;

    const prepared = await prepareScan({ io, args: { config: args.config }, root, reportDir, noBaseline: true });
    const result = hist
      ? await scan(scanInWorkers(hist.events, { ruleset: prepared.ruleset, signal: io.signal }), {
          ruleset: prepared.ruleset,
          ...prepared.pipeline,
          suppress: (f, ctx) => {
            if (ctx.item.blob) hist.warm();
            return prepared.history.suppress(f, ctx);
          },
          signal: io.signal,
        })
      : await scan(parallelFileSource(paths, { cwd: io.cwd, maxFileSize: args['max-file-size'], ignore: prepared.ignore, ruleset: prepared.ruleset, signal: io.signal }), {
          ruleset: prepared.ruleset,
          ...prepared.pipeline,
          signal: io.signal,
        });
    // Blob findings' real paths (and the config's path rules on them), as audit gives them.
    if (hist) await hist.annotate(result, prepared.history.later);
    for (const w of result.warnings) io.stderr.write(`warning: ${display(maskPath(w.path))}: ${display(w.message)}\n`);
    if (result.incomplete) {
      io.stderr.write(`interrupted: ${shown} was not written\n`);
      return ExitCode.Interrupted;
    }

    /** Why the old file could not be read (rewriting only: --update has failed on it already). */
    let unreadable: unknown;
    const old =
      previous?.entries ??
      (previousText === null
        ? []
        : await parseBaseline(previousText, file, shown).then(
            (b) => b.entries,
            (err: unknown) => {
              unreadable = err;
              return null;
            },
          ));
    // A history run judges history entries only, a scan of the files the others only (one entry per
    // fingerprint). A finding of the files already accepted by a history entry is not recorded again;
    // a file entry for a secret the history holds becomes a history entry (else removing the secret
    // from the files, which prunes the file entry, would un-accept it in the history).
    const historyFps = new Set((old ?? []).filter((e) => e.history === true).map((e) => e.fingerprint));
    const fresh: BaselineEntry[] = hist
      ? result.findings.map((f) => ({ ...entryFor(f, dir, reportDir), ...(f.commit ? { commit: f.commit.sha } : {}), history: true as const }))
      : result.findings.map((f) => entryFor(f, dir, reportDir)).filter((e) => !historyFps.has(e.fingerprint));
    const freshFps = new Set(fresh.map((e) => e.fingerprint));
    const replaced = (e: BaselineEntry): boolean => args.history && e.history !== true && freshFps.has(e.fingerprint);
    // Entries for what this run scanned; the others (a baseline found in a folder above, holding
    // other folders' entries) are kept as they are, in both modes: nothing recorded is lost.
    const scanned = paths.map((p) => path.resolve(io.cwd, p));
    // What the run could not read (a file too large or unreadable, a folder it could not list) was
    // not scanned either: its entries are kept, not pruned as fixed.
    const unread = result.warnings.map((w) => path.resolve(reportDir, w.path));
    const within = (folders: readonly string[], abs: string): boolean => folders.some((f) => relativeTo(f, abs) !== null);
    // Nor did it look at what the config ignores (a folder ignored since the entry was recorded):
    // kept too, or removing the ignore would bring the finding back unaccepted.
    const ignored = (abs: string): boolean => {
      const rel = prepared.ignore ? relativeTo(reportDir, abs) : null;
      return rel !== null && rel !== '' && prepared.ignore!(rel);
    };
    const covered = (e: BaselineEntry): boolean => {
      const abs = path.resolve(dir, e.path);
      if (ignored(abs)) return false;
      if (e.history === true) return args.history && !within(unread, abs);
      return !args.history && within(scanned, abs) && !within(unread, abs);
    };
    let entries = fresh;
    let added: number;
    let pruned: number;
    if (previous) {
      const m = mergeBaseline(previous.entries.filter((e) => !replaced(e)), fresh, covered);
      ({ entries, added, pruned } = m);
    } else {
      // Rewriting replaces a broken file when this run covers all it can hold (its folder, from the
      // files); else the entries it cannot read to keep would be lost.
      // Entries recorded from the history (a marker in the text: it cannot be read) a scan of the
      // files cannot record again.
      const holdsHistory = previousText !== null && /"history"\s*:/.test(previousText);
      if (old === null && (args.history || holdsHistory || !within(scanned, dir))) {
        const why = unreadable instanceof Error ? unreadable.message.split('\n')[0] : String(unreadable);
        const lost = args.history ? 'records the history only' : holdsHistory ? 'cannot record again the history entries it holds' : 'scans only part of what it holds';
        throw new ConfigError(
          `baseline: ${shown} cannot be read (${why}), and this run ${lost}, so its other entries would be lost; mend it${args.history || holdsHistory ? '' : ', or rewrite it whole with `baseline` over its folder'}`,
        );
      }
      const kept = (old ?? []).filter((e) => !replaced(e));
      const now = new Set(fresh.map((e) => e.fingerprint));
      // A fingerprint holds its path, so no fresh entry can be one of those kept.
      entries = [...kept.filter((e) => !covered(e)), ...fresh];
      const before = new Set(kept.map((e) => e.fingerprint));
      added = [...now].filter((fp) => !before.has(fp)).length;
      pruned = kept.filter((e) => covered(e) && !now.has(e.fingerprint)).length;
    }

    // A secret no longer in the files is still in the history when they are a git repository's (the
    // commit that removed it did not un-leak it): its entry stays, as a history entry, so `audit`
    // still accepts it (found by a new-user trial: deleting a baselined file, then `baseline
    // --update`, made the scheduled audit fail). `baseline --history` prunes it if the history does
    // not hold it.
    // Only paths some commit added: a file never committed (a git-ignored .env.local) has no history.
    let moved = 0;
    const top = args.history ? null : await workTreeTop(dir);
    if (top !== null) {
      const now = new Set(entries.map((e) => e.fingerprint));
      const gone = (old ?? []).filter((e) => e.history !== true && covered(e) && !now.has(e.fingerprint) && !replaced(e));
      const rel = (e: BaselineEntry): string | null => relativeTo(top, path.resolve(dir, e.path));
      const committed = await committedPaths(top, [...new Set(gone.map(rel).filter((p): p is string => p !== null))]);
      const kept = gone.filter((e) => committed.has(rel(e) ?? ''));
      entries = [...entries, ...kept.map((e) => ({ ...e, history: true as const }))];
      moved = kept.length;
      pruned -= moved;
    }

    const text = await writeBaseline(file, entries).catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(`baseline: cannot write ${shown}: ${err.code ?? err.message}`);
    });
    if (!args.quiet) {
      const count = JSON.parse(text).entries.length as number;
      const change = text === previousText ? 'unchanged' : `${added} added, ${pruned} pruned${moved ? `, ${moved} no longer in the files kept for the history` : ''}`;
      const sup = Object.entries(result.stats.suppressed)
        .map(([by, k]) => `${k} by ${by}`)
        .join(', ');
      io.stderr.write(`${shown}: ${count} ${count === 1 ? 'entry' : 'entries'} (${change})${sup ? `; not recorded, already suppressed: ${sup}` : ''}.\n`);
    }
    return ExitCode.Clean;
  },
};
