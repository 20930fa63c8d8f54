/**
 * Archives and compressed files (src/archive.ts): ZIP and the office formats built on it, gzip, tar,
 * nested; bounded whatever they claim; their members' findings named by member in every report, in
 * a folder scan, the worker threads, the git sources and the audit.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { strToU8, zipSync, type Zippable } from 'fflate';
import { describe, expect, it } from 'vitest';
import { archiveKind, ArchiveError, MAX_DEPTH, MAX_INFLATED, openArchive, type Member } from '../src/archive/open.js';
import { findingAnnotation } from '../src/action/annotations.js';
import { summaryMarkdown } from '../src/action/summary.js';
import { chunkPlanFor } from '../src/read.js';
import { render } from '../src/report/index.js';
import { builtinRuleSet } from '../src/rules/index.js';
import { scan, type ScanResult } from '../src/scan.js';
import { runBin, runMain } from './helpers/cli.js';
import { fakePrivateAppToken, fakeUuid, Rng } from './helpers/fake-tokens.js';
import { makeRepo } from './helpers/git.js';
import { sarifProblems } from './helpers/sarif.js';
import { tempDir } from './helpers/tmp.js';

const rng = new Rng('archives');
const pat = (hublet = 'na1'): string => fakePrivateAppToken(rng, hublet);
const ruleset = builtinRuleSet();

/** A tar header block (ustar) for a regular file, or another type. */
function tarHeader(name: string, size: number, type = '0', prefix = ''): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.write(prefix, 345, 155, 'utf8');
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

function pad(b: Buffer): Buffer {
  return Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);
}

/** A tar of entries: [name, content] for a file, or a header of its own ([name, content, type]). */
function tar(entries: [string, string | Buffer, string?][]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, content, type] of entries) {
    const data = Buffer.from(content);
    parts.push(tarHeader(name, data.length, type ?? '0'), pad(data));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** pax records: each `<length> <key>=<value>\n`, its length in bytes (a UTF-8 name's too) and counting itself. */
function pax(records: Record<string, string>): Buffer {
  let out = '';
  for (const [k, v] of Object.entries(records)) {
    const body = ` ${k}=${v}\n`;
    let len = Buffer.byteLength(body) + 1;
    while (Buffer.byteLength(`${len}${body}`) !== len) len = Buffer.byteLength(`${len}${body}`);
    out += `${len}${body}`;
  }
  return Buffer.from(out);
}

function zip(files: Record<string, string | Uint8Array>, level: 0 | 6 = 6): Buffer {
  const z: Zippable = {};
  for (const [k, v] of Object.entries(files)) z[k] = typeof v === 'string' ? strToU8(v) : v;
  return Buffer.from(zipSync(z, { level }));
}

/** A Word document whose paragraph holds a name and a key split into runs, as Word splits them. */
function docx(key: string, token: string): Buffer {
  const run = (t: string): string => `<w:r><w:rPr><w:lang w:val="en-US"/></w:rPr><w:t xml:space="preserve">${t}</w:t></w:r>`;
  const body =
    `<w:p>${run('Integration setup &amp; keys')}</w:p>` +
    `<w:p>${run('HUBSPOT_API_KEY=')}<w:proofErr w:type="spellStart"/>${run(key.slice(0, 8))}${run(key.slice(8))}<w:proofErr w:type="spellEnd"/></w:p>` +
    `<w:p>${run('Private app: ')}${run(token)}</w:p>`;
  return zip({
    '[Content_Types].xml': '<?xml version="1.0"?><Types/>',
    'word/document.xml': `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`,
    'word/media/image1.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]),
  });
}

/** An Excel workbook: a header naming the columns, and a row (its strings shared, as Excel writes them). */
function xlsx(rows: string[][]): Buffer {
  const strings: string[] = [];
  const sheetRows = rows
    .map((cells, r) => {
      const cs = cells
        .map((v, c) => {
          strings.push(v);
          return `<c r="${String.fromCharCode(65 + c)}${r + 1}" t="s"><v>${strings.length - 1}</v></c>`;
        })
        .join('');
      return `<row r="${r + 1}">${cs}</row>`;
    })
    .join('');
  return zip({
    'xl/workbook.xml': '<workbook/>',
    'xl/sharedStrings.xml': `<sst count="${strings.length}">${strings.map((s) => `<si><t>${s}</t></si>`).join('')}</sst>`,
    'xl/worksheets/sheet1.xml': `<worksheet><sheetData>${sheetRows}</sheetData></worksheet>`,
  });
}

async function scanItems(items: { path: string; content: Uint8Array }[], chunkSize?: number): Promise<ScanResult> {
  return scan(
    items.map((i) => ({ kind: 'item' as const, ...i })),
    { ruleset, ...(chunkSize ? { chunkPlan: chunkPlanFor(ruleset, { chunkSize }) } : {}) },
  );
}

const where = (r: ScanResult): string[] => r.findings.map((f) => `${f.path}!${f.entry ?? '-'}:${f.line}:${f.column} ${f.ruleId}`);

/** openArchive with its members all read (they come lazily), and what was not opened, complete then. */
function openAll(...args: Parameters<typeof openArchive>): { members: Member[]; unopened: ReturnType<typeof openArchive>['unopened'] } {
  const opened = openArchive(...args);
  const members = [...opened.members];
  return { members, unopened: opened.unopened };
}

describe('archives: what is opened', () => {
  it('tells an archive by its first bytes only (ZIP, gzip, tar with a valid header), never a text', () => {
    expect(archiveKind(zip({ 'a.txt': 'x' }))).toBe('zip');
    expect(archiveKind(gzipSync('hello'))).toBe('gzip');
    expect(archiveKind(tar([['a.txt', 'x']]))).toBe('tar');
    const broken = tar([['a.txt', 'x']]);
    broken[0] ^= 1; // the checksum no longer matches
    expect(archiveKind(broken)).toBeNull();
    expect(archiveKind(Buffer.from('PK is a fine way to start a sentence\n'))).toBeNull();
    expect(archiveKind(Buffer.from(`${' '.repeat(257)}ustar${' '.repeat(300)}`))).toBeNull();
  });

  it('reads tar names as GNU and POSIX tar write them: a ustar prefix, a GNU long name, a pax path', () => {
    const long = `${'deep/'.repeat(30)}app.env`;
    const t = Buffer.concat([
      tarHeader('app.env', 1, '0', 'etc/config'),
      pad(Buffer.from('a')),
      tarHeader('././@LongLink', long.length + 1, 'L'),
      pad(Buffer.from(`${long}\0`)),
      tarHeader('truncated-name', 1),
      pad(Buffer.from('b')),
      tarHeader('PaxHeaders/x', pax({ path: 'ünïcode/and a very long name.env' }).length, 'x'),
      pad(pax({ path: 'ünïcode/and a very long name.env' })),
      tarHeader('short', 1),
      pad(Buffer.from('c')),
      tarHeader('dir/', 0, '5'),
      tarHeader('link', 0, '2'),
      Buffer.alloc(1024),
    ]);
    expect(openAll(t, 'tar', 'x.tar').members.map((m) => [m.name, Buffer.from(m.bytes).toString()])).toEqual([
      ['etc/config/app.env', 'a'],
      [long, 'b'],
      ['ünïcode/and a very long name.env', 'c'],
    ]);
  });

  it('opens nested archives in place and reads a gzip layer through', () => {
    const jar = zip({ 'application.properties': 'a=1\n' });
    const tgz = gzipSync(tar([['./etc/app.env', 'b=2\n']]));
    const outer = zip({ 'lib/app.jar': jar, 'backup.tgz': tgz, 'notes.txt.gz': gzipSync('c=3\n'), 'dir/': new Uint8Array() }, 0);
    const names = openAll(outer, 'zip', 'release.zip').members.map((m) => m.name);
    expect(names.sort()).toEqual(['backup.tgz!etc/app.env', 'lib/app.jar!application.properties', 'notes.txt.gz!notes.txt']);
    expect(openAll(gzipSync('x'), 'gzip', 'logs/app.log.gz').members.map((m) => m.name)).toEqual(['app.log']);
    expect(openAll(gzipSync(tar([['a', 'x']])), 'gzip', 'b.tar.gz').members.map((m) => m.name)).toEqual(['a']);
  });

  it('gives members one at a time, each inflated when reached (a big archive is not held out whole); an office document\'s parts together', () => {
    const big = 'x'.repeat(1_000_000);
    const archive = zip({ 'a.txt': big, 'b.txt': big, 'c.txt': big });
    // Member c's method is changed to one not read: it is counted when it is reached, not before.
    for (let i = 0; i + 4 <= archive.length; i++) {
      const sig = archive.readUInt32LE(i);
      const at = sig === 0x04034b50 ? i + 26 : sig === 0x02014b50 ? i + 28 : -1;
      if (at < 0) continue;
      const nameStart = at + (sig === 0x04034b50 ? 4 : 18);
      if (archive.toString('latin1', nameStart, nameStart + 5) === 'c.txt') archive.writeUInt16LE(12, sig === 0x04034b50 ? i + 8 : i + 10);
    }
    const opened = openArchive(archive, 'zip', 'lazy.zip');
    const it = opened.members[Symbol.iterator]();
    const first = it.next();
    expect(first.done ? '' : first.value.name).toBe('a.txt');
    expect(opened.unopened).toEqual({});
    const second = it.next();
    expect(second.done ? '' : second.value.name).toBe('b.txt');
    // Two members out, two separate buffers: each is its own, let go when the reader drops it.
    expect(first.done || second.done ? null : first.value.bytes.buffer === second.value.bytes.buffer).toBe(false);
    expect(it.next().done).toBe(true);
    expect(opened.unopened).toEqual({ compression: 1 });
    // A document's parts are read together: the sheet's cells come from the shared strings.
    const xlsx = zip({
      'xl/worksheets/sheet1.xml': '<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>',
      'xl/sharedStrings.xml': '<sst><si><t>hello</t></si></sst>',
    });
    expect(openAll(xlsx, 'zip', 'book.xlsx').members.map((m) => [m.name, Buffer.from(m.bytes).toString().trim()])).toEqual([['xl/worksheets/sheet1.xml', 'hello']]);
  });

  it(`stops nesting at ${MAX_DEPTH} levels (a ZIP that holds itself ends)`, () => {
    let inner: Uint8Array = zip({ 'core.txt': 'x' });
    for (let i = 0; i < MAX_DEPTH + 2; i++) inner = zip({ [`level${i}.zip`]: inner });
    const opened = openAll(inner, 'zip', 'deep.zip');
    expect(opened.members).toEqual([]);
    expect(opened.unopened).toEqual({ 'too deep': 1 });
  });

  it('is bounded by what members give, never by what they declare: zlib stops at the limit, overlapping entries count each time, binary members last', () => {
    const limit = 1 << 20;
    expect(MAX_INFLATED).toBe(64 << 20);
    // A member that declares 100 bytes and inflates to 5 MB: past the limit it is not opened (zlib stops there).
    const bomb = zip({ 'a.txt': new Uint8Array(5_000_000).fill(65) });
    for (let i = 0; i + 4 <= bomb.length; i++) {
      const sig = bomb.readUInt32LE(i);
      if (sig === 0x04034b50) bomb.writeUInt32LE(100, i + 22);
      if (sig === 0x02014b50) bomb.writeUInt32LE(100, i + 24);
    }
    expect(openAll(bomb, 'zip', 'bomb.zip', limit)).toEqual({ members: [], unopened: { 'too large': 1 } });
    // Within the limit, what it holds is read whatever it declares (a token past a lying size is not lost).
    expect(openAll(bomb, 'zip', 'bomb.zip').members.map((m) => m.bytes.length)).toEqual([5_000_000]);
    // 2,000 directory entries at one stored 300 KB member, each declaring 0 bytes: each counts what it gives.
    const one = zip({ 'a.txt': new Uint8Array(300_000).fill(66) }, 0);
    const cd = one.indexOf(Buffer.from([0x50, 0x4b, 1, 2]));
    const eocd = one.indexOf(Buffer.from([0x50, 0x4b, 5, 6]));
    const entry = Buffer.from(one.subarray(cd, eocd));
    entry.writeUInt32LE(0, 24);
    const entries = Array.from({ length: 2000 }, (_, k) => {
      const e = Buffer.from(entry);
      e.write(`e${String(k).padStart(4, '0')}`, 46, 'latin1');
      return e;
    });
    const end = Buffer.from(one.subarray(eocd));
    end.writeUInt16LE(2000, 8);
    end.writeUInt16LE(2000, 10);
    end.writeUInt32LE(entry.length * 2000, 12);
    const overlap = Buffer.concat([one.subarray(0, cd), ...entries, end]);
    const o = openAll(overlap, 'zip', 'overlap.zip', limit);
    expect(o.members).toHaveLength(3);
    expect(o.unopened).toEqual({ 'too large': 1997 });
    const gzBomb = gzipSync(Buffer.alloc(limit + 1));
    expect(() => openAll(gzBomb, 'gzip', 'bomb.gz', limit)).toThrow(/more than 1 MiB once decompressed/);
    expect(openAll(gzBomb, 'gzip', 'bomb.gz', limit + 1).members).toHaveLength(1);
    // Binary members (by name) last: a wheel's libraries do not use up what its code may give.
    const half = limit / 2 + 1;
    const wheel = zip({ 'lib/a.so': new Uint8Array(half), 'lib/b.so': new Uint8Array(half), 'pkg/settings.py': new Uint8Array(half).fill(32) });
    const w = openAll(wheel, 'zip', 'pkg.whl', limit);
    expect(w.members.map((m) => m.name)).toEqual(['pkg/settings.py']);
    expect(w.unopened).toEqual({ 'too large': 2 });
  });

  it('a big member whose first bytes are binary is not inflated further (its text would be skipped anyway): it does not use up what the archive may give; a nested archive is still opened', () => {
    const limit = 1 << 20;
    // Bytes that do not compress (as a model's weights or a library), NULs and control bytes among them.
    const noise = Buffer.concat(Array.from({ length: 900_000 / 32 }, (_, i) => createHash('sha256').update(String(i)).digest()));
    const text = 'x=1\n'.repeat(50_000);
    // Directory order: the binary first, its name not a binary one's (as a data file's).
    const archive = zip({ 'data/model.dat': noise, 'config/app.env': text, 'lib/inner.jar': zip({ 'blob.dat': noise, 'inner.env': 'y=2\n' }, 0) });
    const opened = openAll(archive, 'zip', 'pkg.zip', limit * 2);
    // The jar (its first bytes a ZIP's) is opened; the stored noise in it costs nothing to give (a view: the reader skips it as binary).
    expect(opened.members.map((m) => m.name)).toEqual(['config/app.env', 'lib/inner.jar!blob.dat', 'lib/inner.jar!inner.env']);
    expect(opened.unopened).toEqual({});
    // Within a 1 MiB budget the text is read; inflating the binary whole left it too little.
    expect(openAll(zip({ 'data/model.dat': noise, 'config/app.env': text }), 'zip', 'pkg.zip', limit).members.map((m) => m.name)).toEqual(['config/app.env']);
  });

  it('an archive that cannot be read is an ArchiveError, a nested one only counts as unopened', () => {
    const corrupt = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(200, 7)]);
    expect(() => openAll(corrupt, 'zip', 'c.zip')).toThrow(ArchiveError);
    const outer = zip({ 'bad.zip': corrupt, 'ok.txt': 'x' }, 0);
    const opened = openAll(outer, 'zip', 'o.zip');
    expect(opened.members.map((m) => m.name)).toEqual(['ok.txt']);
    expect(opened.unopened).toEqual({ damaged: 1 });
  });
});

describe('archives: what is found', () => {
  it('finds credentials in a Word document split into runs, an Excel sheet read as a table, a jar in a zip, a .tar.gz, a .gz', async () => {
    const key = fakeUuid(rng);
    const tokens = { docx: pat(), jar: pat('eu1'), tgz: pat('ap1'), gz: pat('na2') };
    const secret = fakeUuid(rng);
    const r = await scanItems([
      { path: 'docs/setup.docx', content: docx(key, tokens.docx) },
      { path: 'ops/creds.xlsx', content: xlsx([['name', 'client_id', 'client_secret'], ['CRM sync (HubSpot)', fakeUuid(rng), secret]]) },
      { path: 'dist/release.zip', content: zip({ 'lib/app.jar': zip({ 'application.properties': `hubspot.token=${tokens.jar}\n` }), 'README.txt': 'hi' }, 0) },
      { path: 'backup.tar.gz', content: gzipSync(tar([['./etc/app.env', `# app\nHUBSPOT_ACCESS_TOKEN=${tokens.tgz}\n`]])) },
      { path: 'logs/app.log.gz', content: gzipSync(`start\nAuthorization: Bearer ${tokens.gz}\n`) },
    ]);
    expect(where(r)).toEqual([
      'backup.tar.gz!etc/app.env:2:22 hubspot-private-app-token',
      'dist/release.zip!lib/app.jar!application.properties:1:15 hubspot-private-app-token',
      'docs/setup.docx!word/document.xml:2:17 hubspot-legacy-api-key',
      'docs/setup.docx!word/document.xml:3:14 hubspot-private-app-token',
      'logs/app.log.gz!app.log:2:23 hubspot-private-app-token',
      'ops/creds.xlsx!xl/worksheets/sheet1.xml:2:57 hubspot-oauth-client-secret',
    ]);
    expect(r.stats.files).toBe(5);
    expect(r.stats.skipped).toBe(0);
  });

  it('reads a member bigger than a window in windows, and an archive bigger than a window read as a stream', async () => {
    const token = pat();
    const filler = `${'lorem ipsum dolor sit amet '.repeat(40)}\n`.repeat(300); // ~320 KB
    const big = gzipSync(`${filler}HUBSPOT_ACCESS_TOKEN=${token}\n${filler}`);
    // A stored ZIP is as big as its content: bigger than a 64 KiB window.
    const stored = zip({ 'big.env': `${filler}TOKEN=${token}\n` }, 0);
    const r = await scanItems(
      [
        { path: 'big.gz', content: big },
        { path: 'stored.zip', content: stored },
      ],
      64 * 1024,
    );
    expect(where(r)).toEqual(['big.gz!big:301:22 hubspot-private-app-token', 'stored.zip!big.env:301:7 hubspot-private-app-token']);
  });

  it('a ZIP behind a launch script (an executable jar) is opened; one over 64 MiB given as content (standard input) is not', async () => {
    const token = pat();
    const exec = Buffer.concat([Buffer.from('#!/bin/sh\nexec java -jar "$0" "$@"\nexit 0\n'), zip({ 'META-INF/app.env': `HUBSPOT_ACCESS_TOKEN=${token}\n` })]);
    const big = zip({ 'a.env': `HUBSPOT_ACCESS_TOKEN=${pat()}\n`, 'pad.bin': new Uint8Array((64 << 20) + 1) }, 0);
    const r = await scanItems([
      { path: 'app.jar', content: exec },
      { path: '<stdin>', content: big },
    ]);
    expect(where(r)).toEqual(['app.jar!META-INF/app.env:1:22 hubspot-private-app-token']);
    expect(r.warnings.map((w) => `${w.path}: ${w.reason}`)).toEqual(['<stdin>: too-large']);
  });

  it('a tar damaged part-way keeps the members before the damage, and says so', async () => {
    const token = pat();
    const t = tar([
      ['a.env', `HUBSPOT_ACCESS_TOKEN=${token}\n`],
      ['b.env', 'x=1\n'],
    ]);
    t[1024] ^= 0xff; // b.env's header
    const r = await scanItems([{ path: 'backup.tar', content: t }]);
    expect(where(r)).toEqual(['backup.tar!a.env:1:22 hubspot-private-app-token']);
    expect(r.warnings.map((w) => w.message)).toEqual(['1 member of this archive not scanned: 1 a damaged archive']);
  });

  it('an archive that cannot be read is a warning (unreadable), binary members are skipped silently', async () => {
    const r = await scanItems([
      { path: 'broken.zip', content: Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(200, 7)]) },
      { path: 'images.zip', content: zip({ 'a.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0]) }) },
    ]);
    expect(r.findings).toEqual([]);
    expect(r.stats.skippedBy).toEqual({ unreadable: 1 });
    expect(r.stats.files).toBe(1);
    expect(r.warnings.map((w) => [w.path, w.reason, w.message.replace(/:.*/, '')])).toEqual([['broken.zip', 'unreadable', 'cannot read this zip archive']]);
  });

  it('members not opened (encrypted, another compression, nested too deep) are a warning naming how many and why; --strict fails on it', async () => {
    const token = pat();
    // An encrypted member: the general purpose flag's bit 0, set in the local header and the central directory.
    const enc = zip({ 'secret.env': `HUBSPOT_ACCESS_TOKEN=${pat()}\n`, 'readme.txt': `TOKEN=${token}\n` }, 0);
    let n = 0;
    for (let i = 0; i + 4 <= enc.length; i++) {
      const sig = enc.readUInt32LE(i);
      const name = sig === 0x04034b50 ? enc.toString('latin1', i + 30, i + 40) : sig === 0x02014b50 ? enc.toString('latin1', i + 46, i + 56) : '';
      if (name === 'secret.env') {
        const at = sig === 0x04034b50 ? i + 6 : i + 8;
        enc.writeUInt16LE(enc.readUInt16LE(at) | 1, at);
        n++;
      }
    }
    expect(n).toBe(2);
    // Method 12 (bzip2), set on a stored member.
    const bz = zip({ 'a.env': 'x=1\n' }, 0);
    for (let i = 0; i + 4 <= bz.length; i++) {
      const sig = bz.readUInt32LE(i);
      if (sig === 0x04034b50) bz.writeUInt16LE(12, i + 8);
      if (sig === 0x02014b50) bz.writeUInt16LE(12, i + 10);
    }
    let deep: Uint8Array = zip({ 'core.txt': 'x' });
    for (let i = 0; i < MAX_DEPTH; i++) deep = zip({ [`l${i}.zip`]: deep });
    const r = await scanItems([
      { path: 'enc.zip', content: enc },
      { path: 'bz.zip', content: bz },
      { path: 'deep.zip', content: deep },
    ]);
    expect(where(r)).toEqual(['enc.zip!readme.txt:1:7 hubspot-private-app-token']);
    expect(r.warnings.map((w) => `${w.path}: ${w.message}`)).toEqual([
      'bz.zip: 1 member of this archive not scanned: 1 compressed by a method not read (bzip2, LZMA, zstd …)',
      'deep.zip: 1 member of this archive not scanned: 1 nested more than 4 deep',
      'enc.zip: 1 member of this archive not scanned: 1 encrypted',
    ]);
    expect(r.stats.files).toBe(3);
    const dir = tempDir('hs-archive-strict-');
    writeFileSync(path.join(dir, 'enc.zip'), enc);
    for (let i = 0; i < 40; i++) writeFileSync(path.join(dir, `f${i}.txt`), 'x\n');
    for (const threads of ['0', '2']) {
      const plain = await runMain(['scan', '.', '--threads', threads], { cwd: dir });
      expect(plain.code).toBe(1);
      expect(plain.stdout + plain.stderr).toContain('enc.zip: 1 member of this archive not scanned: 1 encrypted');
      const strict = await runMain(['scan', '.', '--strict', '--threads', threads], { cwd: dir });
      expect(strict.code).toBe(2);
      expect(strict.stderr).toContain('--strict: 1 file was not scanned, or not in full');
    }
  });

  it("never shows a token in a member's name (an archive's names are its author's)", async () => {
    const inName = pat();
    const token = pat();
    const r = await scanItems([{ path: 'a.zip', content: zip({ [`keys/${inName}.txt`]: `HUBSPOT_ACCESS_TOKEN=${token}\n` }) }]);
    expect(r.findings).toHaveLength(1);
    const json = render('json', { result: r, ruleset });
    const text = render('text', { result: r, ruleset });
    for (const out of [json, text]) {
      expect(out).not.toContain(inName.slice(8));
      expect(out).not.toContain(token.slice(8));
      expect(out).toContain(`keys/pat-na1-…${inName.slice(-4)}.txt`);
    }
  });

  it('every report names the member: text as archive!member, JSON an entry field, SARIF the file with the member in its message (no region: its lines are not the file\'s), annotations the file, the job summary archive!member', async () => {
    const token = pat();
    const r = await scanItems([{ path: 'docs/setup.docx', content: docx(fakeUuid(rng), token) }]);
    expect(r.findings.map((f) => f.entry)).toEqual(['word/document.xml', 'word/document.xml']);
    const text = render('text', { result: r, ruleset });
    expect(text).toContain('docs/setup.docx!word/document.xml\n  2:17');
    expect(text).toContain('found in 1 file ');
    const json = JSON.parse(render('json', { result: r, ruleset }));
    expect(json.findings[0]).toMatchObject({ path: 'docs/setup.docx', entry: 'word/document.xml', line: 2, column: 17 });
    const sarif = JSON.parse(render('sarif', { result: r, ruleset }));
    expect(sarifProblems(sarif)).toEqual([]);
    const res = sarif.runs[0].results[1];
    expect(res.locations[0].physicalLocation).toEqual({ artifactLocation: { uri: 'docs/setup.docx', uriBaseId: '%SRCROOT%' } });
    expect(res.message.text).toContain('In word/document.xml, line 3, inside this archive.');
    expect(res.properties.entry).toBe('word/document.xml');
    const a = findingAnnotation(r.findings[1]!);
    expect(a.properties).toEqual({ title: 'HubSpot secret: HubSpot private app access token', file: 'docs/setup.docx' });
    expect(a.message).toContain('In word/document.xml, line 3, inside this archive.');
    const md = summaryMarkdown({ result: r, ruleset, target: 'x', failOn: 'any', failed: true });
    expect(md).toContain('| docs/setup.docx!word/document.xml | 2 |');
  });
});

describe('office documents: read as a person reads them', () => {
  const W = (body: string): string => `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<w:document xmlns:w="w" xmlns:mc="mc"><w:body>${body}</w:body></w:document>`;
  const run = (t: string): string => `<w:r><w:t xml:space="preserve">${t}</w:t></w:r>`;
  const p = (...runs: string[]): string => `<w:p>${runs.join('')}</w:p>`;
  const book = (sheetXml: string, shared: string, sheetName = 'Sheet1'): Buffer =>
    zip({
      'xl/workbook.xml': `<workbook xmlns:r="r"><sheets><sheet name="${sheetName}" sheetId="1" r:id="rId1"/></sheets></workbook>`,
      'xl/_rels/workbook.xml.rels': '<Relationships><Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
      'xl/sharedStrings.xml': shared,
      'xl/worksheets/sheet1.xml': sheetXml,
    });

  it('Word: a table a row a line (its header names the cells), tracked changes kept apart, a text box read once, the document\'s name as context', async () => {
    const secret = fakeUuid(rng);
    const table = `<w:tbl><w:tr>${['Service', 'Client ID', 'Client secret'].map((h) => `<w:tc><w:tcPr/>${p(run(h))}</w:tc>`).join('')}</w:tr><w:tr>${['HubSpot CRM', '12345', secret].map((v) => `<w:tc>${p(run(v))}</w:tc>`).join('')}</w:tr></w:tbl>`;
    const deleted = fakeUuid(rng);
    const changes = p(run('HUBSPOT_API_KEY='), `<w:del><w:r><w:delText>${deleted}</w:delText></w:r></w:del>`, `<w:ins><w:r><w:t>see-vault</w:t></w:r></w:ins>`);
    const box = pat();
    const textBox = p(`<mc:AlternateContent><mc:Choice><w:txbxContent>${p(run(`token ${box}`))}</w:txbxContent></mc:Choice><mc:Fallback><w:txbxContent>${p(run(`token ${box}`))}</w:txbxContent></mc:Fallback></mc:AlternateContent>`);
    const named = fakeUuid(rng);
    const r = await scanItems([
      { path: 'a/setup.docx', content: zip({ 'word/document.xml': W(p(run('Credentials')) + table + changes + textBox) }) },
      { path: 'a/HubSpot setup.docx', content: zip({ 'word/document.xml': W(p(run(`API key: ${named}`))) }) },
      { path: 'a/Other setup.docx', content: zip({ 'word/document.xml': W(p(run(`API key: ${fakeUuid(rng)}`))) }) },
    ]);
    expect(where(r)).toEqual([
      'a/HubSpot setup.docx!word/document.xml:1:10 hubspot-legacy-api-key',
      'a/setup.docx!word/document.xml:4:17 hubspot-legacy-api-key',
      'a/setup.docx!word/document.xml:5:7 hubspot-private-app-token',
      // The table read as a table: the secret under its column's name, in the HubSpot row.
      'a/setup.docx!word/document.xml#table 1:2:19 hubspot-oauth-client-secret',
    ]);
  });

  it('Excel: elements with any prefix (the Open XML SDK writes x:), a self-closing row, row N on line N, a formula\'s text, the sheet\'s name in the member and as context', async () => {
    const token = pat();
    const sdkShared = `<x:sst xmlns:x="x"><x:si><x:t>name</x:t></x:si><x:si><x:t>token</x:t></x:si><x:si><x:t>prod</x:t></x:si><x:si><x:t>${token}</x:t></x:si></x:sst>`;
    const sdkSheet = '<x:worksheet xmlns:x="x"><x:sheetData><x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c></x:row><x:row r="2" spans="1:2"/><x:row r="4"><x:c r="A4" t="s"><x:v>2</x:v></x:c><x:c r="B4" t="s"><x:v>3</x:v></x:c></x:row></x:sheetData></x:worksheet>';
    const key = fakeUuid(rng);
    const formula = `<worksheet><sheetData><row r="1"><c r="A1" t="str"><f>HYPERLINK("https://api.hubapi.com/contacts/v1/lists/all?hapikey=${key}","open")</f><v>open</v></c></row></sheetData></worksheet>`;
    const tabKey = fakeUuid(rng);
    const tab = `<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c><c r="B1" t="inlineStr"><is><t>api_key</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>prod</t></is></c><c r="B2" t="inlineStr"><is><t>${tabKey}</t></is></c></row></sheetData></worksheet>`;
    const r = await scanItems([
      { path: 'sdk.xlsx', content: book(sdkSheet, sdkShared, 'Tokens') },
      { path: 'links.xlsx', content: book(formula, '<sst/>') },
      { path: 'keys.xlsx', content: book(tab, '<sst/>', 'HubSpot') },
      { path: 'other.xlsx', content: book(tab.replace(tabKey, fakeUuid(rng)), '<sst/>', 'Stripe') },
    ]);
    expect(where(r)).toEqual([
      'keys.xlsx!xl/worksheets/sheet1.xml#HubSpot:2:6 hubspot-legacy-api-key',
      'links.xlsx!xl/worksheets/sheet1.xml#Sheet1:1:71 hubspot-legacy-api-key',
      'sdk.xlsx!xl/worksheets/sheet1.xml#Tokens:4:6 hubspot-private-app-token',
    ]);
  });

  it('OpenDocument: a spreadsheet read as a table per sheet (repeated cells and rows), a page header in styles.xml', async () => {
    const secret = fakeUuid(rng);
    const cell = (t: string, attrs = ''): string => `<table:table-cell office:value-type="string"${attrs}><text:p>${t}</text:p></table:table-cell>`;
    const content = `<?xml version="1.0"?><office:document-content xmlns:office="o" xmlns:table="t" xmlns:text="x"><office:body><office:spreadsheet><table:table table:name="Apps"><table:table-row>${cell('app')}${cell('client_id')}${cell('client_secret')}<table:table-cell table:number-columns-repeated="1020"/></table:table-row><table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="3"/></table:table-row><table:table-row>${cell('CRM sync (HubSpot)')}${cell('12345')}${cell(secret)}</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>`;
    const header = pat();
    const styles = `<office:document-styles xmlns:office="o" xmlns:style="s" xmlns:text="x"><office:master-styles><style:master-page><style:header><text:p>HubSpot token <text:span text:style-name="T1">${header.slice(0, 12)}</text:span>${header.slice(12)}</text:p></style:header></style:master-page></office:master-styles></office:document-styles>`;
    const r = await scanItems([
      { path: 'keys.ods', content: zip({ mimetype: 'application/vnd.oasis.opendocument.spreadsheet', 'content.xml': content }) },
      { path: 'memo.odt', content: zip({ mimetype: 'application/vnd.oasis.opendocument.text', 'content.xml': '<office:document-content/>', 'styles.xml': styles }) },
    ]);
    expect(where(r)).toEqual(['keys.ods!content.xml#Apps:4:26 hubspot-oauth-client-secret', 'memo.odt!styles.xml:1:15 hubspot-private-app-token']);
  });
});

describe('office documents from strangers', () => {
  it('a part with unclosed tags, millions of line ends or of entities is read in one pass, and a token after them is still found', async () => {
    // Each would take minutes (a regular expression pairing tags) or hundreds of MB (a global
    // replace keeping a part per match) if read otherwise; the test's time limit catches a hang.
    const token = pat();
    const tail = `<w:p><w:r><w:t>token ${token}</w:t></w:r></w:p>`;
    const parts = {
      'unclosed.docx': `<w:document><w:body>${'<w:tc><w:p><w:r><w:t>x'.repeat(100_000)}${tail}`,
      'newlines.docx': `<w:document>><w:p><w:t>a${' \n'.repeat(2_000_000)}</w:t></w:p>${tail}</w:document>`,
      'entities.docx': `<w:document><w:p><w:t>${'&lt;'.repeat(1_000_000)}</w:t></w:p>${tail}</w:document>`,
      'rows.xlsx': `<worksheet><sheetData>${'<row r="1"><c r="A1" t="s"><v>0'.repeat(100_000)}<row r="2"><c r="A2" t="inlineStr"><is><t>${token}</t></is></c></row></sheetData></worksheet>`,
    };
    const items = Object.entries(parts).map(([name, xml]) => ({
      path: name,
      content: name.endsWith('.xlsx') ? zip({ 'xl/worksheets/sheet1.xml': xml }) : zip({ 'word/document.xml': xml }),
    }));
    const r = await scanItems(items);
    // Memory is the hostile trial's and the bench's to measure: this process's peak is every test's before it.
    expect(r.findings.map((f) => `${f.path}!${f.entry}`)).toEqual(['entities.docx!word/document.xml', 'newlines.docx!word/document.xml', 'rows.xlsx!xl/worksheets/sheet1.xml', 'unclosed.docx!word/document.xml']);
  });
});

describe('archives: every source', () => {
  it('a folder scan (worker threads and the main thread), --staged, --commits and the audit find a token in a committed .docx and .tar.gz', async () => {
    const repo = makeRepo();
    const tokens = [pat(), pat('eu1')];
    mkdirSync(path.join(repo.dir, 'docs'));
    writeFileSync(path.join(repo.dir, 'docs/setup.docx'), docx(fakeUuid(rng), tokens[0]!));
    writeFileSync(path.join(repo.dir, 'backup.tar.gz'), gzipSync(tar([['etc/app.env', `HUBSPOT_ACCESS_TOKEN=${tokens[1]}\n`]])));
    // Enough files that a folder scan uses its workers.
    for (let i = 0; i < 40; i++) writeFileSync(path.join(repo.dir, `f${i}.txt`), `file ${i}\n`);
    const expected = ['backup.tar.gz!etc/app.env:1:22', 'docs/setup.docx!word/document.xml:2:17', 'docs/setup.docx!word/document.xml:3:14'];
    const places = (stdout: string): string[] => (JSON.parse(stdout).findings as { path: string; entry: string; line: number; column: number }[]).map((f) => `${f.path}!${f.entry}:${f.line}:${f.column}`);
    for (const threads of ['0', '2']) {
      const r = await runMain(['scan', '.', '--format', 'json', '--threads', threads], { cwd: repo.dir });
      expect(r.code, r.stderr).toBe(1);
      expect(places(r.stdout)).toEqual(expected);
    }
    repo.git('add', '.');
    const staged = await runMain(['scan', '--staged', '--format', 'json'], { cwd: repo.dir });
    expect(staged.code, staged.stderr).toBe(1);
    expect(places(staged.stdout)).toEqual(expected);
    repo.git('commit', '-qm', 'docs');
    const commits = await runMain(['scan', '--commits', 'HEAD', '--format', 'json'], { cwd: repo.dir });
    expect(places(commits.stdout)).toEqual(expected);
    // The bundled bin, as users run it.
    const audit = runBin(['audit', '--format', 'json'], { cwd: repo.dir });
    expect(audit.code, audit.stderr).toBe(1);
    expect(places(audit.stdout)).toEqual(expected);
    expect(JSON.parse(audit.stdout).findings.every((f: { inHead: boolean; commit?: { sha: string } }) => f.inHead && f.commit?.sha)).toBe(true);
  });

  it('a baseline records archive findings, and a scan after it passes', async () => {
    const dir = tempDir('hs-archive-baseline-');
    writeFileSync(path.join(dir, 'setup.docx'), docx(fakeUuid(rng), pat()));
    const first = await runMain(['scan', '.'], { cwd: dir });
    expect(first.code).toBe(1);
    const b = await runMain(['baseline', '.'], { cwd: dir });
    expect(b.code, b.stderr).toBe(0);
    const again = await runMain(['scan', '.'], { cwd: dir });
    expect(again.code, again.stdout).toBe(0);
  });
});
