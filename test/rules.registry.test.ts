/** Every rule file is registered, valid, documented, and has fixtures of both kinds; every fixture belongs to a rule. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRuleSpec } from '../src/core/rule-schema.js';
import { compileRules, MACROS, expandMacros } from '../src/core/rules.js';
import { BUILTIN_RULES, builtinRuleSet } from '../src/rules/index.js';
import { VALIDATORS } from '../src/core/validators.js';
import { windowKey } from '../src/core/prefilter.js';
import { ROOT } from './helpers/cli.js';
import { FIXTURES_DIR } from './helpers/fixtures.js';

const ruleFiles = readdirSync(path.join(ROOT, 'rules')).filter((f) => f.endsWith('.json'));

describe('rule registry', () => {
  it('registers every file under rules/ exactly once, by file name', () => {
    const ids = BUILTIN_RULES.map((r) => r.id).sort();
    expect(ids).toEqual(ruleFiles.map((f) => f.replace(/\.json$/, '')).sort());
    expect(new Set(ids).size).toBe(ids.length);
  });

  for (const file of ruleFiles) {
    describe(file, () => {
      const spec = JSON.parse(readFileSync(path.join(ROOT, 'rules', file), 'utf8'));
      it('validates against schema/rule.schema.json and compiles', () => {
        expect(checkRuleSpec(spec)).toEqual([]);
      });
      it('has remediation steps and an https docs link', () => {
        expect(spec.remediation.steps.length).toBeGreaterThan(0);
        expect(spec.docs).toMatch(/^https:\/\//);
      });
      it('has found/ and clean/ fixtures', () => {
        for (const kind of ['found', 'clean']) {
          const dir = path.join(FIXTURES_DIR, spec.id, kind);
          expect(readdirSync(dir).length, `${spec.id}/${kind}`).toBeGreaterThan(0);
        }
      });
      it('names only known validators and a verifier or null', () => {
        for (const v of spec.validators ?? []) expect(Object.keys(VALIDATORS)).toContain(v);
        expect(spec.verifier === null || typeof spec.verifier === 'string').toBe(true);
      });
    });
  }

  it('every built-in pattern starts where its literals are, or runs only in the small windows of its shape (the scan speed depends on it)', () => {
    for (const rule of builtinRuleSet().rules) {
      rule.patterns.forEach((re, i) => {
        const gate = rule.gates[i];
        const small = gate !== null && gate !== undefined && windowKey(gate).before <= 32;
        expect(rule.leads[i] !== null || small, `${rule.id} patterns[${i}] (${re.source.slice(0, 60)}…): no leading literals, and a window reach of ${gate ? windowKey(gate).before : 'the whole text'}`).toBe(true);
      });
    }
  });

  it('has no fixture folder without a rule', () => {
    const ids = new Set(BUILTIN_RULES.map((r) => r.id));
    const dirs = readdirSync(FIXTURES_DIR).filter((d) => statSync(path.join(FIXTURES_DIR, d)).isDirectory());
    for (const d of dirs) expect(ids.has(d), `fixtures/${d} has no rule`).toBe(true);
  });

  it('rejects unknown keys, bad regexes, missing secret groups and unknown macros, saying where', () => {
    const base = structuredClone(BUILTIN_RULES[0]!) as unknown as Record<string, unknown>;
    expect(checkRuleSpec({ ...base, colour: 'red' })).toEqual([{ path: '/', message: 'unknown key "colour"' }]);
    expect(checkRuleSpec({ ...base, severity: 'urgent' })[0]!.path).toBe('/severity');
    expect(checkRuleSpec({ ...base, patterns: ['(unclosed'] })[0]!.message).toMatch(/patterns\[0\] is not a valid regular expression/);
    expect(checkRuleSpec({ ...base, patterns: ['pat-\\w+'] })[0]!.message).toMatch(/no named group/);
    expect(checkRuleSpec({ ...base, patterns: ['{{nope}}(?<secret>x)'] })[0]!.message).toMatch(/unknown macro/);
    expect(checkRuleSpec({ ...base, validators: ['astrology'] })[0]!.message).toMatch(/unknown validator/);
  });

  it('compiles once and exposes every keyword in lower case', () => {
    const rs = builtinRuleSet();
    expect(builtinRuleSet()).toBe(rs);
    for (const k of rs.keywords) expect(k).toBe(k.toLowerCase());
    expect(compileRules(BUILTIN_RULES).rules.length).toBe(BUILTIN_RULES.length);
  });

  it('expands every macro into a valid regex', () => {
    for (const name of Object.keys(MACROS)) expect(() => new RegExp(expandMacros(`{{${name}}}`))).not.toThrow();
  });
});
