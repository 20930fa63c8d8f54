/**
 * The built-in rules' pattern facts (gates, leading literals, reach), computed from the sources by
 * scripts/build.mjs and baked into the bundle, so no thread parses the patterns at start-up.
 */
import { ruleFacts } from '../src/core/rules.js';
import { BUILTIN_RULES } from '../src/rules/index.js';

export function builtinFacts(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of BUILTIN_RULES) {
    for (const [key, facts] of ruleFacts(spec)) {
      // JSON has no Infinity: an unbounded pattern is left to be analysed at run time.
      if (Number.isFinite(facts.reach.match) && Number.isFinite(facts.reach.look)) out[key] = facts;
    }
  }
  return out;
}
