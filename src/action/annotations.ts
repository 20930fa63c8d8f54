/**
 * One `::error` workflow command per finding. Pure: findings in, message + properties out; the
 * sink (@actions/core's `error`) does the escaping of `%`, CR, LF, `:` and `,` the runner needs.
 * Only the redacted preview ever goes into a message.
 */
import type { Finding } from '../core/types.js';

/** The fields GitHub reads from an annotation (the names @actions/core uses). */
export interface AnnotationProperties {
  title: string;
  file?: string;
  startLine?: number;
  endLine?: number;
  startColumn?: number;
  endColumn?: number;
}

export interface Annotation {
  message: string;
  properties: AnnotationProperties;
}

/** Why a credential could not be told, ` (…)` after its `unknown` status (our own words: HTTP status, time-out; never a token). */
export function unknownReason(v: NonNullable<Finding['verification']>): string {
  return v.status === 'unknown' && v.reason ? ` (${v.reason})` : '';
}

function status(f: Finding): string {
  const v = f.verification;
  if (!v) return '';
  const hub = v.hubId !== undefined ? `, hub ${v.hubId}` : '';
  return ` Verification: ${v.status}${hub}${unknownReason(v)}.`;
}

export function findingAnnotation(f: Finding): Annotation {
  const enc = f.encoding === 'plain' ? '' : ` (${f.encoding}-encoded)`;
  const where = !f.commit
    ? ''
    : f.commit.tag !== undefined
      ? ` In the message of tag ${f.commit.tag} (tag object ${f.commit.sha.slice(0, 12)}).`
      : ` Introduced in commit ${f.commit.sha.slice(0, 12)}${f.commit.message ? ' (in its message)' : ''}.`;
  const member = f.entry !== undefined ? ` In ${f.entry}, line ${f.line}, inside this archive.` : '';
  const message = `${f.title}: ${f.secret}${enc}.${member}${where}${status(f)} Rotate it in HubSpot first, then remove it (rule ${f.ruleId}).`;
  const properties: AnnotationProperties = { title: `HubSpot secret: ${f.title}` };
  if (f.entry !== undefined) {
    // The lines are the member's: the annotation is the archive file's.
    properties.file = f.path;
  } else if (!f.commit?.message) {
    properties.file = f.path;
    properties.startLine = f.line;
    properties.endLine = f.endLine;
    // Columns only mean something on a one-line span (GitHub ignores them otherwise).
    if (f.line === f.endLine) {
      properties.startColumn = f.column;
      properties.endColumn = f.endColumn;
    }
  }
  return { message, properties };
}
