/**
 * The hook managers the README documents, for real in temp repositories: the pre-commit framework
 * (our .pre-commit-hooks.yaml on a freshly built bundle), husky and lefthook (from devDependencies).
 * Each must block a commit that adds a credential and let a clean one through.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';
import { fakeAll } from './helpers/fake-tokens.js';
import { GIT_TEST_ENV, git, makeRepo, TestRepo } from './helpers/git.js';
import { tempDir } from './helpers/tmp.js';

const T = fakeAll('hook-frameworks');
const SNIPPET = 'npx --no -- hubspot-secrets hook run pre-commit'; // the README's command line

function run(cwd: string, cmd: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...GIT_TEST_ENV, ...env }, timeout: 120_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A project that has hubspot-secrets installed as a dependency (node_modules/.bin → a fresh bundle). */
function project(bundle: string): TestRepo {
  const repo = makeRepo();
  repo.write({ 'package.json': '{ "name": "app", "private": true }\n' });
  mkdirSync(path.join(repo.dir, 'node_modules/.bin'), { recursive: true });
  symlinkSync(path.join(bundle, 'dist/cli.js'), path.join(repo.dir, 'node_modules/.bin/hubspot-secrets'));
  repo.write({ '.gitignore': 'node_modules/\n' });
  repo.commit('init', { 'readme.md': 'hi\n' });
  return repo;
}

function expectBlocks(repo: TestRepo, env: Record<string, string> = {}) {
  repo.write({ 'app.env': `HUBSPOT_TOKEN=${T.pat}\n` });
  git(repo.dir, ['add', 'app.env']);
  const head = repo.head();
  const blocked = run(repo.dir, 'git', ['commit', '-m', 'leak'], env);
  expect(blocked.code, blocked.out).not.toBe(0);
  expect(blocked.out).toContain('app.env');
  expect(blocked.out).toContain('git commit --no-verify');
  expect(repo.head()).toBe(head);
  git(repo.dir, ['rm', '-q', '--cached', 'app.env']);
  repo.write({ 'ok.txt': 'fine\n' });
  git(repo.dir, ['add', 'ok.txt']);
  const ok = run(repo.dir, 'git', ['commit', '-m', 'clean'], env);
  expect(ok.code, ok.out).toBe(0);
}

let bundle: string;
beforeAll(() => {
  // A hook repository as users see it: the manifest plus the committed bundle, built fresh.
  bundle = path.join(tempDir('hs-hookrepo-'), 'hubspot-secrets');
  mkdirSync(bundle, { recursive: true });
  const b = run(ROOT, process.execPath, ['scripts/build.mjs', path.join(bundle, 'dist')]);
  if (b.code !== 0) throw new Error(b.out);
  copyFileSync(path.join(ROOT, '.pre-commit-hooks.yaml'), path.join(bundle, '.pre-commit-hooks.yaml'));
  copyFileSync(path.join(ROOT, 'package.json'), path.join(bundle, 'package.json'));
  const repo = makeRepo({ dir: bundle });
  git(bundle, ['add', '-A']);
  repo.commit('bundle');
}, 120_000);

const hasPreCommit = spawnSync('pre-commit', ['--version']).status === 0;

describe.runIf(hasPreCommit || process.env['CI'])('pre-commit framework (.pre-commit-hooks.yaml)', () => {
  it('pre-commit install + git commit: blocks a credential, passes a clean commit', () => {
    const repo = makeRepo();
    repo.commit('init', { 'readme.md': 'hi\n' });
    const rev = git(bundle, ['rev-parse', 'HEAD']).trim();
    writeFileSync(path.join(repo.dir, '.pre-commit-config.yaml'), `repos:\n  - repo: ${bundle}\n    rev: ${rev}\n    hooks:\n      - id: hubspot-secrets\n`);
    git(repo.dir, ['add', '.pre-commit-config.yaml']);
    const env = { PRE_COMMIT_HOME: tempDir('hs-pc-home-') };
    const inst = run(repo.dir, 'pre-commit', ['install'], env);
    expect(inst.code, inst.out).toBe(0);
    expectBlocks(repo, env);
  });
});

describe('husky', () => {
  it(`husky + .husky/pre-commit with \`${SNIPPET}\``, () => {
    const repo = project(bundle);
    const r = run(repo.dir, process.execPath, [path.join(ROOT, 'node_modules/husky/bin.js')]);
    expect(r.code, r.out).toBe(0);
    writeFileSync(path.join(repo.dir, '.husky/pre-commit'), `${SNIPPET}\n`);
    expectBlocks(repo);
    // hook install would write over husky's own script in .husky/_: refused (--force too), naming
    // the file to add the command to.
    const dispatcher = readFileSync(path.join(repo.dir, '.husky/_/pre-commit'), 'utf8');
    for (const force of [[], ['--force']]) {
      const i = run(repo.dir, process.execPath, [path.join(bundle, 'dist/cli.js'), 'hook', 'install', ...force]);
      expect(i.code, i.out).toBe(2);
      expect(i.out).toContain("this repository's hooks are husky's");
      expect(i.out).toContain(path.join(repo.dir, '.husky', 'pre-commit'));
      expect(readFileSync(path.join(repo.dir, '.husky/_/pre-commit'), 'utf8')).toBe(dispatcher);
    }
  });
});

describe('lefthook', () => {
  it('lefthook install + lefthook.yml running the README command', () => {
    const repo = project(bundle);
    writeFileSync(
      path.join(repo.dir, 'lefthook.yml'),
      `pre-commit:\n  commands:\n    hubspot-secrets:\n      run: ${SNIPPET}\n`,
    );
    const env = { PATH: `${path.join(ROOT, 'node_modules/.bin')}:${process.env['PATH']}` };
    const r = run(repo.dir, process.execPath, [path.join(ROOT, 'node_modules/lefthook/bin/index.js'), 'install'], env);
    expect(r.code, r.out).toBe(0);
    expectBlocks(repo, env);
  });
});
