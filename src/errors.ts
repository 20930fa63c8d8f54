/** Exit codes and typed errors. The numbers are a contract: they are in --help and the README. */

export enum ExitCode {
  /** Nothing found. */
  Clean = 0,
  /** At least one finding (subject to --fail-on). */
  Findings = 1,
  /** Usage, config, git or internal error: nothing may be concluded from the scan. */
  Error = 2,
  /** Interrupted (Ctrl-C): output is incomplete. */
  Interrupted = 130,
}

/** An error whose message is meant for the user as one line; no stack trace is printed. */
export class UserError extends Error {
  readonly exitCode: number = ExitCode.Error;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A wrong flag, argument or combination of them. */
export class UsageError extends UserError {}
/** A config file, rule file or baseline that is missing, unreadable or invalid. */
export class ConfigError extends UserError {}
/** git failed, the repository is unreadable, or history needed for the range is missing. */
export class GitError extends UserError {}
/** A path that cannot be scanned at all (missing root, --strict violations). */
export class InputError extends UserError {}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}
