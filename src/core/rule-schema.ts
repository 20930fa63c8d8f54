/**
 * Strict validation of rule specs against schema/rule.schema.json (unknown keys rejected), then a
 * compile of every pattern. Loaded only when rules come from outside the build (config, tests).
 */
import { Ajv } from 'ajv';
import schema from '../../schema/rule.schema.json' with { type: 'json' };
import { backtrackProblem } from './regex-shape.js';
import { compileRule, RuleCompileError } from './rules.js';
import type { RuleSpec } from './types.js';

export interface RuleProblem {
  /** JSON path of the problem inside the rule, e.g. `/patterns/0`. */
  path: string;
  message: string;
}

/** The schema's patterns for rule text, in words (ajv would quote the pattern). */
const PATTERN_WORDS: Record<string, string> = {
  '^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]+$': 'must be one line of text, without control characters (it is printed in reports)',
  '^https://[^\\s<>()\\[\\]|`\\u0000-\\u001f\\u007f-\\u009f]+$': 'must be an https:// link without spaces, brackets, `<`, `>`, `|`, backticks or control characters (it is printed in reports and the job summary)',
};

/** An ajv error of the rule schema in words: its patterns said as what they require. */
export function schemaErrorMessage(e: { keyword: string; params: unknown; message?: string | undefined }): string {
  if (e.keyword === 'additionalProperties') return `unknown key "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  if (e.keyword === 'pattern') return PATTERN_WORDS[(e.params as { pattern: string }).pattern] ?? e.message ?? 'invalid';
  return e.message ?? 'invalid';
}

let validate: ReturnType<Ajv['compile']> | undefined;

/** Every problem in one rule spec (schema and compile); empty when it is valid. */
export function checkRuleSpec(spec: unknown): RuleProblem[] {
  validate ??= new Ajv({ allErrors: true, strict: true }).compile(schema);
  if (!validate(spec)) {
    const problems = (validate.errors ?? []).map((e) => ({
      path: e.instancePath || '/',
      message: schemaErrorMessage(e),
    }));
    // Its patterns' own problems too, listed at once (not after the schema's are mended).
    const seen = new Set(problems.map((p) => `${p.path}\u0000${p.message}`));
    return [...problems, ...patternProblems(spec).filter((p) => !seen.has(`${p.path}\u0000${p.message}`))];
  }
  let compiled;
  try {
    compiled = compileRule(spec as RuleSpec);
  } catch (err) {
    if (!(err instanceof RuleCompileError)) throw err;
    // Every pattern's problem, not only the first one's.
    const each = patternProblems(spec);
    return each.length ? each : [{ path: '/', message: err.message }];
  }
  // A pull request may bring its own config: a pattern that can backtrack without end would stall
  // every scan of it, so such patterns are refused up front.
  const problems: RuleProblem[] = [];
  const risky = (re: RegExp, where: string): void => {
    const message = backtrackProblem(re);
    if (message) problems.push({ path: where, message });
  };
  compiled.patterns.forEach((re, i) => risky(re, `/patterns/${i}`));
  compiled.require.forEach((c, i) => risky(c.re, `/context/require/${i}/pattern`));
  compiled.forbid.forEach((c, i) => risky(c.re, `/context/forbid/${i}/pattern`));
  compiled.require.forEach((c, i) => c.gate && risky(c.gate, `/context/require/${i}/gate`));
  compiled.forbid.forEach((c, i) => c.gate && risky(c.gate, `/context/forbid/${i}/gate`));
  compiled.allow.forEach((re, i) => risky(re, `/allow/${i}`));
  return problems;
}

/** A spec that passes the schema, to compile one pattern of a rule on its own. */
const ONE: RuleSpec = {
  id: 'x',
  title: 'one pattern',
  description: 'one pattern',
  severity: 'high',
  keywords: [],
  patterns: [],
  priority: 1,
  verifier: null,
  remediation: { summary: 'one pattern', steps: ['one pattern'] },
  docs: 'https://example.invalid',
};

/**
 * Each pattern of a rule (valid or not as a whole) compiled on its own: whether it is a regular
 * expression with a `secret` group, and one that cannot backtrack without end. Worded as a whole
 * rule's compile is (`rule <id>: patterns[<i>] …`).
 */
function patternProblems(spec: unknown): RuleProblem[] {
  const s = (typeof spec === 'object' && spec !== null ? spec : {}) as Partial<Record<keyof RuleSpec, unknown>>;
  const id = typeof s.id === 'string' ? s.id : '?';
  const flags = typeof s.flags === 'string' && /^[imsu]*$/.test(s.flags) ? { flags: s.flags } : {};
  const keywords = Array.isArray(s.keywords) && s.keywords.every((k) => typeof k === 'string') ? (s.keywords as string[]) : [];
  const out: RuleProblem[] = [];
  (Array.isArray(s.patterns) ? s.patterns : []).forEach((p, i) => {
    if (typeof p !== 'string') return;
    try {
      const message = backtrackProblem(compileRule({ ...ONE, id, keywords, patterns: [p], ...flags }).patterns[0]!);
      if (message) out.push({ path: `/patterns/${i}`, message });
    } catch (err) {
      if (!(err instanceof RuleCompileError)) throw err;
      out.push({ path: '/', message: err.message.replace('patterns[0]', `patterns[${i}]`) });
    }
  });
  return out;
}
