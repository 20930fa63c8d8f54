/**
 * One verifier per `verifier` name used in rules/*.json. Each calls one side-effect-free HubSpot
 * endpoint and turns the answer into a Verification. Never called here: any DELETE (revokes),
 * POST /oauth/v1/token (mints a token), /localdevauth (mints a token).
 *
 * Reading answers: 2xx with the expected fields → active; 401 → inactive; 400 / 403 / 404 only when
 * HubSpot says the credential is invalid or expired (its `category`, or a message saying so) →
 * inactive; everything else (redirects, other statuses, bodies not understood) → unknown. Only
 * fields are copied out of a body, never the body itself (OAuth answers echo the token).
 */
import type { Verification } from '../core/types.js';
import { callApi, type ApiAnswer, type HttpOptions } from './http.js';
import { broadScopes } from './scopes.js';
import { CONTROL_CHAR } from '../report/display.js';

export type Verifier = (secret: string, http: HttpOptions) => Promise<Verification>;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function int(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && /^\d{1,15}$/.test(v)) return Number(v);
  return undefined;
}


function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= 320 && !CONTROL_CHAR.test(v) ? v : undefined; // an answer is printed: no control characters
}

/** What a HubSpot scope looks like (`crm.objects.contacts.read`, `e-commerce`, `oauth`). */
const SCOPE = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$/;

/**
 * The answer's scopes, when each is scope-shaped (else none: an answer with a scope holding text or
 * terminal escapes is not HubSpot's, and it would be printed: found by a trial).
 */
function scopeList(v: unknown): string[] | undefined {
  const list = Array.isArray(v) ? v : typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : undefined;
  if (list === undefined) return undefined;
  const s = list.filter((x): x is string => typeof x === 'string' && SCOPE.test(x));
  return s.length === list.length ? s : undefined;
}

/** Drop undefined fields so JSON stays tidy. */
function clean(v: Verification): Verification {
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined)) as unknown as Verification;
}

function active(fields: Omit<Verification, 'status'>): Verification {
  const scopes = fields.scopes;
  const broad = scopes ? broadScopes(scopes) : undefined;
  return clean({ status: 'active', ...fields, broadScopes: broad?.length ? broad : undefined });
}

const INVALID_CATEGORIES = new Set(['INVALID_AUTHENTICATION', 'EXPIRED_AUTHENTICATION']);
/** A message that says the credential itself is bad (not merely "Not found", which a wrong path gives too). */
const INVALID_MESSAGE =
  /\b(?:token|hapikey|key|credentials?)\b[^.]{0,60}?\b(?:expired|revoked|invalid|not (?:be )?found|does(?:n't| not) exist|not valid)\b|\b(?:expired|revoked|invalid|unknown) (?:oauth |access |refresh )?(?:token|hapikey|key)\b/i;

/**
 * The common reading of an answer; `onSuccess` extracts the fields of a 2xx body, or returns
 * undefined when it does not look like the documented answer.
 */
export function interpret(answer: ApiAnswer, onSuccess: (body: Obj) => Verification | undefined): Verification {
  if (!answer.ok) return { status: 'unknown', reason: answer.reason };
  const { status, body } = answer;
  if (status >= 200 && status < 300) {
    if (answer.malformed) return { status: 'unknown', reason: `answer not understood (HTTP ${status}, body is not JSON)` };
    const v = isObj(body) ? onSuccess(body) : undefined;
    return v ?? { status: 'unknown', reason: `answer not understood (HTTP ${status}, unexpected fields)` };
  }
  const category = isObj(body) ? str(body['category']) : undefined;
  const message = isObj(body) ? str(body['message']) : undefined;
  const tag = category && /^[A-Z_]{2,60}$/.test(category) ? ` ${category}` : '';
  const expired = category === 'EXPIRED_AUTHENTICATION' || (message !== undefined && /\bexpired\b/i.test(message));
  if (status === 401) {
    return { status: 'inactive', reason: `${expired ? 'expired' : 'rejected'} (HTTP 401${tag})` };
  }
  if (status === 400 || status === 403 || status === 404) {
    if ((category && INVALID_CATEGORIES.has(category)) || (message !== undefined && INVALID_MESSAGE.test(message))) {
      return { status: 'inactive', reason: `${expired ? 'expired' : 'rejected'} (HTTP ${status}${tag})` };
    }
  }
  if (status >= 300 && status < 400) return { status: 'unknown', reason: `redirected (HTTP ${status}); not followed` };
  return { status: 'unknown', reason: `answer not understood (HTTP ${status}${tag})` };
}

/** POST /oauth/v2/private-apps/get/access-token-info {tokenKey}: the token travels in the body. */
export const privateAppToken: Verifier = async (secret, http) =>
  interpret(
    await callApi(http, { method: 'POST', path: '/oauth/v2/private-apps/get/access-token-info', json: { tokenKey: secret } }),
    (b) => {
      const hubId = int(b['hubId']);
      const scopes = scopeList(b['scopes']);
      if (hubId === undefined && scopes === undefined) return undefined;
      return active({ hubId, appId: int(b['appId']), userId: int(b['userId']), scopes });
    },
  );

/** GET /oauth/v1/access-tokens/<token>: metadata of an OAuth access token. */
export const oauthAccessToken: Verifier = async (secret, http) =>
  interpret(await callApi(http, { method: 'GET', path: `/oauth/v1/access-tokens/${encodeURIComponent(secret)}` }), (b) => {
    const hubId = int(b['hub_id']);
    const scopes = scopeList(b['scopes']);
    if (hubId === undefined && scopes === undefined) return undefined;
    const expiresIn = int(b['expires_in']) ?? (typeof b['expires_in'] === 'number' ? Math.trunc(b['expires_in']) : undefined);
    if (expiresIn !== undefined && expiresIn <= 0) return clean({ status: 'inactive', hubId, reason: 'expired' });
    return active({
      hubId,
      appId: int(b['app_id']),
      userId: int(b['user_id']),
      user: str(b['user']),
      hubDomain: str(b['hub_domain']),
      scopes,
      expiresIn,
    });
  });

/** GET /oauth/v1/refresh-tokens/<token>: metadata of a refresh token. Never DELETE this path. */
export const oauthRefreshToken: Verifier = async (secret, http) =>
  interpret(await callApi(http, { method: 'GET', path: `/oauth/v1/refresh-tokens/${encodeURIComponent(secret)}` }), (b) => {
    const hubId = int(b['hub_id']);
    const scopes = scopeList(b['scopes']);
    const clientId = str(b['client_id']);
    if (hubId === undefined && scopes === undefined && clientId === undefined) return undefined;
    return active({ hubId, userId: int(b['user_id']), user: str(b['user']), hubDomain: str(b['hub_domain']), clientId, scopes });
  });

/** GET /contacts/v1/lists?count=1&hapikey=<key>: any JSON object back means the key works. */
export const legacyApiKey: Verifier = async (secret, http) =>
  interpret(
    await callApi(http, { method: 'GET', path: '/contacts/v1/lists', query: { count: '1', hapikey: secret } }),
    () => active({ reason: 'legacy API keys grant full access to the account' }),
  );

/** The only endpoint (POST /localdevauth/v1/auth/refresh) mints an access token: not called. */
export const personalAccessKey: Verifier = async () => ({
  status: 'not-checked',
  reason: 'the only check (POST /localdevauth/v1/auth/refresh) mints an access token, so it is not called',
});

/** Verifier names as used in rules/*.json. */
export const VERIFIERS: Readonly<Record<string, Verifier>> = {
  'private-app-token': privateAppToken,
  'oauth-access-token': oauthAccessToken,
  'oauth-refresh-token': oauthRefreshToken,
  'legacy-api-key': legacyApiKey,
  'personal-access-key': personalAccessKey,
};
