/** Path globs from a config (ignore, allow.path): picomatch, relative to a base folder, `/` separators. */
import path from 'node:path';
import picomatch from 'picomatch';
import { relativeTo } from '../paths.js';

/** `fixtures\**\*.json` → `fixtures/**\/*.json`; a leading `./` is dropped. Backslashes are never escapes. */
export function normaliseGlob(glob: string): string {
  let g = glob.replace(/\\/g, '/');
  while (g.startsWith('./')) g = g.slice(2);
  if (g.length > 1 && g.endsWith('/')) g = g.slice(0, -1);
  return g;
}

/**
 * As in .gitignore: a glob without a `/` (`node_modules`, `*.min.js`) matches at any depth, one with
 * a `/` (`src/gen`) from the base folder, and a leading `/` anchors one there (`/*.env`).
 */
function anchored(glob: string): string {
  const g = normaliseGlob(glob);
  if (g.startsWith('/')) return g.slice(1);
  return g.includes('/') ? g : `**/${g}`;
}

/**
 * A predicate over paths relative to the base folder (`/` separators). A path matches when it, or
 * any folder above it, matches one of the globs: `node_modules` and `node_modules/**` both cover
 * everything inside the folder.
 */
export function globMatcher(globs: readonly string[]): (rel: string) => boolean {
  if (globs.length === 0) return () => false;
  const isMatch = picomatch(globs.map(anchored), { dot: true });
  return (rel) => {
    const p = rel.replace(/\\/g, '/');
    if (isMatch(p)) return true;
    for (let i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) {
      if (isMatch(p.slice(0, i))) return true;
    }
    return false;
  };
}

/**
 * Re-root a predicate written for paths relative to `baseDir` so that it takes paths relative to
 * `reportDir` (how sources report them). Paths outside `baseDir` never match.
 */
export function rebase(match: (rel: string) => boolean, baseDir: string, reportDir: string): (rel: string) => boolean {
  if (path.resolve(baseDir) === path.resolve(reportDir)) return match;
  return (rel) => {
    const r = relativeTo(baseDir, path.resolve(reportDir, rel));
    return r !== null && match(r);
  };
}

