/** JSON files the user gives us (config, baseline): parse errors name the file, never echo its text. */

/**
 * V8's messages quote a piece of the text (`Unexpected token 'p', "pat-na1-eb"... is not valid
 * JSON`), which could be part of a secret in a file passed by mistake: keep the reason and the
 * position, drop the quote.
 */
export function jsonReason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/,\s*"[\s\S]*?"(?:\.\.\.)?\s+is not valid JSON$/, '').replace(/^"[\s\S]*?"(?:\.\.\.)?\s+is not valid JSON$/, 'not valid JSON');
}
