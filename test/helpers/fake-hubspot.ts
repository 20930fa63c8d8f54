/**
 * A HubSpot-compatible API for tests: node:http on 127.0.0.1, a random port. It answers the
 * documented shapes of the side-effect-free checks per token (live, invalid, expired, 429 with and
 * without Retry-After, 500, a hang, malformed JSON, a redirect) and records every request
 * (method, path, full URL, body) plus the most requests it ever had in flight, so tests can assert
 * what was sent, how often and how many at once.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LiveInfo {
  hubId: number;
  appId?: number;
  userId?: number;
  user?: string;
  hubDomain?: string;
  clientId?: string;
  scopes: string[];
  /** OAuth access tokens only (default 1800). */
  expiresIn?: number;
}

export type Behaviour =
  | ({ kind: 'live' } & LiveInfo)
  /** 401 INVALID_AUTHENTICATION (HubSpot's answer for an unknown, rotated or revoked credential). */
  | { kind: 'invalid' }
  /** 401 EXPIRED_AUTHENTICATION. */
  | { kind: 'expired' }
  /** 429 `times` times (with `Retry-After: retryAfter` when given), then `then`. */
  | { kind: 'rate-limited'; times: number; retryAfter?: string; then: Behaviour }
  /** 500 `times` times (default always), then `then`. */
  | { kind: 'server-error'; times?: number; then?: Behaviour }
  /** Never answers (the client must time out). */
  | { kind: 'hang' }
  /** 200 with a body that is not JSON. */
  | { kind: 'malformed' }
  /** 404 with a generic body, as a wrong path or a proxy gives. */
  | { kind: 'not-found' }
  /** 307 to another path (must not be followed). */
  | { kind: 'redirect' };

export interface RecordedRequest {
  method: string;
  /** Path without the query. */
  path: string;
  /** Path and query, as sent. */
  url: string;
  body: string;
  /** The token this request was about, as the server read it (undefined for unknown endpoints). */
  token?: string;
  userAgent?: string;
}

export interface FakeHubSpot {
  /** Base URL, e.g. http://127.0.0.1:34567 */
  url: string;
  requests: RecordedRequest[];
  /** The most requests in flight at once since start (or the last reset). */
  maxInFlight: number;
  /** Set or change how a token is answered. Unknown tokens get `invalid`. */
  set(token: string, behaviour: Behaviour): void;
  reset(): void;
  close(): Promise<void>;
}

export interface FakeOptions {
  /** Delay before every answer, in ms (lets concurrent requests overlap). Default 0. */
  delayMs?: number;
}

const PRIVATE_APP_PATH = '/oauth/v2/private-apps/get/access-token-info';

type Endpoint = 'private-app' | 'access-token' | 'refresh-token' | 'legacy';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

function errorBody(message: string, category: string): Record<string, unknown> {
  return { status: 'error', message, correlationId: '00000000-fake-0000-0000-000000000000', category };
}

/** Which endpoint and token a request is about, per the documented shapes. */
function route(method: string, url: URL, body: string): { endpoint: Endpoint; token: string } | undefined {
  const p = url.pathname;
  if (method === 'POST' && p === PRIVATE_APP_PATH) {
    try {
      const parsed = JSON.parse(body) as { tokenKey?: unknown };
      if (typeof parsed.tokenKey === 'string') return { endpoint: 'private-app', token: parsed.tokenKey };
    } catch {
      /* fall through: 400 below */
    }
    return undefined;
  }
  if (method !== 'GET') return undefined;
  let m = /^\/oauth\/v1\/access-tokens\/([^/]+)$/.exec(p);
  if (m) return { endpoint: 'access-token', token: decodeURIComponent(m[1]!) };
  m = /^\/oauth\/v1\/refresh-tokens\/([^/]+)$/.exec(p);
  if (m) return { endpoint: 'refresh-token', token: decodeURIComponent(m[1]!) };
  if (p === '/contacts/v1/lists' && url.searchParams.has('hapikey')) return { endpoint: 'legacy', token: url.searchParams.get('hapikey')! };
  return undefined;
}

function liveBody(endpoint: Endpoint, token: string, b: LiveInfo): unknown {
  switch (endpoint) {
    case 'private-app':
      return { hubId: b.hubId, userId: b.userId, appId: b.appId, scopes: b.scopes };
    case 'access-token':
      // The real endpoint echoes the token: the client must never pass it on.
      return {
        token,
        user: b.user,
        hub_domain: b.hubDomain,
        scopes: b.scopes,
        hub_id: b.hubId,
        app_id: b.appId,
        user_id: b.userId,
        expires_in: b.expiresIn ?? 1800,
        token_type: 'access',
      };
    case 'refresh-token':
      return { token, user: b.user, hub_domain: b.hubDomain, scopes: b.scopes, hub_id: b.hubId, client_id: b.clientId, user_id: b.userId, token_type: 'refresh' };
    case 'legacy':
      return { lists: [{ listId: 1, name: 'All contacts' }], offset: 1, 'has-more': true };
  }
}

export async function startFakeHubSpot(opts: FakeOptions = {}): Promise<FakeHubSpot> {
  const behaviours = new Map<string, Behaviour>();
  const seen = new Map<string, number>();
  let inFlight = 0;

  const fake: FakeHubSpot = {
    url: '',
    requests: [],
    maxInFlight: 0,
    set: (token, behaviour) => {
      behaviours.set(token, behaviour);
      seen.delete(token);
    },
    reset: () => {
      fake.requests.length = 0;
      fake.maxInFlight = 0;
      seen.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  /** The behaviour for the n-th request (0-based) about a token, unrolling 429 / 500 sequences. */
  function behaviourAt(b: Behaviour, n: number): Behaviour {
    if (b.kind === 'rate-limited') return n < b.times ? b : behaviourAt(b.then, n - b.times);
    if (b.kind === 'server-error') {
      const times = b.times ?? Infinity;
      return n < times || !b.then ? b : behaviourAt(b.then, n - times);
    }
    return b;
  }

  const server = createServer(async (req, res) => {
    inFlight++;
    fake.maxInFlight = Math.max(fake.maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(req);
    const r = route(req.method ?? '', url, body);
    fake.requests.push({
      method: req.method ?? '',
      path: url.pathname,
      url: req.url ?? '',
      body,
      token: r?.token,
      userAgent: req.headers['user-agent'],
    });
    if (opts.delayMs) await new Promise((resolve) => setTimeout(resolve, opts.delayMs));
    if (!r) return json(res, 404, errorBody('Not found', 'OBJECT_NOT_FOUND'));

    const n = seen.get(r.token) ?? 0;
    seen.set(r.token, n + 1);
    const b = behaviourAt(behaviours.get(r.token) ?? { kind: 'invalid' }, n);
    switch (b.kind) {
      case 'live':
        return json(res, 200, liveBody(r.endpoint, r.token, b));
      case 'invalid':
        return r.endpoint === 'legacy'
          ? json(res, 401, errorBody("This hapikey doesn't exist.", 'INVALID_AUTHENTICATION'))
          : json(res, 401, errorBody('Authentication credentials not found.', 'INVALID_AUTHENTICATION'));
      case 'expired':
        return json(res, 401, errorBody('The OAuth token used to make this call expired 5 hour(s) ago.', 'EXPIRED_AUTHENTICATION'));
      case 'rate-limited':
        return json(
          res,
          429,
          { ...errorBody('You have reached your ten_secondly_rolling limit.', 'RATE_LIMITS'), policyName: 'TEN_SECONDLY_ROLLING' },
          b.retryAfter !== undefined ? { 'retry-after': b.retryAfter } : {},
        );
      case 'server-error':
        return json(res, 500, errorBody('internal error', 'INTERNAL_ERROR'));
      case 'hang':
        return; // never answers; closeAllConnections() ends it
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{"hubId": 12345, "scopes": [');
      case 'not-found':
        return json(res, 404, errorBody('Not found', 'OBJECT_NOT_FOUND'));
      case 'redirect':
        res.writeHead(307, { location: '/elsewhere' });
        return res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

/** Endpoints that mint, refresh or revoke: a verifier must never call them. */
export function isSideEffect(r: RecordedRequest): boolean {
  return (
    r.method === 'DELETE' ||
    (r.method === 'POST' && r.path.startsWith('/oauth/v1/token')) ||
    r.path.startsWith('/localdevauth') ||
    !['GET', 'POST'].includes(r.method) ||
    (r.method === 'POST' && r.path !== PRIVATE_APP_PATH)
  );
}
