import type { Argv } from 'yargs';
import { UsageError } from '../../errors.js';
import { loadConfig } from '../../config/load.js';
import { rulesFromConfig } from '../../config/prepare.js';
import { BUILTIN_RULES } from '../../rules/index.js';
import { afterDash } from '../after-dash.js';
import type { Io } from '../io.js';

export const rulesCommand = {
  command: 'rules',
  describe: 'List the detection rules in force (built-in and custom, as the config leaves them)',
  builder: (y: Argv) =>
    y
      .option('json', { type: 'boolean', default: false, describe: 'Print the rules as JSON (the full rule data)' })
      .option('config', { type: 'string', describe: 'Config file (default: .hubspot-secrets.json found from here up)' }),
  async run(args: { json: boolean; config?: string | false; _?: unknown[] }, io: Io): Promise<number> {
    const dashed = afterDash(args);
    if (dashed.length) throw new UsageError(`rules: takes no arguments; unexpected argument '${dashed[0]}'`);
    const config = await loadConfig({ root: io.cwd, configPath: args.config, cwd: io.cwd });
    const { ruleset, severity } = rulesFromConfig(config);
    const builtin = new Set(BUILTIN_RULES.map((r) => r.id));
    const off = [...config.rules].filter(([, s]) => s === 'off').map(([id]) => id);
    const rows = ruleset.rules.map((r) => ({
      ...r.spec,
      severity: severity.get(r.id) ?? r.spec.severity,
      source: builtin.has(r.id) ? 'builtin' : 'custom',
    }));
    if (args.json) {
      io.stdout.write(`${JSON.stringify({ rules: rows, off }, null, 2)}\n`);
      return 0;
    }
    const width = Math.max(...rows.map((r) => r.id.length));
    for (const r of rows) {
      const notes = [r.verifier ? '' : 'not verifiable', r.source === 'custom' ? 'custom' : ''].filter(Boolean);
      io.stdout.write(`${r.id.padEnd(width)}  ${r.severity.padEnd(8)}  ${r.title}${notes.length ? ` (${notes.join(', ')})` : ''}\n`);
    }
    for (const id of off) io.stdout.write(`${id.padEnd(width)}  off       (turned off in ${config.file ?? 'config'})\n`);
    return 0;
  },
};
