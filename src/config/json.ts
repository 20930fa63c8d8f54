/** JSON files the user gives us (config, baseline): errors name the file, never echo its text. */
import { readFile, stat } from 'node:fs/promises';
import { ConfigError } from '../errors.js';

/**
 * V8's messages quote a piece of the text (`Unexpected token 'p', "pat-na1-eb"... is not valid
 * JSON`), which could be part of a secret in a file passed by mistake: keep the reason and the
 * position, drop the quote.
 */
export function jsonReason(err: unknown, text?: string): string {
  const msg = withPosition(err instanceof Error ? err.message : String(err), text);
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
 * V8 in Node 20 gives no position for an unexpected token, only the text around it: `…, ..."<10
 * characters before><the token><10 after>"... is not valid JSON` (the `...` say it was cut). Where
 * that piece places itself in the text (at its end, or found there once), the position is said
 * (`at position N`), as newer V8 does.
 */
function withPosition(msg: string, text: string | undefined): string {
  if (text === undefined || /at position \d+/.test(msg)) return msg;
  if (/^Unexpected end of JSON input$/.test(msg)) return `${msg} at position ${text.length}`;
  const m = /^([^"]*?), (\.\.\.)?"([\s\S]*)"(\.\.\.)? is not valid JSON$/.exec(msg);
  if (!m || (!m[2] && !m[4])) return msg;
  const piece = m[3]!;
  // Cut at the start only: the piece is the text's end. Cut at both ends: it must be found once.
  let start = 0;
  if (m[2] && !m[4]) start = text.length - piece.length;
  else if (m[2]) {
    start = text.indexOf(piece);
    if (start < 0 || text.indexOf(piece, start + 1) >= 0) return msg;
  }
  const at = m[2] ? start + 10 : piece.length - 10;
  return `${m[1]} at position ${at}, ${m[2] ?? ''}"${piece}"${m[4] ?? ''} is not valid JSON`;
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
  // A FIFO (or a device) would block the read until something writes to it, and a blocked read is
  // never given up: not even Ctrl-C or SIGTERM ended the run (found by a trial).
  const st = await stat(file).catch(() => null);
  if (st && !st.isFile() && !st.isDirectory()) throw new ConfigError(`${shown}: cannot read ${what}: not a regular file (a FIFO, socket or device)`);
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder, not a file' : code === 'EACCES' ? 'permission denied' : (code ?? (err as Error).message);
    throw new ConfigError(`${shown}: cannot read ${what}: ${why}`);
  }
}
