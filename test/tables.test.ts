/**
 * Tables (src/core/tables.ts): CSV / TSV cells read under their columns' names, each value mapped
 * back to its cell; and detect() on tables, a row at a time.
 */
import { describe, expect, it } from 'vitest';
import { detect } from '../src/core/detect.js';
import { isYamlPath, objectView, recordRange, tableDelimiter, tableView, yamlView } from '../src/core/tables.js';
import { builtinRuleSet } from '../src/rules/index.js';
import { fakeAll, fakeUuid, Rng } from './helpers/fake-tokens.js';

const rs = builtinRuleSet();
const t = fakeAll('tables');

/** A table written as a CSV writer would: cells quoted when they hold the delimiter, a quote or a line break. */
function write(rows: string[][], delimiter: string, eol: string): { text: string; cells: { value: string; start: number }[][] } {
  let text = '';
  const cells: { value: string; start: number }[][] = [];
  for (const row of rows) {
    cells.push(
      row.map((value, k) => {
        if (k > 0) text += delimiter;
        const quoted = value.includes(delimiter) || /["\r\n]/.test(value) || value.startsWith(' ');
        const raw = quoted ? value.replaceAll('"', '""') : value;
        const start = text.length + (quoted ? 1 : 0);
        text += quoted ? `"${raw}"` : raw;
        return { value: raw, start };
      }),
    );
    text += eol;
  }
  return { text, cells };
}

describe('tables', () => {
  it('know a table by its file name', () => {
    expect(['a.csv', 'A.CSV', 'b.tsv', 'c.tab', 'd.psv', 'e.txt', 'csv', 'f.csvx'].map((p) => tableDelimiter(p))).toEqual([',', ',', '\t', '\t', '|', null, null, null]);
    // Excel's CSV where the decimal separator is a comma: `;` between cells.
    expect(['a;b;c\n1,5;2;3\n', 'a,b;c\n', 'x'].map((text) => tableDelimiter('e.csv', text))).toEqual([';', ',', ',']);
    // A .txt file is a table when its first lines hold the same number of tabs (Excel's "Unicode Text").
    expect(['a\tb\tc\r\n1\t2\t3\r\n4\t5\t6\r\n', 'a\tb\n1\t2\n', 'a\tb\n1\t2', 'a\tb\n1\t2\n\n', 'a\tb\n', 'a\tb', 'a b\n1 2\n', 'a\tb\n1\t2\t3\n', '\tindented\nprose\n', ''].map((text) => tableDelimiter('e.txt', text))).toEqual(['\t', '\t', '\t', '\t', null, null, null, null, null, null]);
  });

  it('read every value under its column name, mapped back to its cell (quotes, delimiters and line breaks inside cells, CRLF)', () => {
    const rng = new Rng('tables');
    const piece = (): string => rng.pick(['a', 'b c', ',', '\t', '"', '""', '\n', '\r\n', 'é', ' ', '-', fakeUuid(rng), 'x'.repeat(40)]);
    for (let n = 0; n < 300; n++) {
      const delimiter = rng.pick([',', '\t', '|']);
      const columns = 2 + rng.int(5);
      const header = Array.from({ length: columns }, (_, k) => (k === 0 ? 'api_key' : `col ${k}`));
      const body = Array.from({ length: 1 + rng.int(6) }, () =>
        Array.from({ length: columns }, () => Array.from({ length: rng.int(4) }, piece).join('')),
      );
      // Every row holds a UUID in its credential column, so every row is read.
      for (const row of body) row[0] = fakeUuid(rng);
      const { text, cells } = write([header, ...body], delimiter, rng.pick(['\n', '\r\n']));
      const view = tableView(text, delimiter);
      expect(view, JSON.stringify(text)).not.toBeNull();
      // The view: per row, `name=value` for each non-empty cell.
      const expected = body.map((row, r) => row.map((_, k) => cells[r + 1]![k]!).filter((c) => c.value !== '').map((c) => c));
      const lines = expected.flat();
      expect(view!.at.length).toBe(lines.length);
      lines.forEach((c, i) => {
        const at = view!.at[i]!;
        expect(view!.text.slice(at, at + c.value.length)).toBe(c.value);
        expect(recordRange(view!, at, at + c.value.length)).toEqual({ start: c.start, end: c.start + c.value.length });
        expect(text.slice(c.start, c.start + c.value.length)).toBe(c.value);
      });
      expect(view!.rows.length).toBe(body.length + 1);
    }
  });

  it('read no table without a header naming a credential, or without a secret-shaped value there', () => {
    expect(tableView(`id,form_guid,name\n${t.uuid},${t.uuid},x\n`, ',')).toBeNull();
    expect(tableView(`api_key,name\nnone,x\n`, ',')).toBeNull();
    expect(tableView(`${t.uuid},api_key\nx,${t.uuid}\n`, ',')).toBeNull();
    expect(tableView(`only_one_column\n${t.uuid}\n`, ',')).toBeNull();
    // A range across two values maps nowhere.
    const view = tableView(`client_secret,b\n${t.uuid},${t.uuid}\n`, ',')!;
    expect(recordRange(view, view.at[0]!, view.at[1]! + 2)).toBeNull();
  });

  it('find a credential in a cell under its column name, reading each row by itself', () => {
    const other = fakeAll('tables-other');
    const text = `app,client_id,client_secret,owner\r\nHubSpot CRM sync,${other.uuid},${t.uuid},ops@example.com\r\nStripe billing,${other.uuid},${other.uuid},billing@example.com\r\n`;
    expect(detect({ text, path: 'apps.csv' }, rs)).toMatchObject([
      { ruleId: 'hubspot-oauth-client-secret', secret: t.uuid, line: 2, column: `HubSpot CRM sync,${other.uuid},`.length + 1, encoding: 'plain' },
    ]);
    // A row after another: its own place.
    const second = `app,client_secret\nStripe billing,${other.uuid}\nHubSpot CRM sync,${t.uuid}\n`;
    expect(detect({ text: second, path: 'apps.csv' }, rs)).toMatchObject([{ secret: t.uuid, line: 3, column: 'HubSpot CRM sync,'.length + 1, start: second.indexOf(t.uuid!) }]);
    // The same text under another name is not a table; a part of a file after its header is not read as one.
    expect(detect({ text, path: 'apps.txt' }, rs)).toEqual([]);
    expect(detect({ text, path: 'apps.csv' }, rs, { records: false })).toEqual([]);
    // Quoted names and cells, tabs.
    expect(detect({ text: `"Name"\t"Client Secret"\n"prod\teu (hubspot)"\t"${t.uuid}"\n`, path: 'x.tsv' }, rs)).toMatchObject([
      { ruleId: 'hubspot-oauth-client-secret', secret: t.uuid, line: 2, column: '"prod\teu (hubspot)"\t"'.length + 1 },
    ]);
  });

  it('read JSON objects that pair a name and a value far apart, each as a record, in any member order and indentation', () => {
    const other = fakeAll('objects-other');
    const ssm = (name: string, value: string, tags: Record<string, string>) => ({
      type: 'aws_ssm_parameter',
      instances: [{ attributes: { arn: `arn:aws:ssm:us-east-1:123456789012:parameter${name}`, id: name, name, overwrite: null, tags, tags_all: tags, tier: 'Standard', type: 'SecureString', value, version: 1 } }],
    });
    const state = { version: 4, resources: [ssm('/prod/HUBSPOT_API_KEY', t.uuid!, { Team: 'crm', Env: 'prod' }), ssm('/prod/WEATHER_API_KEY', other.uuid!, {})] };
    for (const indent of [0, 2, 4, '\t']) {
      const text = JSON.stringify(state, null, indent);
      expect(detect({ text, path: 'terraform.tfstate' }, rs), `indent ${indent}`).toMatchObject([{ ruleId: 'hubspot-legacy-api-key', secret: t.uuid, start: text.indexOf(t.uuid!) }]);
    }
    // CloudFormation with Value before Name (as CDK writes it), right before another service's parameter: only HubSpot's.
    const cfn = JSON.stringify({ Resources: { A: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: t.uuid, Name: '/prod/HUBSPOT_API_KEY' } }, B: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: other.uuid, Name: '/prod/POSTAL_API_KEY' } } } }, null, 2);
    expect(detect({ text: cfn, path: 'stack.template.json' }, rs)).toMatchObject([{ secret: t.uuid }]);
    // A Secrets Manager secret's version in Terraform state: named by its secret's ARN.
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/HUBSPOT_API_KEY-AbCdEf';
    const version = JSON.stringify({ version: 4, resources: [{ type: 'aws_secretsmanager_secret_version', name: 'crm', instances: [{ attributes: { arn, id: `${arn}|${other.uuid}`, secret_binary: '', secret_id: arn, secret_string: t.uuid, version_id: other.uuid, version_stages: ['AWSCURRENT'] } }] }] }, null, 2);
    expect(detect({ text: version, path: 'terraform.tfstate' }, rs)).toMatchObject([{ ruleId: 'hubspot-legacy-api-key', secret: t.uuid, start: version.indexOf(t.uuid!) }]);
    expect(detect({ text: version.replaceAll('HUBSPOT_API_KEY', 'POSTAL_API_KEY').replace('"crm"', '"hubspot"'), path: 'terraform.tfstate' }, rs)).toEqual([]);
    // A name CloudFormation's Fn::Sub builds, as a string or [text, variables].
    for (const name of [{ 'Fn::Sub': '/${Env}/hubspot/apikey' }, { 'Fn::Sub': ['/${Env}/hubspot/${Key}', { Key: 'apikey' }] }]) {
      const sub = JSON.stringify({ Resources: { A: { Type: 'AWS::SSM::Parameter', Properties: { Name: name, Type: 'String', Tier: 'Standard', Description: 'the key the CRM sync uses', Value: t.uuid } } } }, null, 2);
      expect(detect({ text: sub, path: 'params.template.json' }, rs), JSON.stringify(name)).toMatchObject([{ ruleId: 'hubspot-legacy-api-key', secret: t.uuid }]);
    }
    // A GitHub Actions secret: plaintext_value, then secret_name.
    const gh = JSON.stringify({ resources: [{ type: 'github_actions_secret', instances: [{ attributes: { plaintext_value: t.uuid, repository: 'crm', secret_name: 'HUBSPOT_CLIENT_SECRET' } }] }] });
    expect(detect({ text: gh, path: 'terraform.tfstate' }, rs)).toMatchObject([{ ruleId: 'hubspot-oauth-client-secret', secret: t.uuid }]);
    // A GitHub Actions variable (variable_name after value), a Hoppscotch environment (initialValue).
    const variable = JSON.stringify({ resources: [{ type: 'github_actions_variable', instances: [{ attributes: { repository: 'crm', value: t.uuid, variable_name: 'HUBSPOT_API_KEY' } }] }] }, null, 2);
    expect(detect({ text: variable, path: 'terraform.tfstate' }, rs)).toMatchObject([{ ruleId: 'hubspot-legacy-api-key', secret: t.uuid }]);
    const hopp = JSON.stringify([{ name: 'prod', variables: [{ key: 'HUBSPOT_API_KEY', secret: true, initialValue: t.uuid }] }], null, 2);
    expect(detect({ text: hopp, path: 'hoppscotch-environments.json' }, rs)).toMatchObject([{ ruleId: 'hubspot-legacy-api-key', secret: t.uuid }]);
    // A version after the name; a collection held in a JSON string (a test fixture's), read one level deep.
    const versioned = JSON.stringify({ resources: [ssm('/prod/hubspot/apikey/v2', t.uuid!, {})] }, null, 2);
    expect(detect({ text: versioned, path: 'terraform.tfstate' }, rs)).toMatchObject([{ ruleId: 'hubspot-legacy-api-key', secret: t.uuid }]);
    const secretV2 = JSON.stringify({ resources: [ssm('/prod/HUBSPOT_CLIENT_SECRET_V2', t.uuid!, {})] }, null, 2);
    expect(detect({ text: secretV2, path: 'terraform.tfstate' }, rs)).toMatchObject([{ ruleId: 'hubspot-oauth-client-secret', secret: t.uuid }]);
    const held = JSON.stringify({ fixture: JSON.stringify({ auth: { type: 'apikey', apikey: [{ key: 'value', value: t.uuid }, { key: 'key', value: 'hapikey' }] } }) }, null, 2);
    expect(detect({ text: held, path: 'fixtures.json' }, rs)).toMatchObject([{ ruleId: 'hubspot-legacy-api-key', secret: t.uuid, start: held.indexOf(t.uuid!) }]);
    // A Postman apikey auth block, keys sorted and 4-space indented, nested in folders.
    let item: object = { request: { auth: { apikey: [{ key: 'in', type: 'string', value: 'query' }, { key: 'value', type: 'string', value: t.uuid }, { key: 'key', type: 'string', value: 'hapikey' }], type: 'apikey' } } };
    for (let depth = 0; depth < 8; depth++) item = { item: [item], name: `folder ${depth}` };
    const postman = JSON.stringify({ info: { name: 'CRM' }, ...item }, null, 4);
    expect(detect({ text: postman, path: 'crm.postman_collection.json' }, rs)).toMatchObject([{ ruleId: 'hubspot-legacy-api-key', secret: t.uuid, start: postman.indexOf(t.uuid!) }]);
    // Another API's key in such a block stays silent; so does a text that is not JSON, or names no HubSpot.
    expect(detect({ text: postman.replace('"hapikey"', '"x-api-key"'), path: 'crm.postman_collection.json' }, rs)).toEqual([]);
    expect(objectView(`x = ${JSON.stringify(state)}`)).toBeNull();
    expect(objectView(JSON.stringify(state).replaceAll('HUBSPOT', 'ACME'))).toBeNull();
    // A value written with escapes maps nowhere one to one: left to the text's own scan.
    expect(objectView(JSON.stringify({ name: 'hubspot_api_key', value: `${t.uuid}/x` }).replace('/', '\\/'))).toBeNull();
    expect(objectView(JSON.stringify({ name: 'hubspot_api_key', value: t.uuid }))!.text).toBe(`hubspot_api_key=${t.uuid}\n`);
  });

  it('read YAML mappings that pair a name and a value far apart: CloudFormation parameters and secrets, in any order, in every document', () => {
    const other = fakeAll('yaml-other');
    expect(['a.yaml', 'B.YML', 'c.yml.txt', 'yaml'].map(isYamlPath)).toEqual([true, true, false, false]);
    const param = (id: string, name: string, value: string, quote = '') =>
      [`  ${id}:`, '    Type: AWS::SSM::Parameter', '    Properties:', `      Name: ${name}`, '      Type: String', '      Tier: Standard', '      Description: the key the CRM sync uses', `      Value: ${quote}${value}${quote}`].join('\n');
    const stack = ['AWSTemplateFormatVersion: "2010-09-09"', 'Resources:', param('HubSpotKey', '/prod/hubspot/apikey', t.uuid!, "'"), param('PostalKey', '/prod/postal/apikey', other.uuid!), ''].join('\n');
    // Only HubSpot's, at its value: the other service's parameter right after it stays silent.
    expect(detect({ text: stack, path: 'stack.yaml' }, rs)).toMatchObject([{ ruleId: 'hubspot-legacy-api-key', secret: t.uuid, start: stack.indexOf(t.uuid!), line: 10 }]);
    // Not a YAML file by name: the text's own scan, where the name is too far from the value.
    expect(detect({ text: stack, path: 'stack.txt' }, rs)).toEqual([]);
    // Value before Name, a list item's members, a second document, a Secrets Manager secret's string.
    const docs = ['kind: List', 'items:', '  - Value: ' + t.uuid, '    Type: SecureString', '    Note: rotated yearly', '    Name: HUBSPOT_API_KEY', '---', 'Resources:', '  S:', '    Type: AWS::SecretsManager::Secret', '    Properties:', '      Name: prod/hubspot-client-secret', '      Description: CRM', `      SecretString: "${other.uuid}"`, ''].join('\n');
    expect(detect({ text: docs, path: 'x.yml' }, rs)).toMatchObject([
      { ruleId: 'hubspot-legacy-api-key', secret: t.uuid, line: 3 },
      { ruleId: 'hubspot-oauth-client-secret', secret: other.uuid, line: 14 },
    ]);
    // CloudFormation's short tags: a name built with !Sub, another member's !GetAtt.
    const tagged = ['Resources:', '  K:', '    Type: AWS::SSM::Parameter', '    Properties:', '      Name: !Sub "/${Env}/hubspot/apikey"', '      Type: String', '      Policies: !GetAtt Role.Arn', '      Description: the key the CRM sync uses', `      Value: ${t.uuid}`, ''].join('\n');
    expect(detect({ text: tagged, path: 'stack.yaml' }, rs)).toMatchObject([{ ruleId: 'hubspot-legacy-api-key', secret: t.uuid, line: 9 }]);
    // A CloudFormation / SAM parameter, named by its key; another service's beside it stays silent.
    const params = ['Parameters:', '  HubSpotApiKey:', '    Type: String', '    NoEcho: true', '    Description: the key the CRM sync uses', `    Default: ${t.uuid}`, '  PostalApiKey:', '    Type: String', '    NoEcho: true', `    Default: ${other.uuid}`, ''].join('\n');
    expect(detect({ text: params, path: 'template.yaml' }, rs)).toMatchObject([{ ruleId: 'hubspot-legacy-api-key', secret: t.uuid, line: 6 }]);
    // JSON in a .yaml file is read as JSON.
    expect(yamlView(JSON.stringify({ name: 'hubspot_api_key', value: t.uuid }))!.text).toBe(`hubspot_api_key=${t.uuid}\n`);
    // No HubSpot, no name member, a document with errors, an alias bomb: no records.
    expect(yamlView(stack.replace(/hubspot/gi, 'acme'))).toBeNull();
    expect(yamlView(stack.replaceAll('Name:', 'Title:'))).toBeNull();
    expect(yamlView(`${stack}  Broken: [unclosed\n`)).toBeNull();
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefghij'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghij'[i]}`).join(', ')}]`), 'name: hubspot_api_key', `value: ${t.uuid}`].join('\n');
    expect(yamlView(bomb)).toBeNull();
    // Over 128 KiB: the parser is not run (the text's own scan is).
    expect(yamlView(`${stack}#${' '.repeat(128 << 10)}\n`)).toBeNull();
    expect(yamlView(`${stack}#${' '.repeat(1000)}\n`)).not.toBeNull();
    // Every value maps back to where it is, for the scan of the file.
    const view = yamlView(stack)!;
    expect(view.text.split('\n').sort()).toEqual(['', `/prod/hubspot/apikey=${t.uuid}`, `/prod/postal/apikey=${other.uuid}`]);
    for (const v of [t.uuid!, other.uuid!]) expect(recordRange(view, view.text.indexOf(v), view.text.indexOf(v) + 36)).toEqual({ start: stack.indexOf(v), end: stack.indexOf(v) + 36 });
  });
});

