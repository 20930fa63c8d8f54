/** Shared types of the detection core. Nothing here does I/O. */
import type { Gate } from './prefilter.js';

export type Severity = 'critical' | 'high' | 'medium' | 'low';

export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

/** A context check: `pattern` must (require) or must not (forbid) occur near the secret. */
export interface ContextSpec {
  /** Regular expression source, matched case-insensitively. */
  pattern: string;
  /** Characters before the match start that are searched. Default 300. */
  before?: number;
  /** Characters after the match end that are searched. Default 300. */
  after?: number;
  /** Also try the pattern against the file path. Default true for require, false for forbid. */
  path?: boolean;
  /**
   * A cheaper regular expression that every match of `pattern` holds (matched case-insensitively):
   * where it does not match, `pattern` is not tried, nor compiled. For a long pattern that few
   * windows get as far as needing (a test checks it holds wherever the pattern matches).
   */
  gate?: string;
}

/** A rule exactly as written in `rules/*.json` (and in a config's custom rules). */
export interface RuleSpec {
  $schema?: string;
  id: string;
  title: string;
  description: string;
  severity: Severity;
  /** Lower-case literals; a rule runs only on text containing at least one (case-insensitive). */
  keywords: string[];
  /** One or more regular expressions, each with a named group `secret`. Macros: see rules.ts. */
  patterns: string[];
  /** Regex flags besides the ones the engine adds (`g`, `d`). Default `i`. */
  flags?: string;
  context?: { require?: ContextSpec[]; forbid?: ContextSpec[] };
  /** Minimum Shannon entropy (bits per char) of the secret's random part. */
  entropy?: number;
  /** Names of validators in src/core/validators.ts that the secret must pass. */
  validators?: string[];
  /** Regexes (case-insensitive) that mark a matched secret as a known placeholder. */
  allow?: string[];
  /** Regex matching the non-secret prefix kept in previews (e.g. `pat-na1-`). */
  previewPrefix?: string;
  /** When two findings overlap, the higher priority wins. */
  priority: number;
  /** Name of the live verifier (src/verify), or null when no side-effect-free check exists. */
  verifier: string | null;
  remediation: {
    summary: string;
    steps: string[];
  };
  docs: string;
}

export interface CompiledContext {
  re: RegExp;
  /** ContextSpec's `gate`, compiled; null: none. */
  gate: RegExp | null;
  before: number;
  after: number;
  path: boolean;
}

export interface Lead {
  literals: string[];
  /** The pattern with the `y` flag instead of `g`: tried at one offset. */
  sticky: RegExp;
  /**
   * The pattern's name part (rules.ts `namePart`: what comes before its `{{assign}}`), sticky: a place
   * where it does not match is one where the pattern cannot, so the pattern (most of it the long
   * macro, slow to compile) is tried only where it does. Null: the pattern has no such part.
   */
  name: RegExp | null;
}

export interface CompiledRule {
  spec: RuleSpec;
  id: string;
  keywords: string[];
  patterns: RegExp[];
  /**
   * Per pattern: the shape its secret must have (prefilter.ts), so the pattern only runs in windows
   * around that shape; null when there is none (the pattern runs over texts holding a keyword).
   */
  gates: (Gate | null)[];
  /**
   * Per pattern: the literals every match starts with and a sticky copy of the pattern, so a finder
   * for those literals lists the places to try it (regex-shape.ts `leadingLiterals`); null when a
   * match may start with something else (the pattern runs as a whole over its windows).
   */
  leads: (Lead | null)[];
  /** Per pattern: its longest match and how far its lookarounds reach (Infinity: unbounded). */
  reach: { match: number; look: number }[];
  require: CompiledContext[];
  forbid: CompiledContext[];
  allow: RegExp[];
  previewPrefix: RegExp | null;
  validators: ((secret: string) => boolean)[];
}

export interface RuleSet {
  rules: CompiledRule[];
  byId: Map<string, CompiledRule>;
  /** Every keyword of every rule, lower-case, deduplicated. */
  keywords: string[];
}

/** How the secret was encoded where it was found. */
export type Encoding = 'plain' | 'base64' | 'url' | 'escaped' | 'quoted-printable';

/** What the pure core returns: offsets and positions in the text it was given. */
export interface Match {
  ruleId: string;
  /** The raw secret. Callers must redact it before it leaves the process. */
  secret: string;
  /** Offsets of the secret (or of the encoded run holding it) in the input text. */
  start: number;
  end: number;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  encoding: Encoding;
  /**
   * The lines as git counts them (only `\n` ends one), set when they are not `line` and `endLine`:
   * a lone `\r` ends a line for editors (and here) but not for git, whose diffs say which lines are
   * added.
   */
  gitLine?: number;
  gitEndLine?: number;
  /** The member of an archive the match is in (`word/document.xml`, `lib/a.jar!app.properties`); its lines and columns are the member's. */
  entry?: string;
}

export type VerificationStatus = 'active' | 'inactive' | 'unknown' | 'not-checkable' | 'not-checked';

export interface Verification {
  status: VerificationStatus;
  hubId?: number;
  appId?: number;
  userId?: number;
  user?: string;
  /** The portal's domain (OAuth tokens). */
  hubDomain?: string;
  /** The OAuth app's client id (refresh tokens; public, not a secret). */
  clientId?: string;
  scopes?: string[];
  /** Scopes judged over-broad (write / delete / sensitive). */
  broadScopes?: string[];
  expiresIn?: number;
  reason?: string;
}

export interface CommitInfo {
  sha: string;
  author?: string;
  email?: string;
  date?: string;
  /** True when the secret is in the commit message rather than a file (or in a tag's message: see `tag`). */
  message?: boolean;
  /**
   * An annotated tag's name, when the secret is in that tag's message (`sha` is then the tag
   * object's own id): the ref's name when a tag ref points at it, else the name the object holds.
   */
  tag?: string;
}

/** A finding as reporters see it: positions, redacted preview, fingerprint, provenance. */
export interface Finding {
  ruleId: string;
  title: string;
  severity: Severity;
  path: string;
  /** The member of an archive at `path` the secret is in (see Match.entry); `line` and `column` are the member's. */
  entry?: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** Redacted preview, or the raw secret when the user asked for --show-secrets. */
  secret: string;
  fingerprint: string;
  encoding: Encoding;
  commit?: CommitInfo;
  /** For audits: whether the secret is still present at HEAD. */
  inHead?: boolean;
  verification?: Verification;
}
