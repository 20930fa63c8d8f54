/**
 * The words after `--` on the command line: yargs leaves them in `_`, after the command's name, as
 * positional arguments however they look (`scan -- -rf.env`). Each command takes them as its own
 * positionals; one that takes none refuses them (`audit -- ../repo` audited the current folder and
 * `baseline -- docs` recorded every folder: found by a trial).
 */
export function afterDash(args: { _?: unknown[] }): string[] {
  return (args._ ?? []).slice(1).map(String);
}
