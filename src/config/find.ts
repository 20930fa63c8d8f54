/** Finding the config and baseline files: the scan root, then folders above it up to the repository root. */
import { lstat } from 'node:fs/promises';
import path from 'node:path';

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

/** Whether `dir` is a git directory itself (a bare repository): HEAD, objects/ and refs/ in it, as git checks. */
async function isGitDir(dir: string): Promise<boolean> {
  return (await exists(path.join(dir, 'HEAD'))) && (await exists(path.join(dir, 'objects'))) && (await exists(path.join(dir, 'refs')));
}

/**
 * The folders searched, nearest first: `root` and, when `root` is inside a git work tree, every
 * folder above it up to the work tree's top (the folder holding `.git`). Outside a repository,
 * only `root`: a stray file in a home folder must not configure every scan below it. A bare
 * repository is a repository's top too: one cloned into another's work tree (a mirror in a tools
 * checkout) does not take that work tree's config and baseline (found by a trial).
 */
export async function searchDirs(root: string): Promise<string[]> {
  const chain: string[] = [];
  for (let dir = path.resolve(root); ; ) {
    chain.push(dir);
    if ((await exists(path.join(dir, '.git'))) || (await isGitDir(dir))) return chain;
    const up = path.dirname(dir);
    if (up === dir) return [path.resolve(root)];
    dir = up;
  }
}

/** The top of the git work tree `root` is in (the folder holding `.git`), or null outside one. */
export async function workTreeTop(root: string): Promise<string | null> {
  const top = (await searchDirs(root)).at(-1)!;
  return (await exists(path.join(top, '.git'))) ? top : null;
}

/** The nearest `name` in searchDirs(root), or null. Anything by that name counts (reading it may then fail loudly). */
export async function findUp(root: string, name: string): Promise<string | null> {
  for (const dir of await searchDirs(root)) {
    const p = path.join(dir, name);
    if (await exists(p)) return p;
  }
  return null;
}
