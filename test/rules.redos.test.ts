/** Every rule regex (patterns, context, allow, preview) is proven free of catastrophic backtracking. */
import { check } from 'recheck';
import { describe, expect, it } from 'vitest';
import { builtinRuleSet } from '../src/rules/index.js';

const regexes: { where: string; re: RegExp }[] = [];
for (const r of builtinRuleSet().rules) {
  r.patterns.forEach((re, i) => regexes.push({ where: `${r.id} patterns[${i}]`, re }));
  r.require.forEach((c, i) => regexes.push({ where: `${r.id} context.require[${i}]`, re: c.re }));
  r.forbid.forEach((c, i) => regexes.push({ where: `${r.id} context.forbid[${i}]`, re: c.re }));
  for (const [kind, list] of [['require', r.require], ['forbid', r.forbid]] as const) {
    list.forEach((c, i) => c.gate && regexes.push({ where: `${r.id} context.${kind}[${i}].gate`, re: c.gate }));
  }
  r.allow.forEach((re, i) => regexes.push({ where: `${r.id} allow[${i}]`, re }));
  if (r.previewPrefix) regexes.push({ where: `${r.id} previewPrefix`, re: r.previewPrefix });
}

describe('ReDoS', () => {
  for (const { where, re } of regexes) {
    it(`${where} is safe`, async () => {
      // recheck does not know the `d` flag; it does not change matching. Its fuzzer models a plain
      // backtracking engine and, within a time budget, can take a pattern with lookbehinds for
      // polynomial that V8 runs in linear time (the SMTP pattern: 'RABBIT' + 'PWDT' x 27k, 14 ms in
      // V8 and twice that for twice the length), more often on a loaded machine. Each attack string it
      // finds is run on V8 (recallTimeout) before it counts: one V8 matches within the time is refuted.
      // The SMTP pattern's analysis takes ~20 s on an idle machine and passed 40 s under the whole
      // suite's load in CI (an 'unknown', not a finding): the budget leaves room for that. The fuzzer's
      // seed is fixed: with a random one the same pattern took 11 to 44 s from run to run (session 19).
      // recheck's own fuzzing still finds what it finds; the seed only makes each run the same run.
      const diag = await check(re.source, re.flags.replace('d', ''), { timeout: 80_000, recallTimeout: 2_000, randomSeed: 20261124 });
      expect(diag.status, diag.status === 'vulnerable' ? `${diag.complexity.type} backtracking, attack: ${diag.attack.pattern}` : diag.status).toBe('safe');
    }, 120_000);
  }
});
