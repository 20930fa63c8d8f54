/**
 * One HTTP exchange with the HubSpot API, with the politeness the API asks for: a timeout per
 * request, 429 honouring Retry-After (or backing off with jitter) a few times, 5xx and network
 * errors retried a little, redirects never followed (a redirect could carry a token elsewhere).
 *
 * Nothing here logs, and no failure reason quotes a URL, a body or a library error message: URLs of
 * some checks hold the token itself. Reasons are built from status codes and error codes only.
 */

export interface HttpOptions {
  /** Base URL without a trailing slash (see base-url.ts). */
  baseUrl: string;
  /** Per-request timeout in milliseconds. */
  timeoutMs: number;
  /** Retries after a 429 (default 3). */
  rateLimitRetries?: number;
  /** Retries after a 5xx or a network error (default 2). */
  serverErrorRetries?: number;
  /** First back-off delay in milliseconds; doubles each time, with jitter (default 500). */
  backoffMs?: number;
  /** A Retry-After longer than this gives up at once (a daily limit, say). Default 30 000 ms. */
  maxRetryAfterMs?: number;
  /** Stop everything (Ctrl-C). */
  signal?: AbortSignal;
  /** Injected for tests; default the global fetch. */
  fetch?: typeof fetch;
  /** Injected for tests; default a timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** User-Agent header. */
  userAgent?: string;
}

export interface ApiRequest {
  method: 'GET' | 'POST';
  /** Path below the base URL, starting with `/`; path segments already encoded. */
  path: string;
  query?: Record<string, string>;
  /** A JSON body (POST). */
  json?: unknown;
}

/** An HTTP answer (any status) with its body parsed as JSON when it was JSON. */
export interface ApiResponse {
  ok: true;
  status: number;
  /** Parsed JSON body, or undefined when the body was empty or not JSON. */
  body: unknown;
  /** True when the body was non-empty and not valid JSON. */
  malformed: boolean;
}

/** No usable answer: timeout, network error, rate limit or server errors that outlasted the retries. */
export interface ApiFailure {
  ok: false;
  reason: string;
}

export type ApiAnswer = ApiResponse | ApiFailure;

const MAX_BODY_CHARS = 1 << 20;

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // An HTTP date names its day (`Wed, 21 Oct 2015 07:28:00 GMT`): `1.5` or `-5` are not dates,
  // though Date.parse reads them as ones long past (no wait at all).
  if (!/^[A-Za-z]{3}/.test(v)) return undefined;
  const when = Date.parse(v);
  if (Number.isNaN(when)) return undefined;
  return Math.max(0, when - now);
}

/** Exponential back-off with jitter: base·2^n scaled by a random factor in [0.5, 1.5). */
export function backoff(baseMs: number, attempt: number, random: () => number = Math.random): number {
  return Math.round(baseMs * 2 ** attempt * (0.5 + random()));
}

/** A short, token-free description of a fetch failure. */
function describeError(err: unknown): { kind: 'timeout' | 'aborted' | 'network'; text: string } {
  const e = err as { name?: string; cause?: { code?: unknown; name?: string; errors?: { code?: unknown }[] } };
  if (e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError') return { kind: 'timeout', text: 'timed out' };
  if (e?.name === 'AbortError') return { kind: 'aborted', text: 'interrupted' };
  // One address refused: the cause has the code; several (IPv6 and IPv4): an AggregateError of them.
  const raw = e?.cause?.code ?? e?.cause?.errors?.[0]?.code;
  const code = typeof raw === 'string' && /^[A-Z0-9_]{2,40}$/.test(raw) ? raw : undefined;
  return { kind: 'network', text: code ? `network error (${code})` : 'network error' };
}

export function buildUrl(baseUrl: string, req: ApiRequest): string {
  const qs = req.query ? `?${new URLSearchParams(req.query).toString()}` : '';
  return `${baseUrl}${req.path}${qs}`;
}

/** One request with retries. Never throws for HTTP or network trouble; returns a failure instead. */
export async function callApi(opts: HttpOptions, req: ApiRequest): Promise<ApiAnswer> {
  const doFetch = opts.fetch ?? fetch;
  const sleep = opts.sleep ?? defaultSleep;
  const rateRetries = opts.rateLimitRetries ?? 3;
  const serverRetries = opts.serverErrorRetries ?? 2;
  const base = opts.backoffMs ?? 500;
  const maxRetryAfter = opts.maxRetryAfterMs ?? 30_000;
  const url = buildUrl(opts.baseUrl, req);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.userAgent) headers['user-agent'] = opts.userAgent;
  if (req.json !== undefined) headers['content-type'] = 'application/json';

  let rateTries = 0;
  let serverTries = 0;
  for (;;) {
    if (opts.signal?.aborted) return { ok: false, reason: 'interrupted' };
    const timeout = AbortSignal.timeout(opts.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    let status: number;
    let retryAfter: string | null;
    let text: string;
    try {
      const res = await doFetch(url, {
        method: req.method,
        headers,
        body: req.json === undefined ? undefined : JSON.stringify(req.json),
        redirect: 'manual',
        signal,
      });
      status = res.status;
      retryAfter = res.headers.get('retry-after');
      text = await res.text();
    } catch (err) {
      const d = describeError(err);
      if (d.kind === 'timeout') return { ok: false, reason: `timed out after ${opts.timeoutMs} ms` };
      if (d.kind === 'aborted' || opts.signal?.aborted) return { ok: false, reason: 'interrupted' };
      if (serverTries < serverRetries) {
        await sleep(backoff(base, serverTries++), opts.signal);
        continue;
      }
      return { ok: false, reason: d.text };
    }

    if (status === 429) {
      const wait = parseRetryAfter(retryAfter);
      if (wait !== undefined && wait > maxRetryAfter) {
        return { ok: false, reason: `rate limited (HTTP 429, Retry-After ${Math.ceil(wait / 1000)} s)` };
      }
      if (rateTries < rateRetries) {
        await sleep(wait ?? backoff(base, rateTries), opts.signal);
        rateTries++;
        continue;
      }
      return { ok: false, reason: `rate limited (HTTP 429 after ${rateTries + 1} attempts)` };
    }
    if (status >= 500) {
      if (serverTries < serverRetries) {
        await sleep(backoff(base, serverTries++), opts.signal);
        continue;
      }
      return { ok: false, reason: `HubSpot answered HTTP ${status} (after ${serverTries + 1} attempts)` };
    }

    const trimmed = text.length > MAX_BODY_CHARS ? '' : text.trim();
    if (trimmed === '') return { ok: true, status, body: undefined, malformed: text.length > MAX_BODY_CHARS };
    try {
      return { ok: true, status, body: JSON.parse(trimmed) as unknown, malformed: false };
    } catch {
      return { ok: true, status, body: undefined, malformed: true };
    }
  }
}
