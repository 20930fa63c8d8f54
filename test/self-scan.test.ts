/**
 * The project scans itself with its own bin and finds nothing. `scan .` picks up the project's own
 * .hubspot-secrets.json (node_modules ignored, fixtures/ allow-listed), as a user's scan would.
 */
import { describe, expect, it } from 'vitest';
import { ROOT, runBin } from './helpers/cli.js';

describe('self-scan', () => {
  it('finds no HubSpot credential in this repository', () => {
    const r = runBin(['scan', '.', '-f', 'json'], { cwd: ROOT });
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout);
    expect(doc.findings.map((f: { path: string; line: number }) => `${f.path}:${f.line}`)).toEqual([]);
    expect(r.code).toBe(0);
    expect(doc.stats.files).toBeGreaterThan(50);
    // The config was applied: node_modules is pruned as one ignored folder (not walked, so its
    // thousands of files are neither scanned nor counted one by one).
    expect(doc.stats.skippedBy.ignored).toBe(1);
    expect(doc.stats.files).toBeLessThan(1000);
  });
});
