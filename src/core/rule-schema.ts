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

let validate: ReturnType<Ajv['compile']> | undefined;

/** Every problem in one rule spec (schema and compile); empty when it is valid. */
export function checkRuleSpec(spec: unknown): RuleProblem[] {
  validate ??= new Ajv({ allErrors: true, strict: true }).compile(schema);
  if (!validate(spec)) {
    return (validate.errors ?? []).map((e) => ({
      path: e.instancePath || '/',
      message:
        e.keyword === 'additionalProperties'
          ? `unknown key "${(e.params as { additionalProperty: string }).additionalProperty}"`
          : (e.message ?? 'invalid'),
    }));
  }
  let compiled;
  try {
    compiled = compileRule(spec as RuleSpec);
  } catch (err) {
    if (err instanceof RuleCompileError) return [{ path: '/', message: err.message }];
    throw err;
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
  compiled.allow.forEach((re, i) => risky(re, `/allow/${i}`));
  return problems;
}
