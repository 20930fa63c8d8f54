/** The project scans itself with its own bin and finds nothing (fixtures hold templates, not tokens). */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROOT, runBin } from './helpers/cli.js';

describe('self-scan', () => {
  it('finds no HubSpot credential in this repository', () => {
    const entries = readdirSync(ROOT).filter((e) => e !== 'node_modules' && e !== '.git');
    const r = runBin(['scan', ...entries, '-f', 'json'], { cwd: ROOT });
    const doc = JSON.parse(r.stdout);
    expect(doc.findings.map((f: { path: string; line: number }) => `${f.path}:${f.line}`)).toEqual([]);
    expect(r.code).toBe(0);
    expect(doc.stats.files).toBeGreaterThan(50);
  });
});
