/**
 * `scan --staged`: what the next commit adds, read from the index (so `git add -p` is honoured),
 * never from the working tree. Only the changed paths are listed (no tree walk), and only their
 * added lines are reported. With no HEAD yet, the index is compared with the empty tree; while a
 * merge is being concluded, a line counts only when it is new against HEAD and every MERGE_HEAD.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SourceEvent } from '../types.js';
import { GitError } from '../../errors.js';
import { blobEvent } from './blob.js';
import { addedFiles, intersectParents } from './diff.js';
import { CatFile, openRepo, type RepoInfo } from './repo.js';

export interface StagedSourceOptions {
  /** Any directory inside the repository. Paths are reported relative to the repository root. */
  cwd: string;
  maxFileSize?: number;
  /** The repository, when the caller has opened it already. */
  repo?: RepoInfo;
}

async function mergeHeads(repo: RepoInfo): Promise<string[]> {
  const text = await readFile(path.join(repo.gitDir, 'MERGE_HEAD'), 'utf8').catch(() => '');
  return text.split('\n').map((l) => l.trim()).filter(Boolean);
}

/** Staged changes as source events: one item per added or modified blob, with `lines` = added lines. */
export async function* stagedSource(opts: StagedSourceOptions): AsyncGenerator<SourceEvent> {
  const repo = opts.repo ?? (await openRepo(opts.cwd));
  // A bare repository has no work tree and no staging area: "nothing staged" would be a pass that
  // checked nothing (a hook or a script run in the wrong folder).
  if (repo.root === undefined) throw new GitError(`${repo.cwd} is a bare repository: it has no staged changes to scan (run this in a work tree)`);
  const parents = repo.head ? [repo.head, ...(await mergeHeads(repo))] : [repo.emptyTree];
  const perParent = await Promise.all(parents.map((base) => addedFiles(repo.cwd, { kind: 'index', base })));
  const files = intersectParents(perParent);
  if (!files.length) return;
  const cat = new CatFile(repo.cwd);
  try {
    for (const { file, lines } of files) {
      yield await blobEvent(cat, { path: file.path, oid: file.newOid, mode: file.newMode }, { lines, maxFileSize: opts.maxFileSize });
    }
  } finally {
    cat.close();
  }
}
