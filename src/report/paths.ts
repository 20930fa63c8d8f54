/**
 * A HubSpot token in a file's name is not printed back (README "Never re-leak"): a report names the
 * file with the token masked as a preview (`keys/pat-na1-…3c4d.env`), in every format, the Action's
 * annotations and job summary too. Only HubSpot's own token shapes (a private app token, a hublet id)
 * are masked: a UUID alone names uploads and migrations far more often than it is a key, and a
 * report must name the file. Pure.
 */
import { redact } from '../core/redact.js';
import type { ScanResult } from '../scan.js';

const PATH_TOKEN = /(?<![0-9a-z])(pat-[a-z]{2}\d{1,2}-|[a-z]{2}\d{1,2}-)([0-9a-f]{4}(?:[0-9a-f]{4})?(?:-[0-9a-f]{4}){3}-[0-9a-f]{12})(?![0-9a-z])/gi;

/** `path` with each HubSpot token in it masked. */
export function maskPath(path: string): string {
  return path.includes('-') ? path.replace(PATH_TOKEN, (_w, prefix: string, rest: string) => `${prefix}${redact(rest)}`) : path;
}

/**
 * The result as a report shows it: paths masked (unless the user asked for full secrets). The
 * findings are copies; each keeps what it does not show (its raw secret, for verification, is not
 * needed any more: reports come after it).
 */
export function reportedPaths(result: ScanResult, showSecrets = false): ScanResult {
  if (showSecrets) return result;
  const masked = <T extends { path: string }>(x: T): T => {
    const p = maskPath(x.path);
    return p === x.path ? x : { ...x, path: p };
  };
  return {
    ...result,
    findings: result.findings.map(masked),
    suppressed: result.suppressed.map(masked),
    warnings: result.warnings.map(masked),
  };
}
