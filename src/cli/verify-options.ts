/**
 * `--verify` and `--fail-on` for the scanning commands, and the network options `verify` shares.
 * The verifiers are loaded with a dynamic import only when --verify is given: a scan without it
 * loads no network code and sends nothing anywhere.
 */
import type { Argv } from 'yargs';
import type { Finding, RuleSet } from '../core/types.js';
import { UsageError } from '../errors.js';
import type { ScanResult } from '../scan.js';
import { resolveApiBaseUrl } from '../verify/base-url.js';
import type { Io } from './io.js';
import type { RunScanParams } from './run-scan.js';

export type FailOn = 'any' | 'active' | 'none';
export const FAIL_ON: readonly FailOn[] = ['any', 'active', 'none'];

export const DEFAULT_VERIFY_CONCURRENCY = 4;
export const DEFAULT_VERIFY_TIMEOUT_MS = 10_000;

export interface ApiArgs {
  'api-base-url'?: string;
  /** As typed (a string), or the default. */
  'verify-concurrency': number | string;
  'verify-timeout': number | string;
}

export interface VerifyArgs extends ApiArgs {
  verify: boolean;
  'fail-on': FailOn;
}

/** --api-base-url, --verify-concurrency, --verify-timeout (also used by `verify`). */
export function withApiOptions<T>(y: Argv<T>) {
  return y
    .option('api-base-url', {
      type: 'string',
      describe: 'HubSpot API base URL for verification (default https://api.hubapi.com, or $HUBSPOT_API_BASE_URL); http only for loopback',
    })
    // Read as typed (yargs' numbers make `abc` NaN before it can be named): see checkApiNumber.
    .option('verify-concurrency', { type: 'string', default: String(DEFAULT_VERIFY_CONCURRENCY), describe: 'Verification requests in flight at most' })
    .option('verify-timeout', { type: 'string', default: String(DEFAULT_VERIFY_TIMEOUT_MS), describe: 'Timeout per verification request, in milliseconds' });
}

/** --verify and --fail-on plus the API options (scan, audit). */
export function withVerifyOptions<T>(y: Argv<T>) {
  return withApiOptions(y)
    .option('verify', {
      type: 'boolean',
      default: false,
      describe: 'Ask the HubSpot API whether each credential found still works (sends the secrets to HubSpot only)',
    })
    .option('fail-on', {
      choices: [...FAIL_ON, 'never'],
      requiresArg: true,
      // `never` is the GitHub Action's word for `none`; both work everywhere.
      coerce: (v: string): FailOn => (v === 'never' ? 'none' : (v as FailOn)),
      default: 'any' as FailOn,
      describe: 'Exit 1 for: any finding; all but credentials HubSpot rejected (active, could not be told, or a type that cannot be checked; needs --verify); never',
    });
}

export interface ApiSettings {
  baseUrl: string;
  concurrency: number;
  timeoutMs: number;
}

/** Check the API options and resolve the base URL; throws a UsageError naming the bad flag. */
export function apiSettings(args: ApiArgs, io: Io): ApiSettings {
  const { concurrency, timeoutMs } = apiNumbers(args);
  return { baseUrl: resolveApiBaseUrl(args['api-base-url'], io.env), concurrency, timeoutMs };
}

/** --verify-concurrency and --verify-timeout, checked (also without --verify: a typo is an error, not ignored). */
function apiNumbers(args: ApiArgs): { concurrency: number; timeoutMs: number } {
  const concurrency = checkApiNumber('verify-concurrency', args['verify-concurrency']);
  return { concurrency, timeoutMs: checkApiNumber('verify-timeout', args['verify-timeout']) };
}

/** One value of --verify-concurrency or --verify-timeout, or a UsageError naming the flag. */
export function checkApiNumber(flag: 'verify-concurrency' | 'verify-timeout', value: unknown): number {
  // A plain whole number as typed (not `10s`, `1e3`, `0x10` or empty).
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d{1,7}\s*$/.test(value) ? Number(value) : NaN;
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  if (flag === 'verify-concurrency' && !(Number.isInteger(n) && n >= 1 && n <= 32)) {
    throw new UsageError(`--verify-concurrency: expected a whole number from 1 to 32, got ${shown}`);
  }
  if (flag === 'verify-timeout' && !(Number.isInteger(n) && n >= 1 && n <= 600_000)) {
    throw new UsageError(`--verify-timeout: expected whole milliseconds from 1 to 600000, got ${shown}`);
  }
  return n;
}

/**
 * Whether a finding makes the run fail under `--fail-on active`: all but those HubSpot rejected.
 * Live, could not be told (`unknown`), and types no side-effect-free check exists for
 * (`not-checkable`: client secrets, developer keys, SMTP passwords; `not-checked`: personal access
 * keys) fail closed: none of them is known to be dead (found by a new-user trial: a leaked client
 * secret passed `--fail-on active` with exit 0).
 */
export function failsOnActive(f: Finding): boolean {
  return f.verification?.status !== 'inactive';
}

/** The exit code of a finished scan under --fail-on. */
export function failOnExitCode(failOn: FailOn, result: ScanResult): number {
  if (failOn === 'none') return 0;
  if (failOn === 'active') return result.findings.some(failsOnActive) ? 1 : 0;
  return result.findings.length > 0 ? 1 : 0;
}

/**
 * What a scanning command plugs into runScan: `afterScan` (verification, only with --verify) and
 * `exitCode` (--fail-on). Checks the options before anything is scanned.
 */
export function verifyHooks(
  args: VerifyArgs & { quiet?: boolean },
  io: Io,
  ruleset: RuleSet,
): Pick<RunScanParams, 'afterScan' | 'exitCode'> {
  const failOn = args['fail-on'] ?? 'any';
  if (failOn === 'active' && !args.verify) {
    throw new UsageError('--fail-on active needs --verify (without it no credential is known to be live)');
  }
  const exitCode = (result: ScanResult): number => failOnExitCode(failOn, result);
  if (!args.verify) {
    // Checked without --verify too (a typo is an error, not ignored): the numbers, and a base URL
    // typed on the command line (not $HUBSPOT_API_BASE_URL). With --verify, apiSettings checks them.
    apiNumbers(args);
    if (args['api-base-url'] !== undefined) resolveApiBaseUrl(args['api-base-url'], {});
    return { exitCode };
  }
  const settings = apiSettings(args, io);
  return {
    exitCode,
    afterScan: async (result: ScanResult) => {
      if (result.findings.length === 0) return;
      const { verifyFindings } = await import('../verify/index.js');
      if (!args.quiet) {
        const n = result.findings.length;
        io.stderr.write(`Verifying ${n} finding${n === 1 ? '' : 's'} against ${settings.baseUrl} …\n`);
      }
      await verifyFindings(result.findings, ruleset, { ...settings, signal: io.signal });
      if (io.signal?.aborted) result.incomplete = true;
    },
  };
}
