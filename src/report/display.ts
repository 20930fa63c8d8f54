/**
 * Making untrusted strings (file names from a stranger's pull request, warning details) safe to put
 * on a terminal or in a log line: control characters are shown as escapes, so a crafted name cannot
 * fake report lines or send terminal escape sequences; lone surrogates (non-UTF-8 name bytes) show as
 * U+FFFD. JSON and SARIF need none of this: JSON.stringify escapes them.
 */
/** A control character (C0, DEL, C1) or a line or paragraph separator: what no printed text may hold as it is. */
export const CONTROL_CHAR = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const UNSAFE = new RegExp(`${CONTROL_CHAR.source}|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]`, 'g');
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function display(s: string): string {
  return s.replace(UNSAFE, (ch) => {
    const code = ch.charCodeAt(0);
    if (code >= 0xd800 && code <= 0xdfff) return '\ufffd';
    return NAMED[ch] ?? `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
