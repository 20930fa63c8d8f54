/** JSON files the user gives us (config, baseline): errors name the file, never echo its text. */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';

/**
 * V8's messages quote a piece of the text (`Unexpected token 'p', "pat-na1-eb"... is not valid
 * JSON`), which could be part of a secret in a file passed by mistake: keep the reason and the
 * position, drop the quote.
 */
export function jsonReason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/,\s*"[\s\S]*?"(?:\.\.\.)?\s+is not valid JSON$/, '').replace(/^"[\s\S]*?"(?:\.\.\.)?\s+is not valid JSON$/, 'not valid JSON');
}

/** A file the user named or we found (config, baseline): unreadable is a ConfigError naming it. */
export async function readUserFile(file: string, shown: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`${shown}: cannot read ${what}: ${code === 'ENOENT' ? 'no such file' : (code ?? (err as Error).message)}`);
  }
}
