/**
 * Live verification through the CLI, in-process (main()) and through the real bundled bin, against
 * a HubSpot-compatible server on 127.0.0.1 (HUBSPOT_API_BASE_URL): --verify, --fail-on, the verify
 * command, formats, and zero requests without --verify.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN, runBinAsync, runMain, type RunOptions, type RunResult } from './helpers/cli.js';
import { makeRepo } from './helpers/git.js';
import { isSideEffect, startFakeHubSpot, type FakeHubSpot } from './helpers/fake-hubspot.js';
import { fakeHubHex, fakeOAuthAccessToken, fakePersonalAccessKey, fakePrivateAppToken, fakeUuid, Rng } from './helpers/fake-tokens.js';
import { sarifProblems } from './helpers/sarif.js';
import { tempDir } from './helpers/tmp.js';

const rng = new Rng('verify-cli');
const live = fakePrivateAppToken(rng);
const dead = fakePrivateAppToken(rng, 'eu1');
const refresh = fakeHubHex(rng);
const pak = fakePersonalAccessKey(rng);
const secret = fakeUuid(rng);
const flaky = fakePrivateAppToken(rng, 'ap1');
const legacy = fakeUuid(rng);
const ALL = [live, dead, refresh, pak, secret, flaky, legacy];

const dir = tempDir();
const mixed = path.join(dir, 'mixed');
const deadOnly = path.join(dir, 'dead-only');
const unknownOnly = path.join(dir, 'unknown-only');
const uncheckable = path.join(dir, 'uncheckable');
for (const d of [mixed, deadOnly, unknownOnly, uncheckable]) mkdirSync(d);
writeFileSync(path.join(mixed, 'prod.env'), `HUBSPOT_ACCESS_TOKEN=${live}\nHUBSPOT_REFRESH_TOKEN=${refresh}\n`);
writeFileSync(path.join(mixed, 'copy.env'), `HUBSPOT_ACCESS_TOKEN=${live}\nOLD_TOKEN=${dead}\n`);
writeFileSync(path.join(mixed, 'hubspot.config.yml'), `portals:\n  - name: prod\n    personalAccessKey: ${pak}\n`);
writeFileSync(path.join(mixed, 'oauth.yml'), `hubspot:\n  client_secret: ${secret}\n`);
writeFileSync(path.join(deadOnly, 'old.env'), `HUBSPOT_ACCESS_TOKEN=${dead}\n`);
writeFileSync(path.join(unknownOnly, 'x.env'), `HUBSPOT_ACCESS_TOKEN=${flaky}\n`);
writeFileSync(path.join(uncheckable, 'oauth.yml'), `hubspot:\n  client_secret: ${secret}\n`);
writeFileSync(path.join(uncheckable, 'hubspot.config.yml'), `portals:\n  - name: prod\n    personalAccessKey: ${pak}\n`);

let api: FakeHubSpot;
beforeAll(async () => {
  api = await startFakeHubSpot();
  api.set(live, { kind: 'live', hubId: 4242, appId: 77, userId: 9, scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write'] });
  api.set(refresh, { kind: 'live', hubId: 4242, clientId: fakeUuid(rng), scopes: ['oauth'] });
  api.set(flaky, { kind: 'server-error' });
  api.set(legacy, { kind: 'live', hubId: 1, scopes: [] });
});
afterAll(async () => {
  await api.close();
});
beforeEach(() => api.reset());

function expectNoLeak(r: RunResult): void {
  for (const t of ALL) {
    expect(r.stdout).not.toContain(t);
    expect(r.stderr).not.toContain(t);
  }
}

type Runner = (argv: string[], opts: RunOptions) => Promise<RunResult>;

for (const [name, run] of [
  ['main()', runMain],
  ['bin', runBinAsync],
] as [string, Runner][]) {
  const env = (): Record<string, string> => ({ HUBSPOT_API_BASE_URL: api.url });

  describe(`--verify via ${name}`, () => {
    it('JSON: a status per finding, one request per unique secret, no side-effect endpoint', async () => {
      const r = await run(['scan', '--verify', '--format', 'json'], { cwd: mixed, env: env() });
      expect(r.stderr).not.toMatch(/internal error/);
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.stdout) as { findings: { ruleId: string; path: string; line: number; severity: string; verification: Record<string, unknown> }[]; stats: Record<string, unknown> };
      const status = Object.fromEntries(doc.findings.map((f) => [`${f.path}:${f.line}:${f.ruleId}`, f.verification.status]));
      expect(status).toEqual({
        'copy.env:1:hubspot-private-app-token': 'active',
        'copy.env:2:hubspot-private-app-token': 'inactive',
        'prod.env:1:hubspot-private-app-token': 'active',
        'prod.env:2:hubspot-oauth-refresh-token': 'active',
        'hubspot.config.yml:3:hubspot-personal-access-key': 'not-checked',
        'oauth.yml:2:hubspot-oauth-client-secret': 'not-checkable',
      });
      const active = doc.findings.find((f) => f.path === 'prod.env' && f.ruleId === 'hubspot-private-app-token')!;
      expect(active.verification).toEqual({
        status: 'active',
        hubId: 4242,
        appId: 77,
        userId: 9,
        scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write'],
        broadScopes: ['crm.objects.contacts.write'],
      });
      const inactive = doc.findings.find((f) => f.verification.status === 'inactive')!;
      expect(inactive.severity).toBe('low');
      expect(doc.stats['verification']).toEqual({ active: 3, inactive: 1, 'not-checked': 1, 'not-checkable': 1 });
      // live twice, dead once, refresh once: three unique secrets, three requests.
      expect(api.requests.map((q) => q.token).sort()).toEqual([dead, live, refresh].sort());
      expect(api.requests.filter(isSideEffect)).toEqual([]);
      for (const q of api.requests.filter((x) => x.path.includes('private-apps'))) {
        expect(q.url).not.toContain(q.token!);
      }
      expectNoLeak(r);
    });

    it('text: status line per finding and counts in the summary', async () => {
      const r = await run(['scan', '--verify'], { cwd: mixed, env: env() });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/verified: ACTIVE, hub 4242, app 77, user 9, 2 scopes, over-broad: crm\.objects\.contacts\.write/);
      expect(r.stdout).toMatch(/verified: INACTIVE, rejected \(HTTP 401 INVALID_AUTHENTICATION\)/);
      expect(r.stdout).toMatch(/verified: NOT-CHECKED, the only check \(POST \/localdevauth/);
      expect(r.stdout).toContain('Verification: 3 active, 1 inactive, 1 not-checked, 1 not-checkable.');
      expectNoLeak(r);
    });

    it('SARIF: level error for active, note for inactive, verification in properties', async () => {
      const r = await run(['scan', '--verify', '--format', 'sarif'], { cwd: mixed, env: env() });
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.stdout);
      const results = doc.runs[0].results as { level: string; message: { text: string }; properties: { verification?: { status: string } } }[];
      for (const res of results) {
        const st = res.properties.verification!.status;
        if (st === 'active') expect(res.level).toBe('error');
        if (st === 'inactive') expect(res.level).toBe('note');
      }
      expect(results.filter((x) => x.level === 'note')).toHaveLength(1);
      expect(results.some((x) => /Verification: ACTIVE .*hub 4242; 2 scopes; over-broad: crm\.objects\.contacts\.write/.test(x.message.text))).toBe(true);
      expect(sarifProblems(doc)).toEqual([]);
      expectNoLeak(r);
    });

    it('--fail-on active: inactive-only exits 0 (still reported), active exits 1, unknown, not-checkable and not-checked fail closed', async () => {
      const a = await run(['scan', '--verify', '--fail-on', 'active'], { cwd: deadOnly, env: env() });
      expect(a.code).toBe(0);
      expect(a.stdout).toMatch(/low +HubSpot private app access token/);
      expect(a.stdout).toContain('verified: INACTIVE');
      const b = await run(['scan', '--verify', '--fail-on', 'active', '-q'], { cwd: mixed, env: env() });
      expect(b.code).toBe(1);
      const c = await run(['scan', '--verify', '--fail-on', 'active', '-q', '--format', 'json'], {
        cwd: unknownOnly,
        env: { ...env() },
      });
      expect(c.code).toBe(1);
      expect(JSON.parse(c.stdout).findings[0].verification).toEqual({ status: 'unknown', reason: 'HubSpot answered HTTP 500 (after 3 attempts)' });
      // A client secret (not-checkable) and a personal access key (not-checked) are not known to be
      // dead either: they fail closed too (they passed with exit 0; found by a new-user trial).
      const d = await run(['scan', '--verify', '--fail-on', 'active', '-q', '--format', 'json'], { cwd: uncheckable, env: env() });
      expect(d.code, d.stderr).toBe(1);
      expect(JSON.parse(d.stdout).findings.map((f: { verification: { status: string } }) => f.verification.status).sort()).toEqual(['not-checkable', 'not-checked']);
      expectNoLeak(d);
    }, 30_000);

    it('--fail-on none exits 0 with findings; --fail-on any (default) exits 1', async () => {
      expect((await run(['scan', '--fail-on', 'none'], { cwd: mixed, env: env() })).code).toBe(0);
      expect((await run(['scan', '--verify', '--fail-on', 'any', '-q'], { cwd: deadOnly, env: env() })).code).toBe(1);
    });

    it('zero requests without --verify, even with the API base URL set', async () => {
      const r = await run(['scan', '--format', 'json'], { cwd: mixed, env: env() });
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout).findings.every((f: { verification?: unknown }) => f.verification === undefined)).toBe(true);
      expect(api.requests).toEqual([]);
    });

    it('bad options exit 2 naming the flag, before anything is sent', async () => {
      const a = await run(['scan', '--verify', '--api-base-url', 'http://example.com'], { cwd: mixed, env: env() });
      expect(a.code).toBe(2);
      expect(a.stderr).toMatch(/--api-base-url: plain http is only allowed for loopback/);
      const b = await run(['scan', '--verify'], { cwd: mixed, env: { HUBSPOT_API_BASE_URL: 'http://192.0.2.1' } });
      expect(b.code).toBe(2);
      expect(b.stderr).toMatch(/HUBSPOT_API_BASE_URL: plain http/);
      const c = await run(['scan', '--fail-on', 'active'], { cwd: mixed, env: env() });
      expect(c.code).toBe(2);
      expect(c.stderr).toMatch(/--fail-on active needs --verify/);
      const d = await run(['scan', '--verify', '--verify-concurrency', '0'], { cwd: mixed, env: env() });
      expect(d.code).toBe(2);
      expect(d.stderr).toMatch(/--verify-concurrency/);
      expect(api.requests).toEqual([]);
    });
  });

  describe(`audit --verify via ${name}`, () => {
    it('checks a secret that sits in many commits once; inactive history-only findings pass --fail-on active', async () => {
      const repo = makeRepo();
      repo.commit('add config', { 'app.env': `HUBSPOT_ACCESS_TOKEN=${live}\n` });
      repo.commit('copy it', { 'other.env': `# copy\nHUBSPOT_ACCESS_TOKEN=${live}\n` });
      repo.commit('old key', { 'old.env': `HUBSPOT_ACCESS_TOKEN=${dead}\n` });
      const head = repo.git('rev-parse', 'HEAD');
      const r = await run(['audit', '--verify', '--format', 'json', '-q'], { cwd: repo.dir, env: env() });
      expect(r.stderr).not.toMatch(/internal error/);
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.stdout) as { findings: { path: string; verification: { status: string; hubId?: number } }[] };
      expect(doc.findings.map((f) => [f.path, f.verification.status]).sort()).toEqual([
        ['app.env', 'active'],
        ['old.env', 'inactive'],
        ['other.env', 'active'],
      ]);
      expect(api.requests.map((q) => q.token).sort()).toEqual([dead, live].sort());
      expect(repo.git('rev-parse', 'HEAD')).toBe(head);
      expectNoLeak(r);

      api.reset();
      const repo2 = makeRepo();
      repo2.commit('old key', { 'old.env': `HUBSPOT_ACCESS_TOKEN=${dead}\n` });
      const r2 = await run(['audit', '--verify', '--fail-on', 'active', '-q'], { cwd: repo2.dir, env: env() });
      expect(r2.code).toBe(0);
      expect(r2.stdout).toContain('verified: INACTIVE');
      expect(api.requests).toHaveLength(1);
    });
  });

  describe(`verify command via ${name}`, () => {
    it('verify - reads the token from stdin; active exits 1 with hub, app and scopes', async () => {
      const r = await run(['verify', '-'], { cwd: dir, env: env(), stdin: `${live}\n` });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^pat-na1-…[0-9a-f]{4} {2}HubSpot private app access token \(hubspot-private-app-token\)/);
      expect(r.stdout).toMatch(/status: +ACTIVE/);
      expect(r.stdout).toMatch(/account: hub 4242, app 77, user 9/);
      expect(r.stdout).toMatch(/scopes: +crm\.objects\.contacts\.read, crm\.objects\.contacts\.write/);
      expect(r.stdout).toMatch(/over-broad: crm\.objects\.contacts\.write/);
      expect(r.stderr).not.toMatch(/shell history/);
      expect(api.requests).toHaveLength(1);
      expect(JSON.parse(api.requests[0]!.body)).toEqual({ tokenKey: live });
      expectNoLeak(r);
    });

    it('verify <token>: inactive exits 0 and hints at stdin; JSON output', async () => {
      const r = await run(['verify', dead, '--format', 'json'], { cwd: dir, env: env() });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ruleId: 'hubspot-private-app-token', verification: { status: 'inactive' } });
      expect(r.stderr).toMatch(/shell history/);
      expectNoLeak(r);
    });

    it('unknown, not-checked and unrecognised exit 2; --type names what the value cannot', async () => {
      const u = await run(['verify', '-', '-q'], { cwd: dir, env: env(), stdin: flaky });
      expect(u.code).toBe(2);
      expect(u.stdout).toMatch(/status: +unknown \(HubSpot answered HTTP 500/);
      const p = await run(['verify', '-'], { cwd: dir, env: env(), stdin: pak });
      expect(p.code).toBe(2);
      expect(p.stdout).toMatch(/status: +not-checked/);
      const bare = await run(['verify', '-'], { cwd: dir, env: env(), stdin: legacy });
      expect(bare.code).toBe(2);
      expect(bare.stderr).toMatch(/not recognised as a HubSpot credential; .*--type/);
      const typed = await run(['verify', '-', '--type', 'legacy-api-key'], { cwd: dir, env: env(), stdin: legacy });
      expect(typed.code).toBe(1);
      expect(typed.stdout).toMatch(/status: +ACTIVE/);
      const cs = await run(['verify', '-', '--type', 'hubspot-oauth-client-secret'], { cwd: dir, env: env(), stdin: secret });
      expect(cs.code).toBe(2);
      expect(cs.stdout).toMatch(/not-checkable/);
      const tokensSent = api.requests.map((q) => q.token);
      expect(tokensSent).not.toContain(pak);
      expect(tokensSent).not.toContain(secret);
      expect(api.requests.filter(isSideEffect)).toEqual([]);
      for (const x of [u, p, bare, typed, cs]) expectNoLeak(x);
    }, 30_000);

    it('--type that contradicts what the token plainly is: exit 2 naming both, nothing sent', async () => {
      const before = api.requests.length;
      for (const type of ['hubspot-oauth-refresh-token', 'legacy-api-key']) {
        const r = await run(['verify', '-', '--type', type], { cwd: dir, env: env(), stdin: live });
        expect(r.code, type).toBe(2);
        expect(r.stderr).toMatch(new RegExp(`--type ${type}: the token is a HubSpot private app access token \\(hubspot-private-app-token\\), not a .*; nothing was sent`));
        expect(r.stdout).toBe('');
        expectNoLeak(r);
      }
      expect(api.requests.length).toBe(before);
      // The type it is: checked as without --type.
      const same = await run(['verify', '-', '--type', 'hubspot-private-app-token'], { cwd: dir, env: env(), stdin: live });
      expect(same.code).toBe(1);
      // A type the token can also be: a developer key has a refresh token's shape (its verifier cannot check it).
      const requests = api.requests.length;
      const dev = await run(['verify', '-', '--type', 'hubspot-developer-api-key'], { cwd: dir, env: env(), stdin: fakeHubHex(rng) });
      expect(dev.stderr).not.toMatch(/nothing was sent/);
      expect(dev.stdout).toMatch(/HubSpot developer API key \(hubspot-developer-api-key\)\nstatus: +not-checkable/);
      expect(api.requests.length).toBe(requests);
      expectNoLeak(dev);
    });

    it('an OAuth access token is recognised bare and checked by GET; --verify-timeout bounds a hang', async () => {
      const t = fakeOAuthAccessToken(rng, 'na1');
      api.set(t, { kind: 'hang' });
      const r = await run(['verify', '-', '--verify-timeout', '200', '--format', 'json'], { cwd: dir, env: env(), stdin: t });
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout)).toMatchObject({ ruleId: 'hubspot-oauth-access-token', verification: { status: 'unknown', reason: 'timed out after 200 ms' } });
      expect(api.requests.map((q) => `${q.method} ${q.path}`)).toEqual([`GET /oauth/v1/access-tokens/${t}`]);
      expect(r.stdout).not.toContain(t);
    });
  });
}

describe('lazy loading', () => {
  it('the bundled Action keeps the verifiers in a separate chunk that only `verify: true` loads', () => {
    // The CLI is one script run from V8's code cache (src/launch.ts): its verifiers are compiled with
    // the rest and evaluated only for --verify / verify. The Action is ES modules, loaded in pieces.
    const dist = path.dirname(BIN);
    expect(readFileSync(path.join(dist, 'action.js'), 'utf8')).not.toContain('access-token-info');
    const chunks = path.join(dist, 'chunks');
    const holders = readdirSync(chunks).filter((f) => f.endsWith('.js') && readFileSync(path.join(chunks, f), 'utf8').includes('access-token-info'));
    expect(holders).toHaveLength(1);
    expect(holders[0]).toMatch(/^verify-/);
    expect(readFileSync(path.join(dist, 'action.js'), 'utf8')).toContain(`./chunks/${holders[0]}`);
  });
});
