/**
 * Live verification (opt-in, `--verify`): which found credentials still work, and what they can do.
 * Loaded lazily by the CLI, so scans without --verify never load it. Secrets go only to the HubSpot
 * API base URL; each unique secret is checked once per run (keyed by its hash, not by the secret),
 * with bounded concurrency.
 */
import { secretHash } from '../core/redact.js';
import type { Finding, RuleSet, Verification, VerificationStatus } from '../core/types.js';
import { rawSecret } from '../scan.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import type { HttpOptions } from './http.js';
import { VERIFIERS } from './verifiers.js';

export { resolveApiBaseUrl, DEFAULT_API_BASE_URL, API_BASE_URL_ENV } from './base-url.js';
export { broadScopes, isBroadScope } from './scopes.js';
export { VERIFIERS, type Verifier } from './verifiers.js';
export type { HttpOptions } from './http.js';

export interface VerifyOptions extends Omit<HttpOptions, 'userAgent'> {
  /** Requests in flight at most (default 4). */
  concurrency?: number;
}

export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_TIMEOUT_MS = 10_000;

export const STATUSES: readonly VerificationStatus[] = ['active', 'inactive', 'unknown', 'not-checkable', 'not-checked'];

/** Runs at most `n` tasks at once; a finished task hands its slot straight to the next in line. */
export function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (running < n) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

/** A verifier session: one cache and one concurrency limit for a whole run. */
export class VerifySession {
  private readonly cache = new Map<string, Promise<Verification>>();
  private readonly limit: <T>(task: () => Promise<T>) => Promise<T>;
  private readonly http: HttpOptions;
  /** Unique secrets sent to the API (for the summary and tests). */
  checked = 0;

  constructor(opts: VerifyOptions) {
    this.limit = limiter(Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY));
    this.http = { ...opts, userAgent: `${TOOL_NAME}/${TOOL_VERSION} (verify)` };
  }

  /** Verify `secret` with the verifier named `name` (a rule's `verifier`; null: no check exists). */
  verify(name: string | null, secret: string | undefined): Promise<Verification> {
    if (name === null) return Promise.resolve({ status: 'not-checkable', reason: 'no side-effect-free check exists for this credential type' });
    const verifier = Object.hasOwn(VERIFIERS, name) ? VERIFIERS[name] : undefined;
    if (!verifier) return Promise.resolve({ status: 'not-checkable', reason: `no verifier named ${JSON.stringify(name)}` });
    if (secret === undefined || secret === '') return Promise.resolve({ status: 'unknown', reason: 'the secret is not available' });
    const key = `${name}\0${secretHash(secret)}`;
    let p = this.cache.get(key);
    if (!p) {
      p = this.limit(() => {
        if (name !== 'personal-access-key') this.checked++;
        return verifier(secret, this.http);
      })
        .then((v) => withoutSecret(v, secret))
        .catch((): Verification => ({ status: 'unknown', reason: 'internal error while verifying' }));
      this.cache.set(key, p);
    }
    return p;
  }
}

/**
 * An answer's fields that hold the secret itself are dropped: a server (or a proxy set as the API's
 * base URL) that echoes it would have it printed in every report (found by a trial).
 */
export function withoutSecret(v: Verification, secret: string): Verification {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'string' && x.includes(secret)) continue;
    if (Array.isArray(x) && x.some((y) => typeof y === 'string' && y.includes(secret))) continue;
    out[k] = x;
  }
  return out as unknown as Verification;
}

/**
 * Verify every finding in place: sets `finding.verification`, and lowers an inactive credential's
 * severity to `low` (it is still reported: it was leaked, but it no longer opens anything).
 */
export async function verifyFindings(findings: readonly Finding[], ruleset: RuleSet, opts: VerifyOptions): Promise<VerifySummary> {
  const session = new VerifySession(opts);
  await Promise.all(
    findings.map(async (f) => {
      const name = ruleset.byId.get(f.ruleId)?.spec.verifier ?? null;
      const v = await session.verify(name, rawSecret(f));
      f.verification = { ...v, ...(v.scopes ? { scopes: [...v.scopes] } : {}), ...(v.broadScopes ? { broadScopes: [...v.broadScopes] } : {}) };
      if (v.status === 'inactive') f.severity = 'low';
    }),
  );
  return { checked: session.checked, counts: countStatuses(findings) };
}

export interface VerifySummary {
  /** Unique secrets sent to the API. */
  checked: number;
  counts: Partial<Record<VerificationStatus, number>>;
}

export function countStatuses(findings: readonly Finding[]): Partial<Record<VerificationStatus, number>> {
  const counts: Partial<Record<VerificationStatus, number>> = {};
  for (const f of findings) {
    const s = f.verification?.status;
    if (s) counts[s] = (counts[s] ?? 0) + 1;
  }
  return counts;
}
