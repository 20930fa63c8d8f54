/**
 * Records read as names and values. Tables (CSV, TSV): each cell under its column's name; under the
 * header `app,client_id,client_secret`, the row `CRM sync,<uuid>,<uuid>` is read as the lines
 * `app=CRM sync`, `client_id=<uuid>`, `client_secret=<uuid>`. JSON objects and YAML mappings that
 * pair a name and a value far apart (objectView, yamlView). The rules see names and values there; a
 * finding maps back to its cell or value. Pure.
 */
import { parseAllDocuments } from 'yaml';

/** Records read as `name=value` lines, and where each value is in the text they come from. */
export interface RecordView {
  text: string;
  /** Per line, in order: where its value starts in `text`. */
  at: number[];
  /** Per line: where that value starts in the text read. */
  from: number[];
  /** Per line: the value's length (the same in both). */
  size: number[];
  /** Where each row's lines start in `text`, and (last) its length: a row is read as a text of its own. */
  rows: number[];
}

/** Builds a RecordView: records, each of `name=value` lines, as they come. */
class Records {
  private readonly view: RecordView = { text: '', at: [], from: [], size: [], rows: [] };
  private readonly parts: string[] = [];
  private length = 0;

  /** A record starts: the lines after it, up to the next, are read as a text of their own. */
  record(): void {
    this.view.rows.push(this.length);
  }

  /** A line `name=value`, its value at `from` in the text read. */
  line(name: string, value: string, from: number): void {
    const head = `${name}=`;
    this.parts.push(head, value, '\n');
    this.view.at.push(this.length + head.length);
    this.view.from.push(from);
    this.view.size.push(value.length);
    this.length += head.length + value.length + 1;
  }

  /** The view; null when no line was added. */
  done(): RecordView | null {
    if (this.view.at.length === 0) return null;
    this.view.rows.push(this.length);
    this.view.text = this.parts.join('');
    return this.view;
  }
}

/**
 * The column delimiter of a file by its name's extension (a CSV file whose header line holds more `;`
 * than `,`: `;`; a .txt file that is a tab-separated table: a tab); null for a file that is not a table.
 */
export function tableDelimiter(path: string, text = ''): string | null {
  const ext = /\.([a-z]{3})$/i.exec(path)?.[1]?.toLowerCase();
  if (ext === 'csv') return semicolons(text) ? ';' : ',';
  if (ext === 'txt') return tabTable(text) ? '\t' : null;
  return ext === 'tsv' || ext === 'tab' ? '\t' : ext === 'psv' ? '|' : null;
}

/**
 * Whether a .txt file is a tab-separated table: its first lines (up to three) hold the same number of
 * tabs, at least one, and there are two at least. Excel's "Unicode Text" export (UTF-16, tabs) and
 * database tools' exports are saved so.
 */
function tabTable(text: string): boolean {
  let tabs = -1;
  let start = 0;
  for (let line = 0; line < 3; line++) {
    const nl = text.indexOf('\n', start);
    const end = Math.min(nl === -1 ? text.length : nl, start + 4096);
    let n = 0;
    for (let i = start; i < end; i++) if (text.charCodeAt(i) === 9) n++;
    if (line === 0) {
      if (n === 0) return false;
      tabs = n;
    } else if (n !== tabs) {
      // A last line with nothing on it (the file's final line end) ends the table.
      return line >= 2 && end === start;
    }
    if (nl === -1) return line >= 1;
    start = nl + 1;
  }
  return true;
}

/**
 * Whether a CSV file's header line is split by semicolons rather than commas: Excel's CSV in the
 * locales whose decimal separator is a comma (most of Europe).
 */
function semicolons(text: string): boolean {
  const end = text.indexOf('\n');
  const header = end === -1 ? text.slice(0, 4096) : text.slice(0, Math.min(end, 4096));
  let semi = 0;
  let comma = 0;
  for (let i = 0; i < header.length; i++) {
    const c = header.charCodeAt(i);
    if (c === 59) semi++;
    else if (c === 44) comma++;
  }
  return semi > comma;
}

/** Columns a header may have, and characters a header name may hold. */
const MAX_COLUMNS = 256;
const MAX_NAME = 64;
/** What a value must hold to be read: a UUID's start, a hublet id's, or a long token. */
const WORTH = /[0-9a-f]{8}-[0-9a-f]{4}-|[a-z]{2}\d{1,2}-[0-9a-f]{4}-|[A-Za-z0-9+/_-]{40}/i;
/** A column whose name may be a credential's: a table without one is not read (most data exports). */
const CREDENTIAL = /secret|key|token|pass|pwd|credential|auth/i;

/** A password manager's columns (1Password, Bitwarden, KeePass, LastPass exports): an entry's title, and its password (or token, secret, key). */
const TITLE = /^(?:title|name|account|entry|item)$/i;
const PASSWORD = /^(?:login[_ ]?)?(?:password|pass|pwd|token|secret|credential|api[_ ]?key|key)$/i;

/** One cell: where its value is (inside its quotes, `""` left as it is). */
interface Cell {
  start: number;
  end: number;
}

/**
 * The rows of `text` (RFC 4180: quoted cells may hold the delimiter, `""` and line breaks), each a
 * list of cells, until `each` returns false.
 */
function rows(text: string, delimiter: number, each: (cells: Cell[]) => boolean): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const cells: Cell[] = [];
    for (;;) {
      let start = i;
      let end: number;
      if (text.charCodeAt(i) === 34) {
        // Quoted: up to the quote not doubled.
        start = ++i;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q === -1) {
            i = n;
            break;
          }
          if (text.charCodeAt(q + 1) === 34) i = q + 2;
          else {
            i = q;
            break;
          }
        }
        end = i;
        if (i < n) i++;
        // Anything after the closing quote, up to the delimiter, is kept out of the value.
        while (i < n && text.charCodeAt(i) !== delimiter && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
      } else {
        while (i < n && text.charCodeAt(i) !== delimiter && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
        end = i;
      }
      cells.push({ start, end });
      if (i < n && text.charCodeAt(i) === delimiter) {
        i++;
        continue;
      }
      break;
    }
    if (text.charCodeAt(i) === 13) i++;
    if (text.charCodeAt(i) === 10) i++;
    if (!each(cells)) return;
  }
}

/**
 * The table view of `text` under its first row's names; null when the first row is not a header
 * (fewer than two names, or a name that is empty, too long or looks like a value), names no
 * credential (CREDENTIAL), or no row holds a secret's shape there (WORTH).
 */
export function tableView(text: string, delimiter: string): RecordView | null {
  const records = new Records();
  tableRecords(text, delimiter, records, 0);
  return records.done();
}

/** tableView's records of `text`, added to `records`, each value's place `offset` further on. */
function tableRecords(text: string, delimiter: string, records: Records, offset: number): void {
  const names: string[] = [];
  /** Per column: whether its name may be a credential's. */
  const credential: boolean[] = [];
  let header = true;
  let title = -1;
  let password = -1;
  /** A sheet's title above its header (`HubSpot credentials (prod)`), read with each row: its context. */
  let caption: Cell | undefined;
  let above = 0;
  rows(text, delimiter.charCodeAt(0), (cells) => {
    if (header) {
      // Up to two rows above the header holding one cell at most: a title, a blank row, Excel's `sep=,`.
      const filled = cells.filter((c) => text.slice(c.start, c.end).trim() !== '');
      if (filled.length <= 1 && above < 2) {
        above++;
        if (filled[0] && filled[0].end - filled[0].start <= MAX_NAME * 2) caption = filled[0];
        return true;
      }
      header = false;
      if (cells.length < 2 || cells.length > MAX_COLUMNS) return false;
      for (const c of cells) {
        const name = text.slice(c.start, c.end).trim();
        if (name.length === 0 || name.length > MAX_NAME || WORTH.test(name)) return false;
        if (title < 0 && TITLE.test(name)) title = names.length;
        if (password < 0 && PASSWORD.test(name)) password = names.length;
        names.push(name);
        credential.push(CREDENTIAL.test(name));
      }
      return credential.includes(true);
    }
    // A row is read when a credential column's value has a secret's shape.
    if (!cells.some((c, k) => credential[k] === true && WORTH.test(text.slice(c.start, c.end)))) return true;
    records.record();
    if (caption) records.line('title', text.slice(caption.start, caption.end), offset + caption.start);
    cells.forEach((c, k) => {
      if (k < names.length && c.end > c.start) records.line(names[k]!, text.slice(c.start, c.end), offset + c.start);
    });
    // An entry's password is named by its title, however far apart their columns: 'HubSpot API key'
    // and its password read as HubSpot_API_key=…, 'HubSpot' and its password as HubSpot_Password=….
    if (title >= 0 && password >= 0 && cells[title] && cells[password]) {
      const t = text.slice(cells[title].start, cells[title].end).trim();
      const p = cells[password];
      if (t.length > 0 && t.length <= MAX_NAME && p.end > p.start) {
        const name = t.replace(/\s+/g, '_') + (CREDENTIAL.test(t) ? '' : `_${names[password]}`);
        records.line(name, text.slice(p.start, p.end), offset + p.start);
      }
    }
    return true;
  });
}

/** Markdown files, by name. */
export function isMarkdownPath(path: string): boolean {
  return /\.(?:md|markdown|mdx)$/i.test(path);
}

/** A Markdown pipe table's row (`| a | b |`). */
const PIPE_ROW = /^[ \t]*\|.*\|[ \t]*$/;

/** The line under a pipe table's header (`|---|:--:|`): pipes, dashes, colons and blanks only (one class: linear). */
function pipeRule(line: string): boolean {
  return /^[ \t|:-]+$/.test(line) && line.includes('-') && line.includes('|');
}

/**
 * A Markdown file's pipe tables read as tables are (tableView): under `| Service | API key |`, the row
 * `| HubSpot | <uuid> |` is read as `Service=HubSpot`, `API key=<uuid>`. Docs and wikis list
 * credentials so. Each table is read from its header; its outer pipes are not cells.
 */
export function markdownView(text: string): RecordView | null {
  if (!text.includes('|')) return null;
  const records = new Records();
  const lines = text.split('\n');
  let at = 0;
  for (let i = 0; i < lines.length; ) {
    const header = lines[i]!.replace(/\r$/, '');
    if (!(PIPE_ROW.test(header) && i + 2 < lines.length && pipeRule(lines[i + 1]!.replace(/\r$/, '')))) {
      at += lines[i]!.length + 1;
      i++;
      continue;
    }
    let end = i + 2;
    while (end < lines.length && PIPE_ROW.test(lines[end]!.replace(/\r$/, ''))) end++;
    // The outer pipes as spaces: the same length, so each value keeps its place in the text. The rule
    // line is a row like any other, and no credential's shape is in it.
    const block = lines
      .slice(i, end)
      .map((l) => l.replace(/^([ \t]*)\|/, '$1 ').replace(/\|([ \t]*\r?)$/, ' $1'))
      .join('\n');
    tableRecords(block, '|', records, at);
    for (let k = i; k < end; k++) at += lines[k]!.length + 1;
    i = end;
  }
  return records.done();
}

/** Where view range [start, end) is in the text read: null unless it is inside one value. */
export function recordRange(view: RecordView, start: number, end: number): { start: number; end: number } | null {
  let lo = 0;
  let hi = view.at.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (view.at[mid]! <= start) lo = mid;
    else hi = mid - 1;
  }
  const at = view.at[lo]!;
  if (start < at || end > at + view.size[lo]!) return null;
  return { start: view.from[lo]! + (start - at), end: view.from[lo]! + (end - at) };
}

/**
 * Members that name an object's value, and members that hold it: Terraform state, CloudFormation (an
 * SSM parameter's `Value`, a Secrets Manager secret's `SecretString`; a name may be built by
 * `Fn::Sub`), a Secrets Manager secret's version in Terraform state (`secret_string`, named by its
 * `secret_id`'s ARN), GitHub Actions secrets and variables, Hoppscotch environments (`initialValue`,
 * `currentValue`).
 */
const NAME_MEMBERS = ['name', 'Name', 'secret_name', 'variable_name', 'ParameterName', 'key', 'Key', 'secret_id'];
const VALUE_MEMBERS = ['value', 'Value', 'plaintext_value', 'secret_value', 'initialValue', 'currentValue', 'SecretString', 'secret_string'];
/** Texts worth parsing as JSON: they start as JSON does and name HubSpot. */
const JSON_START = /^\s*[{[]/;
const HUBSPOT = /hubspot|hapikey|(?<![a-z0-9])hs[_.-]?api/i;
/** A value of token characters only (no character JSON would escape). */
const TOKEN = /^[A-Za-z0-9._+/=-]+$/;
/** A version at a name's end: `_V2`, `/v2`, `-2`. */
const VERSION = /[_./-]v?\d{1,3}$/i;

/**
 * The JSON objects of `text` that pair a name and a value, read as `name=value` lines, a record each:
 * an SSM parameter in Terraform state or CloudFormation (`"name": "/prod/HUBSPOT_API_KEY"`, then
 * tags, tier, type, then `"value"`, in any order), a GitHub Actions secret (`plaintext_value`,
 * `secret_name`), and a Postman apikey auth block (an array of `{"key": …, "value": …}` entries: the
 * entry keyed `key` names the one keyed `value`). JSON held in a JSON string is read one level deep.
 * Null when the text is not JSON naming HubSpot, or no such pair has a secret-shaped value whose
 * JSON string is in the text as it is (each maps to its first place there).
 */
export function objectView(text: string): RecordView | null {
  if (!JSON_START.test(text) || !HUBSPOT.test(text)) return null;
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return null;
  }
  return pairRecords([root], (value, nested) => {
    const quoted = JSON.stringify(value);
    // A value written with escapes in the text does not map back one to one: left to the text's own scan.
    if (quoted.length !== value.length + 2) return -1;
    // In JSON held in a JSON string, its quotes are escaped: a value of token characters is found bare.
    return nested ? (TOKEN.test(value) ? text.indexOf(value) : -1) : text.indexOf(quoted) + 1;
  });
}

/** YAML files, by name. */
export function isYamlPath(path: string): boolean {
  return /\.ya?ml$/i.test(path);
}

/**
 * The records of a file by its name (`path`) and content: a table's rows, or else the objects of its
 * YAML (a `.yaml` / `.yml` file) or JSON; null for none.
 */
export function recordView(text: string, path: string): RecordView | null {
  const delimiter = tableDelimiter(path, text);
  if (delimiter !== null) return tableView(text, delimiter);
  if (isYamlPath(path)) return yamlView(text);
  if (isMarkdownPath(path)) return markdownView(text);
  return isIniPath(path) ? iniView(text) : objectView(text);
}

/** TOML and INI files, by name. */
export function isIniPath(path: string): boolean {
  return /\.(?:toml|ini|cfg|conf)$/i.test(path);
}

/** A table's header (`[hubspot.api]`, `[ hubspot ]`, TOML's `[[hubspot.apps]]`), and a `key = value` / `key: value` line. */
const INI_HEADER = /^[ \t]*\[\[?[ \t]*([^\]\r\n]{1,128}?)[ \t]*\]\]?[ \t]*(?:[#;][^\r\n]*)?\r?$/;
const INI_ENTRY = /^[ \t]*["']?([\w.-]{1,64})["']?[ \t]*[=:][ \t]*(["']?)([^"'\r\n#;]{1,4096}?)\2[ \t]*(?:[#;][^\r\n]*)?\r?$/;
/** A header naming a HubSpot table: `hubspot` as one of its dotted names. */
const INI_HUBSPOT = /(?:^|\.)["']?hubspot["']?(?:\.|$)/i;

/**
 * The settings of a TOML / INI file's HubSpot tables (`[hubspot]`, `[hubspot.api]`,
 * `[integrations.hubspot]`), each read by its dotted name (`hubspot.api.key=…`) as a record of its
 * own, whatever comes before it in the table (`timeout = 30`, then `key = "…"`). A password is not
 * taken for a HubSpot key (PASSWORD_NAME). Null when the text does not name HubSpot or no such
 * setting has a secret-shaped value.
 */
export function iniView(text: string): RecordView | null {
  if (!HUBSPOT.test(text) || !WORTH.test(text)) return null;
  const records = new Records();
  let table: string | null = null;
  let at = 0;
  for (const line of text.split('\n')) {
    const from = at;
    at += line.length + 1;
    const header = INI_HEADER.exec(line);
    if (header) {
      table = INI_HUBSPOT.test(header[1]!) ? header[1]!.replace(/["'\s]/g, '') : null;
      continue;
    }
    if (table === null) continue;
    const entry = INI_ENTRY.exec(line);
    if (!entry || PASSWORD_NAME.test(entry[1]!) || !WORTH.test(entry[3]!)) continue;
    const value = entry[3]!;
    records.record();
    records.line(`${table}.${entry[1]}`, value, from + line.indexOf(value, line.indexOf(entry[1]!) + entry[1]!.length));
  }
  return records.done();
}

/** A YAML line that starts one of `members` (`Name:`, `- name:` …). */
const yamlMember = (members: readonly string[]): string => `^[ \\t]*(?:-[ \\t]+)?["']?(?:${members.join('|')})["']?[ \\t]*:`;
/** A YAML line that starts a member naming a value. */
const YAML_NAME = new RegExp(yamlMember(NAME_MEMBERS), 'm');
/** A YAML line with a member holding a secret-shaped value (WORTH) on that line. */
const YAML_VALUE = new RegExp(`${yamlMember(VALUE_MEMBERS)}[^\\n]*?(?:${WORTH.source})`, 'im');
/** A YAML mapping key naming a HubSpot section (HUBSPOT_NAME) that opens a block (`hubspot:`, `  HubSpot:` then a line break). */
const YAML_SECTION = /^[ \t]*["']?hubspot["']?[ \t]*:[ \t]*(?:#[^\n]*)?\r?$/im;
/** A CloudFormation parameter's `Default:` with a secret-shaped value on that line (named by its key). */
const YAML_DEFAULT = new RegExp(`${yamlMember(['Default'])}[^\\n]*?(?:${WORTH.source})`, 'm');
/**
 * YAML parsed at most: a bigger file is left to its text's own scan. The parser (the `yaml` package,
 * which reads CloudFormation's `!Ref` / `!Sub` tags as plain values where others fail) takes ~1 ms per
 * KB of dense name / value entries, so only a file with such a pair (YAML_NAME, YAML_VALUE) is parsed.
 */
const MAX_YAML = 128 << 10;

/**
 * objectView for YAML: the mappings of every document that pair a name and a value, a record each: a
 * CloudFormation SSM parameter (`Name: /prod/hubspot/apikey`, then `Type`, `Tier`, a description,
 * then `Value`), a Secrets Manager secret (`Name`, `SecretString`), a list of `name` / `value`
 * entries, a CloudFormation parameter's `Default` (named by its key). JSON is read as JSON. Null
 * when the text is over MAX_YAML, does not name HubSpot, a name member and a member with a
 * secret-shaped value (nor such a `Default`), or no pair has a secret-shaped value of token characters
 * (each maps to its first place in the text); a document YAML finds errors in is not read.
 */
export function yamlView(text: string): RecordView | null {
  if (JSON_START.test(text)) return objectView(text);
  if (text.length > MAX_YAML || !HUBSPOT.test(text)) return null;
  if (!(YAML_NAME.test(text) && YAML_VALUE.test(text)) && !YAML_DEFAULT.test(text) && !(YAML_SECTION.test(text) && WORTH.test(text))) return null;
  const roots: unknown[] = [];
  try {
    for (const doc of parseAllDocuments(text, { prettyErrors: false, uniqueKeys: false })) {
      if (doc.errors.length === 0) roots.push(doc.toJS({ maxAliasCount: 100 }));
    }
  } catch {
    // An alias bomb, or input the parser does not take: left to the text's own scan.
    return null;
  }
  return pairRecords(roots, (value) => (TOKEN.test(value) ? text.indexOf(value) : -1));
}

const stringOf = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const SECRET_ARN = /^arn:aws[\w-]*:secretsmanager:[^:]*:[^:]*:secret:(.+)-[A-Za-z0-9]{6}$/;

/**
 * A name as written (of a Secrets Manager secret's ARN: the secret's name, before a dash and six
 * random characters), or as CloudFormation's Fn::Sub builds it: `{"Fn::Sub": "/${Env}/hubspot/apikey"}`,
 * or `[text, variables]`, where each variable given as a string is put in.
 */
function nameOf(v: unknown): string | undefined {
  if (typeof v === 'string') return SECRET_ARN.exec(v)?.[1] ?? v;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const sub = (v as Record<string, unknown>)['Fn::Sub'];
  if (typeof sub === 'string') return sub;
  if (!Array.isArray(sub) || typeof sub[0] !== 'string') return undefined;
  const vars: unknown = sub[1];
  if (vars === null || typeof vars !== 'object') return sub[0];
  return sub[0].replace(/\$\{([\w.:-]+)\}/g, (all, name: string) => {
    const value = (vars as Record<string, unknown>)[name];
    return typeof value === 'string' ? value : all;
  });
}

/**
 * The objects under `roots` that pair a name and a value (NAME_MEMBERS, VALUE_MEMBERS; a Postman auth
 * block's entries; a CloudFormation parameter's key and `Default`), and a `hubspot` section's
 * settings by their dotted names (HUBSPOT_NAME), as records. `locate` gives where a
 * value is in the text (-1: it cannot be mapped back); `nested` is true for JSON read from a JSON
 * string, which is read one level deep.
 */
function pairRecords(roots: unknown[], locate: (value: string, nested: boolean) => number): RecordView | null {
  const records = new Records();
  /** How deep in JSON held in JSON strings the walk is (one level is read). */
  let nested = 0;
  const add = (name: string, value: string): void => {
    if (!WORTH.test(value) || name.length > 256) return;
    const from = locate(value, nested === 1);
    if (from <= 0) return;
    records.record();
    // A version after a name (`/prod/hubspot/apikey/v2`, `HUBSPOT_CLIENT_SECRET_V2`) names the same thing.
    records.line(name.replace(VERSION, ''), value, from);
  };
  const pick = (o: Record<string, unknown>, members: readonly string[], of: (v: unknown) => string | undefined): string | undefined => {
    for (const m of members) {
      const v = of(o[m]);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const stack: unknown[] = [...roots];
  const inner: unknown[] = [];
  for (;;) {
    if (stack.length === 0) {
      if (nested === 1 || inner.length === 0) break;
      nested = 1;
      stack.push(...inner);
    }
    const node = stack.pop();
    if (typeof node === 'string' && nested === 0 && node.length > 2 && JSON_START.test(node) && HUBSPOT.test(node)) {
      try {
        inner.push(JSON.parse(node));
      } catch {
        // Not JSON after all.
      }
      continue;
    }
    if (Array.isArray(node)) {
      // A Postman auth block: [{key: 'value', value: <secret>}, {key: 'key', value: <its name>}, …].
      const entries = new Map<string, string>();
      for (const e of node) {
        if (e !== null && typeof e === 'object' && !Array.isArray(e)) {
          const { key, value } = e as Record<string, unknown>;
          if (typeof key === 'string' && typeof value === 'string') entries.set(key, value);
        }
        stack.push(e);
      }
      const name = entries.get('key');
      const value = entries.get('value');
      if (name !== undefined && value !== undefined) add(name, value);
    } else if (node !== null && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      const name = pick(o, NAME_MEMBERS, nameOf);
      const value = pick(o, VALUE_MEMBERS, stringOf);
      if (name !== undefined && value !== undefined) add(name, value);
      for (const k in o) {
        const v = o[k];
        // A CloudFormation parameter is named by its key: `HubSpotApiKey: {Type: String, NoEcho: true, Default: …}`.
        if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
          const { Type: type, Default: given } = v as Record<string, unknown>;
          if (typeof type === 'string' && typeof given === 'string') add(k, given);
        }
        stack.push(v);
      }
    }
  }
  // A HubSpot section's settings at any depth, in any order, read by their dotted names from the
  // section on (`hubspot: api: {base-url: …, key: …}` as `hubspot.api.key=…`, appsettings' `HubSpot.Api.Key`).
  const section = (node: unknown, name: string, depth: number): void => {
    if (typeof node === 'string') {
      if (!PASSWORD_NAME.test(name)) add(name, node);
      return;
    }
    if (node === null || typeof node !== 'object' || depth > 8) return;
    if (Array.isArray(node)) {
      for (const v of node) section(v, name, depth + 1);
      return;
    }
    for (const k in node) section((node as Record<string, unknown>)[k], `${name}.${k}`, depth + 1);
  };
  const find = (node: unknown, depth: number): void => {
    if (node === null || typeof node !== 'object' || depth > 16) return;
    if (Array.isArray(node)) {
      for (const v of node) find(v, depth + 1);
      return;
    }
    for (const k in node) {
      const v = (node as Record<string, unknown>)[k];
      if (HUBSPOT_NAME.test(k) && v !== null && typeof v === 'object') section(v, k, 0);
      else find(v, depth + 1);
    }
  };
  nested = 0;
  for (const root of roots) find(root, 0);
  return records.done();
}

/**
 * A key naming a HubSpot section: `hubspot` alone, in any case (not `hubspot_analytics`, a dbt
 * profile's name for a warehouse, nor `HubSpotKey`, a CloudFormation resource's).
 */
const HUBSPOT_NAME = /^hubspot$/i;
/** A password's name: HubSpot's settings hold none (an SMTP password is named by its own rule). */
const PASSWORD_NAME = /(?:password|passwd|pwd|pass)$/i;
