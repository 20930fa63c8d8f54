import type { Argv } from 'yargs';
import { builtinRuleSet } from '../../rules/index.js';
import type { Io } from '../io.js';

export const rulesCommand = {
  command: 'rules',
  describe: 'List the detection rules',
  builder: (y: Argv) => y.option('json', { type: 'boolean', default: false, describe: 'Print the rules as JSON' }),
  async run(args: { json: boolean }, io: Io): Promise<number> {
    const rules = builtinRuleSet().rules;
    if (args.json) {
      io.stdout.write(`${JSON.stringify(rules.map((r) => r.spec), null, 2)}\n`);
      return 0;
    }
    const width = Math.max(...rules.map((r) => r.id.length));
    for (const r of rules) {
      io.stdout.write(`${r.id.padEnd(width)}  ${r.spec.severity.padEnd(8)}  ${r.spec.title}${r.spec.verifier ? '' : ' (not verifiable)'}\n`);
    }
    return 0;
  },
};
