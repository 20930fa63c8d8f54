/** What an entry point needs from the outside world; tests pass their own. */
export interface Out {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface Io {
  stdout: Out;
  stderr: Out;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Aborted on SIGINT by the bin. */
  signal?: AbortSignal;
}

/** Colour only on a TTY, never with NO_COLOR, always with FORCE_COLOR. */
export function useColor(io: Io, out: Out = io.stdout): boolean {
  if (io.env['NO_COLOR'] !== undefined && io.env['NO_COLOR'] !== '') return false;
  if (io.env['FORCE_COLOR'] !== undefined && io.env['FORCE_COLOR'] !== '0') return true;
  return out.isTTY === true && io.env['TERM'] !== 'dumb';
}

export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  };
}

/**
 * yargs drops a bare `-` argument; it means standard input (or stdout for --output), so main()
 * carries it through parsing as this token instead.
 */
export const DASH = '\u0000-';
