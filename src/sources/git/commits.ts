/**
 * `scan --commits <range>` and the pre-push hook: what a list of commits introduces (added lines of
 * every blob each commit changes, against each parent) and what their messages say. Every item
 * carries the commit's sha, author, email and date.
 *
 * Fail closed: an unknown revision, or a range whose walk reaches a shallow clone's boundary (so
 * commits may be missing), is a GitError that says how to fetch the history — never a silent pass.
 */
import type { CommitInfo } from '../../core/types.js';
import { GitError, UsageError } from '../../errors.js';
import type { SourceEvent } from '../types.js';
import { blobEvent } from './blob.js';
import { commitDiffs, intersectParents, type CommitDiff } from './diff.js';
import { CatFile, firstLine, gitRun, openRepo, shallowCommits, splitNul, treeBlobs, UNSHALLOW_HINT, type RepoInfo } from './repo.js';

/** Path reported for findings in a commit message (the text report shows `commit <sha> (message)`). */
export { COMMIT_MESSAGE_PATH } from './commit-object.js';
import { COMMIT_MESSAGE_PATH, parseTagObject, tagMessageItem } from './commit-object.js';

export interface CommitMeta extends CommitInfo {
  parents: string[];
  /** Full commit message. */
  body: string;
}

const ZERO = /^0+$/;

/**
 * Check a revision exists and names a commit; returns its full sha. An unknown one is a GitError
 * (with a fetch hint in a shallow clone, where it may just not have been fetched).
 */
export async function verifyCommit(repo: RepoInfo, rev: string, what = rev): Promise<string> {
  if (rev.startsWith('-')) throw new UsageError(`${what}: a revision cannot start with '-'`);
  const r = await gitRun(repo.cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], { okCodes: [0, 1, 128] });
  if (r.code !== 0) {
    // An object that is there but no commit (a tree, a blob): say what it is, not "fetch it".
    const type = await gitRun(repo.cwd, ['cat-file', '-t', rev], { okCodes: [0, 1, 128] });
    const kind = type.code === 0 ? type.stdout.toString('utf8').trim() : '';
    if (kind === 'tree' || kind === 'blob') throw new UsageError(`${what}: '${rev}' is a ${kind}, not a commit: name a commit, branch or tag`);
    throw new GitError(
      `unknown revision '${rev}' (${what}): no such commit, branch or tag in ${repo.cwd}` +
        (repo.shallow ? `; this is a shallow clone, so it may not have been fetched: ${UNSHALLOW_HINT}` : '; fetch it first if it lives on a remote'),
    );
  }
  return r.stdout.toString('utf8').trim();
}

/** Throw when any of `commits` sits on the shallow boundary (its parents were not fetched). */
export async function assertHistoryAvailable(repo: RepoInfo, commits: readonly string[], what: string): Promise<void> {
  if (!repo.shallow) return;
  const boundary = await shallowCommits(repo);
  const hit = commits.find((c) => boundary.has(c));
  if (hit) {
    throw new GitError(`${what} reaches past the shallow clone's boundary at ${hit.slice(0, 12)}, so commits may be missing: ${UNSHALLOW_HINT}`);
  }
}

async function revList(repo: RepoInfo, args: readonly string[]): Promise<string[]> {
  const out = await gitRun(repo.cwd, ['rev-list', '--reverse', '--topo-order', ...args]);
  return out.stdout.toString('utf8').split('\n').filter(Boolean);
}

/**
 * The commits a range names, oldest first: `A..B` (B's commits not in A), `A...B` (either side, not
 * both), or a single revision (that one commit). Endpoints are verified first; a walk that reaches
 * a shallow boundary throws (see assertHistoryAvailable).
 */
export async function listRangeCommits(opts: { cwd: string; range: string }, repo?: RepoInfo): Promise<string[]> {
  const r = repo ?? (await openRepo(opts.cwd));
  const range = opts.range.trim();
  const what = `--commits ${range}`;
  if (!range) throw new UsageError('--commits needs a range: A..B, A...B or a single commit');
  // git's own shorthands for a commit's parents are not ranges this takes: say so, not "unknown revision".
  const suffix = /\^[!@]$|\^-\d*$/.exec(range);
  if (suffix) throw new UsageError(`${what}: git's ${suffix[0].slice(0, 2)} form is not taken; name the range as A..B (e.g. ${range.slice(0, suffix.index)}^..${range.slice(0, suffix.index)} for that commit's own changes), A...B or a single commit`);
  const m = /^(.*?)(\.\.\.?)(.*)$/.exec(range);
  // git reads an empty start as HEAD, so `$BASE..$HEAD` with both unset (`..`) is an empty range that
  // passed in silence (found by a trial). An empty end stays git's `A..` (A..HEAD).
  if (m && !m[1]) {
    throw new UsageError(`${what}: the range has no start (an unset variable?); name both ends, as in origin/main${m[2]}${m[3] || 'HEAD'}`);
  }
  // `^A` alone excludes commits and includes none.
  if (!m && range.startsWith('^')) throw new UsageError(`${what}: names no commit to scan (^ only excludes); name the range as A..B, A...B or a single commit`);
  if (!m) {
    const sha = await verifyCommit(r, range, what);
    await assertHistoryAvailable(r, [sha], what);
    return [sha];
  }
  const left = await verifyCommit(r, m[1], what);
  const right = await verifyCommit(r, m[3] || 'HEAD', what);
  const commits = await revList(r, ['--end-of-options', `${left}${m[2]}${right}`]);
  await assertHistoryAvailable(r, commits, what);
  return commits;
}

/** One line a pre-push hook reads on standard input. */
export interface PushUpdate {
  localRef: string;
  localSha: string;
  remoteRef: string;
  remoteSha: string;
}

export function parsePushLines(text: string): PushUpdate[] {
  const out: PushUpdate[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    const [localRef, localSha, remoteRef, remoteSha] = t.split(/\s+/);
    if (!localRef || !localSha || !remoteRef || !remoteSha || !/^[0-9a-f]+$/.test(localSha) || !/^[0-9a-f]+$/.test(remoteSha)) {
      throw new UsageError(`pre-push: unexpected input line ${JSON.stringify(t.slice(0, 200))} (want: <local ref> <local sha> <remote ref> <remote sha>)`);
    }
    out.push({ localRef, localSha, remoteRef, remoteSha });
  }
  return out;
}

/**
 * The remote-tracking branches that stand for what the remote a push goes to has: `--remotes=<name>`
 * for a configured remote (named, or given by one of its URLs), none for a URL no remote has (the
 * push may send every commit), and every remote's when the remote is not known at all (a hook run
 * by hand). Another remote's branches never count: a commit already on `origin` is not on `public`.
 */
async function pushedRemoteRefs(repo: RepoInfo, remote: string | undefined): Promise<string[]> {
  if (remote === undefined || remote === '') return ['--remotes'];
  const cfg = await gitRun(repo.cwd, ['config', '--get-regexp', '^remote\\..*\\.(push)?url$'], { okCodes: [0, 1] });
  const names = new Set<string>();
  let byUrl: string | undefined;
  for (const line of cfg.stdout.toString('utf8').split('\n')) {
    const m = /^remote\.(.+)\.(?:push)?url (.*)$/.exec(line);
    if (!m) continue;
    names.add(m[1]!);
    if (m[2] === remote) byUrl ??= m[1]!;
  }
  const name = names.has(remote) ? remote : byUrl;
  // A name that is a plain word: `--remotes=` takes a glob, and `refs/remotes/<name>/*` is meant.
  return name !== undefined && /^[\w.-]+$/.test(name) ? [`--remotes=${name}`] : [];
}

/**
 * The commits a push sends, oldest first, from the pre-push hook's stdin lines. A deletion sends
 * nothing; an update sends `<remote sha>..<local sha>`; a new branch (remote sha all zeros), or an
 * update whose remote sha this clone does not have, sends the commits the remote pushed to has no
 * remote-tracking branch for (pushedRemoteRefs: `remote` is the hook's first argument).
 */
export async function resolvePushRange(opts: { cwd: string; stdin: string; repo?: RepoInfo; remote?: string }): Promise<string[]> {
  const repo = opts.repo ?? (await openRepo(opts.cwd));
  const seen = new Set<string>();
  const out: string[] = [];
  let theirs: string[] | undefined;
  for (const u of parsePushLines(opts.stdin)) {
    if (ZERO.test(u.localSha)) continue;
    let args: string[];
    const known = !ZERO.test(u.remoteSha) && (await gitRun(repo.cwd, ['cat-file', '-e', `${u.remoteSha}^{commit}`], { okCodes: [0, 1, 128] })).code === 0;
    // Both shas are validated hex (parsePushLines), so no option injection is possible.
    if (known) args = [`${u.remoteSha}..${u.localSha}`];
    else {
      theirs ??= await pushedRemoteRefs(repo, opts.remote);
      args = theirs.length ? [u.localSha, '--not', ...theirs] : [u.localSha];
    }
    const commits = await revList(repo, args);
    await assertHistoryAvailable(repo, commits, `pushing ${u.localRef}`);
    for (const c of commits) {
      if (!seen.has(c)) {
        seen.add(c);
        out.push(c);
      }
    }
  }
  return out;
}

/**
 * What a push sends besides commits (resolvePushRange): each annotated tag object of a pushed ref,
 * down a chain of tags (their messages), and a blob or tree a tag points at instead of a commit
 * (its content). Read, never changed; a missing or corrupt object is a GitError.
 */
export async function* pushedTagsSource(opts: { cwd: string; updates: readonly PushUpdate[]; maxFileSize?: number }): AsyncGenerator<SourceEvent> {
  const updates = opts.updates.filter((u) => !ZERO.test(u.localSha) && u.localSha !== u.remoteSha);
  if (!updates.length) return;
  const cat = new CatFile(opts.cwd);
  const seen = new Set<string>();
  const limit = opts.maxFileSize !== undefined ? { maxFileSize: opts.maxFileSize } : {};
  try {
    for (const u of updates) {
      const ref = u.localRef.replace(/^refs\/tags\//, '');
      let oid = u.localSha;
      let o = await cat.must(oid, u.localRef);
      let name: string | undefined = ref;
      while (o.type === 'tag' && !seen.has(oid)) {
        seen.add(oid);
        const t = parseTagObject(oid, o.content!); // kept: only blobs are read past
        yield tagMessageItem(t, name);
        name = undefined; // an inner tag is known by the name it holds
        oid = t.target;
        o = await cat.must(oid, `the object tag ${t.tag} points at`);
      }
      if (seen.has(oid) || o.type === 'tag' || o.type === 'commit') continue; // commits: resolvePushRange
      seen.add(oid);
      if (o.type === 'blob') {
        yield await blobEvent(cat, { path: `<blob ${oid.slice(0, 12)} of ${u.localRef}>`, oid, mode: '100644' }, limit);
      } else if (o.type === 'tree') {
        for (const b of await treeBlobs(opts.cwd, oid)) {
          if (seen.has(b.oid)) continue;
          seen.add(b.oid);
          yield await blobEvent(cat, { ...b, path: `${b.path} (in tree ${oid.slice(0, 12)} of ${u.localRef})` }, limit);
        }
      }
    }
  } finally {
    cat.close();
  }
}

/** Metadata of commits, in the order given. */
export async function commitMeta(repo: RepoInfo, shas: readonly string[]): Promise<CommitMeta[]> {
  if (!shas.length) return [];
  const r = await gitRun(repo.cwd, ['log', '--no-walk=unsorted', '--stdin', '-z', '--format=%H%x00%P%x00%an%x00%ae%x00%aI%x00%B'], {
    input: `${shas.join('\n')}\n`,
  });
  const f = splitNul(r.stdout).map((b) => b.toString('utf8'));
  const out: CommitMeta[] = [];
  for (let i = 0; i + 5 < f.length; i += 6) {
    out.push({
      sha: f[i]!.replace(/^\n/, ''),
      parents: f[i + 1]!.split(' ').filter(Boolean),
      author: f[i + 2]!,
      email: f[i + 3]!,
      date: f[i + 4]!,
      body: f[i + 5]!,
    });
  }
  return out;
}

export function commitInfo(c: CommitMeta): CommitInfo {
  return { sha: c.sha, author: c.author, email: c.email, date: c.date };
}

export interface CommitsSourceOptions {
  /** Any directory inside the repository. */
  cwd: string;
  /** `A..B`, `A...B`, or one revision. */
  range?: string;
  /** Explicit commits instead of a range (e.g. from resolvePushRange). */
  commits?: readonly string[];
  maxFileSize?: number;
  /** Called once the commit list is known (progress). */
  onCommits?: (count: number) => void;
  /** The repository, when the caller has opened it already. */
  repo?: RepoInfo;
}

/**
 * What each commit introduces: one item per blob a commit adds lines to (only those lines are
 * reported), plus one item per commit message (`commit.message = true`). A merge reports only lines
 * new against all its parents. Paths are relative to the repository root.
 */
export async function* commitsSource(opts: CommitsSourceOptions): AsyncGenerator<SourceEvent> {
  const repo = opts.repo ?? (await openRepo(opts.cwd));
  let shas: readonly string[];
  if (opts.commits) {
    shas = opts.commits;
    await assertHistoryAvailable(repo, shas, 'the commits to scan');
  } else if (opts.range !== undefined) {
    shas = await listRangeCommits({ cwd: repo.cwd, range: opts.range }, repo);
  } else {
    throw new UsageError('commitsSource needs a range or a list of commits');
  }
  // A commit listed twice is scanned once.
  shas = [...new Set(shas)];
  opts.onCommits?.(shas.length);
  if (!shas.length) return;
  const cat = new CatFile(repo.cwd);
  // Every commit's diffs from one git process, read ahead while blobs are read and scanned.
  const { diffs, stderr } = commitDiffs(repo.cwd, shas, repo.hashLength);
  let pending: CommitDiff[] = [];
  /** The next diffs of commit `sha` (at most `most`: the same commit cannot follow itself). */
  const diffsOf = async (sha: string, most: number): Promise<CommitDiff[]> => {
    const out: CommitDiff[] = [];
    while (out.length < most) {
      if (!pending.length) {
        const r = await diffs.next();
        if (r.done) break;
        pending = r.value;
      }
      if (pending[0]!.sha !== sha) break;
      out.push(pending.shift()!);
    }
    return out;
  };
  try {
    for (let i = 0; i < shas.length; i += 256) {
      const metas = await commitMeta(repo, shas.slice(i, i + 256));
      for (const c of metas) {
        const info = commitInfo(c);
        if (c.body.trim()) {
          yield { kind: 'item', path: COMMIT_MESSAGE_PATH, content: c.body, commit: { ...info, message: true } };
        }
        // One diff per parent (a root commit: one, against the empty tree); a diff that adds
        // nothing is left out, and a merge then adds nothing new against every parent. None at
        // all: git could not read the commit (it goes on after saying so).
        const parents = Math.max(1, c.parents.length);
        const mine = await diffsOf(c.sha, parents);
        if (mine.length === 0) {
          // git's line about this commit, not an earlier warning (e.g. of the rename limit).
          const said = stderr().split('\n').find((l) => l.includes(c.sha)) ?? firstLine(stderr());
          throw new GitError(`git diff-tree gave no diff of commit ${c.sha.slice(0, 12)} in ${repo.cwd}: ${said.replace(/^(error|fatal):\s*/, '') || 'no message'}`);
        }
        const files = mine.length < parents ? [] : intersectParents(mine.map((d) => d.files));
        for (const { file, lines } of files) {
          yield await blobEvent(cat, { path: file.path, oid: file.newOid, mode: file.newMode }, { lines, commit: info, maxFileSize: opts.maxFileSize });
        }
      }
    }
    // Every diff git gave belongs to a commit asked for, in order.
    const extra = pending.length ? pending[0] : (await diffs.next()).value?.[0];
    if (extra) throw new GitError(`git diff-tree gave a diff of ${extra.sha.slice(0, 12) || 'an unnamed commit'} out of order in ${repo.cwd}`);
  } finally {
    cat.close();
    await diffs.return(undefined);
  }
}
