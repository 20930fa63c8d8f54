/**
 * One entry for every scanning command (scan, audit, the hook, baseline, the Action): config,
 * rules, ignore predicate, baseline and the suppression hook, ready for runScan / a source.
 */
import path from 'node:path';
import { compileRules } from '../core/rules.js';
import type { RuleSet, Severity } from '../core/types.js';
import { ConfigError, UsageError } from '../errors.js';
import { BUILTIN_RULES, builtinRuleSet } from '../rules/index.js';
import type { ScanOptions } from '../scan.js';
import { BASELINE_FILE, readBaseline, type Baseline } from './baseline.js';
import { findUp } from './find.js';
import { globMatcher, rebase } from './globs.js';
import { displayPath, loadConfig, type Config } from './load.js';
import { historySuppress, makePathSuppressor, makeSuppressor, type Suppressor } from './suppress.js';
import type { PathRules } from '../sources/git/history.js';

/** The flags withConfigOptions adds (`--no-baseline` arrives as `baseline: false`). */
export interface ConfigArgs {
  config?: string | false;
  baseline?: string | false;
}

export interface PrepareScanParams {
  io: { cwd: string };
  args: ConfigArgs;
  /** The scan root (absolute or relative to io.cwd): where config and baseline are looked for. */
  root: string;
  /** The folder the source reports paths relative to; default `root`. */
  reportDir?: string;
  /** Ignore any baseline (the `baseline` command builds one). */
  noBaseline?: boolean;
}

export interface PreparedScan {
  config: Config;
  ruleset: RuleSet;
  /** Pass to runScan / scan(): suppression hook and severity overrides. */
  pipeline: Pick<ScanOptions, 'suppress' | 'severity'>;
  /**
   * For a history scan (`audit`, the Action's history): the scan-time hook (historySuppress), and
   * what HistorySource.annotate applies once blob findings have their real paths.
   */
  history: { suppress: Suppressor; later: PathRules };
  /**
   * Paths (relative to reportDir, `/` separators) the config ignores: pass to fileSource's
   * `ignore`, and have git sources skip them. Undefined when nothing is ignored.
   */
  ignore: ((relPath: string) => boolean) | undefined;
  baseline: Baseline | null;
  reportDir: string;
}

/** Built-in rules minus the ones turned off, plus custom rules; severity overrides. */
export function rulesFromConfig(config: Config): { ruleset: RuleSet; severity: Map<string, Severity> } {
  const severity = new Map<string, Severity>();
  for (const [id, s] of config.rules) if (s !== 'off') severity.set(id, s);
  const off = (id: string): boolean => config.rules.get(id) === 'off';
  if (!config.customRules.length && config.rules.size === 0) return { ruleset: builtinRuleSet(), severity };
  // An overridden severity is the rule's own in every report (SARIF's rule levels and
  // security-severity, `rules`), not only on its findings.
  const specs = [...BUILTIN_RULES, ...config.customRules].filter((r) => !off(r.id)).map((r) => (severity.has(r.id) ? { ...r, severity: severity.get(r.id)! } : r));
  if (!specs.length) {
    throw new ConfigError(`${config.file ?? 'config'}: every rule is turned off; such a scan could never find anything`);
  }
  return { ruleset: compileRules(specs), severity };
}

export async function prepareScan(p: PrepareScanParams): Promise<PreparedScan> {
  const cwd = p.io.cwd;
  const root = path.resolve(cwd, p.root);
  const reportDir = path.resolve(cwd, p.reportDir ?? root);
  const config = await loadConfig({ root, configPath: p.args.config, cwd });
  const { ruleset, severity } = rulesFromConfig(config);

  let baseline: Baseline | null = null;
  if (!p.noBaseline && p.args.baseline !== false) {
    if (p.args.baseline === '') throw new UsageError('--baseline needs a file name (or use --no-baseline)');
    const file = p.args.baseline !== undefined ? path.resolve(cwd, p.args.baseline) : await findUp(root, BASELINE_FILE);
    if (file) baseline = await readBaseline(file, displayPath(file, cwd));
  }

  const ignore = config.ignore.length ? rebase(globMatcher(config.ignore), config.baseDir, reportDir) : undefined;
  const byPath = makePathSuppressor({ config, baseline, reportDir });
  return {
    config,
    ruleset,
    pipeline: { suppress: makeSuppressor(byPath), ...(severity.size ? { severity } : {}) },
    history: { suppress: historySuppress(byPath), later: { ignore, suppress: byPath } },
    ignore,
    baseline,
    reportDir,
  };
}
