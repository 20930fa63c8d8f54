/**
 * Escape views (src/core/views.ts): the text with backslash / JSON escapes or URL escapes undone, and
 * the map from a view range back to the text, held to an oracle built from first principles (each
 * escape found by the regex that defines it, each view character's place in the text).
 */
import { describe, expect, it } from 'vitest';
import { ansiView, escapedView, mapRange, markupView, quotedPrintableView, urlView, type EscapeView } from '../src/core/views.js';
import { Rng } from './helpers/fake-tokens.js';

interface Oracle {
  text: string;
  /** Per view character: where it starts and ends in the text, and whether an escape stands for it. */
  start: number[];
  end: number[];
  escaped: boolean[];
  /** View offsets where an escape stands for nothing (a line continuation). */
  empty: number[];
}

const SIMPLE: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '0': '\0' };

type Kind = Exclude<EscapeView['kind'], 'markup' | 'quoted-printable' | 'folded'>;

function oracle(text: string, kind: Kind): Oracle | null {
  const re =
    kind === 'escaped'
      ? /\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|(\r?\n)|([\s\S]))/g
      : kind === 'url'
        ? /%([0-9a-fA-F]{2})/g
        : // A terminal control sequence: ESC [, parameters and intermediates, a final character.
          /\x1b\[[\x20-\x3f]{0,252}[\x40-\x7e]/g;
  const o: Oracle = { text: '', start: [], end: [], escaped: [], empty: [] };
  let at = 0;
  const plain = (to: number): void => {
    for (; at < to; at++) {
      o.text += text[at];
      o.start.push(at);
      o.end.push(at + 1);
      o.escaped.push(false);
    }
  };
  let any = false;
  for (const m of text.matchAll(re)) {
    any = true;
    plain(m.index);
    const value =
      kind === 'ansi'
        ? ''
        : kind === 'url'
        ? String.fromCharCode(parseInt(m[1]!, 16))
        : m[1] || m[2]
          ? String.fromCharCode(parseInt((m[1] ?? m[2])!, 16))
          : m[3]
            ? ''
            : (SIMPLE[m[4]!] ?? m[4]!);
    if (value === '') o.empty.push(o.text.length);
    else {
      o.text += value;
      o.start.push(m.index);
      o.end.push(m.index + m[0].length);
      o.escaped.push(true);
    }
    at = m.index + m[0].length;
  }
  plain(text.length);
  return any ? o : null;
}

/** What mapRange must give for a view range: its first character's start, its last's end, and whether an escape is in it. */
function expected(o: Oracle, vs: number, ve: number): { start: number; end: number; decoded: boolean } {
  const last = Math.max(vs, ve - 1);
  const start = o.start[vs]!;
  let end = ve > vs ? o.end[last]! : start;
  if (end <= start) end = start + 1;
  let decoded = false;
  for (let v = vs; v <= last; v++) if (o.escaped[v]) decoded = true;
  // A line continuation counts when it is inside the range, after its first character.
  for (const p of o.empty) if (p > vs && p <= last) decoded = true;
  return { start, end, decoded };
}

/** A short text dense in escapes of both kinds, their near misses, line ends and non-ASCII characters. */
function dense(rng: Rng): string {
  const pieces = ['\\', '\\', '\\', '%', '%', 'u', 'x', '0', 'a', 'F', '2', 'D', 'g', '-', 'n', 'r', '\n', '\r', '\r\n', '"', ' ', 'é', '\ud83d\ude00', '\ud800', '\\u002d', '\\x41', '%2D', '%2d', '%%41', '\\\\', '\\\n', '\\\r\n', '\x1b[', '\x1b[0m', '\x1b[1;34m', '32m', ';', '\x1b'];
  let s = '';
  const n = rng.int(60);
  while (s.length < n) s += pieces[rng.int(pieces.length)];
  return s;
}

const VIEWS = { escaped: escapedView, url: urlView, ansi: ansiView };

function check(text: string, kind: Kind): void {
  const o = oracle(text, kind);
  const view = VIEWS[kind](text);
  if (o === null) {
    expect(view, JSON.stringify(text)).toBeNull();
    return;
  }
  expect(view, JSON.stringify(text)).not.toBeNull();
  expect(view!.text, JSON.stringify(text)).toBe(o.text);
  // Every range (the first that differs is named).
  for (let vs = 0; vs < o.text.length; vs++) {
    for (let ve = vs; ve <= o.text.length; ve++) {
      const got = mapRange(view!, vs, ve);
      const want = expected(o, vs, ve);
      if (got.start !== want.start || got.end !== want.end || got.decoded !== want.decoded) {
        expect(got, `${JSON.stringify(text)} [${vs}, ${ve})`).toEqual(want);
      }
    }
  }
}

describe('escape views', () => {
  it('undo each escape as its regex reads it, and map every view range back as a character-by-character map does', () => {
    const rng = new Rng('escape-views');
    for (let i = 0; i < 3000; i++) {
      const text = dense(rng);
      check(text, 'escaped');
      check(text, 'url');
      check(text, 'ansi');
    }
  });

  it('keep their places past the arrays’ growth and past one string of held characters (4,096)', () => {
    const rng = new Rng('escape-views-long');
    for (const n of [63, 64, 65, 4095, 4096, 4097, 9000]) {
      // Runs of escapes with short and long gaps between them, then n escapes in a row.
      let text = '';
      while (text.length < 3 * n) text += rng.int(4) === 0 ? 'x'.repeat(rng.int(40)) : rng.int(2) ? '%41' : '\\u0042';
      text += `${'y'.repeat(40)}${'%43\\u0044'.repeat(n >> 1)}z`;
      for (const kind of ['escaped', 'url'] as const) {
        const o = oracle(text, kind)!;
        const view = kind === 'escaped' ? escapedView(text)! : urlView(text)!;
        expect(view.text).toBe(o.text);
        for (let k = 0; k < 400; k++) {
          const vs = rng.int(o.text.length);
          const ve = vs + 1 + rng.int(Math.min(50, o.text.length - vs));
          const got = mapRange(view, vs, ve);
          const want = expected(o, vs, ve);
          if (got.start !== want.start || got.end !== want.end || got.decoded !== want.decoded) expect(got, `${kind} ${n} [${vs}, ${ve})`).toEqual(want);
        }
      }
    }
  });

  it('give null for a text without an escape of their kind', () => {
    expect(escapedView('no escapes here %41')).toBeNull();
    expect(escapedView('a trailing backslash \\')).toBeNull();
    expect(urlView('100% sure, %zz, %4')).toBeNull();
    expect(ansiView('\x1b alone, \x1b[12\x01m, unfinished \x1b[12')).toBeNull();
    expect(ansiView(`\x1b[${'1;'.repeat(200)}m`)).toBeNull();
  });
});

describe('markup view', () => {
  /** The view's text, and where `secret` (found in it) is in the source. */
  const read = (html: string, secret: string): { text: string; at: string } => {
    const view = markupView(html)!;
    const v = view.text.indexOf(secret);
    const r = mapRange(view, v, v + secret.length);
    return { text: view.text, at: html.slice(r.start, r.end) };
  };

  it('reads markup as it shows: tags out, a paragraph or a break a line end, a cell a tab, the layout around blocks and cells nothing', () => {
    expect(read('<p><b>API key:</b> K1</p>', 'K1')).toEqual({ text: 'API key: K1\n', at: 'K1' });
    expect(read('<p>API key:</p><p>K2</p>', 'K2').text).toBe('API key:\nK2\n');
    expect(read('API key:<br>K3', 'K3').text).toBe('API key:\nK3');
    expect(read('<table>\n  <tr>\n    <th>\n      API key\n    </th>\n    <td>\n      K4\n    </td>\n  </tr>\n</table>', 'K4').text).toBe('API key\tK4\t\n\n');
    expect(read('<p class=MsoNormal>secret:<o:p></o:p></p>\n<p class=MsoNormal>K5<o:p></o:p></p>', 'K5').text).toBe('secret:\nK5\n');
    expect(read('<tr><th><p>API key</p></th><td><p>K8</p></td></tr>', 'K8').text).toBe('API key\tK8\t\n');
    expect(read('<setting><name>API key</name><value>K9</value></setting>', 'K9').text).toBe('API key\tK9\t\t');
    // A block's opening after text starts a line: a key and the words of the next block stay apart.
    expect(read('K10\n<div class="x"><p>Reject</p></div>', 'K10').text).toBe('K10\nReject\n\n');
    expect(read('API&nbsp;key:&nbsp;K6 <!-- note --> <![CDATA[x]]>', 'K6').text).toBe('API key: K6  x]]>');
  });

  it('joins a token split by inline tags, and maps it back over them to the source', () => {
    const html = '<p>Token: <span>pat-na1-</span><span class="spell">0123</span>4567</p>';
    const { text, at } = read(html, 'pat-na1-01234567');
    expect(text).toBe('Token: pat-na1-01234567\n');
    expect(at).toBe('pat-na1-</span><span class="spell">0123</span>4567');
  });

  it('leaves a lone < and an unclosed tag as text, and takes a tag over 255 characters out whole', () => {
    expect(markupView('a < b and c > d')).toBeNull();
    expect(markupView('x <b and <i>y</i>')!.text).toBe('x <b and y');
    const long = `<span title="${'t'.repeat(600)}">K7</span>`;
    expect(read(long, 'K7')).toEqual({ text: 'K7', at: 'K7' });
  });
});

describe('quoted-printable view', () => {
  it('undoes =XX (ASCII) and soft line breaks, maps a token joined over a break back over it, leaves other bytes and lone = as they are', () => {
    const mail = 'hapikey=3DK1 and pat-na1-01=\r\n23 caf=C3=A9 a =\nb x = y =ZZ';
    const view = quotedPrintableView(mail)!;
    expect(view.text).toBe('hapikey=K1 and pat-na1-0123 caf=C3=A9 a b x = y =ZZ');
    const v = view.text.indexOf('pat-na1-0123');
    const r = mapRange(view, v, v + 'pat-na1-0123'.length);
    expect(mail.slice(r.start, r.end)).toBe('pat-na1-01=\r\n23');
    expect(r.decoded).toBe(true);
    expect(quotedPrintableView('no escapes = here')).toBeNull();
  });
});
