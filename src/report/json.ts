/** JSON report: a stable contract (version 1), documented in the README. */
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import type { ReportInput } from './types.js';

export function jsonReport(input: ReportInput): string {
  const { result } = input;
  const doc = {
    version: 1,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    findings: result.findings,
    ...(input.showSuppressed ? { suppressed: result.suppressed } : {}),
    stats: { ...result.stats, findings: result.findings.length },
    warnings: result.warnings,
    incomplete: result.incomplete,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
