/**
 * `audit`: the whole history of every branch and tag. Every unique blob is read exactly once through
 * `git cat-file --batch` (never `git log -p`), and every commit message is scanned too. Only blobs
 * that turn out to hold a finding are mapped back (one `git log --raw` pass) to the commit and path
 * that first introduced them, and each finding says whether the secret is still in HEAD.
 *
 * Objects reachable only from reflogs, or dangling, are left out unless `includeUnreachable`.
 */
import type { CommitInfo } from '../../core/types.js';
import { fingerprint } from '../../core/redact.js';
import { copyFinding, ignoreAfter, rawSecret, suppressAfter, type ScannedFinding, type ScanResult, type SuppressionSource } from '../../scan.js';
import type { SourceBatch, SourceEvent, SourceOutput } from '../types.js';
import { blobSkip } from './blob.js';
import { rawMeta } from './diff.js';
import { COMMIT_MESSAGE_PATH, parseCommitObject, parseTagObject, tagMessageItem } from './commit-object.js';
import { GitError } from '../../errors.js';
import { BIG_BLOB, blobStream, catStream, decodePath, fieldSplitter, gitRun, gitStarted, openRepo, treeBlobs, UNSHALLOW_HINT, type RepoInfo, type StartedGit, type StreamedObject } from './repo.js';

export interface HistorySourceOptions {
  /** Any directory inside the repository (or a bare repository). */
  cwd: string;
  /** Also scan objects reachable only from reflogs, and dangling ones. */
  includeUnreachable?: boolean;
  maxFileSize?: number;
}

/** Live counters for a progress display. */
export interface HistoryProgress {
  commits: number;
  blobs: number;
  bytes: number;
}

export interface HistorySource {
  repo: RepoInfo;
  events: AsyncIterable<SourceOutput>;
  progress: HistoryProgress;
  /**
   * Start the one `git log --raw` pass annotate() needs, while the scan goes on (call it when the
   * first blob finding shows up; annotate() starts it itself otherwise).
   */
  warm(): void;
  /**
   * After the scan: give each blob finding the commit and path that introduced it, set `inHead`,
   * recompute its fingerprint for the real path, and keep one finding per (rule, secret, path) —
   * the earliest introduction. Then, on those real paths: drop what `later.ignore` ignores, and
   * suppress what `later.suppress` does (the config's allow list, the baseline). While scanning, a
   * blob's path is only the one rev-list saw first: suppress blob findings there by their line's
   * text alone (historySuppress).
   */
  annotate(result: ScanResult, later?: PathRules): Promise<void>;
}

/**
 * Each line of `git args…` (without its newline) as the output streams: none of it is held whole.
 * `refused`: see gitStarted.
 */
async function forEachLine(cwd: string, args: readonly string[], each: (line: Buffer) => void, refused?: (stderr: string) => boolean): Promise<void> {
  const lines = fieldSplitter(10, each);
  for await (const chunk of gitStarted(cwd, args, refused ? { refused } : {}).chunks()) lines.push(chunk);
  lines.end();
}

/**
 * What `rev-list --objects --all` (and `--reflog`) reaches: the ids (when `ids`; a git too old for
 * the type filter needs them to keep reachable objects), and each blob's first path name (a hint
 * for detection). With only the names asked, only blobs are listed (where git has the filter):
 * trees and commits cost no memory.
 */
async function reachable(repo: RepoInfo, opts: { reflog: boolean; ids: boolean }): Promise<{ oids: Set<string> | undefined; names: Map<string, string> }> {
  const base = ['rev-list', '--objects', '--all', ...(opts.reflog ? ['--reflog'] : [])];
  const n = repo.hashLength;
  let tooOld = false;
  const list = async (args: string[], filtered: boolean): Promise<{ oids: Set<string> | undefined; names: Map<string, string> }> => {
    const oids = opts.ids ? new Set<string>() : undefined;
    const names = new Map<string, string>();
    const each = (line: Buffer): void => {
      if (line.length < n) return;
      const oid = line.toString('latin1', 0, n);
      oids?.add(oid);
      if (line.length > n + 1) names.set(oid, decodePath(line.subarray(n + 1)));
    };
    // git before 2.32 refuses the type filter ("invalid filter-spec"): every object is then listed.
    await forEachLine(repo.cwd, args, each, filtered ? (stderr) => (tooOld = /filter/i.test(stderr)) : undefined);
    return { oids, names };
  };
  if (opts.ids) return list(base, false);
  const blobs = await list([...base, '--filter=object:type=blob', '--filter-provided-objects'], true);
  return tooOld ? list(base, false) : blobs;
}

/** Every commit in the repository (with --include-unreachable: dangling ones and those only reflogs reach too). */
async function everyCommit(repo: RepoInfo): Promise<string[]> {
  const out: string[] = [];
  await forEachLine(repo.cwd, ['cat-file', '--batch-all-objects', '--batch-check=%(objecttype) %(objectname)', '--unordered'], (line) => {
    if (line.length > 7 && line.toString('latin1', 0, 7) === 'commit ') out.push(line.toString('latin1', 7));
  });
  return out;
}

/** How much of the introduction log is read ahead while the scan goes on (~40k commits' worth). */
const LOG_READ_AHEAD = 16 << 20;

/** What a history scan decides by a finding's real path, once annotate() knows it. */
export interface PathRules {
  /** Paths (relative to the repository root) whose findings are dropped: the config's ignore globs. */
  ignore?: ((path: string) => boolean) | undefined;
  suppress?: (f: ScannedFinding) => SuppressionSource | null;
}

interface Introduction {
  commit: CommitInfo;
  path: string;
  /** Position in oldest-first order: lower is earlier. */
  order: number;
}

/** The arguments of the one `git log --raw` pass, oldest first, that maps blobs to their introductions. */
export function introductionLog(extra: { reflog: boolean; commits: string[] }): { args: string[]; input?: string } {
  const args = ['log', '--all', ...(extra.reflog ? ['--reflog'] : []), ...(extra.commits.length ? ['--stdin'] : [])];
  args.push('--reverse', '--date-order', '-m', '--raw', '-z', '--no-abbrev', '--no-renames', '--no-color', '--format=%x01%H%x00%an%x00%ae%x00%aI');
  return extra.commits.length ? { args, input: `${extra.commits.join('\n')}\n` } : { args };
}

/**
 * For each wanted blob, every path it was added at, each with the first commit (in that log) that
 * adds it there: the same content under two names is two places to fix (and to allow). The log is
 * read as it comes, field by field (`-z`: NUL-separated), and only what concerns a wanted blob is
 * kept: its size (the history's) costs no memory.
 */
export async function introductions(chunks: AsyncIterable<Buffer>, wanted: ReadonlySet<string>): Promise<Map<string, Introduction[]>> {
  const found = new Map<string, Introduction[]>();
  /** The commit being read: its fields (sha, author, email, date) as they come, made an object when needed. */
  let fields: Buffer[] = [];
  let commit: CommitInfo | undefined;
  let order = 0;
  /** Header fields still to come after the `\x01` one. */
  let headerLeft = 0;
  /** After a raw line: path fields still to come; the last one is the blob's path (the new one of a rename or copy). */
  let pathsLeft = 0;
  let blob: string | undefined;
  const field = (tok: Buffer): void => {
    if (headerLeft > 0) {
      fields.push(Buffer.from(tok));
      headerLeft--;
      return;
    }
    if (pathsLeft > 0) {
      if (--pathsLeft > 0 || blob === undefined) return;
      commit ??= { sha: fields[0]!.toString('latin1'), author: fields[1]!.toString('utf8'), email: fields[2]!.toString('utf8'), date: fields[3]!.toString('utf8') };
      const path = decodePath(tok);
      let at = found.get(blob);
      if (!at) found.set(blob, (at = []));
      if (!at.some((x) => x.path === path)) at.push({ commit, path, order });
      return;
    }
    if (tok[0] === 10) tok = tok.subarray(1);
    if (tok[0] === 1) {
      fields = [Buffer.from(tok.subarray(1))];
      commit = undefined;
      headerLeft = 3;
      order++;
      return;
    }
    if (tok[0] !== 58 /* ':' */) return;
    // ":oldmode newmode oldoid newoid status", then one path (two for renames and copies).
    const { newOid, status, pathCount } = rawMeta(tok.toString('latin1'));
    pathsLeft = pathCount;
    blob = fields.length === 4 && status !== 'D' && newOid && wanted.has(newOid) ? newOid : undefined;
  };
  const fieldsOf = fieldSplitter(0, field);
  // Read to the end all the same when nothing is wanted: git's exit status still tells.
  for await (const chunk of chunks) if (wanted.size) fieldsOf.push(chunk);
  fieldsOf.end();
  return found;
}

/** Blob ids of HEAD's tree (empty when there is no HEAD). */
async function headBlobs(repo: RepoInfo): Promise<Set<string>> {
  if (!repo.head) return new Set();
  return new Set((await treeBlobs(repo.cwd, repo.head)).map((b) => b.oid));
}

/** A path in a notes tree: the annotated object's id, whole or fanned out (`ab/cdef…`). */
const NOTE_PATH = /^(?:[0-9a-f]{2}\/)*[0-9a-f]+$/;
const isNotePath = (path: string): boolean => NOTE_PATH.test(path) && [40, 64].includes(path.replace(/\//g, '').length);

/** Where git notes are (refs/notes/*): each notes commit's ref, and the blobs at each ref's tip. */
interface Notes {
  refOf: Map<string, string>;
  live: Set<string>;
}

/**
 * The notes refs' histories, asked only when a blob with findings was added at a path a notes tree
 * would have: a note's finding is then named as one (`<note on 1a2b3c4d5e6f in refs/notes/commits>`)
 * rather than by the annotated commit's id as if it were a file.
 */
async function notesOf(repo: RepoInfo, intro: Map<string, Introduction[]>): Promise<Notes | undefined> {
  if (![...intro.values()].some((at) => at.some((w) => isNotePath(w.path)))) return undefined;
  const refs = (await gitRun(repo.cwd, ['for-each-ref', '--format=%(refname)', 'refs/notes/'])).stdout.toString('utf8').split('\n').filter(Boolean);
  if (!refs.length) return undefined;
  const notes: Notes = { refOf: new Map(), live: new Set() };
  for (const ref of refs) {
    for (const c of (await gitRun(repo.cwd, ['rev-list', ref, '--'])).stdout.toString('latin1').split('\n')) if (c && !notes.refOf.has(c)) notes.refOf.set(c, ref);
    for (const b of await treeBlobs(repo.cwd, ref)) notes.live.add(b.oid);
  }
  return notes;
}

/**
 * Whether git has a remote to fetch a missing object from (a promisor remote): one with `promisor`
 * true (a bare key is true) or a `partialclonefilter`, or `extensions.partialClone` set.
 */
async function hasPromisorRemote(repo: RepoInfo): Promise<boolean> {
  const keys = '^remote\\..*\\.(promisor|partialclonefilter)$|^extensions\\.partialclone$';
  const cfg = await gitRun(repo.cwd, ['config', '--get-regexp', keys], { okCodes: [0, 1] });
  return cfg.stdout
    .toString('utf8')
    .split('\n')
    .some((line) => {
      const sp = line.indexOf(' ');
      const key = sp < 0 ? line : line.slice(0, sp);
      const value = sp < 0 ? null : line.slice(sp + 1);
      if (key.endsWith('.promisor')) return configTrue(value);
      return key !== '' && value !== '';
    });
}

/** A boolean as git reads it: a key without a value is true; an empty value, false/no/off/0 are false. */
function configTrue(value: string | null): boolean {
  if (value === null) return true;
  const v = value.trim().toLowerCase();
  if (v === '' || v === 'false' || v === 'no' || v === 'off') return false;
  return !/^[-+]?\d+$/.test(v) || Number(v) !== 0;
}

/**
 * Fail closed on a partial clone (`git clone --filter`) whose history lacks objects. git would
 * download each missing blob or tree with a fetch of its own as it is read (hours on a large
 * history, and the repository's objects and packs changed meanwhile), and a listing told not to
 * fetch leaves missing trees' blobs out without a word. With `unreachable`, every commit present
 * (dangling ones too, as the audit reads them) must be complete. A partial clone that has every
 * object (its filter left nothing out, or all was fetched since) is audited as any other.
 */
async function assertComplete(repo: RepoInfo, unreachable: boolean): Promise<void> {
  if (!(await hasPromisorRemote(repo))) return;
  // Told to print what is missing, git fetches nothing.
  const args = ['rev-list', '--objects', '--all', '--missing=print'];
  const listed = unreachable
    ? await gitRun(repo.cwd, [...args, '--reflog', '--stdin'], { input: `${(await everyCommit(repo)).join('\n')}\n` })
    : await gitRun(repo.cwd, args);
  const out = listed.stdout;
  let missing = 0;
  let first = '';
  for (let i = out[0] === 63 ? 0 : out.indexOf('\n?'); i !== -1; i = out.indexOf('\n?', i + 1)) {
    const at = out[i] === 63 ? i : i + 1;
    if (!first) first = out.toString('latin1', at + 1, at + 13);
    missing++;
  }
  if (missing === 0) return;
  throw new GitError(
    `${repo.root ?? repo.cwd} is a partial clone (git clone --filter): objects of its history are not here (at least ${missing}; the first is ${first}), ` +
      'and git would download each one with a fetch of its own as the audit read it, so nothing is read. Audit a full clone (git clone without --filter; ' +
      'in GitHub Actions, no `filter` on actions/checkout)' +
      (unreachable ? '; objects only reflogs or dangling commits reach cannot be fetched at all (a fresh clone has none): audit without --include-unreachable' : ''),
  );
}

/**
 * The whole history as source events. Call `annotate(result)` after scanning them (runScan's
 * `afterScan`) to attach introducing commits, paths and `inHead`.
 */
export async function historySource(opts: HistorySourceOptions): Promise<HistorySource> {
  const repo = await openRepo(opts.cwd);
  // Fail closed: a shallow clone holds only the top of the history; an audit of it would pass over
  // everything below its boundary without a word.
  if (repo.shallow) {
    throw new GitError(`${repo.root ?? repo.cwd} is a shallow clone: the history below its boundary is not here, so an audit would miss it; ${UNSHALLOW_HINT}`);
  }
  const unreachable = opts.includeUnreachable ?? false;
  await assertComplete(repo, unreachable);
  const progress: HistoryProgress = { commits: 0, blobs: 0, bytes: 0 };
  /** Placeholder commit object of each blob item → blob id (findings keep the same object). */
  const blobOf = new WeakMap<object, string>();

  /** A listed blob as an item (or a skip: too large, an LFS pointer); `hint` is its path as listed. */
  const blobItem = (o: StreamedObject, hint: string): SourceEvent => {
    progress.blobs++;
    progress.bytes += o.size;
    const skip = blobSkip(hint, o, opts.maxFileSize);
    if (skip) return skip;
    const placeholder: CommitInfo = { sha: '' };
    blobOf.set(placeholder, o.oid);
    // A big blob (read past) is read again as a stream, by the pipeline, in windows.
    if (!o.content) return { kind: 'item', path: hint, content: blobStream(repo.cwd, o.oid, o.size), blob: o.oid, commit: placeholder };
    // Read for this event alone: it may be moved to the thread that scans it.
    return { kind: 'item', path: hint, content: o.content, owned: true, blob: o.oid, commit: placeholder };
  };
  const messageItem = (o: StreamedObject): SourceEvent => {
    progress.commits++;
    const { body, sha, ...who } = parseCommitObject(o.oid, o.content!);
    return { kind: 'item', path: COMMIT_MESSAGE_PATH, content: body, commit: { sha, message: true, ...who } };
  };
  let names: Promise<Map<string, string>> | undefined;
  /** Tag object id → the name of a tag ref that points at it (what the user has, not what the object says). */
  const tagNames = (): Promise<Map<string, string>> =>
    (names ??= gitRun(repo.cwd, ['for-each-ref', '--format=%(objectname) %(refname:strip=2)', 'refs/tags']).then((r) => {
      const m = new Map<string, string>();
      for (const line of r.stdout.toString('utf8').split('\n')) {
        const sp = line.indexOf(' ');
        if (sp > 0 && !m.has(line.slice(0, sp))) m.set(line.slice(0, sp), line.slice(sp + 1));
      }
      return m;
    }));
  const tooLarge = (size: number): boolean => opts.maxFileSize !== undefined && size > opts.maxFileSize;

  /**
   * Every object of the repository as one stream in pack order (`cat-file --batch-all-objects`),
   * keeping blobs and commits: with --include-unreachable all of them (reflogs and dangling ones
   * too), else those `rev-list --objects --all` reaches (a git too old for streamedEvents' filter).
   * That rev-list also gives the paths used as hints.
   */
  async function* allObjectEvents(): AsyncGenerator<SourceBatch> {
    const { oids: wanted, names } = await reachable(repo, { reflog: unreachable, ids: !unreachable });
    const all = catStream(repo.cwd, ['cat-file', '--batch-all-objects', '--batch-check=%(objectname)', '--unordered'], {
      keep: (type, size) => type === 'commit' || type === 'tag' || (type === 'blob' && !tooLarge(size) && size <= BIG_BLOB),
    });
    for await (const objects of all) {
      const out: SourceEvent[] = [];
      for (const o of objects) {
        if (wanted && !wanted.has(o.oid)) continue;
        if (o.type === 'blob') out.push(blobItem(o, names.get(o.oid) ?? `<blob ${o.oid.slice(0, 12)}>`));
        else if (o.type === 'commit') out.push(messageItem(o));
        else if (o.type === 'tag') out.push(tagMessageItem(parseTagObject(o.oid, o.content!), (await tagNames()).get(o.oid)));
      }
      if (out.length) yield { kind: 'batch', events: out };
    }
  }

  /**
   * Blobs, then commits, then annotated tags, each read as one stream: `rev-list` lists them (blobs
   * with the path they were first seen at, as a hint for detection) into one `cat-file --batch` (catStream), so
   * git never waits for a request and scanning starts while git still walks. Content goes to whoever
   * scans it (the worker threads, through scanInWorkers). Falls back to `allObjectEvents()` with a git too old
   * for `--filter=object:type=blob` (before 2.32).
   */
  async function* streamedEvents(): AsyncGenerator<SourceBatch> {
    let tooOld = false;
    // Blobs only: commits, trees and tags (also those refs point at) are filtered out by git.
    const blobs = catStream(repo.cwd, ['rev-list', '--objects', '--all', '--filter=object:type=blob', '--filter-provided-objects'], {
      keep: (_type, size) => !tooLarge(size) && size <= BIG_BLOB,
      // git before 2.32: "invalid filter-spec 'object:type=blob'", or --filter-provided-objects unknown.
      listFailed: (stderr) => (tooOld = /filter/i.test(stderr)),
    });
    for await (const objects of blobs) {
      // No name: a blob a ref points at directly.
      const out = objects.map((o) => blobItem(o, o.rest.length ? decodePath(o.rest) : `<blob ${o.oid.slice(0, 12)}>`));
      if (out.length) yield { kind: 'batch', events: out };
    }
    if (tooOld) {
      yield* allObjectEvents();
      return;
    }
    for await (const objects of catStream(repo.cwd, ['rev-list', '--all'])) yield { kind: 'batch', events: objects.map(messageItem) };
    // Annotated tags, also one a tag points at (lightweight ones are refs, not objects).
    const names = await tagNames();
    const tags = catStream(repo.cwd, ['rev-list', '--objects', '--all', '--filter=object:type=tag', '--filter-provided-objects']);
    for await (const objects of tags) yield { kind: 'batch', events: objects.filter((o) => o.type === 'tag').map((o) => tagMessageItem(parseTagObject(o.oid, o.content!), names.get(o.oid))) };
  }

  /** The log, started early (git walks the history while the scan goes on) and read by annotate(). */
  let log: Promise<StartedGit> | undefined;
  const warm = (): void => {
    if (log) return;
    // With --include-unreachable the log starts from every commit (dangling ones too), listed first.
    log = (unreachable ? everyCommit(repo) : Promise.resolve([])).then((commits) => {
      const { args, input } = introductionLog({ reflog: unreachable, commits });
      // Read while the scan goes on, up to a bound: a history's log of any size costs at most that.
      return gitStarted(repo.cwd, args, { readAhead: LOG_READ_AHEAD, ...(input !== undefined ? { input } : {}) });
    });
    log.catch(() => {}); // seen by annotate()
  };

  async function annotate(result: ScanResult, later: PathRules = {}): Promise<void> {
    const lists: ScannedFinding[][] = [result.findings, result.suppressed];
    const wanted = new Set<string>();
    for (const list of lists) for (const f of list) if (f.commit && blobOf.has(f.commit)) wanted.add(blobOf.get(f.commit)!);
    if (wanted.size) warm();
    const mapping = Promise.all([log ? log.then((git) => introductions(git.chunks(), wanted)) : new Map<string, Introduction[]>(), headBlobs(repo)]);
    let intro: Map<string, Introduction[]>;
    let inHeadBlobs: Set<string>;
    let mapped = true;
    try {
      [intro, inHeadBlobs] = await mapping;
    } catch (err) {
      // Ctrl-C reaches git too: an interrupted run keeps its findings, unmapped, rather than failing.
      if (!result.incomplete) throw err;
      [intro, inHeadBlobs, mapped] = [new Map(), new Set(), false];
    }

    const notes = mapped ? await notesOf(repo, intro) : undefined;
    const key = (f: ScannedFinding): string => `${f.ruleId}\u0000${rawSecret(f) ?? f.secret}`;
    const headSecrets = new Set<string>();
    for (const list of lists) {
      for (const f of list) {
        const oid = f.commit && blobOf.get(f.commit);
        if (oid && inHeadBlobs.has(oid)) headSecrets.add(key(f));
      }
    }
    const orderOf = new Map<ScannedFinding, number>();
    /** A blob finding at one of the places its blob was added (none: no commit adds it). */
    const place = (f: ScannedFinding, oid: string, w: Introduction | undefined): void => {
      // A note is in no tree HEAD has: whether it is still there is whether its ref's tip holds it.
      const ref = w && notes && isNotePath(w.path) ? notes.refOf.get(w.commit.sha) : undefined;
      if (w) {
        f.path = ref ? `<note on ${w.path.replace(/\//g, '').slice(0, 12)} ${notes!.live.has(oid) ? 'in' : 'once in'} ${ref}>` : w.path;
        f.commit = w.commit;
        orderOf.set(f, w.order);
      } else {
        // No commit adds it: a ref or tag points at it directly, or (with --include-unreachable) it is dangling.
        f.path = !mapped
          ? `<blob ${oid.slice(0, 12)}: the run was interrupted before its commit was found>`
          : unreachable
            ? `<unreachable blob ${oid.slice(0, 12)}>`
            : `<blob ${oid.slice(0, 12)}: no commit holds it, a ref points at it>`;
        delete f.commit;
        orderOf.set(f, Number.MAX_SAFE_INTEGER);
      }
      const raw = rawSecret(f);
      if (raw !== undefined) f.fingerprint = fingerprint(f.ruleId, raw, f.path);
      if (ref) delete f.inHead;
      else f.inHead = headSecrets.has(key(f));
    };
    // A blob added at more than one path: one finding per path (a copy for each path after the first).
    const expand = <T extends ScannedFinding>(list: T[]): T[] => {
      const out: T[] = [];
      for (const f of list) {
        out.push(f);
        const oid = f.commit && blobOf.get(f.commit);
        if (!oid) continue;
        const [first, ...more] = intro.get(oid) ?? [];
        for (const w of more) {
          const copy = copyFinding(f);
          place(copy, oid, w);
          out.push(copy);
        }
        place(f, oid, first);
      }
      return out;
    };
    result.findings = expand(result.findings);
    result.suppressed = expand(result.suppressed);
    // One finding per (rule, secret, path): the earliest introduction.
    const dedupe = <T extends ScannedFinding>(list: T[]): T[] => {
      const best = new Map<string, T>();
      const rest: T[] = [];
      for (const f of list) {
        if (!orderOf.has(f)) {
          rest.push(f);
          continue;
        }
        const k = `${key(f)}\u0000${f.path}`;
        const prev = best.get(k);
        if (!prev || orderOf.get(f)! < orderOf.get(prev)!) best.set(k, f);
      }
      return [...rest, ...best.values()];
    };
    result.findings = dedupe(result.findings);
    result.suppressed = dedupe(result.suppressed);
    // A commit message has no path: only blob findings are decided by theirs.
    const byPath = (f: ScannedFinding): boolean => f.commit?.message !== true;
    const { ignore, suppress } = later;
    if (ignore) ignoreAfter(result, (f) => byPath(f) && ignore(f.path));
    if (suppress) suppressAfter(result, (f) => (byPath(f) ? suppress(f) : null));
  }

  return { repo, events: unreachable ? allObjectEvents() : streamedEvents(), progress, warm, annotate };
}
