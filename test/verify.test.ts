/**
 * Live verification through the library, against a HubSpot-compatible server on 127.0.0.1: statuses
 * per answer, the requests made (method, path, body; no private app token in a URL; no side-effect
 * endpoint), one request per unique secret, the concurrency bound, retries and time-outs.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Finding, RuleSpec } from '../src/core/types.js';
import { UsageError } from '../src/errors.js';
import { builtinRuleSet } from '../src/rules/index.js';
import { scan } from '../src/scan.js';
import type { SourceEvent } from '../src/sources/types.js';
import { backoff, callApi, parseRetryAfter } from '../src/verify/http.js';
import {
  broadScopes,
  limiter,
  resolveApiBaseUrl,
  VERIFIERS,
  verifyFindings,
  VerifySession,
  type VerifyOptions,
} from '../src/verify/index.js';
import { ROOT } from './helpers/cli.js';
import { isSideEffect, startFakeHubSpot, type FakeHubSpot } from './helpers/fake-hubspot.js';
import { fakeHubHex, fakeOAuthAccessToken, fakePersonalAccessKey, fakePrivateAppToken, fakeUuid, Rng } from './helpers/fake-tokens.js';

const rng = new Rng('verify-lib');
const SCOPES = ['oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.objects.contacts.sensitive.read'];

let api: FakeHubSpot;
let delays: number[];
function opts(extra: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    baseUrl: api.url,
    timeoutMs: 2000,
    concurrency: 4,
    backoffMs: 40,
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...extra,
  };
}

beforeAll(async () => {
  api = await startFakeHubSpot();
});
afterAll(async () => {
  await api.close();
});
beforeEach(() => {
  api.reset();
  delays = [];
});

function expectNoSideEffects(): void {
  expect(api.requests.filter(isSideEffect)).toEqual([]);
}

describe('private app tokens', () => {
  it('active: POST access-token-info with the token in the JSON body only; ids and over-broad scopes', async () => {
    const pat = fakePrivateAppToken(rng);
    api.set(pat, { kind: 'live', hubId: 4242, appId: 77, userId: 9, scopes: SCOPES });
    const v = await new VerifySession(opts()).verify('private-app-token', pat);
    expect(v).toEqual({
      status: 'active',
      hubId: 4242,
      appId: 77,
      userId: 9,
      scopes: SCOPES,
      broadScopes: ['crm.objects.contacts.write', 'crm.objects.contacts.sensitive.read'],
    });
    expect(api.requests).toHaveLength(1);
    const [r] = api.requests;
    expect(r!.method).toBe('POST');
    expect(r!.path).toBe('/oauth/v2/private-apps/get/access-token-info');
    expect(JSON.parse(r!.body)).toEqual({ tokenKey: pat });
    expect(r!.url).not.toContain(pat);
    expect(r!.url).not.toContain(pat.slice(8));
    expect(r!.userAgent).toMatch(/^hubspot-secrets\//);
  });

  it('inactive on 401 INVALID_AUTHENTICATION, expired on EXPIRED_AUTHENTICATION', async () => {
    const a = fakePrivateAppToken(rng);
    const b = fakePrivateAppToken(rng, 'eu1');
    api.set(a, { kind: 'invalid' });
    api.set(b, { kind: 'expired' });
    const s = new VerifySession(opts());
    expect(await s.verify('private-app-token', a)).toEqual({ status: 'inactive', reason: 'rejected (HTTP 401 INVALID_AUTHENTICATION)' });
    expect(await s.verify('private-app-token', b)).toEqual({ status: 'inactive', reason: 'expired (HTTP 401 EXPIRED_AUTHENTICATION)' });
  });
});

describe('OAuth tokens', () => {
  it('access token: GET /oauth/v1/access-tokens/<token>; the echoed token is not copied', async () => {
    const t = fakeOAuthAccessToken(rng, 'na1');
    api.set(t, { kind: 'live', hubId: 62515, appId: 456789, userId: 123, user: 'dev@example.com', hubDomain: 'demo.hubspot.com', scopes: ['oauth', 'crm.objects.deals.read'] });
    const v = await new VerifySession(opts()).verify('oauth-access-token', t);
    expect(v).toEqual({
      status: 'active',
      hubId: 62515,
      appId: 456789,
      userId: 123,
      user: 'dev@example.com',
      hubDomain: 'demo.hubspot.com',
      scopes: ['oauth', 'crm.objects.deals.read'],
      expiresIn: 1800,
    });
    expect(JSON.stringify(v)).not.toContain(t);
    expect(api.requests.map((r) => [r.method, r.path])).toEqual([['GET', `/oauth/v1/access-tokens/${t}`]]);
  });

  it("an answer's fields holding the token, terminal escapes or lines are not kept: reports print them (a scope with the token and `\\n::warning::` came out whole: found by a trial)", async () => {
    const t = fakeOAuthAccessToken(rng, 'na1');
    api.set(t, { kind: 'live', hubId: 62515, user: `dev@example.com\u001b[2J`, hubDomain: `${t}.hubspot.com`, scopes: ['oauth', `x ${t} \u001b[2J\n::warning::all clear`] });
    expect(await new VerifySession(opts()).verify('oauth-access-token', t)).toEqual({ status: 'active', hubId: 62515, expiresIn: 1800 });
    // An echo in a field the verifier keeps as it is (a string the answer gives) is dropped too.
    const u = fakeOAuthAccessToken(rng, 'na1');
    expect(`owner of ${u}`.length).toBeLessThanOrEqual(320); // short enough to be kept as a user name
    api.set(u, { kind: 'live', hubId: 1, user: `owner of ${u}`, scopes: ['oauth'] });
    const v = await new VerifySession(opts()).verify('oauth-access-token', u);
    expect(v).toEqual({ status: 'active', hubId: 1, scopes: ['oauth'], expiresIn: 1800 });
  });

  it('access token with expires_in 0 is inactive (expired)', async () => {
    const t = fakeOAuthAccessToken(rng);
    api.set(t, { kind: 'live', hubId: 1, scopes: ['oauth'], expiresIn: 0 });
    expect(await new VerifySession(opts()).verify('oauth-access-token', t)).toEqual({ status: 'inactive', hubId: 1, reason: 'expired' });
  });

  it('refresh token: GET /oauth/v1/refresh-tokens/<token>, never DELETE, never POST /oauth/v1/token', async () => {
    const live = fakeHubHex(rng);
    const dead = fakeHubHex(rng, 'eu1');
    api.set(live, { kind: 'live', hubId: 99, clientId: fakeUuid(rng), userId: 5, scopes: ['oauth', 'automation'] });
    const s = new VerifySession(opts());
    const v = await s.verify('oauth-refresh-token', live);
    expect(v).toMatchObject({ status: 'active', hubId: 99, userId: 5, scopes: ['oauth', 'automation'], broadScopes: ['automation'] });
    expect(v.clientId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await s.verify('oauth-refresh-token', dead)).status).toBe('inactive');
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /oauth/v1/refresh-tokens/${live}`,
      `GET /oauth/v1/refresh-tokens/${dead}`,
    ]);
    expectNoSideEffects();
  });
});

describe('legacy API keys and the types without a check', () => {
  it('legacy key: GET /contacts/v1/lists?count=1&hapikey=…; 401 "doesn\'t exist" is inactive', async () => {
    const live = fakeUuid(rng);
    const dead = fakeUuid(rng);
    api.set(live, { kind: 'live', hubId: 1, scopes: [] });
    const s = new VerifySession(opts());
    expect(await s.verify('legacy-api-key', live)).toEqual({ status: 'active', reason: 'legacy API keys grant full access to the account' });
    expect(await s.verify('legacy-api-key', dead)).toEqual({ status: 'inactive', reason: 'rejected (HTTP 401 INVALID_AUTHENTICATION)' });
    expect(api.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      `GET /contacts/v1/lists?count=1&hapikey=${live}`,
      `GET /contacts/v1/lists?count=1&hapikey=${dead}`,
    ]);
  });

  it('personal access keys are not checked and client secrets are not checkable: zero requests', async () => {
    const s = new VerifySession(opts());
    expect((await s.verify('personal-access-key', fakePersonalAccessKey(rng))).status).toBe('not-checked');
    expect((await s.verify(null, fakeUuid(rng))).status).toBe('not-checkable');
    expect((await s.verify('no-such-verifier', fakeUuid(rng))).status).toBe('not-checkable');
    expect(s.checked).toBe(0);
    expect(api.requests).toEqual([]);
  });
});

describe('answers that are not understood are unknown, never inactive', () => {
  it('malformed JSON, a generic 404, a redirect (not followed)', async () => {
    const [a, b, c] = [fakePrivateAppToken(rng), fakePrivateAppToken(rng), fakePrivateAppToken(rng)];
    api.set(a, { kind: 'malformed' });
    api.set(b, { kind: 'not-found' });
    api.set(c, { kind: 'redirect' });
    const s = new VerifySession(opts());
    expect(await s.verify('private-app-token', a)).toEqual({ status: 'unknown', reason: 'answer not understood (HTTP 200, body is not JSON)' });
    expect(await s.verify('private-app-token', b)).toEqual({ status: 'unknown', reason: 'answer not understood (HTTP 404 OBJECT_NOT_FOUND)' });
    expect(await s.verify('private-app-token', c)).toEqual({ status: 'unknown', reason: 'redirected (HTTP 307); not followed' });
    expect(api.requests.map((r) => r.path)).not.toContain('/elsewhere');
    expect(api.requests).toHaveLength(3);
  });

  it('a hang times out as unknown', async () => {
    const t = fakePrivateAppToken(rng);
    api.set(t, { kind: 'hang' });
    expect(await new VerifySession(opts({ timeoutMs: 150 })).verify('private-app-token', t)).toEqual({
      status: 'unknown',
      reason: 'timed out after 150 ms',
    });
  });

  it('a refused connection is unknown and its reason holds no URL', async () => {
    const t = fakeHubHex(rng);
    const s = new VerifySession(opts({ baseUrl: 'http://127.0.0.1:9' }));
    const v = await s.verify('oauth-refresh-token', t);
    expect(v.status).toBe('unknown');
    expect(v.reason).toMatch(/^network error/);
    expect(JSON.stringify(v)).not.toContain(t);
    expect(delays).toHaveLength(2); // retried twice
  });
});

describe('rate limits and server errors', () => {
  it('429 with Retry-After: waits that long, then succeeds', async () => {
    const t = fakePrivateAppToken(rng);
    api.set(t, { kind: 'rate-limited', times: 2, retryAfter: '7', then: { kind: 'live', hubId: 3, scopes: ['oauth'] } });
    expect((await new VerifySession(opts()).verify('private-app-token', t)).status).toBe('active');
    expect(delays).toEqual([7000, 7000]);
    expect(api.requests).toHaveLength(3);
  });

  it('429 without Retry-After: exponential back-off with jitter', async () => {
    const t = fakePrivateAppToken(rng);
    api.set(t, { kind: 'rate-limited', times: 3, then: { kind: 'live', hubId: 3, scopes: [] } });
    expect((await new VerifySession(opts()).verify('private-app-token', t)).status).toBe('active');
    expect(delays).toHaveLength(3);
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(40 * 2 ** i * 0.5);
      expect(d).toBeLessThan(40 * 2 ** i * 1.5 + 1);
    });
  });

  it('429 for good: unknown after a few attempts; a Retry-After of an hour gives up at once', async () => {
    const a = fakePrivateAppToken(rng);
    const b = fakePrivateAppToken(rng);
    api.set(a, { kind: 'rate-limited', times: 100, then: { kind: 'invalid' } });
    api.set(b, { kind: 'rate-limited', times: 100, retryAfter: '3600', then: { kind: 'invalid' } });
    const s = new VerifySession(opts());
    expect(await s.verify('private-app-token', a)).toEqual({ status: 'unknown', reason: 'rate limited (HTTP 429 after 4 attempts)' });
    expect(await s.verify('private-app-token', b)).toEqual({ status: 'unknown', reason: 'rate limited (HTTP 429, Retry-After 3600 s)' });
    expect(api.requests.filter((r) => r.token === a)).toHaveLength(4);
    expect(api.requests.filter((r) => r.token === b)).toHaveLength(1);
  });

  it('5xx is retried, then unknown; a transient 500 recovers', async () => {
    const a = fakeOAuthAccessToken(rng);
    const b = fakeOAuthAccessToken(rng);
    api.set(a, { kind: 'server-error' });
    api.set(b, { kind: 'server-error', times: 1, then: { kind: 'invalid' } });
    const s = new VerifySession(opts());
    expect(await s.verify('oauth-access-token', a)).toEqual({ status: 'unknown', reason: 'HubSpot answered HTTP 500 (after 3 attempts)' });
    expect(await s.verify('oauth-access-token', b)).toEqual({ status: 'inactive', reason: 'rejected (HTTP 401 INVALID_AUTHENTICATION)' });
    expect(api.requests.filter((r) => r.token === a)).toHaveLength(3);
    expect(api.requests.filter((r) => r.token === b)).toHaveLength(2);
  });

  it('Retry-After as an HTTP date; back-off grows', () => {
    expect(parseRetryAfter(new Date(10_000 + 5000).toUTCString(), 10_000)).toBe(5000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    // Not seconds and not a date (Date.parse reads them as dates long past: no wait at all).
    for (const v of ['1.5', '-5', '+5', '0x10']) expect(parseRetryAfter(v, 10_000), v).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(backoff(100, 3, () => 0.5)).toBe(800);
  });
});

function items(files: Record<string, string>): SourceEvent[] {
  return Object.entries(files).map(([p, content]) => ({ kind: 'item', path: p, content }));
}

describe('verifyFindings', () => {
  it('checks each unique secret once, sets verification on every finding, lowers inactive severity', async () => {
    const live = fakePrivateAppToken(rng);
    const dead = fakePrivateAppToken(rng);
    const refresh = fakeHubHex(rng);
    api.set(live, { kind: 'live', hubId: 7, scopes: ['crm.objects.contacts.read'] });
    const ruleset = builtinRuleSet();
    const result = await scan(
      items({
        'a.env': `HUBSPOT_ACCESS_TOKEN=${live}\nOTHER=${dead}\n`,
        'b.env': `HUBSPOT_ACCESS_TOKEN=${live}\n`,
        'c.ts': `const t = "${live}"; // ${live}\n`,
        'd.sh': `HUBSPOT_REFRESH_TOKEN=${refresh}\n`,
        'e.yml': `hubspot:\n  client_secret: ${fakeUuid(rng)}\n`,
      }),
      { ruleset },
    );
    expect(result.findings.length).toBe(7);
    const summary = await verifyFindings(result.findings, ruleset, opts());
    expect(summary.checked).toBe(3);
    expect(api.requests).toHaveLength(3);
    expect(new Set(api.requests.map((r) => r.token))).toEqual(new Set([live, dead, refresh]));
    const by = (status: string): Finding[] => result.findings.filter((f) => f.verification?.status === status);
    expect(by('active')).toHaveLength(4);
    expect(by('active').every((f) => f.verification!.hubId === 7 && f.severity === 'critical')).toBe(true);
    expect(by('inactive').map((f) => [f.ruleId, f.severity])).toEqual([
      ['hubspot-private-app-token', 'low'],
      ['hubspot-oauth-refresh-token', 'low'],
    ]);
    expect(by('not-checkable').map((f) => f.ruleId)).toEqual(['hubspot-oauth-client-secret']);
    expect(summary.counts).toEqual({ active: 4, inactive: 2, 'not-checkable': 1 });
    // Findings do not share one mutable verification object.
    by('active')[0]!.verification!.scopes!.push('x');
    expect(by('active')[1]!.verification!.scopes).toEqual(['crm.objects.contacts.read']);
    expect(JSON.stringify(result.findings)).not.toContain(live);
    expectNoSideEffects();
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    const slow = await startFakeHubSpot({ delayMs: 60 });
    try {
      const tokens = Array.from({ length: 9 }, () => fakePrivateAppToken(rng));
      tokens.forEach((t, i) => slow.set(t, { kind: 'live', hubId: i + 1, scopes: [] }));
      const ruleset = builtinRuleSet();
      for (const concurrency of [3, 1]) {
        slow.reset();
        const result = await scan(items(Object.fromEntries(tokens.map((t, i) => [`f${i}.env`, `HUBSPOT_ACCESS_TOKEN=${t}\n`]))), { ruleset });
        await verifyFindings(result.findings, ruleset, opts({ baseUrl: slow.url, concurrency }));
        expect(slow.requests).toHaveLength(9);
        expect(slow.maxInFlight).toBe(concurrency);
        expect(result.findings.every((f) => f.verification?.status === 'active')).toBe(true);
      }
    } finally {
      await slow.close();
    }
  });

  it('limiter hands a slot straight to the next task', async () => {
    const limit = limiter(2);
    let running = 0;
    let most = 0;
    const task = async (): Promise<void> => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setImmediate(r));
      running--;
    };
    await Promise.all(Array.from({ length: 20 }, () => limit(task)));
    expect(most).toBe(2);
  });
});

describe('base URL, scopes, registry', () => {
  it('https anywhere, http only on loopback; bad values name the flag or variable', () => {
    expect(resolveApiBaseUrl(undefined, {})).toBe('https://api.hubapi.com');
    expect(resolveApiBaseUrl('https://proxy.example.com/hubspot/', {})).toBe('https://proxy.example.com/hubspot');
    expect(resolveApiBaseUrl(undefined, { HUBSPOT_API_BASE_URL: 'http://127.0.0.1:8080' })).toBe('http://127.0.0.1:8080');
    expect(resolveApiBaseUrl('http://localhost:1', {})).toBe('http://localhost:1');
    expect(resolveApiBaseUrl('http://[::1]:1', {})).toBe('http://[::1]:1');
    expect(() => resolveApiBaseUrl('http://api.hubapi.com', {})).toThrow(/--api-base-url: plain http is only allowed for loopback/);
    expect(() => resolveApiBaseUrl(undefined, { HUBSPOT_API_BASE_URL: 'http://10.0.0.1' })).toThrow(/HUBSPOT_API_BASE_URL: plain http/);
    expect(() => resolveApiBaseUrl('ftp://x', {})).toThrow(UsageError);
    expect(() => resolveApiBaseUrl('not a url', {})).toThrow(/--api-base-url: not a URL/);
    expect(() => resolveApiBaseUrl('https://u:p@x.example', {})).toThrow(/credentials/);
    expect(() => resolveApiBaseUrl('https://x.example/?a=1', {})).toThrow(/query/);
  });

  it('flags write, delete, sensitive and legacy all-access scopes', () => {
    expect(
      broadScopes([
        'oauth',
        'crm.objects.contacts.read',
        'crm.objects.contacts.write',
        'crm.objects.contacts.highly_sensitive.read.v2',
        'crm.objects.deals.sensitive.read',
        'cms.domains.delete',
        'contacts',
        'crm.export',
        'tickets',
        'crm.schemas.deals.read',
      ]),
    ).toEqual([
      'crm.objects.contacts.write',
      'crm.objects.contacts.highly_sensitive.read.v2',
      'crm.objects.deals.sensitive.read',
      'cms.domains.delete',
      'contacts',
      'crm.export',
      'tickets',
    ]);
  });

  it('every verifier named in rules/*.json exists, and every verifier is used by a rule', () => {
    const names = readdirSync(path.join(ROOT, 'rules'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => (JSON.parse(readFileSync(path.join(ROOT, 'rules', f), 'utf8')) as RuleSpec).verifier)
      .filter((v): v is string => v !== null);
    expect(new Set(names)).toEqual(new Set(Object.keys(VERIFIERS)));
  });
});

describe('network failures are named by their code', () => {
  it('one refused address, and every address refused (an AggregateError of IPv6 and IPv4)', async () => {
    const refused = (): Error => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    const cases: [string, unknown][] = [
      ['one address', refused()],
      ['every address', new AggregateError([refused(), refused()], '')],
    ];
    for (const [what, cause] of cases) {
      const answer = await callApi(
        { baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000, serverErrorRetries: 0, fetch: async () => Promise.reject(new TypeError('fetch failed', { cause })), sleep: async () => {} },
        { method: 'GET', path: '/x' },
      );
      expect(answer, what).toMatchObject({ ok: false, reason: 'network error (ECONNREFUSED)' });
    }
  });
});
