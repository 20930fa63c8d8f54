/**
 * Deterministic benchmark corpora: a directory tree of realistic mixed text with planted fake
 * credentials, a git history of 2k+ commits, and a large repository with one staged file.
 * Fake credentials come from test/helpers/fake-tokens.ts (nothing here is a real secret).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import {
  fakeHubHex,
  fakeOAuthAccessToken,
  fakePersonalAccessKey,
  fakePrivateAppToken,
  fakeSmtpPassword,
  fakeUuid,
  Rng,
} from '../test/helpers/fake-tokens.js';

/** Bump when the generators change, so a cached corpus is regenerated. */
export const CORPUS_VERSION = 3;

/** A fast seeded PRNG (mulberry32) for the bulk text; fake credentials use the SHA-based Rng. */
export class Fast {
  constructor(private s: number) {}
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
}

const WORDS = (
  'the of and to in is that for it as with was on be by this are from at or an not have which but ' +
  'config value user account contact deal company ticket pipeline owner property request response ' +
  'token client server error warning handler event stream buffer cache index record update delete ' +
  'create fetch return async await const export import default function class interface string ' +
  'number boolean object array promise resolve reject options params result status message data ' +
  'timeout retry limit offset cursor page total items input output source target build deploy test ' +
  'marketing email form workflow sequence portal integration webhook subscription settings scope ' +
  'circle circuit civic civil develop development developer access bearer secret password refresh'
).split(' ');
const IDENTS = ['userId', 'portalId', 'dealStage', 'contactList', 'apiClient', 'retryCount', 'pageSize', 'hubspotClient', 'accessLevel', 'devMode', 'patternMatch', 'civStatus'];

function sentence(r: Fast, n: number): string {
  const w: string[] = [];
  for (let i = 0; i < n; i++) w.push(r.pick(WORDS));
  const s = w.join(' ');
  return s[0]!.toUpperCase() + s.slice(1) + '.';
}

function hex(r: Fast, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[r.int(16)];
  return s;
}

/** A UUID from the fast PRNG: logs and configs are full of them (request ids, object ids). */
function uuidish(r: Fast): string {
  return `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`;
}

function b64(r: Fast, n: number): string {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let s = '';
  for (let i = 0; i < n; i++) s += A[r.int(64)];
  return s;
}

type Kind = 'ts' | 'json' | 'md' | 'yml' | 'log' | 'min.js' | 'html';
const KINDS: readonly Kind[] = ['ts', 'ts', 'ts', 'json', 'md', 'md', 'yml', 'log', 'min.js', 'html'];

function tsLine(r: Fast, depth: number): string {
  const ind = '  '.repeat(depth);
  switch (r.int(9)) {
    case 0:
      return `${ind}// ${sentence(r, 6 + r.int(10))}`;
    case 1:
      return `${ind}const ${r.pick(IDENTS)} = await ${r.pick(IDENTS)}.${r.pick(WORDS)}(${r.pick(IDENTS)}, { ${r.pick(WORDS)}: ${r.int(1000)} });`;
    case 2:
      return `${ind}if (${r.pick(IDENTS)} !== undefined && ${r.pick(IDENTS)}.length > ${r.int(50)}) {`;
    case 3:
      return `${ind}throw new Error(\`${sentence(r, 5)} \${${r.pick(IDENTS)}}\`);`;
    case 4:
      return `${ind}const url = 'https://api.example.com/v3/${r.pick(WORDS)}/${r.int(99999)}?limit=${r.int(100)}&after=${hex(r, 8)}';`;
    case 5:
      return `${ind}logger.info("${sentence(r, 4)}", { id: "${uuidish(r)}", ${r.pick(WORDS)}: ${r.int(100)} });`;
    case 6:
      return `${ind}export function ${r.pick(IDENTS)}${r.int(100)}(${r.pick(IDENTS)}: string, ${r.pick(IDENTS)}: number): Promise<void> {`;
    case 7:
      return `${ind}const payload = JSON.parse("{\\"${r.pick(WORDS)}\\": \\"${r.pick(WORDS)}\\", \\"n\\": ${r.int(9)}}");`;
    default:
      return `${ind}return ${r.pick(IDENTS)}.map((x) => x.${r.pick(WORDS)} ?? ${r.int(10)});`;
  }
}

function body(kind: Kind, r: Fast, size: number): string {
  const out: string[] = [];
  let n = 0;
  const push = (s: string): void => {
    out.push(s);
    n += s.length + 1;
  };
  switch (kind) {
    case 'ts':
      push(`import { ${r.pick(IDENTS)} } from './${r.pick(WORDS)}.js';`);
      while (n < size) push(tsLine(r, 1 + r.int(3)));
      break;
    case 'json':
      push('{');
      while (n < size) {
        push(`  "${r.pick(WORDS)}_${r.int(1000)}": { "id": "${uuidish(r)}", "name": "${sentence(r, 3)}", "count": ${r.int(100000)}, "sha": "${hex(r, 40)}", "tags": ["${r.pick(WORDS)}", "${r.pick(WORDS)}"] },`);
      }
      push('  "end": true\n}');
      break;
    case 'md':
      push(`# ${sentence(r, 4)}`);
      while (n < size) {
        push('');
        push(sentence(r, 12 + r.int(20)) + ' ' + sentence(r, 8 + r.int(12)));
        if (r.int(6) === 0) push('```sh\ncurl -H "Content-Type: application/json" https://api.example.com/crm/v3/objects/contacts\n```');
      }
      break;
    case 'yml':
      while (n < size) {
        push(`${r.pick(WORDS)}:`);
        push(`  ${r.pick(WORDS)}: ${r.pick(WORDS)}-${r.int(100)}`);
        push(`  image: registry.example.com/${r.pick(WORDS)}:${r.int(9)}.${r.int(20)}.${r.int(30)}`);
        push(`  checksum: sha256:${hex(r, 64)}`);
      }
      break;
    case 'log':
      while (n < size) {
        push(`2024-0${1 + r.int(9)}-1${r.int(9)}T1${r.int(9)}:${10 + r.int(49)}:${10 + r.int(49)}.${r.int(999)}Z INFO [req ${uuidish(r)}] ${r.pick(['GET', 'POST', 'PATCH'])} /crm/v3/${r.pick(WORDS)}/${r.int(1e6)} ${r.pick([200, 201, 404, 429])} ${r.int(900)}ms`);
      }
      break;
    case 'min.js': {
      let line = '';
      while (n + line.length < size) {
        line += `function ${r.pick(['a', 'b', 'c', 'd'])}${r.int(99)}(e,t){return e.${r.pick(WORDS)}(t,"${r.pick(WORDS)}")||${r.int(99)}};var s${r.int(999)}="${b64(r, 20 + r.int(40))}";`;
        if (line.length > 4000) {
          push(line);
          line = '';
        }
      }
      push(line);
      break;
    }
    case 'html':
      push('<!doctype html><html><head><meta charset="utf-8"><title>Page</title></head><body>');
      while (n < size) push(`<div class="${r.pick(WORDS)}-${r.int(9)}"><p>${sentence(r, 10 + r.int(10))}</p><a href="/${r.pick(WORDS)}?id=${r.int(9999)}&amp;ref=${r.pick(WORDS)}%20${r.pick(WORDS)}">${r.pick(WORDS)}</a></div>`);
      push('</body></html>');
      break;
  }
  return out.join('\n') + '\n';
}

export interface Planted {
  path: string;
  rule: string;
  value: string;
}

/** A credential in the context a real leak has, as [snippet, rule, value]. */
function leak(t: Rng, i: number): [string, string, string] {
  const hub = ['na1', 'na2', 'eu1', 'ap1'][i % 4]!;
  switch (i % 10) {
    case 0: {
      const v = fakePrivateAppToken(t, hub);
      return [`HUBSPOT_ACCESS_TOKEN=${v}`, 'hubspot-private-app-token', v];
    }
    case 1: {
      const v = fakePrivateAppToken(t, hub);
      return [`const hubspotClient = new Client({ accessToken: '${v}' });`, 'hubspot-private-app-token', v];
    }
    case 2: {
      const v = fakeHubHex(t, hub);
      return [`  refresh_token: ${v}`, 'hubspot-oauth-refresh-token', v];
    }
    case 3: {
      const v = fakeUuid(t);
      return [`const HUBSPOT_CLIENT_SECRET = "${v}";`, 'hubspot-oauth-client-secret', v];
    }
    case 4: {
      const v = fakeUuid(t);
      return [`fetch('https://api.hubapi.com/contacts/v1/lists/all/contacts/all?hapikey=${v}')`, 'hubspot-legacy-api-key', v];
    }
    case 5: {
      const v = fakePersonalAccessKey(t, hub);
      return [`defaultPortal: prod\nportals:\n  - name: prod\n    authType: personalaccesskey\n    personalAccessKey: >-\n      ${v}`, 'hubspot-personal-access-key', v];
    }
    case 6: {
      const v = fakeOAuthAccessToken(t, hub);
      return [`curl https://api.hubapi.com/crm/v3/objects/contacts -H "Authorization: Bearer ${v}"`, 'hubspot-oauth-access-token', v];
    }
    case 7: {
      const v = fakeSmtpPassword(t);
      return [`SMTP_HOST=smtp.hubspot.net\nSMTP_PASSWORD=${v}`, 'hubspot-smtp-credential', v];
    }
    case 8: {
      const v = fakeUuid(t);
      return [`DEVELOPER_API_KEY=${v}`, 'hubspot-developer-api-key', v];
    }
    default: {
      // A Kubernetes secret: the token only exists base64-encoded.
      const v = fakePrivateAppToken(t, hub);
      return [`data:\n  env: ${Buffer.from(`HUBSPOT_ACCESS_TOKEN=${v}\n`).toString('base64')}`, 'hubspot-private-app-token', v];
    }
  }
}

function insertAt(text: string, r: Fast, snippet: string): string {
  const nl: number[] = [];
  for (let i = text.indexOf('\n'); i !== -1 && nl.length < 10000; i = text.indexOf('\n', i + 1)) nl.push(i);
  const at = nl.length ? nl[r.int(nl.length)]! + 1 : 0;
  return `${text.slice(0, at)}${snippet}\n${text.slice(at)}`;
}

export interface TreeCorpus {
  dir: string;
  files: number;
  bytes: number;
  planted: Planted[];
}

/** ~`totalMb` MB in `files` files under `dir`, with one planted credential in every 50th file. */
export function makeTree(dir: string, files = 10_000, totalMb = 100): TreeCorpus {
  rmSync(dir, { recursive: true, force: true });
  const r = new Fast(42);
  const t = new Rng('bench-tree');
  const planted: Planted[] = [];
  const avg = (totalMb * 1_000_000) / files;
  let bytes = 0;
  for (let i = 0; i < files; i++) {
    const kind = KINDS[i % KINDS.length]!;
    // Sizes: mostly around the average, a few 10x larger (bundles, logs, lockfiles).
    const size = r.int(20) === 0 ? avg * (4 + r.int(8)) : avg * (0.2 + r.next() * 0.9);
    const sub = path.join(dir, `pkg${i % 37}`, ['src', 'docs', 'config', 'lib', 'logs'][i % 5]!, `d${i % 11}`);
    mkdirSync(sub, { recursive: true });
    const name = `${r.pick(WORDS)}-${i}.${kind}`;
    let text = body(kind, r, size);
    if (i % 50 === 7) {
      const [snippet, rule, value] = leak(t, planted.length);
      text = insertAt(text, r, snippet);
      planted.push({ path: path.relative(dir, path.join(sub, name)).split(path.sep).join('/'), rule, value });
    }
    writeFileSync(path.join(sub, name), text);
    bytes += Buffer.byteLength(text);
  }
  return { dir, files, bytes, planted };
}

function git(cwd: string, args: string[], input?: string | Buffer): string {
  return execFileSync('git', args, { cwd, input, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] });
}

function initRepo(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['config', 'user.name', 'Bench']);
  git(dir, ['config', 'user.email', 'bench@example.com']);
  git(dir, ['config', 'commit.gpgsign', 'false']);
}

/** A fast-import stream: `commits` commits editing a tree of `nfiles` files. */
function history(dir: string, commits: number, nfiles: number, fileSize: number, plantEvery: number): Planted[] {
  const r = new Fast(7);
  const t = new Rng('bench-history');
  const planted: Planted[] = [];
  const files: string[] = [];
  const contents: string[] = [];
  for (let i = 0; i < nfiles; i++) {
    const kind = KINDS[i % KINDS.length]!;
    files.push(`pkg${i % 13}/${['src', 'docs', 'config'][i % 3]}/${r.pick(WORDS)}-${i}.${kind}`);
    contents.push(body(kind, r, fileSize * (0.3 + r.next() * 1.4)));
  }
  const chunks: Buffer[] = [];
  const data = (s: string): void => {
    const b = Buffer.from(s);
    chunks.push(Buffer.from(`data ${b.length}\n`), b, Buffer.from('\n'));
  };
  let when = 1_600_000_000;
  for (let c = 0; c < commits; c++) {
    chunks.push(Buffer.from(`commit refs/heads/main\nmark :${c + 1}\nauthor Bench <bench@example.com> ${when} +0000\ncommitter Bench <bench@example.com> ${when} +0000\n`));
    when += 3600;
    data(`Change ${c}: ${sentence(r, 6)}`);
    if (c > 0) chunks.push(Buffer.from(`from :${c}\n`));
    const touched = c === 0 ? files.map((_, i) => i) : [r.int(nfiles), r.int(nfiles), r.int(nfiles)];
    for (const i of new Set(touched)) {
      if (c > 0) {
        // Edit a few lines: real histories change files a little at a time.
        let text = contents[i]!;
        for (let k = 0; k < 3; k++) text = insertAt(text, r, sentence(r, 8));
        if (c % plantEvery === 5) {
          const [snippet, rule, value] = leak(t, planted.length);
          text = insertAt(text, r, snippet);
          planted.push({ path: files[i]!, rule, value });
        }
        contents[i] = text;
      }
      chunks.push(Buffer.from(`M 100644 inline ${files[i]}\n`));
      data(contents[i]!);
    }
  }
  chunks.push(Buffer.from('done\n'));
  git(dir, ['fast-import', '--quiet', '--done'], Buffer.concat(chunks));
  return planted;
}

export interface RepoCorpus {
  dir: string;
  commits: number;
  planted: Planted[];
}

/** A repository with `commits` commits over 400 files; a credential planted every 100 commits. */
export function makeHistoryRepo(dir: string, commits = 2_500): RepoCorpus {
  initRepo(dir);
  const planted = history(dir, commits, 400, 8_000, 100);
  git(dir, ['reset', '-q', '--hard', 'main']);
  git(dir, ['gc', '-q', '--aggressive', '--prune=now']);
  return { dir, commits, planted };
}

export interface StagedCorpus {
  dir: string;
  files: number;
  planted: Planted[];
}

/** A large repository (`nfiles` files, one commit) with one modified, staged file holding a credential. */
export function makeStagedRepo(dir: string, nfiles = 20_000): StagedCorpus {
  initRepo(dir);
  history(dir, 1, nfiles, 3_000, 1_000_000);
  git(dir, ['reset', '-q', '--hard', 'main']);
  const t = new Rng('bench-staged');
  const value = fakePrivateAppToken(t);
  const file = 'pkg3/src/staged-change.ts';
  mkdirSync(path.join(dir, 'pkg3/src'), { recursive: true });
  writeFileSync(path.join(dir, file), `export const config = {\n  hubspotToken: '${value}',\n};\n`);
  git(dir, ['add', file]);
  return { dir, files: nfiles, planted: [{ path: file, rule: 'hubspot-private-app-token', value }] };
}

export interface BigCorpus {
  dir: string;
  /** The big file (repository-relative). */
  file: string;
  bytes: number;
  /** In the committed version. */
  committed: Planted[];
  /** In the staged version: the committed ones and one more, appended. */
  staged: Planted[];
}

/**
 * A repository whose one commit holds a ~`mb` MB database dump (SQL inserts with credentials at ten
 * places, the last near its end), then the dump modified (a line appended) and staged: what every
 * mode must read without holding it whole.
 */
export function makeBigRepo(dir: string, mb = 200): BigCorpus {
  initRepo(dir);
  const r = new Fast(7);
  const t = new Rng('bench-big');
  const file = 'backup/dump.sql';
  mkdirSync(path.join(dir, 'backup'), { recursive: true });
  const abs = path.join(dir, file);
  const fd = openSync(abs, 'w');
  const committed: Planted[] = [];
  const target = mb * 1e6;
  let bytes = 0;
  let next = 0;
  while (bytes < target) {
    const lines: string[] = [];
    for (let k = 0; k < 2000; k++) {
      lines.push(`INSERT INTO contacts (id, email, note) VALUES (${r.int(1e9)}, '${r.pick(WORDS)}${r.int(1e4)}@example.com', '${sentence(r, 10)}');`);
    }
    // Ten credentials, spread out, the last one in the final stretch.
    if (committed.length < 10 && bytes >= next) {
      const [snippet, rule, value] = leak(t, committed.length);
      lines.push(snippet);
      committed.push({ path: file, rule, value });
      next = committed.length === 9 ? target - 2e6 : next + target / 10;
    }
    const b = Buffer.from(`${lines.join('\n')}\n`);
    writeSync(fd, b);
    bytes += b.length;
  }
  closeSync(fd);
  git(dir, ['add', file]);
  git(dir, ['commit', '-q', '-m', 'Database backup']);
  const [snippet, rule, value] = leak(t, 0);
  appendFileSync(abs, `${snippet}\n`);
  git(dir, ['add', file]);
  return { dir, file, bytes, committed, staged: [...committed, { path: file, rule, value }] };
}

export function hasCommand(cmd: string): boolean {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
}

