/**
 * Office documents (Word, Excel, PowerPoint, OpenDocument: ZIPs of XML parts) read as a person reads
 * them. A word processor splits a paragraph's text into runs wherever a spelling mark, a format or
 * an edit falls, so the XML seldom holds a key and its name side by side: a text part is read one
 * line per paragraph, a table one line per row with a tab between cells; a spreadsheet is read as a
 * table, a line per row (its row number), each cell under its column's name as a .tsv file is. Pure.
 *
 * Elements are matched by their local names whatever their prefix: Office writes `w:` / `a:`, the
 * .NET Open XML SDK `x:` for a sheet's, LibreOffice `table:` / `text:`.
 */

/** What a ZIP member becomes: `as` is the name detection sees (the document's name goes with it as context). */
export interface OfficePart {
  name: string;
  bytes: Uint8Array;
  as?: string;
  /**
   * A second reading of the part before it (a table of a document read as a .tsv file is, its header
   * naming its cells): a secret it shares with that part is that part's finding, not a second one.
   */
  view?: boolean;
}

/** The parts of a Word, PowerPoint or OpenDocument file that hold its text (ODF's headers and footers are in styles.xml). */
const TEXT_PART = /^(?:word\/(?:document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml|ppt\/(?:slides|notesSlides)\/[^/]+\.xml|content\.xml|styles\.xml)$/;
const SHEET = /^xl\/worksheets\/[^/]+\.xml$/;
const SHARED_STRINGS = 'xl/sharedStrings.xml';

/** Empty rows filled in to keep a sheet's line numbers its row numbers; a longer gap is left out. */
const MAX_ROW_GAP = 10_000;
/** Empty repeated cells (ODF's number-columns-repeated) written out at most. */
const MAX_REPEAT = 64;

const XML_ENTITY = /&(?:(lt|gt|amp|quot|apos)|#(\d{1,7})|#x([0-9a-f]{1,6}));/gi;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function unescapeXml(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(XML_ENTITY, (m, named: string | undefined, dec: string | undefined, hex: string | undefined) => {
    if (named) return NAMED[named.toLowerCase()]!;
    const cp = dec ? Number.parseInt(dec, 10) : Number.parseInt(hex!, 16);
    return cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
  });
}

const utf8 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');

/** An element's local name with any prefix (`w:p`, `a:p`, `text:p` are `P`'s `p`). */
const P = '(?:[\\w.-]+:)?';
const re = (source: string, flags = 'g'): RegExp => new RegExp(source.replace(/~/g, P), flags);

const FALLBACK = re('<~Fallback(?=[\\s/>])[\\s\\S]*?</~Fallback>');
const CELL = re('<(~(?:tc|table-cell))(?=[\\s/>])[^>]*?(?:/>|>([\\s\\S]*?)</\\1>)');
const PARA_END = re('</~(?:p|h)>');
const ROW_END = re('</~(?:tr|table-row)>');
const LINE_BREAK = re('<~(?:br|cr|line-break)(?=[\\s/>])[^>]*>');
const TAB = re('<~tab(?=[\\s/>])[^>]*/>');
const SPACES = re('<~s(?=[\\s/>])([^>]*)/>');
const DEL_END = re('</~del>|<~ins(?=[\\s/>])');

/**
 * A text part as its reader sees it: a paragraph a line; in a table a row a line, a tab after each
 * cell. A drawing's fallback copy (a text box is stored twice) is left out; deleted and inserted
 * text (tracked changes) are kept apart by a space.
 */
export function documentText(xml: string): string {
  const text = xml
    // Line ends in the XML are not the document's (Word writes one after the declaration).
    .replace(/>\s*[\r\n]\s*</g, '><')
    .replace(/[\r\n]+/g, ' ')
    .replace(FALLBACK, '')
    .replace(CELL, (_m, _tag, inner: string | undefined) => `${(inner ?? '').replace(PARA_END, ' ')}\t`)
    .replace(ROW_END, '\n')
    .replace(DEL_END, (m) => ` ${m.startsWith('</') ? '' : m}`)
    .replace(PARA_END, '\n')
    .replace(LINE_BREAK, '\n')
    .replace(TAB, '\t')
    .replace(SPACES, (_m, attrs: string) => ' '.repeat(Math.min(MAX_REPEAT, Number(/\bc="(\d+)"/.exec(attrs)?.[1] ?? 1))))
    .replace(/<[^>]*>/g, '');
  return unescapeXml(text);
}

const TABLE = re('<(~(?:tbl|table))(?=[\\s/>])[^>]*?(?:/>|>([\\s\\S]*?)</\\1>)');
const TR = re('<(~(?:tr|table-row))(?=[\\s/>])[^>]*?(?:/>|>([\\s\\S]*?)</\\1>)');

/** Each table of a text part as a table: a row a line, its cells' text between tabs. */
function documentTables(xml: string): string[] {
  const tables: string[] = [];
  for (const t of xml.matchAll(TABLE)) {
    const rows: string[] = [];
    for (const tr of (t[2] ?? '').matchAll(TR)) rows.push(rowLine([...(tr[2] ?? '').matchAll(CELL)].map((c) => documentText(c[2] ?? '').trim())));
    if (rows.length > 1) tables.push(rows.join('\n'));
  }
  return tables;
}

const T = re('<(~t)(?:\\s[^>]*)?>([\\s\\S]*?)</\\1>');
const PHONETIC = re('<(~rPh)(?=[\\s/>])[\\s\\S]*?</\\1>');

/** The text of an element's `<t>` runs, joined (rich text has several), phonetic guides left out. */
function runsText(xml: string): string {
  let s = '';
  for (const t of xml.replace(PHONETIC, '').matchAll(T)) s += t[2];
  return unescapeXml(s);
}

const SI = re('<(~si)(?=[\\s/>])[^>]*?(?:/>|>([\\s\\S]*?)</\\1>)');

function sharedStrings(xml: string): string[] {
  return [...xml.matchAll(SI)].map((si) => runsText(si[2] ?? ''));
}

function columnIndex(letters: string): number {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

const ROW = re('<(~row)(?=[\\s/>])([^>]*?)(?:/>|>([\\s\\S]*?)</\\1>)');
const C = re('<(~c)(?=[\\s/>])([^>]*?)(?:/>|>([\\s\\S]*?)</\\1>)');
const V = re('<(~v)(?=[\\s/>])[^>]*>([\\s\\S]*?)</\\1>', '');
const F = re('<(~f)(?=[\\s/>])[^>]*>([\\s\\S]*?)</\\1>', '');
const IS = re('<(~is)(?=[\\s/>])[^>]*>([\\s\\S]*?)</\\1>', '');

/** Cells joined by tabs (a cell's own tabs and line ends as spaces). */
const rowLine = (cells: string[]): string => cells.map((c) => c.replace(/[\t\r\n]+/g, ' ')).join('\t');

/**
 * A worksheet as a table: its row N on line N (gaps filled with empty lines up to MAX_ROW_GAP), each
 * cell at its column, shared strings put in; a formula's text follows its value (`open
 * =HYPERLINK("…?hapikey=…")`).
 */
function sheetTable(xml: string, strings: string[]): string {
  const lines: string[] = [];
  for (const row of xml.matchAll(ROW)) {
    const r = Number(/\br="(\d+)"/.exec(row[2]!)?.[1] ?? 0);
    if (r > lines.length + 1 && r - lines.length - 1 <= MAX_ROW_GAP) while (lines.length < r - 1) lines.push('');
    const cells: string[] = [];
    for (const c of (row[3] ?? '').matchAll(C)) {
      const attrs = c[2]!;
      const body = c[3] ?? '';
      const col = /\br="([A-Z]{1,3})\d*"/i.exec(attrs)?.[1];
      const type = /\bt="(\w+)"/.exec(attrs)?.[1];
      const raw = type === 'inlineStr' ? runsText(IS.exec(body)?.[2] ?? '') : unescapeXml(V.exec(body)?.[2] ?? '');
      let value = type === 's' ? (strings[Number(raw)] ?? '') : raw;
      const formula = F.exec(body)?.[2];
      if (formula) value = `${value} =${unescapeXml(formula)}`.trim();
      const at = col ? columnIndex(col) : cells.length;
      while (cells.length < at) cells.push('');
      cells.push(value);
    }
    lines.push(rowLine(cells));
  }
  return lines.join('\n');
}

const ODF_TABLE = re('<(~table)(?=[\\s/>])([^>]*?)(?:/>|>([\\s\\S]*?)</\\1>)');
const ODF_ROW = re('<(~table-row)(?=[\\s/>])([^>]*?)(?:/>|>([\\s\\S]*?)</\\1>)');
const ODF_CELL = re('<(~(?:covered-)?table-cell)(?=[\\s/>])([^>]*?)(?:/>|>([\\s\\S]*?)</\\1>)');

function repeats(attrs: string, what: 'rows' | 'columns'): number {
  return Number(new RegExp(`number-${what}-repeated="(\\d+)"`).exec(attrs)?.[1] ?? 1);
}

/** An OpenDocument spreadsheet's sheets (`<table:table>`), each as sheetTable gives an Excel sheet, by name. */
function odfSheets(xml: string): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  for (const t of xml.matchAll(ODF_TABLE)) {
    const lines: string[] = [];
    for (const row of (t[3] ?? '').matchAll(ODF_ROW)) {
      const cells: string[] = [];
      for (const c of (row[3] ?? '').matchAll(ODF_CELL)) {
        const text = documentText(c[3] ?? '').replace(/\n+$/, '');
        const value = /office:string-value="([^"]*)"/.exec(c[2]!)?.[1];
        const n = repeats(c[2]!, 'columns');
        for (let i = 0; i < (text || value ? Math.min(n, MAX_REPEAT) : Math.min(n, 1)); i++) cells.push(text || unescapeXml(value ?? ''));
      }
      const line = rowLine(cells).replace(/\t+$/, '');
      const n = repeats(row[2]!, 'rows');
      for (let i = 0; i < (line ? Math.min(n, MAX_REPEAT) : Math.min(n, MAX_ROW_GAP)); i++) lines.push(line);
    }
    while (lines.length && lines[lines.length - 1] === '') lines.pop();
    out.push({ name: unescapeXml(/table:name="([^"]*)"/.exec(t[2]!)?.[1] ?? `Sheet${out.length + 1}`), text: lines.join('\n') });
  }
  return out;
}

/** An Excel workbook's sheet names by their part (`xl/worksheets/sheet2.xml` → `Tokens`), from the workbook and its relationships. */
function sheetNames(members: OfficePart[]): Map<string, string> {
  const names = new Map<string, string>();
  const wb = members.find((m) => m.name === 'xl/workbook.xml');
  const rels = members.find((m) => m.name === 'xl/_rels/workbook.xml.rels');
  if (!wb || !rels) return names;
  const targets = new Map<string, string>();
  for (const r of utf8(rels.bytes).matchAll(re('<~Relationship(?=[\\s/>])([^>]*)>'))) {
    const id = /\bId="([^"]*)"/.exec(r[1]!)?.[1];
    const target = /\bTarget="([^"]*)"/.exec(r[1]!)?.[1];
    if (id && target) targets.set(id, target.startsWith('/') ? target.slice(1) : `xl/${target}`);
  }
  for (const s of utf8(wb.bytes).matchAll(re('<~sheet(?=[\\s/>])([^>]*)>'))) {
    const name = /\bname="([^"]*)"/.exec(s[1]!)?.[1];
    const id = /\br:id="([^"]*)"/.exec(s[1]!)?.[1] ?? /\b[\w]+:id="([^"]*)"/.exec(s[1]!)?.[1];
    const part = id ? targets.get(id) : undefined;
    if (name && part) names.set(part, unescapeXml(name));
  }
  return names;
}

const ODF_SPREADSHEET = /<office:spreadsheet[\s>]/;

/**
 * A ZIP's members with an office document's text parts read as text (see the module comment); the
 * rest as they are. `doc` is the document's file name: it goes with each part's name as context
 * (`HubSpot setup.docx` names what its key is for, as a `HubSpot setup.txt` does). A sheet is
 * named `part#sheet name`; the shared strings are read through the sheets, not on their own.
 */
export function officeText(members: OfficePart[], doc: string): OfficePart[] {
  const parts = members.filter((m) => TEXT_PART.test(m.name) || SHEET.test(m.name));
  if (parts.length === 0) return members;
  const shared = members.find((m) => m.name === SHARED_STRINGS);
  const isWorkbook = members.some((m) => SHEET.test(m.name));
  const names = isWorkbook ? sheetNames(members) : new Map<string, string>();
  const base = (n: string): string => n.replace(/^.*\//, '');
  const as = (n: string): string => `${doc}!${n}`;
  let strings: string[] | undefined;
  const out: OfficePart[] = [];
  for (const m of members) {
    if (SHEET.test(m.name)) {
      strings ??= shared ? sharedStrings(utf8(shared.bytes)) : [];
      const sheet = names.get(m.name);
      const name = sheet ? `${m.name}#${sheet}` : m.name;
      out.push({ name, as: as(`${sheet ?? base(m.name).replace(/\.xml$/, '')}.tsv`), bytes: Buffer.from(sheetTable(utf8(m.bytes), strings)) });
    } else if (m.name === 'content.xml' && ODF_SPREADSHEET.test(utf8(m.bytes))) {
      for (const s of odfSheets(utf8(m.bytes))) out.push({ name: `content.xml#${s.name}`, as: as(`${s.name}.tsv`), bytes: Buffer.from(s.text) });
    } else if (TEXT_PART.test(m.name)) {
      const xml = utf8(m.bytes);
      out.push({ name: m.name, as: as(base(m.name)), bytes: Buffer.from(documentText(xml)) });
      documentTables(xml).forEach((t, i) => out.push({ name: `${m.name}#table ${i + 1}`, as: as(`table${i + 1}.tsv`), bytes: Buffer.from(t), view: true }));
    } else if (!(isWorkbook && m.name === SHARED_STRINGS)) {
      out.push(m);
    }
  }
  return out;
}
