/** The pure core: strings in, matches out. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detect, keepBest } from '../src/core/detect.js';
import { redact } from '../src/core/redact.js';
import { decodeBytes, LineIndex } from '../src/core/text.js';
import { looksLikePlaceholder } from '../src/core/validators.js';
import { BUILTIN_RULES, builtinRuleSet } from '../src/rules/index.js';
import { compileRules } from '../src/core/rules.js';
import { fakeAll, fakeHubHex, fakePrivateAppToken, fakeUuid, Rng } from './helpers/fake-tokens.js';

const rs = builtinRuleSet();
const t = fakeAll('core');
const ids = (text: string, path = 'x.txt') => detect({ text, path }, rs).map((m) => `${m.ruleId}@${m.line}:${m.column}`);

describe('detect', () => {
  it('reports one finding per token: no UUID rule fires inside a pat- token', () => {
    expect(ids(`HUBSPOT_API_KEY=${t.pat}\nhapikey=${t.pat}`)).toEqual([
      'hubspot-private-app-token@1:17',
      'hubspot-private-app-token@2:9',
    ]);
  });

  it('tells a developer key from a refresh token by context, never both', () => {
    expect(ids(`HUBSPOT_DEVELOPER_API_KEY=${t.refresh}`)).toEqual(['hubspot-developer-api-key@1:27']);
    expect(ids(`HUBSPOT_REFRESH_TOKEN=${t.refresh}`)).toEqual(['hubspot-oauth-refresh-token@1:23']);
  });

  it('does not report a client id beside a client secret', () => {
    const id = fakeAll('other').uuid;
    expect(ids(`HUBSPOT_CLIENT_ID=${id}\nHUBSPOT_CLIENT_SECRET=${t.uuid}`)).toEqual(['hubspot-oauth-client-secret@2:23']);
  });

  it('counts columns in UTF-16 code units after CRLF, CR and non-ASCII text', () => {
    expect(ids(`a\r\nb\r\nü🎉 ${t.pat}`)).toEqual(['hubspot-private-app-token@3:5']);
    expect(ids(`a\rb\r${t.pat}`)).toEqual(['hubspot-private-app-token@3:1']);
  });

  it('finds secrets one layer deep: base64, URL-encoded, escaped', () => {
    const b64 = Buffer.from(`HUBSPOT_TOKEN=${t.pat}`).toString('base64');
    const [m] = detect({ text: `data: ${b64}` }, rs);
    expect(m).toMatchObject({ ruleId: 'hubspot-private-app-token', encoding: 'base64', secret: t.pat, line: 1 });
    expect(ids(`GET /v1?hapikey%3D${t.uuid}`)).toEqual(['hubspot-legacy-api-key@1:19']);
    const escaped = `"hapikey = \\"${t.uuid}\\""`;
    expect(ids(escaped)).toEqual(['hubspot-legacy-api-key@1:14']);
    const unicodeEscaped = t.pat.replace(/-/g, '\\u002d');
    const [u] = detect({ text: `"token": "${unicodeEscaped}"` }, rs);
    expect(u).toMatchObject({ ruleId: 'hubspot-private-app-token', encoding: 'escaped', secret: t.pat, column: 11 });
  });

  it('decodes escapes that end tokens (\\n, \\t, %20) around the secrets they touch, in long texts too', () => {
    const filler = (n: number) => Array.from({ length: n }, (_, i) => `const payload${i} = JSON.parse("{\\"k\\": \\"v${i}\\"}");`).join('\n');
    // A newline escape right before the token: the plain text has an "n" there, which ends no token.
    const nl = `${filler(200)}\nconst env = "A=1\\n${t.pat}";\n${filler(200)}`;
    expect(ids(nl)).toEqual([`hubspot-private-app-token@201:${'const env = "A=1\\n'.length + 1}`]);
    const url = `${filler(50)}\n<a href="/x?q=a%20${t.pat}">x</a>`;
    expect(ids(url)).toEqual([`hubspot-private-app-token@51:${'<a href="/x?q=a%20'.length + 1}`]);
    // Tabs inside the assignment; the file's keyword is far away, the context (hs_) near.
    const tabs = `// hubspot\n${filler(300)}\nconst s = "hs_api_key\\t=\\t${t.uuid}";`;
    expect(ids(tabs)).toEqual([`hubspot-legacy-api-key@302:${'const s = "hs_api_key\\t=\\t'.length + 1}`]);
    // `hs_api_key` is a keyword and context of its own (found by a detection trial: HS_API_KEY alone in
    // a .env was dropped by the keyword check); a bare `api_key` with no HubSpot term is nothing.
    expect(ids(tabs.replace('// hubspot', '// nothing'))).toEqual(ids(tabs));
    expect(ids(tabs.replace('// hubspot', '// nothing').replace('hs_api_key', 'api_key'))).toEqual([]);
    // Alone in a short text, with no other escape around: \n, \t, \r\n right before a token.
    for (const esc of ['\\n', '\\t', '\\r\\n', '\\r']) {
      expect(ids(`{"s": "a${esc}${t.pat}"}`), esc).toEqual([`hubspot-private-app-token@1:${'{"s": "a'.length + esc.length + 1}`]);
    }
    expect(ids(`{"s": "\\n${t.refresh}"}`)).toEqual([`hubspot-oauth-refresh-token@1:${'{"s": "\\n'.length + 1}`]);
  });

  it('reads quotes escaped twice or three times: JSON inside a JSON string inside another (found by a detection trial)', () => {
    let json = JSON.stringify({ hapikey: t.uuid, portal: 'hubspot' });
    for (const depth of [1, 2, 3]) {
      json = JSON.stringify({ [`event${depth}`]: json });
      expect(detect({ text: json }, rs), `depth ${depth}`).toMatchObject([{ ruleId: 'hubspot-legacy-api-key', secret: t.uuid, encoding: 'plain', column: json.indexOf(t.uuid!) + 1 }]);
    }
  });

  it('takes a key under another service\'s name or section for that service\'s, unless HubSpot is named after it (found by a detection trial)', () => {
    const other = fakeAll('other').uuid;
    // HubSpot named after the other service, on the same line: HubSpot's.
    expect(ids(`docker run -e STRIPE_MODE=live -e HUBSPOT_API_KEY=${t.uuid} crm-sync`)).toEqual([`hubspot-legacy-api-key@1:${'docker run -e STRIPE_MODE=live -e HUBSPOT_API_KEY='.length + 1}`]);
    expect(ids(`{"stripe_mode":"live","hubspot_api_key":"${t.uuid}"}`)).toEqual([`hubspot-legacy-api-key@1:${'{"stripe_mode":"live","hubspot_api_key":"'.length + 1}`]);
    expect(ids(`SALESFORCE_HUBSPOT_SYNC_HAPIKEY=${t.uuid}`)).toEqual([`hubspot-legacy-api-key@1:${'SALESFORCE_HUBSPOT_SYNC_HAPIKEY='.length + 1}`]);
    // The other service's own: a name that goes on after hubspot, a serialized section.
    expect(ids(`# hubspot sync\nGITHUB_HUBSPOT_SYNC_TOKEN=${other}`)).toEqual([]);
    expect(ids(`a:2:{s:7:"hubspot";a:1:{s:9:"portal_id";i:1234567;}s:8:"postmark";a:1:{s:7:"api_key";s:36:"${other}";}}`)).toEqual([]);
    // An AWS ARN on the line above is not an AWS section.
    const arn = `"arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod",\n"secret_string": "{\\"HUBSPOT_API_KEY\\": \\"${t.uuid}\\"}"`;
    expect(ids(arn)).toEqual([`hubspot-legacy-api-key@2:${arn.split('\n')[1]!.indexOf(t.uuid!) + 1}`]);
  });

  it('finds a random UUID of low character entropy: the floor drops none of a million random v4 UUIDs (found by a detection trial)', () => {
    const entropy = (s: string): number => {
      const n = new Map<string, number>();
      for (const c of s) n.set(c, (n.get(c) ?? 0) + 1);
      return -[...n.values()].reduce((h, k) => h + (k / s.length) * Math.log2(k / s.length), 0);
    };
    // One in ~9,000 random UUIDs is under 3.0 bits a character (the floor before); the lowest of a million was 2.84.
    const rng = new Rng('low-entropy');
    let low = fakeUuid(rng);
    while (entropy(low.replace(/-/g, '')) >= 3.0) low = fakeUuid(rng);
    expect(ids(`HUBSPOT_CLIENT_SECRET=${low}`)).toEqual(['hubspot-oauth-client-secret@1:23']);
    // A made-up value under the floor stays silent.
    expect(ids('HUBSPOT_CLIENT_SECRET=c0ffee00-c0ff-4e00-a0ff-ee00c0ffee00')).toEqual([]);
  });

  it('reads each row of an SQL dump\'s extended INSERT as a record of its own: a HubSpot option does not make the next plugin\'s key HubSpot\'s (found by a detection trial)', () => {
    const other = fakeAll('other').uuid!;
    const ser = (key: string, value: string): string => `a:1:{s:${key.length}:\\"${key}\\";s:36:\\"${value}\\";}`;
    const row = (id: number, name: string, value: string): string => `(${id},'${name}','${value}','yes')`;
    const dump = `INSERT INTO \`wp_options\` VALUES ${[row(1, 'siteurl', 'https://example.com'), row(150, 'hubspot_settings', ser('hapikey', t.uuid!)), row(151, 'moosend_settings', ser('api_key', other)), row(152, 'mailer_settings', ser('client_secret', other))].join(',')};\n`;
    expect(detect({ text: dump, path: 'wordpress.sql' }, rs)).toMatchObject([{ ruleId: 'hubspot-legacy-api-key', secret: t.uuid }]);
    // Within one row, context is read as before.
    const one = `INSERT INTO \`wp_options\` VALUES ${row(151, 'hubspot_sync_settings', ser('client_secret', t.uuid!))};\n`;
    expect(detect({ text: one, path: 'wordpress.sql' }, rs)).toMatchObject([{ ruleId: 'hubspot-oauth-client-secret', secret: t.uuid }]);
  });

  it('reads past terminal colours: a coloured name and value, a token with a colour code inside (found by a detection trial)', () => {
    const E = '\x1b';
    // Colours between a name and its value: found where the value is, as plain text.
    expect(detect({ text: `${E}[36mHUBSPOT_CLIENT_SECRET${E}[0m=${E}[33m${t.uuid}${E}[0m\n` }, rs)).toMatchObject([
      { ruleId: 'hubspot-oauth-client-secret', secret: t.uuid, encoding: 'plain', line: 1, column: `${E}[36mHUBSPOT_CLIENT_SECRET${E}[0m=${E}[33m`.length + 1 },
    ]);
    // A colour code inside a token joins it (the view of the whole text).
    const cut = 12;
    const split = `token: ${t.pat!.slice(0, cut)}${E}[1m${t.pat!.slice(cut)}${E}[0m`;
    expect(detect({ text: split }, rs)).toMatchObject([{ ruleId: 'hubspot-private-app-token', secret: t.pat, line: 1, column: 8, endColumn: split.length - 3 }]);
    // Another service's coloured secret stays silent; a lone ESC or an unfinished sequence is text.
    expect(ids(`${E}[36mSTRIPE_SECRET_KEY${E}[0m=${t.uuid} # hubspot sync`)).toEqual([]);
    expect(ids(`HUBSPOT_CLIENT_SECRET=${E}${t.uuid}`)).toEqual([]);
  });

  it('reads a mail\'s quoted-printable body: a token cut by a soft line break, a name and value joined by =3D (found by a notes trial)', () => {
    const head = 'Subject: HubSpot access\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n';
    const body = `Here is the private app token: ${t.pat!.slice(0, 30)}=\r\n${t.pat!.slice(30)}\r\nand the legacy one: hapikey=3D${t.uuid}\r\n`;
    expect(detect({ text: head + body, path: 'handover.eml' }, rs)).toMatchObject([
      { ruleId: 'hubspot-private-app-token', secret: t.pat, encoding: 'quoted-printable', line: 5, column: 32, endLine: 6 },
      { ruleId: 'hubspot-legacy-api-key', secret: t.uuid, line: 7 },
    ]);
    // Only mail that says it is quoted-printable: the same text in a .txt file, or mail without it, is read as it is.
    expect(ids(body, 'notes.txt')).toEqual([]);
    expect(ids(`Subject: x\r\n\r\n${body}`, 'plain.eml')).toEqual([]);
  });

  it('reads folded lines as one: a token cut by an invite\'s or a contact card\'s fold (found by a notes trial)', () => {
    const ics = `BEGIN:VEVENT\r\nDESCRIPTION:Sync kickoff. Private app token: ${t.pat!.slice(0, 20)}\r\n ${t.pat!.slice(20)}\r\nEND:VEVENT\r\n`;
    expect(detect({ text: ics, path: 'kickoff.ics' }, rs)).toMatchObject([{ ruleId: 'hubspot-private-app-token', secret: t.pat, encoding: 'plain', line: 2, endLine: 3 }]);
    const vcf = `BEGIN:VCARD\nNOTE:HubSpot API key: ${t.uuid!.slice(0, 10)}\n\t${t.uuid!.slice(10)}\nEND:VCARD\n`;
    expect(ids(vcf, 'ops.vcf')).toEqual(['hubspot-legacy-api-key@2:23']);
    // Only such files: a line that goes on behind a space elsewhere is two lines.
    expect(ids(vcf, 'notes.txt')).toEqual([]);
  });

  it('joins a token split by a line continuation (a backslash at the end of a line; found by a detection trial)', () => {
    const cut = 20;
    for (const eol of ['\n', '\r\n']) {
      const text = `export HUBSPOT_ACCESS_TOKEN="${t.pat!.slice(0, cut)}\\${eol}${t.pat!.slice(cut)}"${eol}`;
      expect(detect({ text }, rs), JSON.stringify(eol)).toMatchObject([{ ruleId: 'hubspot-private-app-token', secret: t.pat, encoding: 'escaped', line: 1 }]);
    }
    // A continuation between words joins nothing: a token before it is found as it is.
    expect(detect({ text: `curl -H "Authorization: Bearer x" \\\n  -d token=${t.pat} \\\n  https://api.hubapi.com\n` }, rs)).toMatchObject([{ secret: t.pat, encoding: 'plain' }]);
  });

  it('decodes base64 payloads that start as text (or with a BOM), not binary or UUID-shaped runs', () => {
    const env = `HUBSPOT_TOKEN=${t.pat}\n`;
    const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
    expect(detect({ text: `data: ${b64(env)}` }, rs)).toMatchObject([{ encoding: 'base64', secret: t.pat }]);
    expect(detect({ text: `data: ${b64(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(env)]))}` }, rs)).toMatchObject([
      { encoding: 'base64', secret: t.pat },
    ]);
    // Base64url too.
    expect(detect({ text: `x=${Buffer.from(env).toString('base64url')}` }, rs)).toMatchObject([{ encoding: 'base64', secret: t.pat }]);
    // Wrapped as `base64` (76) and PEM / openssl (64) write it, LF or CRLF: found, pointing at the
    // base64 that encodes it (3 bytes to 4 characters, along the lines).
    const prefix = '# settings\nAPP_NAME=demo\nLOG_LEVEL=info\nHUBSPOT_TOKEN=';
    const longEnv = `${prefix}${t.pat}\nOTHER=1\n`;
    const at = (bytes: number, width: number, firstLine: number) => {
      const c = Math.floor(bytes / 3) * 4;
      return { line: firstLine + Math.floor(c / width), column: (c % width) + 1 };
    };
    for (const [width, eol] of [[76, '\n'], [64, '\n'], [76, '\r\n']] as const) {
      const lines = b64(longEnv).match(new RegExp(`.{1,${width}}`, 'g'))!;
      expect(lines.length, `${width}`).toBeGreaterThan(1);
      expect(detect({ text: `config:${eol}${lines.join(eol)}${eol}done${eol}` }, rs), `${width}`).toMatchObject([
        { encoding: 'base64', secret: t.pat, ...at(prefix.length, width, 2) },
      ]);
    }
    // Several secrets in one block: each found, at its own place (they all pointed at the block's
    // first line, and only one of them was kept). Indented (a YAML block scalar) too.
    const several = `# app settings\nHUBSPOT_ACCESS_TOKEN=${t.pat}\nHUBSPOT_CLIENT_SECRET=${t.uuid}\nHUBSPOT_REFRESH_TOKEN=${t.refresh}\n`;
    const wrapped = b64(several).match(/.{1,76}/g)!;
    for (const indent of ['', '      ', '\t']) {
      const found = detect({ text: `write_files:\n  - content: |\n${wrapped.map((l) => indent + l).join('\n')}\n` }, rs);
      expect(found.map((m) => m.secret), JSON.stringify(indent)).toEqual([t.pat, t.uuid, t.refresh]);
      expect(found.map((m) => m.ruleId)).toEqual(['hubspot-private-app-token', 'hubspot-oauth-client-secret', 'hubspot-oauth-refresh-token']);
      for (const m of found) {
        const { line, column } = at(Buffer.byteLength(several.slice(0, several.indexOf(m.secret))), 76, 3);
        expect({ line: m.line, column: m.column }, m.ruleId).toEqual({ line, column: column + indent.length });
      }
    }
    // An indented block whose lines are not indented alike is not one block (its lines are decoded one by one).
    expect(detect({ text: `  ${wrapped[0]}\n    ${wrapped.slice(1).join('\n    ')}\n` }, rs).length).toBeLessThan(3);
    // A block that is not text leaves its lines to be decoded one by one.
    const randomLine = b64(Buffer.from(Array.from({ length: 57 }, (_, i) => (i * 97 + 13) % 256)));
    expect(randomLine).toHaveLength(76);
    expect(detect({ text: `${randomLine}\n${b64(env)}\n` }, rs)).toMatchObject([{ encoding: 'base64', secret: t.pat, line: 2 }]);
    // A payload that starts with binary bytes is not text the view decodes.
    expect(detect({ text: `data: ${b64(Buffer.concat([Buffer.from([0x00, 0x01, 0x02]), Buffer.from(env)]))}` }, rs)).toEqual([]);
  });

  it("decodes base64 of UTF-16LE text (PowerShell's -EncodedCommand, .NET's Encoding.Unicode), pointing at the base64 that encodes each secret", () => {
    const wide = (s: string, bom = false) => Buffer.concat([Buffer.from(bom ? [0xff, 0xfe] : []), Buffer.from(s, 'utf16le')]).toString('base64');
    const script = `$env:HUBSPOT_ACCESS_TOKEN = '${t.pat}'; & ./sync.ps1`;
    for (const bom of [false, true]) {
      const line = `powershell.exe -NoProfile -EncodedCommand ${wide(script, bom)}`;
      const [m, ...rest] = detect({ text: `${line}\n` }, rs);
      expect(rest, `bom ${bom}`).toEqual([]);
      // 2 bytes to a character, 3 bytes to 4 base64 characters.
      const bytes = (bom ? 2 : 0) + 2 * script.indexOf(t.pat!);
      expect(m, `bom ${bom}`).toMatchObject({ ruleId: 'hubspot-private-app-token', secret: t.pat, encoding: 'base64', line: 1, column: line.indexOf('-EncodedCommand ') + 17 + Math.floor(bytes / 3) * 4 });
    }
    // A wrapped block: each secret at the lines that encode it.
    const several = `# settings\r\nHUBSPOT_ACCESS_TOKEN=${t.pat}\r\nHUBSPOT_CLIENT_SECRET=${t.uuid}\r\n`;
    const found = detect({ text: `${wide(several).match(/.{1,76}/g)!.join('\n')}\n` }, rs);
    expect(found.map((m) => m.secret)).toEqual([t.pat, t.uuid]);
    for (const m of found) {
      const c = Math.floor((2 * several.indexOf(m.secret)) / 3) * 4;
      expect({ line: m.line, column: m.column }, m.ruleId).toEqual({ line: 1 + Math.floor(c / 76), column: (c % 76) + 1 });
    }
    // UTF-16LE of text without a term a rule needs gives nothing (a UUID alone is no secret).
    expect(detect({ text: `-EncodedCommand ${wide(`Get-ChildItem -Path C:\\inetpub\\logs -Recurse | Remove-Item # ${t.uuid}`)}\n` }, rs)).toEqual([]);
    // A payload whose first bytes are UTF-16LE but whose text is mostly control characters is not text.
    const controls = Buffer.concat([Buffer.from(`AB${'\x01'.repeat(30)}`, 'utf16le'), Buffer.from(`TOKEN=${t.pat}`, 'utf16le')]);
    expect(detect({ text: `x=${controls.toString('base64')}\n` }, rs)).toEqual([]);
  });

  it('big wrapped base64 blocks (text, binary, then text after binary): each secret found once, pointing at its block', () => {
    const rs = builtinRuleSet();
    const wrap = (b: Buffer) => b.toString('base64').replace(/.{76}/g, '$&\n');
    const prose = Buffer.from('requests and responses were logged while the job ran\n'.repeat(12_000)); // 0.86 MB of base64
    const env = Buffer.from(`HUBSPOT_TOKEN=${t.pat}\n`);
    const noise = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919 + (i >> 3)) % 256));
    // Text, the token near its end: one block, one finding at the line that encodes it.
    const text = `blob:\n${wrap(Buffer.concat([prose, env]))}\n`;
    const tokenAt = prose.length + 'HUBSPOT_TOKEN='.length;
    expect(detect({ text }, rs)).toMatchObject([{ encoding: 'base64', secret: t.pat, line: 2 + Math.floor((Math.floor(tokenAt / 3) * 4) / 76) }]);
    // The same text without a token: nothing, and not decoded again from each of its 11,000 lines.
    expect(detect({ text: `blob:\n${wrap(prose)}\n` }, rs)).toEqual([]);
    // Binary then the token, in one block of 400 KB: the token's own line, decoded alone, still holds it
    // whole when aligned (here: placed at a 57-byte line boundary).
    const pad = Buffer.alloc(57 - (noise.length % 57), 0x20);
    const mixed = wrap(Buffer.concat([noise, pad, Buffer.from(`${t.pat} `.padEnd(57, ' ')), Buffer.from('x'.repeat(570))]));
    expect(detect({ text: `${mixed}\n` }, rs)).toMatchObject([{ encoding: 'base64', secret: t.pat }]);
    // Binary then the token split over two lines (no line holds it whole): the block's tail from the
    // first line of text decodes to it, and stands for the block from that line on.
    const split = Buffer.from(`HUBSPOT_TOKEN=${t.pat}\nlogged while the job ran\n`);
    expect(split.indexOf(t.pat!) + t.pat!.length).toBeGreaterThan(57);
    const lines = wrap(Buffer.concat([noise, pad, split])).split('\n');
    const first = (noise.length + pad.length) / 57 + 1;
    const c = Math.floor('HUBSPOT_TOKEN='.length / 3) * 4;
    expect(detect({ text: `${lines.join('\n')}\n` }, rs)).toMatchObject([{ encoding: 'base64', secret: t.pat, line: first + Math.floor(c / 76), column: (c % 76) + 1 }]);
    // A block just under 1 MiB (13,617 lines of 76 and a short one: 1,048,573 characters with its
    // newlines and `=`) is one block, its short last line included: binary, then text whose token
    // spans the last two lines (its last line was left out, as if past the cut).
    const bytes = 13_618 * 57 - 10;
    const body = Buffer.alloc(bytes, 'lorem ipsum dolor sit amet ');
    noise.copy(body, 0, 0, 100_000);
    body.write('abc', 0); // its first line starts as text: the block starts there
    const tok = Buffer.from(`HUBSPOT_TOKEN=${t.pat}\n`);
    tok.copy(body, 13_617 * 57 - 30);
    const edge = wrap(body);
    expect(edge.length).toBeLessThanOrEqual(1 << 20);
    expect(detect({ text: `${edge}\n` }, rs)).toMatchObject([{ encoding: 'base64', secret: t.pat }]);
    // Over 1 MiB: the block is cut at its 13,617th line; binary, then text whose token spans that
    // cut. The tail found in its first half is read as the block from its own line, past the cut.
    const cutAt = 13_617 * 57 - 30;
    const prefix = 'hubspot HUBSPOT_TOKEN=';
    const long = Buffer.alloc(1_200_000, 'lorem ipsum dolor sit amet ');
    noise.copy(long, 0, 0, 300_000);
    long.write('abc', 0);
    long.write(`${prefix}${t.pat}\n`, cutAt - prefix.length);
    expect(detect({ text: `${wrap(long)}\n` }, rs)).toMatchObject([{ encoding: 'base64', secret: t.pat }]);
    // Every line starts as text and none of the tails is text (each 3 ASCII bytes, then 54 invalid
    // UTF-8 ones): nothing, each tail counted in one pass (decoding each took minutes).
    const line = Buffer.concat([Buffer.from('ABC'), Buffer.alloc(54, 0xff)]);
    expect(detect({ text: wrap(Buffer.concat(Array.from({ length: 40_000 }, () => line))) }, rs)).toEqual([]);
  });

  it('finds the byte where each character of a decoded text starts, as Buffer#toString decodes it (invalid bytes too)', async () => {
    const { byteOfUnit } = await import('../src/core/views.js');
    const edgy = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0xa0, 0x9f, 0x90];
    const byte = fc.oneof(fc.constantFrom(...edgy), fc.integer({ min: 0, max: 255 }));
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 40 }), (arr) => {
        const bytes = Buffer.from(arr);
        const whole = bytes.toString('utf8');
        for (let d = 0; d <= whole.length; d++) {
          // Not inside a surrogate pair: there the next character's start is given.
          if (d > 0 && d < whole.length && whole.charCodeAt(d) >= 0xdc00 && whole.charCodeAt(d) <= 0xdfff) continue;
          expect(bytes.toString('utf8', byteOfUnit(bytes, d)), `${bytes.toString('hex')} at ${d}`).toBe(whole.slice(d));
        }
      }),
      { numRuns: 3000, seed: 9 },
    );
  });

  it('a block of Latin-1 text (invalid UTF-8, decoded with U+FFFD) points at the lines that encode its token (found by a review)', () => {
    const latin = Buffer.concat([
      Buffer.from('CONFIG=1\n'),
      Buffer.from('# Param\xe8tres de d\xe9ploiement pour la production\n'.repeat(30), 'latin1'),
      Buffer.from(`TOKEN_A=${t.pat}\n`),
      Buffer.from('# end of the settings file\n'.repeat(20)),
    ]);
    const wrapped = latin.toString('base64').match(/.{1,76}/g)!;
    const found = detect({ text: `${wrapped.join('\n')}\n` }, rs);
    expect(found).toMatchObject([{ secret: t.pat }]);
    const at = latin.indexOf(`TOKEN_A=${t.pat}`) + 'TOKEN_A='.length;
    const c = Math.floor(at / 3) * 4;
    expect({ line: found[0]!.line, column: found[0]!.column }).toEqual({ line: 1 + Math.floor(c / 76), column: (c % 76) + 1 });
  });

  it("counts a decoded tail's text as Buffer#toString makes it, from any byte on", async () => {
    const { tailBadBytes, tailText } = await import('../src/core/views.js');
    const edgy = [0x00, 0x09, 0x0a, 0x1f, 0x20, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xbb, 0xbd, 0xf0, 0xf4, 0xf5, 0xff];
    const bad = (c: number) => (c < 0x20 && c !== 9 && c !== 10 && c !== 13) || c === 0x7f || c === 0xfffd;
    const byte = fc.oneof(fc.constantFrom(...edgy), fc.integer({ min: 0, max: 255 }));
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 48 }), (arr) => {
        const bytes = Buffer.from(arr);
        const offsets = Array.from({ length: bytes.length + 1 }, (_, i) => i);
        const texts = tailText(bytes, bytes.length, offsets);
        const badBytes = tailBadBytes(bytes, bytes.length, offsets);
        for (const o of offsets) {
          const s = bytes.toString('utf8', o);
          expect(texts[o], `${bytes.toString('hex')} from ${o}`).toEqual({ units: s.length, bad: Array.from({ length: s.length }, (_, i) => s.charCodeAt(i)).filter(bad).length });
          expect(badBytes[o]).toBe([...bytes.subarray(o)].filter(bad).length);
        }
      }),
      { numRuns: 3000, seed: 8 },
    );
  });

  it('decodes base64 for custom rules without keywords too (their patterns\' leading literals count)', async () => {
    const { compileRules } = await import('../src/core/rules.js');
    const { BUILTIN_RULES } = await import('../src/rules/index.js');
    const custom = (id: string, pattern: string) => ({
      id,
      title: id,
      description: 'test rule',
      severity: 'high' as const,
      keywords: [],
      patterns: [pattern],
      priority: 1,
      verifier: null,
      remediation: { summary: 'rotate', steps: ['rotate'] },
      docs: 'https://example.invalid',
    });
    const value = `zq9${'0123456789abcdef'.repeat(3)}`.slice(0, 47);
    const payload = Buffer.from(`# env\nA=1\nvalue ${value} end\nB=2\n`).toString('base64');
    for (const pattern of ['(?<secret>zq9[0-9a-f]{44})', '(?<![a-z0-9])(?<secret>[z][q]9[0-9a-f]{44})', '(?<secret>[x-z]q9[0-9a-f]{44})']) {
      const set = compileRules([...BUILTIN_RULES, custom('test-custom', pattern)]);
      expect(detect({ text: `data: ${payload}` }, set), pattern).toMatchObject([{ ruleId: 'test-custom', encoding: 'base64', secret: value }]);
    }
  });

  it('reads YAML values on the next line, after a block indicator or a comment', () => {
    for (const yaml of [`hapikey: >-  # prod key\n  ${t.uuid}\n`, `hapikey: # prod key\n  ${t.uuid}\n`, `hapikey:\n  ${t.uuid}\n`, `hapikey: |\n    ${t.uuid}\n`]) {
      expect(ids(yaml, 'values.yaml'), yaml).toEqual([`hubspot-legacy-api-key@2:${yaml.split('\n')[1]!.indexOf(t.uuid!) + 1}`]);
    }
    // Not a value: the next line is another key.
    expect(ids(`hapikey:\n  id: ${t.uuid}\n`, 'values.yaml')).toEqual([]);
  });

  it('is silent on placeholders and references', () => {
    for (const s of [
      'pat-na1-00000000-0000-0000-0000-000000000000',
      'pat-na1-12345678-1234-1234-1234-123456789012',
      'na1-aaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      'HUBSPOT_ACCESS_TOKEN=${{ secrets.HUBSPOT_ACCESS_TOKEN }}',
      'accessToken: process.env.HUBSPOT_ACCESS_TOKEN',
      'HUBSPOT_API_KEY=${HUBSPOT_API_KEY}',
    ]) {
      expect(ids(s), s).toEqual([]);
    }
  });

  it('accepts any hublet of the form [a-z]{2}\\d{1,2}, in any case', () => {
    const rng = new Rng('hublets');
    for (const h of ['na1', 'na2', 'na3', 'eu1', 'ap1', 'ca1', 'eu12']) {
      expect(ids(fakePrivateAppToken(rng, h)), h).toEqual(['hubspot-private-app-token@1:1']);
      expect(ids(`refresh_token=${fakeHubHex(rng, h)}`), h).toEqual(['hubspot-oauth-refresh-token@1:15']);
    }
    expect(ids(fakePrivateAppToken(rng).toUpperCase())).toEqual(['hubspot-private-app-token@1:1']);
  });

  it('property: a token inserted anywhere in arbitrary text is found exactly once, at the right place', () => {
    const token = t.pat;
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 200 }), (before, after) => {
        const text = `${before} ${token} ${after}`;
        const ms = detect({ text }, rs).filter((m) => m.secret === token);
        expect(ms).toHaveLength(1);
        const pos = new LineIndex(text).position(before.length + 1);
        expect([ms[0]!.line, ms[0]!.column]).toEqual([pos.line, pos.column]);
      }),
      { numRuns: 300 },
    );
  });

  it('property: no input makes the core throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        const d = decodeBytes(bytes);
        if (d.kind === 'text') detect({ text: d.text }, rs);
      }),
      { numRuns: 300 },
    );
  });
});

describe('keepBest (overlapping candidates)', () => {
  it('keeps what comparing each span with every kept one keeps, cluster by cluster', () => {
    type S = { start: number; end: number; rank: number };
    const better = (a: S, b: S) => a.rank - b.rank || b.end - b.start - (a.end - a.start) || a.start - b.start;
    const naive = (spans: S[]) => {
      const kept: S[] = [];
      for (const c of [...spans].sort(better)) if (!kept.some((k) => c.start < k.end && k.start < c.end)) kept.push(c);
      return kept.sort((a, b) => a.start - b.start);
    };
    fc.assert(
      fc.property(
        fc.array(fc.record({ start: fc.integer({ min: 0, max: 60 }), len: fc.integer({ min: 1, max: 12 }), rank: fc.integer({ min: 0, max: 3 }) }), { maxLength: 40 }),
        (raw) => {
          const spans = raw.map((r) => ({ start: r.start, end: r.start + r.len, rank: r.rank }));
          expect(keepBest(spans, better)).toEqual(naive(spans));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('LineIndex', () => {
  it('counts lines as editors do (CR, LF, CRLF) and as git does (LF only), the same at every offset', () => {
    // With CRs, and without (lines found by LF alone).
    for (const text of ['a\rb\r\nc\n\rd\r\r\ne\n\nf\rg', '\nab\n\ncd\ne\n', 'no line end']) {
      const index = new LineIndex(text);
      for (let i = 0; i <= text.length; i++) {
        const before = text.slice(0, i);
        // Between a CR and its LF is still the line the CRLF ends.
        const editor = text[i - 1] === '\r' && text[i] === '\n' ? before.slice(0, -1) : before;
        expect(index.position(i).line, `editor line at ${i}`).toBe(editor.split(/\r\n?|\n/).length);
        if (!text.includes('\r')) expect(index.position(i).column, `column at ${i}`).toBe(before.length - before.lastIndexOf('\n'));
        expect(index.gitLine(i), `git line at ${i}`).toBe(before.split('\n').length);
      }
      const lines = text.split(/\r\n?|\n/);
      lines.forEach((l, k) => expect(index.lineText(k + 1)).toBe(l));
    }
  });
});

describe('decodeBytes', () => {
  const text = `x = "${t.pat}"\n`;
  it('decodes UTF-16 LE and BE with a BOM, UTF-16 LE without one, and UTF-8 with a BOM', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le);
    for (let i = 0; i < be.length; i += 2) [be[i], be[i + 1]] = [be[i + 1]!, be[i]!];
    expect(decodeBytes(le)).toEqual({ kind: 'text', text, encoding: 'utf16le' });
    expect(decodeBytes(be)).toEqual({ kind: 'text', text, encoding: 'utf16be' });
    expect(decodeBytes(Buffer.from(text, 'utf16le'))).toEqual({ kind: 'text', text, encoding: 'utf16le' });
    expect(decodeBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))).toEqual({ kind: 'text', text, encoding: 'utf8-bom', bytes: expect.any(Uint8Array) });
  });
  it('decodes a big UTF-8 text (in parts, kept on the heap) exactly as Buffer#toString does, a character or a bad byte at each part edge', () => {
    const edge = 1 << 19;
    // Multi-byte characters, a surrogate pair, a lone continuation byte and a cut-off sequence, moved across the part edges.
    const odd = Buffer.concat([Buffer.from('é€😀'), Buffer.from([0x80, 0xe2, 0x82, 0x41, 0xf0, 0x9f])]);
    for (let shift = 0; shift < odd.length; shift++) {
      const fill = (n: number) => Buffer.alloc(n, 0x61);
      const bytes = Buffer.concat([fill(edge - shift), odd, fill(edge - odd.length), odd, fill(100), Buffer.from([0xe2, 0x82])]);
      const d = decodeBytes(bytes);
      expect(d.kind === 'text' && d.text === bytes.toString('utf8')).toBe(true);
      const bom = decodeBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]));
      expect(bom.kind === 'text' && bom.encoding === 'utf8-bom' && bom.text === bytes.toString('utf8')).toBe(true);
    }
  });
  it('calls NUL-laden and control-heavy content binary', () => {
    expect(decodeBytes(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 1, 2, 3])).kind).toBe('binary');
    expect(decodeBytes(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 0x41])).kind).toBe('binary');
  });
  it('reads UTF-16 without a BOM in scripts with few NULs (CJK): NULs all on one side and bytes that are not UTF-8', () => {
    const cjk = '日本語のテキストです。設定ファイル。'.repeat(20);
    const text = `${cjk}\nHUBSPOT_TOKEN=${t.pat}\n${cjk}\n`.repeat(5);
    const le = Buffer.from(text, 'utf16le');
    for (const [buf, encoding] of [[le, 'utf16le'], [Buffer.from(le).swap16(), 'utf16be']] as const) {
      expect(decodeBytes(buf)).toEqual({ kind: 'text', text, encoding });
      expect(detect({ text }, builtinRuleSet())).toHaveLength(5);
    }
    // UTF-8 with NULs all on one side is UTF-8 still.
    const utf8 = `ab\0c\0d\0e\0fgh ${cjk}`;
    expect(decodeBytes(Buffer.from(utf8))).toEqual({ kind: 'text', text: utf8, encoding: 'utf8' });
    // So is a legacy 8-bit text (Latin-1 here) with stray NULs on one side: its line ends are not UTF-16's.
    const latin1 = Buffer.concat([Buffer.from('caf\xe9 logs\n', 'latin1'), Buffer.from(`x\0x\0x\0x\0\nHUBSPOT_TOKEN=${t.pat}\n`)]);
    expect([...latin1].flatMap((b, i) => (b === 0 ? [i % 2] : []))).toEqual([1, 1, 1, 1]);
    const d = decodeBytes(latin1);
    expect(d.kind === 'text' && d.encoding !== 'utf16le' && d.text.includes(t.pat!)).toBe(true);
  });
  it('reads text with a few stray NUL bytes as text (1% of control bytes in the first 8 KiB at most, or 4)', () => {
    const line = `HUBSPOT_TOKEN=${t.pat}\n`;
    const d = decodeBytes(Buffer.from(`${line}\0\n`));
    expect(d).toEqual({ kind: 'text', text: `${line}\0\n`, encoding: 'utf8', bytes: expect.any(Uint8Array) });
    expect(detect({ text: d.kind === 'text' ? d.text : '' }, builtinRuleSet())).toMatchObject([{ secret: t.pat }]);
    // 8 KiB of text: 81 NULs are 0.99%, 83 are over 1%.
    const text = (nuls: number): Buffer => Buffer.concat([Buffer.alloc(8192 - nuls, 0x61), Buffer.alloc(nuls, 0)]);
    expect(decodeBytes(text(81)).kind).toBe('text');
    expect(decodeBytes(text(83)).kind).toBe('binary');
    // A small file: 4 NULs at most (in 200 bytes: 2%).
    const small = (nuls: number): Buffer => Buffer.from(`${'x'.repeat(39)}\0`.repeat(nuls).padEnd(200, 'y'));
    expect(decodeBytes(small(4)).kind).toBe('text');
    // Over the bound, NULs in pairs (or with another control byte) are binary.
    expect(decodeBytes(Buffer.from(`${'x'.repeat(38)}\0\0`.repeat(5).padEnd(200, 'y'))).kind).toBe('binary');
    expect(decodeBytes(Buffer.from(`${'x'.repeat(38)}\0\x01`.repeat(5).padEnd(200, 'y'))).kind).toBe('binary');
  });
  it("reads a NUL-separated list of strings as text: a process's environment, find -print0 (an environ dump was skipped as binary with its tokens: found by a trial)", () => {
    const environ = `PATH=/usr/local/bin:/usr/bin\0HOSTNAME=web-1\0LANG=C.UTF-8\0HUBSPOT_ACCESS_TOKEN=${t.pat}\0HOME=/root\0`;
    const d = decodeBytes(Buffer.from(environ));
    expect(d).toEqual({ kind: 'text', text: environ, encoding: 'utf8', bytes: expect.any(Uint8Array) });
    expect(detect({ text: environ }, builtinRuleSet())).toMatchObject([{ ruleId: 'hubspot-private-app-token', secret: t.pat }]);
    // Over 8 KiB, cut in the middle of a character: still text.
    const long = Buffer.from(`${'é=ü'.repeat(1500)}\0`.repeat(3));
    expect(decodeBytes(long).kind).toBe('text');
    // Not UTF-8 between the NULs: binary.
    const notUtf8 = Buffer.concat(Array.from({ length: 6 }, () => Buffer.from([...Buffer.from('a'.repeat(20)), 0xff, 0xfe, 0x80, 0])));
    expect(decodeBytes(notUtf8).kind).toBe('binary');
    // The same list in UTF-8: text.
    expect(decodeBytes(Buffer.concat(Array.from({ length: 6 }, () => Buffer.from(`${'a'.repeat(20)}ü\0`)))).kind).toBe('text');
  });
  it('counts control bytes in the first KiB only, each kind, and not tab, newline, form feed, return or escape', () => {
    const kinds = [1, 8, 0x0b, 0x0e, 0x1a, 0x1c, 0x1f];
    for (const c of kinds) {
      // 11% of the first KiB: binary; 9%: text; the same bytes after the first KiB: text.
      const head = (n: number): Buffer => Buffer.concat([Buffer.alloc(n, c), Buffer.alloc(1024 - n, 0x61)]);
      expect(decodeBytes(head(113)).kind, `0x${c.toString(16)}`).toBe('binary');
      expect(decodeBytes(head(92)).kind, `0x${c.toString(16)}`).toBe('text');
      expect(decodeBytes(Buffer.concat([Buffer.alloc(1024, 0x61), Buffer.alloc(2000, c)])).kind).toBe('text');
    }
    for (const c of [9, 10, 0x0c, 0x0d, 0x1b]) expect(decodeBytes(Buffer.alloc(600, c)).kind).toBe('text');
    // Non-ASCII text decodes as UTF-8; ASCII alike either way.
    expect(decodeBytes(Buffer.from('é = 1'))).toEqual({ kind: 'text', text: 'é = 1', encoding: 'utf8' });
    expect(decodeBytes(Buffer.from([0x61, 0xff, 0x62]))).toEqual({ kind: 'text', text: 'a\ufffdb', encoding: 'utf8', bytes: expect.any(Uint8Array) });
    expect(decodeBytes(Buffer.from('a = 1'))).toEqual({ kind: 'text', text: 'a = 1', encoding: 'utf8', bytes: expect.any(Uint8Array) });
  });
});

describe('non-breaking spaces', () => {
  it('reads a name spelled with non-breaking spaces as with spaces, at the same offsets (a name copied from a wiki: found by a notes trial)', () => {
    const text = `Notes\nHubSpot\u00a0API\u00a0key:\u00a0${t.uuid}\n`;
    const found = detect({ text }, rs);
    expect(found.map((f) => [f.ruleId, f.line, f.column, f.secret])).toEqual([['hubspot-legacy-api-key', 2, text.indexOf(t.uuid) - 5, t.uuid]]);
    expect(text.slice(found[0]!.start, found[0]!.end)).toBe(t.uuid);
    // Without a name, a UUID after one is nothing.
    expect(detect({ text: `Notes\nHubSpot\u00a0portal:\u00a0${t.uuid}\n` }, rs)).toEqual([]);
  });
  it("reports a custom rule's secret as the text spells it, non-breaking spaces and all", () => {
    const set = compileRules([
      { ...BUILTIN_RULES[0]!, id: 'phrase', keywords: ['passphrase'], patterns: ['passphrase: (?<secret>[a-z]{6,12} [a-z]{6,12} [a-z]{6,12} [a-z]{6,12})'], context: {}, entropy: 0, validators: [], allow: [], previewPrefix: undefined },
    ]);
    const secret = 'correct\u00a0horsebattery staplers\u00a0window';
    const found = detect({ text: `passphrase: ${secret}\n` }, set);
    expect(found.map((f) => f.secret)).toEqual([secret]);
  });
});

describe('redact and placeholders', () => {
  it('keeps only the prefix and the last four characters', () => {
    const rule = rs.byId.get('hubspot-private-app-token')!;
    expect(redact(t.pat, rule)).toBe(`pat-na1-…${t.pat.slice(-4)}`);
    expect(redact(t.uuid)).toBe(`…${t.uuid.slice(-4)}`);
    expect(redact('short')).toBe('…');
  });
  it("shows at most a quarter of a secret as its prefix, whatever a custom rule's previewPrefix matches (`acme_hs_[0-9a-f]+` showed it whole: found by a trial)", () => {
    const [acme] = compileRules([
      { ...BUILTIN_RULES[0]!, id: 'acme', keywords: ['acme_hs_'], patterns: ['(?<secret>acme_hs_[0-9a-f]{32})'], previewPrefix: 'acme_hs_[0-9a-f]+' },
    ]).rules;
    const secret = `acme_hs_${'0123456789abcdef'.repeat(2)}`;
    const shown = redact(secret, acme);
    expect(shown).toBe(`acme_hs_01…${secret.slice(-4)}`);
    expect(shown.replace('…', '').length).toBeLessThanOrEqual(secret.length / 4 + 4);
    // The built-in prefixes are within the bound: shown whole.
    for (const id of ['hubspot-private-app-token', 'hubspot-oauth-refresh-token']) {
      const rule = rs.byId.get(id)!;
      const value = id === 'hubspot-private-app-token' ? t.pat : t.refresh;
      expect(redact(value!, rule), id).toBe(`${rule.previewPrefix!.exec(value!)![0]}…${value!.slice(-4)}`);
    }
  });
  it('knows placeholders from random values', () => {
    expect(looksLikePlaceholder('00000000-0000-0000-0000-000000000000')).toBe(true);
    expect(looksLikePlaceholder('deadbeef-dead-beef-dead-beefdeadbeef')).toBe(true);
    expect(looksLikePlaceholder(t.uuid)).toBe(false);
  });
  it('knows the UUIDs documentation is full of, and hand-typed interleaved ones (found by a detection trial)', () => {
    for (const doc of ['550e8400-e29b-41d4-a716-446655440000', 'F47AC10B-58CC-4372-A567-0E02B2C3D479', '123e4567-e89b-12d3-a456-426614174000', '3fa85f64-5717-4562-b3fc-2c963f66afa6', '6ba7b810-9dad-11d1-80b4-00c04fd430c8']) {
      expect(looksLikePlaceholder(doc), doc).toBe(true);
      expect(detect({ text: `HUBSPOT_CLIENT_SECRET=${doc}\nHUBSPOT_API_KEY=${doc}\nTOKEN=pat-na1-${doc}\n` }, rs), doc).toEqual([]);
    }
    for (const typed of ['a1b2c3d4-e5f6-a7b8-c9d0-e1f2a3b4c5d6', '1a2b3c4d-1a2b-3c4d-5e6f-7a8b9c0d1e2f', 'a0a0a0a0-b1b1-c2c2-d3d3-e4e4e4e4e4e4', 'abcd1234-ab12-cd34-ef56-abcdef123456', '1234abcd-12ab-34cd-56ef-123456abcdef']) {
      expect(looksLikePlaceholder(typed), typed).toBe(true);
    }
    // Random values are not taken for them (a property of the generator: 20,000 UUIDs).
    const rng = new Rng('placeholders-random');
    let taken = 0;
    for (let k = 0; k < 20_000; k++) if (looksLikePlaceholder(fakeUuid(rng))) taken++;
    expect(taken).toBeLessThan(3);
    // Hand-typed counting pieces in a token (found by a detection trial: it was reported).
    expect(detect({ text: 'HUBSPOT_ACCESS_TOKEN=pat-na1-abcd1234-ab12-cd34-ef56-abcdef123456\n' }, rs)).toEqual([]);
  });
});

describe('placeholders are told from random values that merely contain a short run', () => {
  it('accepts random UUIDs with a counting run of 6 or a repeated run of 6, rejects runs of 8', () => {
    expect(looksLikePlaceholder('3f9a1c2e-7b40-4d55-9e21-4c0123456b7d')).toBe(false); // "012345"
    expect(looksLikePlaceholder('3f9a1c2e-7b40-4d55-9e21-4c0aaaaaab7d')).toBe(false); // six a's
    expect(looksLikePlaceholder('3f9a1c2e-7b40-4d55-9e21-01234567b7d9')).toBe(true);
    expect(looksLikePlaceholder('3f9a1c2e-7b40-4d55-9e21-4caaaaaaaab7')).toBe(true);
    expect(looksLikePlaceholder('12345678-1234-1234-1234-123456789012')).toBe(true);
    // Counting down, and letters counting.
    expect(looksLikePlaceholder('3f9a1c2e-7b40-4d55-9e21-4c87654321b7')).toBe(true);
    expect(looksLikePlaceholder('3f9a1c2e-7b40-4d55-9e21-4c7654321b7d')).toBe(false);
    expect(looksLikePlaceholder('3f9a1c2e7b404d559e21zyxwvutsb7d9')).toBe(true);
    expect(looksLikePlaceholder('3f9a1c2e7b404d559e21mnopqrstb7d9')).toBe(true);
  });
  it('finds a counting run of 8 wherever a string holds one, as a search of every window does', () => {
    // Two interleaved sequences (looksLikePlaceholder's other test), by brute force.
    const interleavedRun = (x: string): boolean => {
      for (let i = 0; i + 8 <= x.length; i++) {
        const d = x.charCodeAt(i + 2) - x.charCodeAt(i);
        if (Math.abs(d) <= 1 && [0, 1, 2, 3, 4, 5].every((k) => x.charCodeAt(i + k + 2) - x.charCodeAt(i + k) === d)) return true;
      }
      return false;
    };
    const asc = '0123456789abcdefghijklmnopqrstuvwxyz';
    const counting = (x: string): boolean => {
      for (let i = 0; i + 8 <= x.length; i++) if (asc.includes(x.slice(i, i + 8)) || asc.includes([...x.slice(i, i + 8)].reverse().join(''))) return true;
      return false;
    };
    const rng = new Rng('counting-runs');
    for (let k = 0; k < 3000; k++) {
      // Random hex with a counting piece of 5 to 9 characters at a random place, up or down.
      const body = rng.bytes(12).toString('hex');
      const from = rng.int(asc.length - 9);
      let run = asc.slice(from, from + 5 + rng.int(5));
      if (rng.int(2)) run = [...run].reverse().join('');
      const at = rng.int(body.length);
      const x = body.slice(0, at) + run + body.slice(at);
      // Only the counting test decides here: no long repeat, enough distinct characters, no placeholder word.
      if (/(.)\1{7}/.test(x) || new Set(x).size < 8 || /x{4}|example|sample|dummy|placeholder|redacted|changeme|your/i.test(x) || interleavedRun(x)) continue;
      expect(looksLikePlaceholder(x), x).toBe(counting(x));
    }
  });
  it('finds a generated token whose random part holds a counting run of 6 (seen by a property test)', () => {
    const pat = fakePrivateAppToken(new Rng('=uxUPu'));
    expect(detect({ text: ` ${pat} ` }, rs).map((m) => m.ruleId)).toEqual(['hubspot-private-app-token']);
  });
});
