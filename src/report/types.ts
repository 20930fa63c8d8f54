import type { RuleSet } from '../core/types.js';
import type { ScanResult } from '../scan.js';

export type Format = 'text' | 'json' | 'sarif';
export const FORMATS: readonly Format[] = ['text', 'json', 'sarif'];

/** Everything a reporter may use. Reporters are pure: this in, a string out. */
export interface ReportInput {
  result: ScanResult;
  ruleset: RuleSet;
  /** List suppressed findings too (--show-suppressed). */
  showSuppressed?: boolean;
  /** Text: findings and warnings only, no summary or how-to-fix (--quiet). */
  quiet?: boolean;
  /** ANSI colours (text only). */
  color?: boolean;
  /** What was scanned, in words ("3 paths", "staged changes", "commits a..b"). */
  target?: string;
}
