/**
 * Which part of the repository a workflow run must scan, from the event that started it.
 * Pure: GITHUB_EVENT_NAME and the event payload in, a plan out. Whether a commit exists locally, is
 * an ancestor, or must be fetched is decided later with git (src/action/run.ts).
 */
import { UsageError } from '../errors.js';

export type ScanInput = 'auto' | 'diff' | 'history' | 'files';
export const SCAN_INPUTS: readonly ScanInput[] = ['auto', 'diff', 'history', 'files'];

/** The all-zero sha GitHub sends as `before` for a new ref and as `after` for a deleted one. */
export const ZERO_SHA = /^0+$/;

export type ScanPlan =
  /** The commits reachable from `head` and not from `base` (a pull request, a push). */
  | {
      kind: 'range';
      base: string;
      head: string;
      why: string;
      /** A pushed tag (`refs/tags/…`): its message, and a tag it points at, are scanned too. */
      tag?: string;
      /**
       * When `base` cannot be had (a force push whose old tip is gone): scan the commits of `head`
       * not on this branch of origin instead; null means no such branch exists (a push to the
       * default branch itself), so the whole history is audited.
       */
      fallbackBranch?: string | null;
    }
  /** A new branch or tag: the commits not on the default branch (the whole history when it is the default branch). */
  | { kind: 'new-ref'; head: string; defaultBranch: string | null; why: string; tag?: string }
  /** Every commit of every branch and tag. */
  | { kind: 'history'; why: string }
  /** The checked-out files. */
  | { kind: 'files'; why: string }
  /** Nothing was added (a deleted branch). */
  | { kind: 'none'; why: string };

export interface EventContext {
  eventName: string;
  /** The parsed GITHUB_EVENT_PATH file ({} when there is none). */
  payload: Record<string, unknown>;
  /** GITHUB_SHA: the commit the workflow runs on. */
  sha?: string;
}

function get(obj: unknown, ...keys: string[]): unknown {
  let cur = obj;
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function sha(obj: unknown, ...keys: string[]): string | undefined {
  const v = get(obj, ...keys);
  return typeof v === 'string' && /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/i.test(v) ? v.toLowerCase() : undefined;
}

function str(obj: unknown, ...keys: string[]): string | undefined {
  const v = get(obj, ...keys);
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * The shas an event must give, or a UsageError naming each that is missing or not a commit id (one
 * that is there but not an id said "has no", found by a trial).
 */
function shas(ctx: EventContext, paths: readonly (readonly string[])[]): string[] {
  if (Object.keys(ctx.payload).length === 0) throw new UsageError(`${ctx.eventName} event: no event payload (GITHUB_EVENT_PATH is unset, empty, or names an empty document)`);
  const out: string[] = [];
  const problems: string[] = [];
  for (const keys of paths) {
    const v = sha(ctx.payload, ...keys);
    if (v) out.push(v);
    else {
      const raw = get(ctx.payload, ...keys);
      problems.push(raw === undefined || raw === null ? `no ${keys.join('.')}` : `${keys.join('.')} is not a commit id`);
    }
  }
  if (problems.length) throw new UsageError(`${ctx.eventName} event payload: ${problems.join(', ')}`);
  return out;
}

/** The diff a PR-like or push-like event describes, or null when the event has none. */
function eventRange(ctx: EventContext): ScanPlan | null {
  const p = ctx.payload;
  switch (ctx.eventName) {
    case 'pull_request':
    case 'pull_request_target':
    case 'pull_request_review':
    case 'pull_request_review_comment': {
      const [base, head] = shas(ctx, [
        ['pull_request', 'base', 'sha'],
        ['pull_request', 'head', 'sha'],
      ]) as [string, string];
      const n = get(p, 'pull_request', 'number');
      return { kind: 'range', base, head, why: `pull request${typeof n === 'number' ? ` #${n}` : ''}: ${base.slice(0, 12)}..${head.slice(0, 12)}` };
    }
    case 'merge_group': {
      const [base, head] = shas(ctx, [
        ['merge_group', 'base_sha'],
        ['merge_group', 'head_sha'],
      ]) as [string, string];
      return { kind: 'range', base, head, why: `merge group: ${base.slice(0, 12)}..${head.slice(0, 12)}` };
    }
    case 'push': {
      const [before, after] = shas(ctx, [['before'], ['after']]) as [string, string];
      const ref = str(p, 'ref') ?? '';
      const defaultBranch = str(p, 'repository', 'default_branch') ?? str(p, 'repository', 'master_branch') ?? null;
      if (get(p, 'deleted') === true || ZERO_SHA.test(after)) return { kind: 'none', why: `${ref || 'a ref'} was deleted: nothing was added` };
      const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null;
      const tag = ref.startsWith('refs/tags/') ? { tag: ref } : {};
      const onDefault = branch !== null && branch === defaultBranch;
      if (get(p, 'created') === true || ZERO_SHA.test(before)) {
        return {
          kind: 'new-ref',
          head: after,
          defaultBranch: onDefault ? null : defaultBranch,
          why: onDefault ? `first push of the default branch ${branch}` : `new ${ref || 'ref'}: the commits not on ${defaultBranch ?? 'the default branch'}`,
          ...tag,
        };
      }
      return {
        kind: 'range',
        base: before,
        head: after,
        fallbackBranch: onDefault || !defaultBranch ? null : defaultBranch,
        why: `push to ${ref || 'a ref'}${get(p, 'forced') === true ? ' (forced)' : ''}: ${before.slice(0, 12)}..${after.slice(0, 12)}`,
        ...tag,
      };
    }
    default:
      return null;
  }
}

/** What to scan for this event and `scan` input. */
export function planScan(ctx: EventContext, scan: ScanInput): ScanPlan {
  switch (scan) {
    case 'files':
      return { kind: 'files', why: 'scan: files' };
    case 'history':
      return { kind: 'history', why: 'scan: history (every branch and tag)' };
    case 'diff': {
      const r = eventRange(ctx);
      if (!r) throw new UsageError(`scan: diff needs a pull_request, push or merge_group event, not ${ctx.eventName || 'none'}; use scan: history or files`);
      return r;
    }
    case 'auto': {
      const r = eventRange(ctx);
      if (r) return r;
      if (ctx.eventName === 'schedule' || ctx.eventName === 'workflow_dispatch') {
        return { kind: 'history', why: `${ctx.eventName}: full history audit` };
      }
      return { kind: 'files', why: `${ctx.eventName || 'unknown event'}: the checked-out files` };
    }
  }
}
