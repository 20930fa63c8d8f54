/**
 * What a change adds: the files a diff touches (from `--raw -z`, so paths are exact) and, per file,
 * the 1-based line numbers on the new side that the change adds (from a `-U0` patch, whose sections
 * come in the same order as the raw entries, so no quoted path is ever parsed).
 *
 * Only plumbing commands are used (`diff-index`, `diff-tree`): they ignore the user's diff config
 * (external diff drivers, textconv, noprefix, colour, relative paths).
 */
import { BIG_BLOB, decodePath, gitStarted } from './repo.js';

export interface ChangedFile {
  /** A, M, R, C, T, D (score dropped). */
  status: string;
  oldMode: string;
  newMode: string;
  oldOid: string;
  newOid: string;
  path: string;
  /** The source path of a rename or copy. */
  oldPath?: string;
}

/** Line numbers, for `SourceItem.lines`: only findings on these lines are reported. */
export interface LineFilter {
  /** Whether any line from `from` to `to` (both included) is one of them. */
  overlaps(from: number, to: number): boolean;
}

/**
 * New-side lines a change adds, as sorted, disjoint [start, end) ranges (a hunk each): a file with a
 * million added lines costs two numbers per hunk, not a set of a million.
 */
export class AddedLines implements LineFilter {
  /** Flat [start, end) pairs, sorted and disjoint unless `unsorted`. */
  private r: number[] = [];
  private unsorted = false;

  /** Adds `count` lines from `start` (git gives a file's hunks in order; touching ones merge). */
  add(start: number, count: number): void {
    if (count <= 0) return;
    const r = this.r;
    const n = r.length;
    if (n > 0 && start < r[n - 1]!) this.unsorted = true;
    if (n > 0 && start === r[n - 1]) r[n - 1] = start + count;
    else r.push(start, start + count);
  }

  /** The ranges, sorted and merged. */
  private ranges(): number[] {
    if (!this.unsorted) return this.r;
    const pairs: [number, number][] = [];
    for (let i = 0; i < this.r.length; i += 2) pairs.push([this.r[i]!, this.r[i + 1]!]);
    pairs.sort((x, y) => x[0] - y[0]);
    const out: number[] = [];
    for (const [a, b] of pairs) {
      if (out.length && a <= out[out.length - 1]!) out[out.length - 1] = Math.max(out[out.length - 1]!, b);
      else out.push(a, b);
    }
    this.unsorted = false;
    return (this.r = out);
  }

  has(line: number): boolean {
    return this.overlaps(line, line);
  }

  overlaps(from: number, to: number): boolean {
    // The first range ending after `from`: it holds a line up to `to` when it starts by then.
    const r = this.ranges();
    let lo = 0;
    let hi = r.length / 2;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (r[2 * mid + 1]! <= from) lo = mid + 1;
      else hi = mid;
    }
    return lo < r.length / 2 && r[2 * lo]! <= to;
  }

  get empty(): boolean {
    return this.r.length === 0;
  }

  /** The lines in both. */
  intersect(other: AddedLines): AddedLines {
    const out = new AddedLines();
    const a = this.ranges();
    const b = other.ranges();
    for (let i = 0, j = 0; i < a.length && j < b.length; ) {
      const s = Math.max(a[i]!, b[j]!);
      const e = Math.min(a[i + 1]!, b[j + 1]!);
      if (s < e) out.add(s, e - s);
      if (a[i + 1]! < b[j + 1]!) i += 2;
      else j += 2;
    }
    return out;
  }
}

export interface AddedFile {
  file: ChangedFile;
  /** New-side lines the change adds; undefined = every line (new file, binary per git, type change, a big file). */
  lines?: AddedLines;
}

/** Which diff to take: the index against a tree (staged changes) or one tree against another. */
export type DiffSpec = { kind: 'index'; base: string } | { kind: 'trees'; from: string; to: string };

function diffArgs(spec: DiffSpec): string[] {
  return spec.kind === 'index' ? ['diff-index', '--cached', '-r', spec.base] : ['diff-tree', '-r', spec.from, spec.to];
}

const COMMON = ['-M', '--no-ext-diff', '--no-textconv', '--ignore-submodules=none'];

/** A raw entry's first field (`:oldmode newmode oldoid newoid status`), before its paths. */
export interface RawMeta {
  oldMode: string;
  newMode: string;
  oldOid: string;
  newOid: string;
  /** A, M, R, C, T, D (score dropped). */
  status: string;
  /** Path fields that follow: two for a rename or copy (old, new), else one. */
  pathCount: 1 | 2;
}

export function rawMeta(field: string): RawMeta {
  const [oldMode, newMode, oldOid, newOid, st] = field.slice(1).split(' ');
  const status = (st ?? '?').charAt(0);
  return { oldMode: oldMode!, newMode: newMode!, oldOid: oldOid!, newOid: newOid!, status, pathCount: status === 'R' || status === 'C' ? 2 : 1 };
}

/** A raw entry: its first field and its paths. */
function rawEntry(meta: RawMeta, paths: Buffer[]): ChangedFile {
  const { pathCount: _, ...base } = meta;
  return paths.length === 2 ? { ...base, oldPath: decodePath(paths[0]!), path: decodePath(paths[1]!) } : { ...base, path: decodePath(paths[0]!) };
}

const HUNK = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/;
/** Bytes of a patch line looked at: enough for a hunk header's numbers and the markers below. */
const HEAD = 256;
const DIFF_GIT = Buffer.from('diff --git ');
const BINARY = [Buffer.from('Binary files '), Buffer.from('GIT binary patch')];

interface Section {
  binary: boolean;
  lines: AddedLines;
}

/** One diff of a `diff-tree --stdin` stream: the commit it is for ('' for a lone diff) and what it adds. */
export interface CommitDiff {
  sha: string;
  files: AddedFile[];
}

/** Raw entries and patch sections → the files a diff adds to, each with its added lines. */
function addedOf(raw: ChangedFile[], sections: Section[]): AddedFile[] {
  const out: AddedFile[] = [];
  if (sections.length !== raw.reduce((n, f) => n + (f.status === 'T' ? 2 : 1), 0)) {
    // Never guess which lines belong to which file: scan those files whole instead.
    for (const file of raw) out.push({ file });
    return out;
  }
  let k = 0;
  for (const file of raw) {
    const s = sections[k]!;
    k += file.status === 'T' ? 2 : 1;
    // A new file, a binary one (per git, or a big one) or a type change: every line is new. So is a
    // renamed or copied file: at its new path a secret is in a new place, which an allow path, an
    // ignore glob or a baseline entry of the old path does not cover (a `git mv` carried an accepted
    // fixture's token past every hook: found by a trial).
    const whole = s.binary || file.status === 'A' || file.status === 'T' || file.status === 'R' || file.status === 'C';
    out.push(whole ? { file } : { file, lines: s.lines });
  }
  return out;
}

const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 97 && c <= 102);

/**
 * The output of `diff-… --raw -p -U0 -z` read as it comes: the raw entries (NUL-separated fields),
 * an empty field, then the patch, whose per-file sections come in the raw entries' order. Of the
 * patch only each line's first bytes are looked at (a section's start, its hunk headers, a binary
 * marker): the added lines themselves, of any length, are never kept. From `diff-tree --stdin`, each
 * commit's diff follows its id and a NUL (none for a commit whose diff is empty): a patch line never
 * starts with `hashLength` hex digits and a NUL, nor a raw entry with a hex digit.
 */
export class DiffParser {
  /** Diffs completed so far (take them with `take()`). */
  private done: CommitDiff[] = [];
  private sha = '';
  private raw: ChangedFile[] = [];
  private sections: Section[] = [];
  private phase: 'raw' | 'lineStart' | 'line' = 'raw';
  /** Raw phase: the entry being read. */
  private meta: RawMeta | undefined;
  private paths: Buffer[] = [];
  /** Bytes not parsed yet: a raw field or the start of a patch line cut across chunks. */
  private carry: Buffer | undefined;
  /** Line phase: the first bytes of the patch line being read. */
  private head: Buffer[] = [];
  private headLen = 0;

  constructor(private readonly hashLength = 40) {}

  push(chunk: Buffer): void {
    const buf = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = undefined;
    let p = 0;
    while (p < buf.length) {
      if (this.phase === 'raw') {
        const i = buf.indexOf(0, p);
        if (i < 0) {
          this.carry = Buffer.from(buf.subarray(p));
          return;
        }
        this.rawField(buf.subarray(p, i));
        p = i + 1;
      } else if (this.phase === 'lineStart') {
        const n = this.hashLength;
        if (buf.length - p <= n && buf.indexOf(10, p) < 0) {
          // Too little to tell a commit's id from a patch line yet.
          this.carry = Buffer.from(buf.subarray(p));
          return;
        }
        if (this.isId(buf, p) && buf[p + n] === 0) {
          this.next(buf.toString('latin1', p, p + n));
          p += n + 1;
          continue;
        }
        this.phase = 'line';
      } else {
        const i = buf.indexOf(10, p);
        const end = i < 0 ? buf.length : i;
        if (this.headLen < HEAD) {
          const part = buf.subarray(p, Math.min(end, p + HEAD - this.headLen));
          this.head.push(part);
          this.headLen += part.length;
        }
        if (i < 0) {
          // The line goes on in the next chunk: keep a copy of what was looked at.
          this.head = [Buffer.concat(this.head)];
          return;
        }
        this.patchLine(this.head.length === 1 ? this.head[0]! : Buffer.concat(this.head));
        this.head = [];
        this.headLen = 0;
        this.phase = 'lineStart';
        p = i + 1;
      }
    }
  }

  /** The end of the output: completes the last diff. */
  end(): void {
    const rest = this.carry;
    this.carry = undefined;
    if (rest) {
      if (this.phase === 'raw') this.rawField(rest);
      else this.patchLine(rest.subarray(0, HEAD));
    } else if (this.phase === 'line') this.patchLine(Buffer.concat(this.head));
    this.next(undefined);
  }

  /** The diffs completed since the last call, in order. */
  take(): CommitDiff[] {
    const out = this.done;
    this.done = [];
    return out;
  }

  private isId(buf: Buffer, p: number): boolean {
    if (buf.length - p < this.hashLength) return false;
    for (let k = p; k < p + this.hashLength; k++) if (!isHex(buf[k]!)) return false;
    return true;
  }

  /** Completes the diff being read (one with a commit id, or with entries) and starts `sha`'s. */
  private next(sha: string | undefined): void {
    if (this.sha !== '' || this.raw.length > 0) this.done.push({ sha: this.sha, files: addedOf(this.raw, this.sections) });
    this.sha = sha ?? '';
    this.raw = [];
    this.sections = [];
    this.meta = undefined;
    this.paths = [];
    this.head = [];
    this.headLen = 0;
    this.phase = 'raw';
  }

  private rawField(field: Buffer): void {
    if (field.length === 0) {
      // The empty field between the raw entries and the patch.
      this.phase = 'lineStart';
      return;
    }
    if (this.meta === undefined) {
      if (field[0] === 58 /* ':' */) this.meta = rawMeta(field.toString('latin1'));
      else if (field.length === this.hashLength && this.isId(field, 0)) this.next(field.toString('latin1'));
      return;
    }
    this.paths.push(Buffer.from(field));
    if (this.paths.length === this.meta.pathCount) {
      this.raw.push(rawEntry(this.meta, this.paths));
      this.meta = undefined;
      this.paths = [];
    }
  }

  private patchLine(head: Buffer): void {
    if (head.subarray(0, DIFF_GIT.length).equals(DIFF_GIT)) {
      this.sections.push({ binary: false, lines: new AddedLines() });
      return;
    }
    const cur = this.sections[this.sections.length - 1];
    if (!cur) return;
    if (head[0] === 64 /* @ */ && head[1] === 64 && head[2] === 32) {
      const m = HUNK.exec(head.toString('latin1'));
      if (m) cur.lines.add(Number(m[1]), m[2] === undefined ? 1 : Number(m[2]));
    } else if (BINARY.some((b) => head.subarray(0, b.length).equals(b))) {
      cur.binary = true;
    }
  }
}

/** What adds content: an added, modified, renamed or copied file, or a type change (file ⇄ symlink). Deletions add nothing. */
const ADDING = 'AMRCT';

/**
 * The options every diff runs with: raw entries and a -U0 patch in one run. Files over BIG_BLOB are
 * binary to git's diff (`-c core.bigFileThreshold`, given with each command): diffing one takes
 * memory of twice its size in git; such a file is scanned whole, as a binary one is.
 */
function diffOptions(): string[] {
  return ['--raw', '-p', '-U0', '-z', '--no-abbrev', '--no-color', `--diff-filter=${ADDING}`, ...COMMON];
}

/**
 * Files a diff adds content to, with their added lines (one git run, read as it comes). Deletions
 * add nothing; a type change (file ⇄ symlink) is wholly new content.
 */
export async function addedFiles(cwd: string, spec: DiffSpec): Promise<AddedFile[]> {
  // One git run gives both: the raw entries (-z), an empty field, then the -U0 patch, whose sections
  // come in the raw entries' order (a type change has two: the old side removed, the new one added).
  const parser = new DiffParser();
  for await (const chunk of gitStarted(cwd, ['-c', `core.bigFileThreshold=${BIG_BLOB}`, ...diffArgs(spec), ...diffOptions()]).chunks()) parser.push(chunk);
  parser.end();
  return parser.take()[0]?.files ?? [];
}

/**
 * What each commit adds, against each of its parents (a root commit: against the empty tree), for
 * many commits through one `git diff-tree --stdin`: the diffs come in the commits' order, a merge's
 * one per parent in its parents' order. A diff that adds nothing is left out, but every commit
 * comes at least once (`--always`: its id alone when nothing at all): a commit git could not read
 * (it says so on stderr and goes on) is missing. Read ahead up to `readAhead` bytes while the caller
 * works; fails closed when git does.
 */
export function commitDiffs(cwd: string, shas: readonly string[], hashLength: number, readAhead = 4 << 20): { diffs: AsyncGenerator<CommitDiff[]>; stderr: () => string } {
  const args = ['-c', `core.bigFileThreshold=${BIG_BLOB}`, 'diff-tree', '--stdin', '--always', '--root', '-m', '-r', ...diffOptions()];
  const git = gitStarted(cwd, args, { input: `${shas.join('\n')}\n`, readAhead });
  async function* diffs(): AsyncGenerator<CommitDiff[]> {
    const parser = new DiffParser(hashLength);
    for await (const chunk of git.chunks()) {
      parser.push(chunk);
      const done = parser.take();
      if (done.length) yield done;
    }
    parser.end();
    const last = parser.take();
    if (last.length) yield last;
  }
  return { diffs: diffs(), stderr: git.stderr };
}

/**
 * Added lines of a merge: a line counts only when it is new against every parent (what the merge
 * itself introduces, e.g. a conflict resolution), so content merged in from a side branch is not
 * reported again. `perParent` holds `addedFiles` against each parent.
 */
export function intersectParents(perParent: AddedFile[][]): AddedFile[] {
  if (perParent.length === 1) return perParent[0]!;
  const [first, ...rest] = perParent;
  const maps = rest.map((list) => new Map(list.map((a) => [a.file.path, a])));
  const out: AddedFile[] = [];
  for (const a of first!) {
    let lines: AddedLines | undefined = a.lines;
    let keep = true;
    for (const m of maps) {
      const b = m.get(a.file.path);
      if (!b || b.file.newOid !== a.file.newOid) {
        keep = false;
        break;
      }
      if (b.lines) lines = lines ? lines.intersect(b.lines) : b.lines;
    }
    if (keep && (lines === undefined || !lines.empty)) out.push(lines ? { file: a.file, lines } : { file: a.file });
  }
  return out;
}
