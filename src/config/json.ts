/** JSON files the user gives us (config, baseline): errors name the file, never echo its text. */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';

/**
 * V8's messages quote a piece of the text (`Unexpected token 'p', "pat-na1-eb"... is not valid
 * JSON`), which could be part of a secret in a file passed by mistake: keep the reason and the
 * position, drop the quote.
 */
export function jsonReason(err: unknown, text?: string): string {
  const msg = err instanceof Error ? err.message : String(err);
  // The quoted piece may start or end with `...` and hold quotes and newlines itself.
  const reason = msg
    .replace(/,\s*(?:\.\.\.)?"[\s\S]*"(?:\.\.\.)?\s+is not valid JSON$/, '')
    .replace(/^(?:\.\.\.)?"[\s\S]*"(?:\.\.\.)?\s+is not valid JSON$/, 'not valid JSON');
  // A position is hard to find in a long file: say the line and column too (newer V8 does itself).
  if (text === undefined || /\(line \d+ column \d+\)/.test(reason)) return reason;
  return reason.replace(/at position (\d+)$/, (_, n: string) => {
    const before = text.slice(0, Number(n));
    const line = before.split(/\r\n|\r|\n/).length;
    const column = before.length - Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r'));
    return `at line ${line}, column ${column} (position ${n})`;
  });
}

/**
 * The JSON document in a file the user gives us (a UTF-8 BOM allowed); text that does not parse is a
 * ConfigError `${shown}: ${what}: <reason at line, column>`, never an echo of the text.
 */
export function parseUserJson(text: string, shown: string, what: string): unknown {
  const body = text.replace(/^\uFEFF/, '');
  try {
    return JSON.parse(body);
  } catch (err) {
    throw new ConfigError(`${shown}: ${what}: ${jsonReason(err, body)}`);
  }
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
