/**
 * Every rule against its fixtures: each expected credential found at its line and column, nothing
 * else reported; recall and precision over the whole set at least 0.97.
 */
import { describe, expect, it } from 'vitest';
import { builtinRuleSet } from '../src/rules/index.js';
import { scan } from '../src/scan.js';
import type { SourceEvent } from '../src/sources/types.js';
import { loadFixtures } from './helpers/fixtures.js';

const ruleset = builtinRuleSet();
const fixtures = loadFixtures();

async function findingsFor(bytes: Buffer, path: string) {
  const events: SourceEvent[] = [{ kind: 'item', path, content: bytes }];
  const r = await scan(events, { ruleset });
  return r.findings;
}

describe('fixtures', () => {
  it('exist for every rule', () => {
    expect(fixtures.length).toBeGreaterThan(40);
  });

  for (const fx of fixtures) {
    it(`${fx.rel}`, async () => {
      const found = await findingsFor(fx.bytes, fx.rel);
      const got = found.map((f) => `${f.ruleId} ${f.line}:${f.column}`).sort();
      const want = fx.expected.map((e) => `${e.ruleId} ${e.line}:${e.column}`).sort();
      if (fx.kind === 'found') expect(want.length, 'a found/ fixture must expect something').toBeGreaterThan(0);
      else expect(want, 'clean/ fixtures expect nothing').toEqual([]);
      expect(got).toEqual(want);
    });
  }

  it('reach recall and precision of at least 0.97 over the whole set', async () => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const fx of fixtures) {
      const found = await findingsFor(fx.bytes, fx.rel);
      const want = new Set(fx.expected.map((e) => `${e.ruleId} ${e.line}:${e.column}`));
      for (const f of found) {
        const key = `${f.ruleId} ${f.line}:${f.column}`;
        if (want.delete(key)) tp++;
        else fp++;
      }
      fn += want.size;
    }
    const recall = tp / (tp + fn);
    const precision = tp / (tp + fp);
    expect(tp).toBeGreaterThan(50);
    expect(recall).toBeGreaterThanOrEqual(0.97);
    expect(precision).toBeGreaterThanOrEqual(0.97);
  });
});
