/** Run the CLI in-process through main(), or as the real bundled bin. */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const BIN = path.join(ROOT, 'dist/cli.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  stdin?: string | Buffer;
  env?: Record<string, string | undefined>;
  tty?: boolean;
}

export async function runMain(argv: string[], opts: RunOptions): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const stdin = Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]) as Io['stdin'];
  const io: Io = {
    stdout: { write: (s: string) => (stdout += s), isTTY: opts.tty ?? false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    stdin,
    env: { ...opts.env },
    cwd: opts.cwd,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** The real bin, as a user or a hook runs it. */
export function runBin(argv: string[], opts: RunOptions): RunResult {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ PATH: process.env['PATH'], HOME: process.env['HOME'], ...opts.env })) {
    if (v !== undefined) env[k] = v;
  }
  const r = spawnSync(process.execPath, [BIN, ...argv], {
    cwd: opts.cwd,
    input: opts.stdin,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The real bin, without blocking this process: needed when the test itself serves HTTP to the bin
 * (a local fake API), which spawnSync would starve.
 */
export function runBinAsync(argv: string[], opts: RunOptions): Promise<RunResult> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ PATH: process.env['PATH'], HOME: process.env['HOME'], ...opts.env })) {
    if (v !== undefined) env[k] = v;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], { cwd: opts.cwd, env, stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
}
