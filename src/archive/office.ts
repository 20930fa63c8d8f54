/**
 * Office documents (Word, Excel, PowerPoint, OpenDocument: ZIPs of XML parts) read as a person reads
 * them. A word processor splits a paragraph's text into runs wherever a spelling mark, a format or
 * an edit falls, so the XML seldom holds a key and its name side by side: a text part is read one
 * line per paragraph, a table one line per row with a tab between cells; a spreadsheet is read as a
 * table, a line per row (its row number), each cell under its column's name as a .tsv file is. Pure.
 *
 * Elements are matched by their local names whatever their prefix: Office writes `w:` / `a:`, the
 * .NET Open XML SDK `x:` for a sheet's, LibreOffice `table:` / `text:`. Each part is walked once
 * (xml.ts): linear in its size whatever a stranger's document holds.
 */
import type { Member } from './kind.js';
import { attr, unescapeXml, walkXml } from './xml.js';

/** The parts of a Word, PowerPoint or OpenDocument file that hold its text (ODF's headers and footers are in styles.xml). */
const TEXT_PART = /^(?:word\/(?:document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml|ppt\/(?:slides|notesSlides)\/[^/]+\.xml|content\.xml|styles\.xml)$/;
const SHEET = /^xl\/worksheets\/[^/]+\.xml$/;
const SHARED_STRINGS = 'xl/sharedStrings.xml';

/** Empty rows filled in to keep a sheet's line numbers its row numbers; a longer gap is left out. */
const MAX_ROW_GAP = 10_000;
/** Repeated cells or rows (ODF's number-columns-repeated) written out at most. */
const MAX_REPEAT = 64;

const utf8 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');

/**
 * `s` with each line end (and each tab, when `tabs`) a space, swapped byte by byte: a global replace
 * keeps a part per match until a full collection (330 MB for a 10 MB run of five million line ends).
 */
function spaced(s: string, tabs: boolean): string {
  if (!s.includes('\n') && !s.includes('\r') && !(tabs && s.includes('\t'))) return s;
  const b = Buffer.from(s, 'utf8');
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c === 10 || c === 13 || (tabs && c === 9)) b[i] = 32;
  }
  return b.toString('utf8');
}

/** Cells joined by tabs (a cell's own tabs and line ends as spaces). */
const rowLine = (cells: string[]): string => cells.map((c) => spaced(c, true)).join('\t');

/** A text run as the reader sees it: XML line ends are spaces, whitespace between tags nothing. */
function runText(raw: string): string {
  if (!raw.includes('\n') && !raw.includes('\r')) return raw;
  return /^\s*$/.test(raw) ? '' : spaced(raw, false);
}

interface DocumentRead {
  text: string;
  /** Each table (a row a line, cells between tabs), when it has two rows at least. */
  tables: string[];
}

/**
 * A text part as its reader sees it: a paragraph a line; in a table a row a line, a tab after each
 * cell (a cell's paragraphs joined by spaces). A drawing's fallback copy (a text box is stored twice)
 * is left out; deleted and inserted text (tracked changes) are kept apart by a space. Its tables
 * are also given on their own.
 */
function readDocument(xml: string): DocumentRead {
  const out: string[] = [];
  const tables: string[] = [];
  let fallback = 0;
  let cellDepth = 0;
  // The table being read (outermost only): its rows, the row's cells, the cell's text.
  let tableDepth = 0;
  let rows: string[] = [];
  let cells: string[] = [];
  let cell: string[] = [];
  const put = (s: string, inCell = s): void => {
    out.push(s);
    if (tableDepth === 1 && cellDepth > 0) cell.push(inCell);
  };
  walkXml(
    xml,
    (raw) => {
      if (fallback === 0) put(unescapeXml(runText(raw)));
    },
    (t) => {
      if (t.name === 'Fallback') {
        if (!t.selfClose) fallback += t.close ? (fallback > 0 ? -1 : 0) : 1;
        return;
      }
      if (fallback > 0) return;
      switch (t.name) {
        case 'p':
        case 'h':
          if (t.close) put(cellDepth > 0 ? ' ' : '\n', ' ');
          break;
        case 'br':
        case 'cr':
        case 'line-break':
          put('\n', ' ');
          break;
        case 'tab':
          if (t.selfClose) put('\t', ' ');
          break;
        case 's':
          if (t.selfClose) put(' '.repeat(Math.min(MAX_REPEAT, Number(attr(t.attrs, 'c') ?? 1) || 1)));
          break;
        case 'del':
          if (t.close) put(' ');
          break;
        case 'ins':
          if (!t.close) put(' ');
          break;
        case 'tbl':
        case 'table':
          if (t.selfClose) break;
          if (!t.close) {
            if (++tableDepth === 1) rows = [];
          } else if (tableDepth > 0) {
            if (--tableDepth === 0 && rows.length > 1) tables.push(rows.join('\n'));
          }
          break;
        case 'tr':
        case 'table-row':
          if (t.selfClose) break;
          if (!t.close) {
            if (tableDepth === 1) cells = [];
          } else {
            out.push('\n');
            if (tableDepth === 1) rows.push(rowLine(cells));
          }
          break;
        case 'tc':
        case 'table-cell':
        case 'covered-table-cell':
          if (t.selfClose) {
            out.push('\t');
            if (tableDepth === 1) cells.push('');
          } else if (!t.close) {
            if (++cellDepth === 1) cell = [];
          } else if (cellDepth > 0) {
            out.push('\t');
            if (--cellDepth === 0 && tableDepth === 1) cells.push(cell.join('').trim());
          }
          break;
      }
    },
  );
  return { text: out.join(''), tables };
}

/** The shared strings: each `<si>`'s `<t>` texts joined (rich text has several runs), phonetic guides left out. */
function sharedStrings(xml: string): string[] {
  const out: string[] = [];
  let si: string[] | null = null;
  let inT = false;
  let phonetic = 0;
  walkXml(
    xml,
    (raw) => {
      if (si && inT && phonetic === 0) si.push(raw);
    },
    (t) => {
      if (t.name === 'si') {
        if (t.selfClose) out.push('');
        else if (!t.close) si = [];
        else if (si) {
          out.push(unescapeXml(si.join('')));
          si = null;
        }
      } else if (t.name === 't') inT = !t.close && !t.selfClose;
      else if (t.name === 'rPh' && !t.selfClose) phonetic = Math.max(0, phonetic + (t.close ? -1 : 1));
    },
  );
  return out;
}

function columnIndex(ref: string): number | undefined {
  const letters = /^[A-Z]{1,3}/i.exec(ref)?.[0];
  if (!letters) return undefined;
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

/**
 * A worksheet as a table: its row N on line N (gaps filled with empty lines up to MAX_ROW_GAP), each
 * cell at its column (up to MAX_COLUMN), shared strings put in; a formula's text follows its value
 * (`open =HYPERLINK("…?hapikey=…")`).
 */
function sheetTable(xml: string, strings: string[]): string {
  const lines: string[] = [];
  let cells: string[] | null = null;
  let cell: { col: number | undefined; type: string | undefined; v: string[]; f: string[]; is: string[] } | null = null;
  let into: string[] | null = null;
  const startRow = (attrs: string): void => {
    const r = Number(attr(attrs, 'r') ?? 0);
    if (r > lines.length + 1 && r - lines.length - 1 <= MAX_ROW_GAP) while (lines.length < r - 1) lines.push('');
  };
  walkXml(
    xml,
    (raw) => {
      if (into) into.push(raw);
    },
    (t) => {
      switch (t.name) {
        case 'row':
          if (!t.close) startRow(t.attrs);
          if (t.selfClose) lines.push('');
          else if (!t.close) cells = [];
          else if (cells) {
            lines.push(rowLine(cells));
            cells = null;
          }
          break;
        case 'c':
          if (!cells) break;
          if (!t.close) {
            const ref = attr(t.attrs, 'r');
            cell = { col: ref ? columnIndex(ref) : undefined, type: attr(t.attrs, 't'), v: [], f: [], is: [] };
          }
          if ((t.close || t.selfClose) && cell) {
            const raw = unescapeXml((cell.type === 'inlineStr' ? cell.is : cell.v).join(''));
            let value = cell.type === 's' ? (strings[Number(raw)] ?? '') : raw;
            const formula = unescapeXml(cell.f.join(''));
            if (formula) value = `${value} =${formula}`.trim();
            const at = Math.min(cell.col ?? cells.length, MAX_COLUMN);
            while (cells.length < at) cells.push('');
            cells.push(value);
            cell = null;
            into = null;
          }
          break;
        case 'v':
        case 'f':
          if (cell) into = !t.close && !t.selfClose ? cell[t.name] : null;
          break;
        case 't':
          if (cell) into = !t.close && !t.selfClose ? cell.is : null;
          break;
      }
    },
  );
  return lines.join('\n');
}

/** The last column a sheet's cell is placed at (Excel's is XFD, 16,384; cells past this go at its end). */
const MAX_COLUMN = 1024;

/** An OpenDocument spreadsheet's sheets (`<table:table>`), each as sheetTable gives an Excel sheet, by name. */
function odfSheets(xml: string): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  let sheet: { name: string; lines: string[] } | null = null;
  let row: { cells: string[]; repeat: number } | null = null;
  let cell: { parts: string[]; repeat: number; value: string } | null = null;
  const endCell = (): void => {
    if (!row || !cell) return;
    const text = cell.parts.join('').trimEnd() || cell.value;
    for (let i = 0; i < (text ? Math.min(cell.repeat, MAX_REPEAT) : Math.min(cell.repeat, 1)); i++) row.cells.push(text);
    cell = null;
  };
  const endRow = (): void => {
    if (!sheet || !row) return;
    // Trailing empty cells left out (a sheet repeats an empty cell to its last column).
    let last = row.cells.length;
    while (last > 0 && row.cells[last - 1] === '') last--;
    const line = rowLine(row.cells.slice(0, last));
    for (let i = 0; i < (line ? Math.min(row.repeat, MAX_REPEAT) : Math.min(row.repeat, MAX_ROW_GAP)); i++) sheet.lines.push(line);
    row = null;
  };
  walkXml(
    xml,
    (raw) => {
      if (cell) cell.parts.push(unescapeXml(runText(raw)));
    },
    (t) => {
      switch (t.name) {
        case 'table':
          if (t.selfClose) break;
          if (!t.close) sheet = { name: attr(t.attrs, 'name') ?? `Sheet${out.length + 1}`, lines: [] };
          else if (sheet) {
            endRow();
            while (sheet.lines.length && sheet.lines[sheet.lines.length - 1] === '') sheet.lines.pop();
            out.push({ name: sheet.name, text: sheet.lines.join('\n') });
            sheet = null;
          }
          break;
        case 'table-row':
          if (!sheet) break;
          if (!t.close) row = { cells: [], repeat: Number(attr(t.attrs, 'number-rows-repeated') ?? 1) || 1 };
          if (t.close || t.selfClose) endRow();
          break;
        case 'table-cell':
        case 'covered-table-cell':
          if (!row) break;
          if (!t.close) cell = { parts: [], repeat: Number(attr(t.attrs, 'number-columns-repeated') ?? 1) || 1, value: attr(t.attrs, 'string-value') ?? '' };
          if (t.close || t.selfClose) endCell();
          break;
        case 'p':
        case 'h':
          if (cell && t.close) cell.parts.push(' ');
          break;
        case 's':
          if (cell && t.selfClose) cell.parts.push(' ');
          break;
      }
    },
  );
  return out;
}

/** An Excel workbook's sheet names by their part (`xl/worksheets/sheet2.xml` → `Tokens`), from the workbook and its relationships. */
function sheetNames(members: Member[]): Map<string, string> {
  const names = new Map<string, string>();
  const wb = members.find((m) => m.name === 'xl/workbook.xml');
  const rels = members.find((m) => m.name === 'xl/_rels/workbook.xml.rels');
  if (!wb || !rels) return names;
  const targets = new Map<string, string>();
  walkXml(utf8(rels.bytes), () => {}, (t) => {
    if (t.name !== 'Relationship' || t.close) return;
    const id = attr(t.attrs, 'Id');
    const target = attr(t.attrs, 'Target');
    if (id && target) targets.set(id, target.startsWith('/') ? target.slice(1) : `xl/${target}`);
  });
  walkXml(utf8(wb.bytes), () => {}, (t) => {
    if (t.name !== 'sheet' || t.close) return;
    const name = attr(t.attrs, 'name');
    const id = attr(t.attrs, 'id');
    const part = id ? targets.get(id) : undefined;
    if (name && part) names.set(part, name);
  });
  return names;
}

const ODF_SPREADSHEET = /<office:spreadsheet[\s>]/;

/**
 * A ZIP's members with an office document's text parts read as text (see the module comment); the
 * rest as they are. `doc` is the document's file name: it goes with each part's name as context
 * (`HubSpot setup.docx` names what its key is for, as a `HubSpot setup.txt` does). A sheet is
 * named `part#sheet name`, a document's table `part#table N`; the shared strings are read through
 * the sheets, not on their own.
 */
/** Whether an archive holding a member of this name is read as an office document (its parts together). */
export const isOfficePart = (name: string): boolean => TEXT_PART.test(name) || SHEET.test(name);

export function officeText(members: Member[], doc: string): Member[] {
  const parts = members.filter((m) => TEXT_PART.test(m.name) || SHEET.test(m.name));
  if (parts.length === 0) return members;
  const shared = members.find((m) => m.name === SHARED_STRINGS);
  const isWorkbook = members.some((m) => SHEET.test(m.name));
  const names = isWorkbook ? sheetNames(members) : new Map<string, string>();
  const base = (n: string): string => n.replace(/^.*\//, '');
  const as = (n: string): string => `${doc}!${n}`;
  let strings: string[] | undefined;
  const out: Member[] = [];
  for (const m of members) {
    if (SHEET.test(m.name)) {
      strings ??= shared ? sharedStrings(utf8(shared.bytes)) : [];
      const sheet = names.get(m.name);
      const name = sheet ? `${m.name}#${sheet}` : m.name;
      out.push({ name, as: as(`${sheet ?? base(m.name).replace(/\.xml$/, '')}.tsv`), bytes: Buffer.from(sheetTable(utf8(m.bytes), strings)) });
    } else if (m.name === 'content.xml' && ODF_SPREADSHEET.test(utf8(m.bytes))) {
      for (const s of odfSheets(utf8(m.bytes))) out.push({ name: `content.xml#${s.name}`, as: as(`${s.name}.tsv`), bytes: Buffer.from(s.text) });
    } else if (TEXT_PART.test(m.name)) {
      const read = readDocument(utf8(m.bytes));
      out.push({ name: m.name, as: as(base(m.name)), bytes: Buffer.from(read.text) });
      read.tables.forEach((t, i) => out.push({ name: `${m.name}#table ${i + 1}`, as: as(`table${i + 1}.tsv`), bytes: Buffer.from(t), view: true }));
    } else if (!(isWorkbook && m.name === SHARED_STRINGS)) {
      out.push(m);
    }
  }
  return out;
}
