/**
 * The prefilter (windows around cheap shapes, literal finders) is only a way to run fewer regexes:
 * detect() must give exactly what running every pattern over the whole text gives.
 */
import { describe, expect, it } from 'vitest';
import { detect } from '../src/core/detect.js';
import { hubhexShapes, uuidShapes } from '../src/core/prefilter.js';
import { patternGate } from '../src/core/rules.js';
import type { RuleSet } from '../src/core/types.js';
import { builtinRuleSet } from '../src/rules/index.js';
import { fakeHubHex, fakeOAuthAccessToken, fakePersonalAccessKey, fakePrivateAppToken, fakeSmtpPassword, fakeUuid, Rng } from './helpers/fake-tokens.js';

/** The same rules without gates or leads: every pattern runs over the whole text (when its rule's keyword is there). */
function ungated(rs: RuleSet): RuleSet {
  const rules = rs.rules.map((r) => ({ ...r, gates: r.gates.map(() => null), leads: r.leads.map(() => null) }));
  return { rules, byId: new Map(rules.map((r) => [r.id, r])), keywords: rs.keywords };
}

/** A hublet-hex id whose first group has 8 hex (`na1-xxxxxxxx-xxxx-…`), as some developer keys do. */
function hubHex8(rng: Rng, hublet: string): string {
  const u = fakeUuid(rng);
  return `${hublet}-${u}`;
}

const KEYS = [
  'client_secret', 'client-secret', 'clientSecret', 'app_secret', 'appsecret', 'webhook.secret', 'signing_secret',
  'api_key', 'apiKey', 'api-key', 'hapikey', 'hubspot_api_key', 'hubspotToken', 'HUBSPOT_KEY', 'developer_api_key',
  'dev_api_key', 'devapikey', 'refresh_token', 'refreshToken', 'access_token', 'password', 'smtp_pass', 'id', 'apiClient', 'app', 'dev',
];
const WORDS = ['hubspot', 'smtp.hubspot.net', 'developer', 'webhooks', 'const', 'return', 'na1', 'x', '-', '_', 'pat', 'Bearer', 'value:'];
const ASSIGN = [' = ', ': ', '=', '": "', "='", ' => ', '(', ' ', ':\n  ', ': >-\n  ', '=\\"'];

function value(rng: Rng): string {
  const hublet = rng.pick(['na1', 'na2', 'eu1', 'ap1', 'NA1', 'na12', 'xy9', 'a1', 'abc1']);
  switch (rng.int(12)) {
    case 0: return fakeUuid(rng);
    case 1: return fakeHubHex(rng, hublet);
    case 2: return hubHex8(rng, hublet);
    case 3: return fakePrivateAppToken(rng, hublet);
    case 4: return `pat-${hublet}-${fakeUuid(rng)}`.toUpperCase();
    case 5: return fakePersonalAccessKey(rng, 'na1');
    case 6: return fakeOAuthAccessToken(rng, 'na1');
    case 7: return fakeSmtpPassword(rng);
    case 8: return `${rng.pick(['x', '_', '-', '1', 'pat-'])}${fakeHubHex(rng, hublet)}`; // an id glued to what comes before
    case 9: return `${fakeUuid(rng).slice(0, 30)}${hublet}-${fakeUuid(rng)}`;
    case 10: return Buffer.from(`${rng.pick(KEYS)}=${fakeHubHex(rng, hublet)} hubspot`).toString('base64');
    default: return encodeURIComponent(`${rng.pick(KEYS)}=${rng.pick([fakeUuid(rng), fakeHubHex(rng, hublet)])}`);
  }
}

function document(rng: Rng): string {
  const parts: string[] = [];
  const n = 5 + rng.int(40);
  for (let i = 0; i < n; i++) {
    switch (rng.int(4)) {
      case 0: parts.push(`${rng.pick(KEYS)}${rng.pick(ASSIGN)}${value(rng)}${rng.pick(['"', "'", '', ';', '\\n', '%20'])}`); break;
      case 1: parts.push(value(rng)); break;
      case 2: parts.push(rng.pick(WORDS)); break;
      default: parts.push(rng.pick(['\n', '\r\n', ' ', '\t', '\\u002d', ', ']));
    }
    parts.push(rng.pick([' ', '\n', '', ' // ', '\n# ']));
  }
  return parts.join('');
}

const key = (m: { ruleId: string; start: number; end: number; secret: string; encoding: string }): string => `${m.ruleId}@${m.start}-${m.end}:${m.encoding}:${m.secret}`;

describe('the prefilter changes nothing but speed', () => {
  it('detect() with windows and literal finders equals every pattern run over the whole text (2,000 generated documents)', () => {
    const rs = builtinRuleSet();
    const whole = ungated(rs);
    const rng = new Rng('prefilter-equivalence');
    let found = 0;
    for (let i = 0; i < 2000; i++) {
      const text = document(rng);
      const got = detect({ text, path: 'config.ts' }, rs).map(key);
      const want = detect({ text, path: 'config.ts' }, whole).map(key);
      expect(got, `document ${i}`).toEqual(want);
      found += got.length;
    }
    // The documents hold findings of every kind, so the comparison is not between two empty lists.
    expect(found).toBeGreaterThan(2000);
  });

  it('finds hublet-hex ids with a first group of 4 or 8 hex and hublets of 1 or 2 digits, in any case', () => {
    const rng = new Rng('hubhex-forms');
    for (const hublet of ['na1', 'eu1', 'na12', 'NA1']) {
      for (const id of [fakeHubHex(rng, hublet), hubHex8(rng, hublet)]) {
        const found = detect({ text: `refresh_token = "${id}"`, path: 'a.ts' }, builtinRuleSet());
        expect(found.map((m) => m.secret), id.slice(0, 8)).toEqual([id]);
      }
    }
  });
});

describe('hubhexShapes: UUID shapes with a hublet before them', () => {
  it('keeps a shape with a hublet at it (4-hex first group) or 9 before it (8-hex group, pat-<hublet>-<uuid>), drops a bare UUID', () => {
    const shapes = (t: string): number[] => hubhexShapes(t, uuidShapes(t));
    expect(shapes('na1-1234-5678-9abc-def0-123456789abc')).toEqual([3]);
    expect(shapes('x NA12-1234-5678-9abc-def0-123456789abc')).toEqual([6]);
    expect(shapes('na1-12345678-9abc-def0-1234-123456789abc')).toEqual([12]);
    expect(shapes('pat-eu1-12345678-9abc-def0-1234-123456789abc')).toEqual([16]);
    expect(shapes('id: 12345678-9abc-def0-1234-123456789abc')).toEqual([]);
    expect(shapes('n1-1234-5678-9abc-def0-123456789abc')).toEqual([]); // one letter is no hublet
    expect(shapes('na123-1234-5678-9abc-def0-123456789abc')).toEqual([]); // nor three digits
  });

  it('gates the hublet patterns on it, with their reach: 13 before the shape for a hublet-hex id', () => {
    expect(patternGate('{{start}}(?<secret>{{hubhex}})')).toMatchObject({ kind: 'hubhex', before: 13 });
    expect(patternGate('{{start}}(?<secret>pat-{{hublet}}-{{uuid}})')).toMatchObject({ kind: 'hubhex', before: 17 });
    expect(patternGate('key=(?<secret>{{uuid}})')).toMatchObject({ kind: 'uuid' });
    // With u and i, [a-z] also matches ſ and K: the ASCII check would not hold.
    expect(patternGate('{{start}}(?<secret>{{hubhex}})', [], 'iu')).toMatchObject({ kind: 'uuid' });
  });
});
