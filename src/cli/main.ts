/**
 * The CLI: argv in, exit code out. Never calls process.exit; only src/bin.ts touches the process.
 */
import yargs, { type Argv } from 'yargs';
import { maskCredentials } from '../core/redact.js';
import { ExitCode, isUserError, UsageError } from '../errors.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { auditCommand } from './commands/audit.js';
import { baselineCommand } from './commands/baseline.js';
import { hookCommand } from './commands/hook.js';
import { rulesCommand } from './commands/rules.js';
import { scanCommand } from './commands/scan.js';
import { verifyCommand } from './commands/verify.js';
import { DASH, type Io } from './io.js';
import { parseSize } from './report-options.js';
import { threadsArg } from './threads-option.js';
import { checkApiNumber } from './verify-options.js';

// For the executable (src/bin.ts), which loads everything through this one module.
export { processIo } from './io.js';
export { ExitCode } from '../errors.js';

/** A subcommand: yargs builder plus a run function returning the exit code. */
export interface Command<A = any> {
  command: string | string[];
  describe: string;
  builder: (y: Argv) => Argv<any>;
  run(args: A, io: Io): Promise<number>;
}

export const COMMANDS: Command[] = [scanCommand, auditCommand, hookCommand, baselineCommand, verifyCommand, rulesCommand];

const EPILOGUE = `Exit codes: ${ExitCode.Clean} no findings, ${ExitCode.Findings} findings, ${ExitCode.Error} usage/config/git/internal error, ${ExitCode.Interrupted} interrupted.
Secrets are never printed in full unless you pass --show-secrets.`;

/** The first word of each command (`scan`, `hook` …). */
const COMMAND_NAMES = new Set(COMMANDS.flatMap((c) => (Array.isArray(c.command) ? c.command : [c.command]).map((s) => s.split(' ')[0]!)));

/**
 * Options written before the command (`hubspot-secrets -q scan .`) are read as the command's own:
 * the command goes first. Only when the first word is an option and a command name comes later
 * (not after `--`); the command then checks every option as usual.
 */
export function commandFirst(argv: readonly string[]): string[] {
  if (!argv[0]?.startsWith('-') || argv[0] === '--') return [...argv];
  const end = argv.indexOf('--');
  const k = argv.findIndex((a, i) => COMMAND_NAMES.has(a) && (end === -1 || i < end));
  return k <= 0 ? [...argv] : [argv[k]!, ...argv.slice(0, k), ...argv.slice(k + 1)];
}

/** The arguments that are lists: the positional ones (`paths..`, `args..`), and yargs' own `_` and `--`. */
const ARRAY_ARGS = new Set(['_', '--', 'paths', 'args']);

/**
 * Options whose values code of this tool checks (those with choices, yargs does): given twice, each
 * value is checked, not only the last one that counts. Each throws a UsageError naming the flag.
 */
const CHECKED: Record<string, (value: unknown) => unknown> = {
  'max-file-size': parseSize,
  threads: (value) => threadsArg({ threads: String(value) }),
  'verify-concurrency': (value) => checkApiNumber('verify-concurrency', value),
  'verify-timeout': (value) => checkApiNumber('verify-timeout', value),
};

/**
 * yargs' "Unknown arguments: show-secretz, showSecretz" as typed: each option once (not also in
 * camel case), with its dashes (`-f`, `--show-secretz`, `--no-baseline`); a stray word stays bare.
 */
export function unknownArgs(msg: string, argv: readonly string[]): string {
  const m = /^Unknown arguments?: (.*)$/s.exec(msg);
  if (!m) return msg;
  const names = m[1]!.split(', ');
  const kebab = (n: string): string => n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  // A word typed as such is the stray one (a known option of the same name may be typed too); the
  // command (first: see commandFirst) is not one.
  const words = new Set(argv.slice(1).filter((a) => !a.startsWith('-')));
  const label = (n: string): string => {
    if (words.has(n)) return n;
    const typed = (t: string): boolean => t === n || t.startsWith(`${n}=`);
    if (argv.some((a) => a.startsWith('--') && typed(a.slice(2)))) return `--${n}`;
    if (argv.some((a) => a.startsWith('--no-') && typed(a.slice(5)))) return `--no-${n}`;
    if (n.length === 1 && argv.some((a) => /^-[^-]/.test(a) && a.slice(1).split('=')[0]!.includes(n))) return `-${n}`;
    return n;
  };
  return unknownMessage([...new Set(names.filter((n) => n === kebab(n) || !names.includes(kebab(n))).map(label))]);
}

const unknownMessage = (shown: readonly string[]): string => `Unknown argument${shown.length === 1 ? '' : 's'}: ${shown.join(', ')}`;

/** What yargs 17 keeps of the options it knows (not in its type declarations): choices, names, aliases. */
interface ParserOptions {
  choices: Record<string, readonly unknown[] | undefined>;
  key: Record<string, unknown>;
  alias: Record<string, string[]>;
  boolean: string[];
}

/**
 * A flag given a value other than true / false (`--strict=yes`, `--verify=1`): yargs takes it for
 * false, so `--strict=yes` turned strict mode off (found by a trial). Named, without the value.
 */
function checkBooleanValues(argv: readonly string[], o: ParserOptions): void {
  const end = argv.indexOf('--');
  const flags = new Set(o.boolean.flatMap((b) => [b, ...(o.alias[b] ?? [])]));
  for (const a of end === -1 ? argv : argv.slice(0, end)) {
    const m = /^--(no-)?([^=]+)=(.*)$/s.exec(a);
    if (m && flags.has(m[2]!) && m[3] !== 'true' && m[3] !== 'false') {
      throw new UsageError(`--${m[1] ?? ''}${m[2]} is a flag: give it alone (or =true / =false), not another value`);
    }
  }
}

/** What each command's demanded positional argument is, for yargs' "Not enough non-option arguments". */
const MISSING: Readonly<Record<string, string>> = {
  hook: 'hook: name an action: install, uninstall or run (see hubspot-secrets hook --help)',
  verify: 'verify: name the token, or - to read it from standard input',
};

/**
 * yargs' "Not enough non-option arguments: got 0, need at least 1" said of what is missing, or of
 * the unknown option that took the missing argument as its value (`verify --show-secrets x`).
 * `known`: the command's options and their aliases.
 */
function missingArgs(msg: string, argv: readonly string[], known: ReadonlySet<string>): string {
  if (!msg.startsWith('Not enough non-option arguments') || argv[0] === undefined) return msg;
  const end = argv.indexOf('--');
  const unknown = (end === -1 ? argv : argv.slice(0, end)).filter((a) => {
    const m = /^--(?:no-)?([^=]+)|^-([^-])/.exec(a);
    return m !== null && !known.has(m[1] ?? m[2]!);
  });
  if (unknown.length) return unknownMessage(unknown.map((a) => a.split('=')[0]!));
  return MISSING[argv[0]] ?? msg;
}

export async function main(argvIn: readonly string[], io: Io): Promise<number> {
  const argv = commandFirst(argvIn);
  let pending: Promise<number> | undefined;
  let helpText = '';
  const options = (): ParserOptions => (parser as unknown as { getOptions(): ParserOptions }).getOptions();
  const parser = yargs()
    .scriptName(TOOL_NAME)
    .usage(`$0 <command> [options]\n\nKeeps HubSpot credentials out of git.`)
    .example('$0 scan', 'scan the current folder')
    .example('$0 scan --staged', 'what the next commit adds (the pre-commit hook runs this)')
    .example('$0 scan --commits origin/main..HEAD', 'what these commits introduce, messages included')
    .example('$0 audit', 'the whole history of every branch and tag')
    .example('$0 hook install', 'install the pre-commit hook')
    .exitProcess(false)
    // An option given twice: the last one counts (as in git), never an array no code expects. Only
    // the positional lists (paths, a hook's arguments) are arrays. (yargs' duplicate-arguments-array
    // setting would also cut `scan a b` to its last path.) An earlier value is still checked: one
    // outside an option's choices is left for yargs to name (`--fail-on bogus --fail-on any`), and
    // CHECKED ones are checked here.
    .middleware((args) => {
      checkBooleanValues(argv, options());
      const { choices } = options();
      for (const [k, v] of Object.entries(args)) {
        if (!Array.isArray(v) || ARRAY_ARGS.has(k)) continue;
        if (choices[k]?.length && !v.every((x) => choices[k]!.includes(x))) continue;
        for (const x of v.slice(0, -1)) CHECKED[k]?.(x);
        args[k] = v[v.length - 1];
      }
    }, true)
    .strict()
    .version(TOOL_VERSION)
    .help()
    .alias('h', 'help')
    // No hard wrapping: yargs 17's ESM build wraps by cutting words; the terminal wraps instead.
    .wrap(null)
    .epilogue(EPILOGUE)
    .demandCommand(1, 'Name a command (scan, rules …); see --help.')
    .recommendCommands()
    .fail((msg, err) => {
      if (err) throw err;
      const o = options();
      const known = new Set([...Object.keys(o.key), ...Object.values(o.alias).flat()]);
      throw new UsageError(missingArgs(unknownArgs(msg, argv), argv, known));
    });
  skipHelpCache(parser);
  for (const cmd of COMMANDS) {
    parser.command(cmd.command, cmd.describe, cmd.builder, (args) => {
      pending = cmd.run(args, io);
    });
  }
  try {
    await parser.parseAsync(argv.map((a) => (a === '-' ? DASH : a)), {}, (_err, _args, output) => {
      if (output) helpText += output;
    });
    if (helpText) io.stdout.write(helpText.endsWith('\n') ? helpText : `${helpText}\n`);
    if (!pending) return ExitCode.Clean;
    return await pending;
  } catch (err) {
    // An error after Ctrl-C (git stopped by the same signal): the run was interrupted, not broken.
    if (io.signal?.aborted) {
      io.stderr.write(`${TOOL_NAME}: interrupted (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); nothing may be concluded from this run.\n`);
      return ExitCode.Interrupted;
    }
    return reportError(err, io);
  }
}

export function reportError(err: unknown, io: Io): number {
  if (isUserError(err)) {
    // A message may quote what was typed: a token in the wrong place of the command line is masked.
    io.stderr.write(`${TOOL_NAME}: ${maskCredentials(err.message)}\n`);
    if (err instanceof UsageError) io.stderr.write(`Run '${TOOL_NAME} --help' for usage.\n`);
    return err.exitCode;
  }
  if (err instanceof Error && err.name === 'YError') {
    io.stderr.write(`${TOOL_NAME}: ${maskCredentials(err.message)}\nRun '${TOOL_NAME} --help' for usage.\n`);
    return ExitCode.Error;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  io.stderr.write(`${TOOL_NAME}: internal error: ${maskCredentials(e.stack ?? e.message)}\nNothing may be concluded from this run. Please report it.\n`);
  return ExitCode.Error;
}

/**
 * After running a command handler, yargs renders the whole help text and caches it, for a later
 * showHelp() call that this CLI never makes. On every commit (the hook) that costs ~30 ms of string
 * width measuring; help shown for --help and for usage errors is rendered when asked, as before.
 */
function skipHelpCache(parser: Argv): void {
  const internal = (parser as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } })
    .getInternalMethods?.()
    .getUsageInstance?.();
  if (internal && typeof internal.cacheHelpMessage === 'function') internal.cacheHelpMessage = () => {};
}
