import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];

// Registered once, as this module loads with a test file: `afterAll` called from inside a test is
// not run (a repository made by a test's body was left in the temp folder, ~180 a suite run).
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temp dir removed after the file's tests, whether made while they are collected or while one runs. */
export function tempDir(prefix = 'hs-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}
