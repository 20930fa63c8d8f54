/**
 * What a change adds: the files a diff touches (from `--raw -z`, so paths are exact) and, per file,
 * the 1-based line numbers on the new side that the change adds (from a `-U0` patch, whose sections
 * come in the same order as the raw entries, so no quoted path is ever parsed).
 *
 * Only plumbing commands are used (`diff-index`, `diff-tree`): they ignore the user's diff config
 * (external diff drivers, textconv, noprefix, colour, relative paths).
 */
import { decodePath, gitRun, splitNul } from './repo.js';

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

export interface AddedFile {
  file: ChangedFile;
  /** New-side lines the change adds; undefined = every line (new file, binary per git, type change). */
  lines?: Set<number>;
}

/** Which diff to take: the index against a tree (staged changes) or one tree against another. */
export type DiffSpec = { kind: 'index'; base: string } | { kind: 'trees'; from: string; to: string };

function diffArgs(spec: DiffSpec): string[] {
  return spec.kind === 'index' ? ['diff-index', '--cached', '-r', spec.base] : ['diff-tree', '-r', spec.from, spec.to];
}

const COMMON = ['-M', '--no-ext-diff', '--no-textconv', '--ignore-submodules=none'];

export function parseRaw(buf: Buffer): ChangedFile[] {
  const fields = splitNul(buf);
  const out: ChangedFile[] = [];
  for (let i = 0; i < fields.length; ) {
    const meta = fields[i++]!.toString('latin1');
    if (!meta.startsWith(':')) continue;
    const [oldMode, newMode, oldOid, newOid, st] = meta.slice(1).split(' ');
    const status = (st ?? '?').charAt(0);
    if (status === 'R' || status === 'C') {
      const oldPath = decodePath(fields[i++]!);
      const path = decodePath(fields[i++]!);
      out.push({ status, oldMode: oldMode!, newMode: newMode!, oldOid: oldOid!, newOid: newOid!, path, oldPath });
    } else {
      const path = decodePath(fields[i++]!);
      out.push({ status, oldMode: oldMode!, newMode: newMode!, oldOid: oldOid!, newOid: newOid!, path });
    }
  }
  return out;
}

const HUNK = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/;

/** Split a `-U0` patch into per-file sections and collect each one's added new-side lines. */
export function parsePatchSections(patch: string): { binary: boolean; lines: Set<number> }[] {
  const sections: { binary: boolean; lines: Set<number> }[] = [];
  let cur: { binary: boolean; lines: Set<number> } | undefined;
  for (const line of patch.split('\n')) {
    if (line.startsWith('diff --git ')) {
      cur = { binary: false, lines: new Set() };
      sections.push(cur);
      continue;
    }
    if (!cur) continue;
    if (line.startsWith('@@ ')) {
      const m = HUNK.exec(line);
      if (!m) continue;
      const start = Number(m[1]);
      const count = m[2] === undefined ? 1 : Number(m[2]);
      for (let k = 0; k < count; k++) cur.lines.add(start + k);
    } else if (line.startsWith('Binary files ') || line === 'GIT binary patch') {
      cur.binary = true;
    }
  }
  return sections;
}

/** What adds content: an added, modified, renamed or copied file, or a type change (file ⇄ symlink). Deletions add nothing. */
const ADDING = 'AMRCT';

/**
 * Files a diff adds content to, with their added lines (one git run). Deletions add nothing; a type
 * change (file ⇄ symlink) is wholly new content.
 */
export async function addedFiles(cwd: string, spec: DiffSpec): Promise<AddedFile[]> {
  // One git run gives both: the raw entries (-z), an empty field, then the -U0 patch, whose sections
  // come in the raw entries' order (a type change has two: the old side removed, the new one added).
  const stdout = (await gitRun(cwd, [...diffArgs(spec), '--raw', '-p', '-U0', '-z', '--no-abbrev', '--no-color', `--diff-filter=${ADDING}`, ...COMMON])).stdout;
  const end = stdout.indexOf('\0\0');
  const raw = parseRaw(end < 0 ? stdout : stdout.subarray(0, end + 1));
  const sections = end < 0 ? [] : parsePatchSections(stdout.toString('latin1', end + 2));
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
    // A new file, a binary one (per git) or a type change: every line is new.
    out.push(s.binary || file.status === 'A' || file.status === 'T' ? { file } : { file, lines: s.lines });
  }
  return out;
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
    let lines: Set<number> | undefined = a.lines;
    let keep = true;
    for (const m of maps) {
      const b = m.get(a.file.path);
      if (!b || b.file.newOid !== a.file.newOid) {
        keep = false;
        break;
      }
      if (b.lines) lines = lines ? new Set([...lines].filter((n) => b.lines!.has(n))) : new Set(b.lines);
    }
    if (keep && (lines === undefined || lines.size > 0)) out.push(lines ? { file: a.file, lines } : { file: a.file });
  }
  return out;
}
