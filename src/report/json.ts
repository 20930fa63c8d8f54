/** JSON report: a stable contract (version 1), documented in the README. */
import type { Finding } from '../core/types.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import type { ReportInput } from './types.js';

/** `{ verification: { active: 1, inactive: 2 } }` when findings were verified (--verify), else nothing. */
function verificationCounts(findings: readonly Finding[]): { verification?: Record<string, number> } {
  const counts: Record<string, number> = {};
  for (const f of findings) if (f.verification) counts[f.verification.status] = (counts[f.verification.status] ?? 0) + 1;
  return Object.keys(counts).length ? { verification: counts } : {};
}

export function jsonReport(input: ReportInput): string {
  const { result } = input;
  const doc = {
    version: 1,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    findings: result.findings,
    ...(input.showSuppressed ? { suppressed: result.suppressed } : {}),
    stats: { ...result.stats, findings: result.findings.length, ...verificationCounts(result.findings) },
    warnings: result.warnings,
    incomplete: result.incomplete,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
