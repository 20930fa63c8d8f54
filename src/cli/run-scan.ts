/**
 * The one path every scanning entry point takes (scan, audit, the hook, the Action via the library):
 * events → pipeline (with config / suppression) → optional verification → report → exit code.
 * Each stage lives in its own module so it can grow without the others changing.
 */
import type { RuleSet } from '../core/types.js';
import { ExitCode } from '../errors.js';
import { TOOL_NAME } from '../version.js';
import { scan, type ScanOptions, type ScanResult } from '../scan.js';
import type { SourceOutput } from '../sources/types.js';
import type { Io } from './io.js';
import { emitReport, type ReportArgs } from './report-options.js';

export interface RunScanParams {
  io: Io;
  args: ReportArgs;
  ruleset: RuleSet;
  events: AsyncIterable<SourceOutput>;
  /** Extra pipeline options (suppression from config / baseline, progress, severity overrides). */
  pipeline?: Partial<ScanOptions>;
  /** Runs after the scan and before the report (e.g. live verification). */
  afterScan?: (result: ScanResult) => Promise<void>;
  /** Exit code for a finished scan; default: 1 when anything was found. */
  exitCode?: (result: ScanResult) => number;
}

export async function runScan(p: RunScanParams): Promise<{ code: number; result: ScanResult }> {
  const result = await scan(p.events, {
    ruleset: p.ruleset,
    showSecrets: p.args['show-secrets'],
    signal: p.io.signal,
    ...p.pipeline,
  });
  await p.afterScan?.(result);
  await emitReport(p.io, p.args, result, p.ruleset);
  const code = p.exitCode ? p.exitCode(result) : result.findings.length > 0 ? 1 : 0;
  if (result.incomplete) return { code: ExitCode.Interrupted, result };
  if (p.args.strict && result.warnings.length > 0) {
    const n = result.warnings.length;
    p.io.stderr.write(`${TOOL_NAME}: --strict: ${n} file${n === 1 ? ' was' : 's were'} not scanned, or not in full (see the warnings); nothing may be concluded from this run\n`);
    return { code: ExitCode.Error, result };
  }
  return { code, result };
}
