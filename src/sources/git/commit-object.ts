/** A commit or tag object's text: who, when, and the message. Pure; shared by the git sources. */
import type { CommitInfo } from '../../core/types.js';
import type { SourceEvent } from '../types.js';

/** The path reported for findings in commit messages. */
export const COMMIT_MESSAGE_PATH = '<commit message>';
/** The path reported for findings in annotated tags' messages. */
export const TAG_MESSAGE_PATH = '<tag message>';

/** Parse a raw commit object: author, date and message. */
export function parseCommitObject(oid: string, content: Buffer): CommitInfo & { body: string } {
  const { head, body } = split(content);
  return { sha: oid, ...person(head, 'author'), body };
}

/**
 * Parse a raw annotated tag object: its name, the object it tags and that object's type, the tagger,
 * the date and the message (a signature after it is part of the text scanned).
 */
export function parseTagObject(oid: string, content: Buffer): ParsedTag {
  const { head, body } = split(content);
  return { sha: oid, tag: /^tag (.*)$/m.exec(head)?.[1] ?? '', ...person(head, 'tagger'), body, target: /^object ([0-9a-f]+)$/m.exec(head)?.[1] ?? '' };
}

/** A parsed tag object: `sha` is its own id, `target` the object it tags. */
export type ParsedTag = CommitInfo & { tag: string; body: string; target: string };

/**
 * An annotated tag's message as an item: pushed with the tag, so scanned as a commit message is.
 * `name`: the tag ref's name, when one points at this object (else the name the object holds).
 */
export function tagMessageItem(parsed: ParsedTag, name?: string): SourceEvent {
  const { body, sha, tag, target: _target, ...who } = parsed;
  return { kind: 'item', path: TAG_MESSAGE_PATH, content: body, commit: { sha, message: true, tag: name ?? tag, ...who } };
}

function split(content: Buffer): { head: string; body: string } {
  const text = content.toString('utf8');
  const at = text.indexOf('\n\n');
  return { head: at < 0 ? text : text.slice(0, at), body: at < 0 ? '' : text.slice(at + 2) };
}

/** The `author` or `tagger` line's name, email and date. */
function person(head: string, field: 'author' | 'tagger'): Pick<CommitInfo, 'author' | 'email' | 'date'> {
  const m = new RegExp(`^${field} (.*) <([^>]*)> (\\d+) ([+-]\\d{4})$`, 'm').exec(head);
  return m ? { author: m[1]!, email: m[2]!, date: isoDate(Number(m[3]), m[4]!) } : {};
}

function isoDate(seconds: number, tz: string): string {
  const sign = tz.startsWith('-') ? -1 : 1;
  const offMin = sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(3, 5)));
  const d = new Date((seconds + offMin * 60) * 1000).toISOString().slice(0, 19);
  return `${d}${tz.slice(0, 3)}:${tz.slice(3)}`;
}

