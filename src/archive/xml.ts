/**
 * A linear walk over XML: text and tags in order, each tag by its local name (`w:p`, `a:p`, `text:p`
 * are all `p`). Office documents come from strangers (a pull request): regular expressions that pair
 * an opening tag with its closing one take time quadratic in a part where closings are missing (a
 * 20 MB part with unclosed tags ran for minutes), so the office reader walks each part once with this.
 * Comments, processing instructions and declarations are skipped; CDATA is text. Pure.
 */

export interface Tag {
  /** Local name (no prefix). */
  name: string;
  close: boolean;
  selfClose: boolean;
  /** Attributes as written (`r="A1" t="s"`); read with attr(). */
  attrs: string;
}

/** Each text run (raw: entities not undone) and tag of `xml`, in order. Linear in its length. */
export function walkXml(xml: string, onText: (text: string) => void, onTag: (tag: Tag) => void): void {
  const n = xml.length;
  let i = 0;
  while (i < n) {
    const lt = xml.indexOf('<', i);
    if (lt === -1) {
      onText(xml.slice(i));
      return;
    }
    if (lt > i) onText(xml.slice(i, lt));
    if (xml.startsWith('<!--', lt)) {
      const end = xml.indexOf('-->', lt + 4);
      i = end === -1 ? n : end + 3;
      continue;
    }
    if (xml.startsWith('<![CDATA[', lt)) {
      const end = xml.indexOf(']]>', lt + 9);
      onText(escapeText(xml.slice(lt + 9, end === -1 ? n : end)));
      i = end === -1 ? n : end + 3;
      continue;
    }
    if (xml.startsWith('<?', lt) || xml.startsWith('<!', lt)) {
      const end = xml.indexOf('>', lt + 2);
      i = end === -1 ? n : end + 1;
      continue;
    }
    // The tag's end: the first `>` outside a quoted attribute value.
    let j = lt + 1;
    let quote = 0;
    for (; j < n; j++) {
      const c = xml.charCodeAt(j);
      if (quote) {
        if (c === quote) quote = 0;
      } else if (c === 34 || c === 39) quote = c;
      else if (c === 62) break;
    }
    if (j >= n) return; // an unclosed tag at the end: nothing more to read
    const body = xml.slice(lt + 1, j);
    i = j + 1;
    const close = body.charCodeAt(0) === 47;
    const selfClose = !close && body.charCodeAt(body.length - 1) === 47;
    const inner = body.slice(close ? 1 : 0, selfClose ? -1 : undefined);
    const m = /^\s*([^\s/>]+)/.exec(inner);
    if (!m) continue;
    const qname = m[1]!;
    const colon = qname.indexOf(':');
    onTag({ name: colon === -1 ? qname : qname.slice(colon + 1), close, selfClose, attrs: inner.slice(m[0].length) });
  }
}

/** CDATA's text as a text run would hold it (its `&` and `<` escaped, so unescaping gives it back). */
function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

/** An attribute's value by its local name (`r:id` is `id`), entities undone; undefined when absent. */
const ATTRS = new Map<string, RegExp>();

export function attr(attrs: string, name: string): string | undefined {
  let re = ATTRS.get(name);
  if (!re) ATTRS.set(name, (re = new RegExp(`(?:^|\\s)(?:[\\w.-]+:)?${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`)));
  const m = re.exec(attrs);
  return m ? unescapeXml(m[1] ?? m[2] ?? '') : undefined;
}

const XML_ENTITY = /&(?:(lt|gt|amp|quot|apos)|#(\d{1,7})|#x([0-9a-f]{1,6}));/gi;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function unescapeXml(s: string): string {
  if (!s.includes('&')) return s;
  return inPieces(s, (part) =>
    part.replace(XML_ENTITY, (m, named: string | undefined, dec: string | undefined, hex: string | undefined) => {
      if (named) return NAMED[named.toLowerCase()]!;
      const cp = dec ? Number.parseInt(dec, 10) : Number.parseInt(hex!, 16);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    }),
  );
}

/** Pieces a replacement over a long text works on (see inPieces). */
const PIECE = 1 << 16;
/** The longest entity (`&#x10FFFF;`): a piece is never cut inside one. */
const LONGEST_ENTITY = 10;

/**
 * `f` (a global replacement of entities) applied piece by piece, the results joined: each piece's
 * parts can be collected young. A piece never ends inside an entity.
 */
export function inPieces(s: string, f: (part: string) => string): string {
  if (s.length <= PIECE) return f(s);
  const out: string[] = [];
  for (let i = 0; i < s.length; ) {
    let end = Math.min(s.length, i + PIECE);
    const amp = s.lastIndexOf('&', end - 1);
    if (end < s.length && amp > i && amp > end - LONGEST_ENTITY) end = amp;
    out.push(f(s.slice(i, end)));
    i = end;
  }
  return out.join('');
}
