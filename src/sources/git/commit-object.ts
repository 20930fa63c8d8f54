/** A commit object's text: who, when, and the message. Pure; shared by the history source and the scan workers. */
import type { CommitInfo } from '../../core/types.js';

/** The path reported for findings in commit messages. */
export const COMMIT_MESSAGE_PATH = '<commit message>';

/** Parse a raw commit object: author, date and message. */
export function parseCommitObject(oid: string, content: Buffer): CommitInfo & { body: string } {
  const text = content.toString('utf8');
  const split = text.indexOf('\n\n');
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split + 2);
  const info: CommitInfo & { body: string } = { sha: oid, body };
  const m = /^author (.*) <([^>]*)> (\d+) ([+-]\d{4})$/m.exec(head);
  if (m) {
    info.author = m[1]!;
    info.email = m[2]!;
    info.date = isoDate(Number(m[3]), m[4]!);
  }
  return info;
}

function isoDate(seconds: number, tz: string): string {
  const sign = tz.startsWith('-') ? -1 : 1;
  const offMin = sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(3, 5)));
  const d = new Date((seconds + offMin * 60) * 1000).toISOString().slice(0, 19);
  return `${d}${tz.slice(0, 3)}:${tz.slice(3)}`;
}

