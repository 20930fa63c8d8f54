/** --config, --baseline and --no-baseline: shared by every command that scans (see src/config/prepare.ts). */
import type { Argv } from 'yargs';

export function withConfigOptions<T>(y: Argv<T>) {
  return y
    .option('config', {
      type: 'string',
      describe: 'Config file (default: .hubspot-secrets.json in the scan root or a folder above it, up to the repository root); --no-config uses none',
    })
    .option('baseline', {
      type: 'string',
      describe: 'Baseline of accepted findings (default: .hubspot-secrets-baseline.json, found like the config); --no-baseline ignores it',
    });
}
