/**
 * A HubSpot token in a file's name is not printed back (README "Never re-leak"): a report names the
 * file with the token masked as a preview (`keys/pat-na1-…3c4d.env`), in every format, the Action's
 * annotations and job summary too (core/redact.ts' maskTokenNames). Pure.
 */
import { maskTokenNames as maskPath } from '../core/redact.js';
import type { ScanResult } from '../scan.js';

export { maskPath };

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
