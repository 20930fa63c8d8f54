/** Path helpers with no dependency (the launcher, src/launch.ts, loads this before anything else). */
import path from 'node:path';

/** `abs` relative to `dir` with `/` separators, or null when it is outside `dir`. */
export function relativeTo(dir: string, abs: string): string | null {
  const r = path.relative(dir, abs);
  if (r === '..' || r.startsWith(`..${path.sep}`) || path.isAbsolute(r)) return null;
  return r.split(path.sep).join('/');
}
