/**
 * The GitHub Action, end to end: the real bundle (built into a temp dir) run as the runner runs it,
 * on real repositories (a bare "origin" and clones of it, made with the git binary).
 */
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startFakeHubSpot, type FakeHubSpot } from './helpers/fake-hubspot.js';
import { fakePrivateAppToken, Rng } from './helpers/fake-tokens.js';
import { sarifProblems } from './helpers/sarif.js';
import { tempDir } from './helpers/tmp.js';
import { annotations, buildAction, commit, git, repoState, runAction, ZERO, type ActionRun } from './helpers/action.js';

const tmp = tempDir('hs-action-');
const scratch = path.join(tmp, 'scratch');
let main = '';

// Fake credentials (generated: no token-shaped literal in the repository).
const rng = new Rng('action-test');
const OLD = fakePrivateAppToken(rng); // on main before the pull request
const PR1 = fakePrivateAppToken(rng); // added by the PR's first commit, removed by its last
const PR2 = fakePrivateAppToken(rng); // added by the PR's last commit
const ODD = fakePrivateAppToken(rng, 'eu1'); // added in the middle, in a file whose name needs escaping
const FORCED = fakePrivateAppToken(rng); // only in the commit a force push replaces the branch with
const MSG = fakePrivateAppToken(rng); // in a PR commit's message
const FORKED = fakePrivateAppToken(rng); // added by a pull request from a fork
const TAGGED = fakePrivateAppToken(rng); // in an annotated tag's message
const ALL = [OLD, PR1, PR2, ODD, FORCED, MSG, FORKED, TAGGED];
const ODD_NAME = 'conf/odd, name: 100%.env';

interface Repo {
  origin: string;
  main: string[];
  feature: string[];
}
let repo: Repo;

function makeOrigin(dir: string): Repo {
  const work = path.join(dir, 'work');
  git(dir, 'init', '-q', '-b', 'main', work);
  const c1 = commit(work, 'readme', { 'README.md': '# demo\n' });
  const c2 = commit(work, 'old config', { 'config/old.env': `# kept since forever\nHUBSPOT_TOKEN=${OLD}\n` });
  const c3 = commit(work, 'docs', { 'docs/guide.md': 'Use an environment variable for the token.\n' });
  git(work, 'checkout', '-q', '-b', 'feature');
  const f1 = commit(work, 'add app env', { 'app.env': `PORT=8080\nHUBSPOT_ACCESS_TOKEN=${PR1}\n` });
  const f2 = commit(work, `odd name\n\nused token ${MSG} for testing`, { [ODD_NAME]: `hubspot_token = "${ODD}"\n`, 'README.md': '# demo\n\nmore\n' });
  const f3 = commit(work, 'move token to settings', {
    'app.env': null,
    'src/settings.ts': `export const port = 8080;\n// HubSpot\nexport const token = '${PR2}';\n`,
  });
  const origin = path.join(dir, 'origin.git');
  git(dir, 'clone', '-q', '--bare', work, origin);
  return { origin, main: [c1, c2, c3], feature: [f1, f2, f3] };
}

let clones = 0;
/** A checkout like actions/checkout's: a clone of origin at `sha`, detached. */
function checkout(origin: string, sha: string, opts: { depth?: number; branch?: string; singleBranch?: boolean } = {}): string {
  const ws = path.join(tmp, `ws-${++clones}`);
  const args = ['clone', '-q', '--no-checkout'];
  if (opts.depth) args.push(`--depth=${opts.depth}`);
  if (opts.branch) args.push('--branch', opts.branch);
  if (opts.singleBranch) args.push('--single-branch');
  git(tmp, ...args, `file://${origin}`, ws);
  git(ws, 'checkout', '-q', '--detach', sha);
  return ws;
}

function prPayload(base: string, head: string) {
  return {
    action: 'synchronize',
    number: 7,
    pull_request: { number: 7, base: { ref: 'main', sha: base }, head: { ref: 'feature', sha: head } },
    repository: { full_name: 'acme/demo', default_branch: 'main' },
  };
}

function pushPayload(ref: string, before: string, after: string, extra: Record<string, unknown> = {}) {
  return { ref, before, after, created: before === ZERO, deleted: after === ZERO, forced: false, repository: { full_name: 'acme/demo', default_branch: 'main' }, ...extra };
}

/** The state the Action must leave alone (the SARIF file it was asked to write aside). */
function state(ws: string): string {
  return repoState(ws)
    .split('\n')
    .filter((l) => l !== '' && !l.endsWith('hubspot-secrets.sarif'))
    .join('\n');
}

async function run(ws: string, eventName: string, payload: unknown, inputs: Record<string, string> = {}, env: Record<string, string> = {}, fetchesRefs = false): Promise<ActionRun> {
  // An audit of a shallow checkout may add origin's branches and tags (as fetch-depth: 0 would); nothing else may change.
  const keep = (s: string) => (fetchesRefs ? s.split('\n').filter((l) => !/^refs\/(remotes|tags)\//.test(l)).join('\n') : s);
  const before = keep(state(ws));
  const r = await runAction({ main, workspace: ws, eventName, payload, inputs, scratch, env });
  expect(keep(state(ws)), 'the Action changed the checkout').toBe(before);
  return r;
}

function noLeak(r: ActionRun): void {
  for (const secret of ALL) expect(r.all.includes(secret), 'a raw secret appears in the output').toBe(false);
}

interface SarifDoc {
  runs: {
    results: {
      ruleId: string;
      partialFingerprints: Record<string, string>;
      locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
    }[];
  }[];
}

function sarifOf(r: ActionRun): SarifDoc {
  const doc = JSON.parse(readFileSync(r.outputs['sarif-file']!, 'utf8'));
  expect(sarifProblems(doc)).toEqual([]);
  return doc;
}

/** path:line of each annotation, sorted. */
function annotated(r: ActionRun): string[] {
  return annotations(r.stdout)
    .filter((a) => a.props['file'])
    .map((a) => `${a.props['file']}:${a.props['line']}`)
    .sort();
}

beforeAll(() => {
  main = buildAction(path.join(tmp, 'dist'));
  repo = makeOrigin(tmp);
}, 120_000);

describe('pull_request', () => {
  it('reports every secret the PR commits add, also one removed again, and none that predates the PR', async () => {
    const ws = checkout(repo.origin, repo.feature[2]!);
    const r = await run(ws, 'pull_request', prPayload(repo.main[2]!, repo.feature[2]!));
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(annotated(r)).toEqual(['app.env:2', `${ODD_NAME}:1`, 'src/settings.ts:3']);
    expect(r.stdout).not.toContain('config/old.env');
    // The annotation carries the exact span and a redacted preview; its properties are escaped.
    const a = annotations(r.stdout).find((x) => x.props['file'] === 'app.env')!;
    expect(a.props).toMatchObject({ line: '2', endLine: '2', col: '22', endColumn: String(22 + PR1.length) });
    expect(a.props['title']).toMatch(/HubSpot/);
    expect(a.message).toContain(PR1.slice(0, 8));
    expect(a.message).toContain(repo.feature[0]!.slice(0, 12));
    expect(r.stdout).toContain('file=conf/odd%2C name%3A 100%25.env,');
    const msg = annotations(r.stdout).filter((x) => x.message.includes('in its message'));
    expect(msg).toHaveLength(1);
    expect(msg[0]!.props['file']).toBeUndefined();
    expect(msg[0]!.message).toContain(repo.feature[1]!.slice(0, 12));
    expect(r.summary).toContain('&lt;commit message&gt;');
    expect(r.outputs).toMatchObject({ findings: '4', active: '0', 'sarif-file': path.join(ws, 'hubspot-secrets.sarif') });
    const results = sarifOf(r).runs[0]!.results;
    expect(results.map((x) => x.locations[0]!.physicalLocation.artifactLocation.uri).sort()).toEqual(['%3Ccommit%20message%3E', 'app.env', 'conf/odd%2C%20name%3A%20100%25.env', 'src/settings.ts']);
    expect(r.summary).toContain('| file | line | type | status | how to fix |');
    expect(r.summary).toMatch(/\| src\/settings\.ts \(commit [0-9a-f]{12}\) \| 3 \| HubSpot private app access token/);
    expect(r.summary).toContain('Rotate');
    expect(r.summary).toContain('4 HubSpot credentials found');
    expect(r.stdout).toMatch(/^::error::4 HubSpot credentials found/m);
    noLeak(r);
  });

  it('a pull request from a fork: the head commit is only under refs/pull/N/head, fetched by sha, no token needed', async () => {
    const origin = path.join(tmp, 'origin-fork.git');
    cpSync(repo.origin, origin, { recursive: true });
    const fork = path.join(tmp, 'fork-work');
    git(tmp, 'clone', '-q', '--branch', 'main', origin, fork);
    const forkHead = commit(fork, 'from a fork', { 'fork.env': `HUBSPOT_TOKEN=${FORKED}\n` });
    git(fork, 'push', '-q', 'origin', 'HEAD:refs/pull/9/head');
    const ws = checkout(origin, repo.main[2]!, { branch: 'main', singleBranch: true });
    expect(() => git(ws, 'cat-file', '-e', `${forkHead}^{commit}`)).toThrow();
    const payload = prPayload(repo.main[2]!, forkHead);
    (payload.pull_request.head as Record<string, unknown>)['repo'] = { full_name: 'someone/demo', fork: true };
    const r = await run(ws, 'pull_request', payload);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(annotated(r)).toEqual(['fork.env:1']);
    noLeak(r);
  });

  it('fail-on: never reports the same findings and passes', async () => {
    const ws = checkout(repo.origin, repo.feature[2]!);
    const r = await run(ws, 'pull_request', prPayload(repo.main[2]!, repo.feature[2]!), { 'fail-on': 'never' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(annotated(r)).toHaveLength(3);
    expect(r.outputs['findings']).toBe('4');
    expect(r.summary).toContain('Step passed (fail-on: never)');
    noLeak(r);
  });

  it('scan: files scans the checked-out files instead (the old secret included, the removed one not)', async () => {
    const ws = checkout(repo.origin, repo.feature[2]!);
    for (let i = 0; i < 3; i++) writeFileSync(path.join(ws, `clean-${i}.txt`), 'nothing here\n');
    const r = await run(ws, 'pull_request', prPayload(repo.main[2]!, repo.feature[2]!), { scan: 'files' });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(annotated(r)).toEqual([`${ODD_NAME}:1`, 'config/old.env:2', 'src/settings.ts:3']);
    // Every file counts, clean ones too (they come back from the scanning threads as counts only).
    expect(r.summary).toContain('Scanned the checked-out files (.): 8 items, 0 skipped.');
    sarifOf(r);
    noLeak(r);
    // A workspace that is itself a symbolic link (a runner set up so) is its real folder, not a link skipped.
    const link = path.join(tmp, `ws-link-${path.basename(ws)}`);
    symlinkSync(ws, link);
    const linked = await run(link, 'pull_request', prPayload(repo.main[2]!, repo.feature[2]!), { scan: 'files' });
    expect(linked.code, linked.stdout + linked.stderr).toBe(1);
    expect(annotated(linked)).toEqual([`${ODD_NAME}:1`, 'config/old.env:2', 'src/settings.ts:3']);
  });
});

describe('push', () => {
  it('scans before..after only', async () => {
    const ws = checkout(repo.origin, repo.feature[2]!);
    const r = await run(ws, 'push', pushPayload('refs/heads/feature', repo.feature[0]!, repo.feature[2]!));
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(annotated(r)).toEqual([`${ODD_NAME}:1`, 'src/settings.ts:3']);
    expect(r.outputs['findings']).toBe('3'); // and the secret in the message of the second commit
    sarifOf(r);
    noLeak(r);
  });

  it('passes on a clean push, with outputs, an empty SARIF run and a summary', async () => {
    const ws = checkout(repo.origin, repo.main[2]!);
    const r = await run(ws, 'push', pushPayload('refs/heads/main', repo.main[1]!, repo.main[2]!));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(annotations(r.stdout)).toEqual([]);
    expect(r.outputs).toMatchObject({ findings: '0', active: '0' });
    expect(sarifOf(r).runs[0]!.results).toEqual([]);
    expect(r.summary).toContain('No HubSpot credentials found');
  });

  it('a new branch: the commits not on the default branch', async () => {
    for (const singleBranch of [false, true]) {
      const ws = checkout(repo.origin, repo.feature[2]!, { branch: 'feature', singleBranch });
      const r = await run(ws, 'push', pushPayload('refs/heads/feature', ZERO, repo.feature[2]!));
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(annotated(r)).toEqual(['app.env:2', `${ODD_NAME}:1`, 'src/settings.ts:3']);
      noLeak(r);
    }
  });

  it("a pushed annotated tag: its message is scanned (whether the event names the tag object or its commit)", async () => {
    const origin = path.join(tmp, 'origin-tagged.git');
    cpSync(repo.origin, origin, { recursive: true });
    git(origin, '-c', 'user.name=Tagger', '-c', 'user.email=tagger@example.invalid', 'tag', '-a', 'v1.0', repo.main[2]!, '-m', `release\n\ndemo token ${TAGGED}`);
    const tagObject = git(origin, 'rev-parse', 'v1.0').trim();
    for (const after of [tagObject, repo.main[2]!]) {
      const ws = checkout(origin, repo.main[2]!);
      const r = await run(ws, 'push', pushPayload('refs/tags/v1.0', ZERO, after));
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.outputs['findings']).toBe('1');
      expect(annotations(r.stdout).map((a) => a.message).join('\n')).toContain('In the message of tag v1.0');
      noLeak(r);
    }
  });

  it('a deleted branch: nothing to scan, passes', async () => {
    const ws = checkout(repo.origin, repo.main[2]!);
    const r = await run(ws, 'push', pushPayload('refs/heads/gone', repo.feature[2]!, ZERO));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs['findings']).toBe('0');
  });

  describe('a force push', () => {
    let origin = '';
    let forcedTip = '';
    beforeAll(() => {
      // Copy origin, then replace feature with one new commit on main.
      origin = path.join(tmp, 'origin-forced.git');
      cpSync(repo.origin, origin, { recursive: true });
      const work = path.join(tmp, 'work-forced');
      git(tmp, 'clone', '-q', origin, work);
      git(work, 'checkout', '-q', '-b', 'rewrite', 'origin/main');
      forcedTip = commit(work, 'rewritten', { 'src/settings.ts': `// HubSpot\nexport const token = '${FORCED}';\n` });
      git(work, 'push', '-q', '--force', 'origin', 'rewrite:feature');
    });

    it('scans the commits the push added when the old tip can still be fetched', async () => {
      const ws = checkout(origin, forcedTip, { branch: 'feature' });
      const r = await run(ws, 'push', pushPayload('refs/heads/feature', repo.feature[2]!, forcedTip, { forced: true }));
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(annotated(r)).toEqual(['src/settings.ts:2']);
      noLeak(r);
    });

    it('falls back to the commits not on the default branch when the old tip is gone', async () => {
      git(origin, 'reflog', 'expire', '--expire=now', '--all');
      git(origin, 'gc', '-q', '--prune=now');
      const ws = checkout(origin, forcedTip, { branch: 'feature' });
      expect(() => git(ws, 'cat-file', '-e', `${repo.feature[2]}^{commit}`)).toThrow();
      const r = await run(ws, 'push', pushPayload('refs/heads/feature', repo.feature[2]!, forcedTip, { forced: true }));
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(annotated(r)).toEqual(['src/settings.ts:2']);
      expect(r.stdout).toContain('force push');
      noLeak(r);
    });
  });
});

describe('a shallow checkout', () => {
  it('is repaired by fetching the PR base and more history, then scans the whole PR', async () => {
    const ws = checkout(repo.origin, repo.feature[2]!, { depth: 1, branch: 'feature' });
    expect(git(ws, 'rev-parse', '--is-shallow-repository')).toBe('true');
    const r = await run(ws, 'pull_request', prPayload(repo.main[2]!, repo.feature[2]!));
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(annotated(r)).toEqual(['app.env:2', `${ODD_NAME}:1`, 'src/settings.ts:3']);
    expect(r.stdout).toMatch(/shallow/);
    noLeak(r);
  });

  it('fails closed, naming fetch-depth: 0, when the missing history cannot be fetched', async () => {
    const ws = checkout(repo.origin, repo.feature[2]!, { depth: 1, branch: 'feature' });
    git(ws, 'remote', 'set-url', 'origin', `file://${path.join(tmp, 'no-such-origin.git')}`);
    const r = await run(ws, 'pull_request', prPayload(repo.main[2]!, repo.feature[2]!));
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^::error::hubspot-secrets: .*fetch-depth: 0/m);
    expect(r.outputs['findings']).toBeUndefined();
    expect(r.summary).toContain('did not complete');
    expect(r.summary).toContain('fetch-depth: 0');
  });

  it('fails closed when the base is there but the PR commits below the boundary cannot be fetched', async () => {
    const ws = checkout(repo.origin, repo.feature[2]!, { depth: 1, branch: 'feature' });
    git(ws, 'fetch', '-q', '--depth=1', 'origin', repo.main[2]!);
    git(ws, 'remote', 'set-url', 'origin', `file://${path.join(tmp, 'no-such-origin.git')}`);
    const r = await run(ws, 'pull_request', prPayload(repo.main[2]!, repo.feature[2]!));
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^::error::hubspot-secrets: .*too shallow.*fetch-depth: 0/m);
  });
});

describe('schedule / workflow_dispatch: a full history audit', () => {
  const EVERY = ['app.env:2', `${ODD_NAME}:1`, 'config/old.env:2', 'src/settings.ts:3'];

  it('finds every secret on every branch, each at the commit and path that introduced it', async () => {
    const ws = checkout(repo.origin, repo.main[2]!);
    const r = await run(ws, 'schedule', { schedule: '0 3 * * 1' });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(annotated(r)).toEqual(EVERY);
    expect(r.outputs['findings']).toBe('5'); // and the one in a commit message
    const old = annotations(r.stdout).find((a) => a.props['file'] === 'config/old.env')!;
    expect(old.message).toContain(repo.main[1]!.slice(0, 12));
    expect(r.summary).toContain('the whole history');
    sarifOf(r);
    noLeak(r);
  });

  it('workflow_dispatch on a shallow checkout fetches the whole history first', async () => {
    const ws = checkout(repo.origin, repo.main[2]!, { depth: 1, branch: 'main' });
    const r = await run(ws, 'workflow_dispatch', { inputs: {} }, {}, {}, true);
    expect(git(ws, 'rev-parse', '--is-shallow-repository')).toBe('false');
    expect(git(ws, 'rev-parse', 'refs/remotes/origin/feature')).toBe(repo.feature[2]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(annotated(r)).toEqual(EVERY);
    noLeak(r);
  });

  it("honours the config's ignore globs on the introducing paths", async () => {
    const ws = checkout(repo.origin, repo.main[2]!);
    const config = path.join(tmp, 'hs-config', 'ignore-config.json');
    mkdirSync(path.dirname(config), { recursive: true });
    // `/*.env`: .env files at the top only (`*.env` would match at any depth, as in .gitignore).
    writeFileSync(config, JSON.stringify({ ignore: ['config/**', '/*.env'] }));
    const r = await run(ws, 'schedule', { schedule: '0 3 * * 1' }, { config });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(annotated(r)).toEqual([`${ODD_NAME}:1`, 'src/settings.ts:3']);
  });

  it('fails closed on a shallow checkout whose history cannot be fetched', async () => {
    const ws = checkout(repo.origin, repo.main[2]!, { depth: 1, branch: 'main' });
    git(ws, 'remote', 'set-url', 'origin', `file://${path.join(tmp, 'no-such-origin.git')}`);
    const r = await run(ws, 'schedule', { schedule: '0 3 * * 1' });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^::error::hubspot-secrets: the checkout is shallow.*fetch-depth: 0/m);
    expect(r.outputs['findings']).toBeUndefined();
  });
});

describe('verify', () => {
  let api: FakeHubSpot;
  beforeAll(async () => {
    api = await startFakeHubSpot();
    api.set(PR2, { kind: 'live', hubId: 4242, appId: 7, scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write'] });
    return () => api.close();
  });

  it('verify: true, fail-on: active: fails on the live credential only, and says which', async () => {
    api.reset();
    api.set(PR2, { kind: 'live', hubId: 4242, appId: 7, scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write'] });
    const ws = checkout(repo.origin, repo.feature[2]!);
    const r = await run(ws, 'pull_request', prPayload(repo.main[2]!, repo.feature[2]!), { verify: 'true', 'fail-on': 'active' }, { HUBSPOT_API_BASE_URL: api.url });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.outputs).toMatchObject({ findings: '4', active: '1' });
    const live = annotations(r.stdout).find((a) => a.props['file'] === 'src/settings.ts')!;
    expect(live.message).toContain('Verification: active, hub 4242');
    expect(r.summary).toMatch(/\| src\/settings\.ts .*\| active \|/);
    expect(r.summary).toMatch(/\| app\.env .*\| inactive \|/);
    // One request per unique token, none with a token in its URL (private app tokens go in the body).
    expect(api.requests).toHaveLength(4);
    for (const q of api.requests) expect(ALL.some((t) => q.url.includes(t))).toBe(false);
    noLeak(r);
  });

  it('fail-on: active passes when nothing found is live; without verify it is refused', async () => {
    api.reset();
    api.set(PR2, { kind: 'invalid' });
    const ws = checkout(repo.origin, repo.feature[2]!);
    const r = await run(ws, 'pull_request', prPayload(repo.main[2]!, repo.feature[2]!), { verify: 'true', 'fail-on': 'active' }, { HUBSPOT_API_BASE_URL: api.url });
    expect(r.code, r.stdout + r.stderr + r.summary).toBe(0);
    expect(r.outputs).toMatchObject({ findings: '4', active: '0' });
    const refused = await run(ws, 'pull_request', prPayload(repo.main[2]!, repo.feature[2]!), { 'fail-on': 'active' });
    expect(refused.code).toBe(2);
    expect(refused.stdout).toContain('fail-on: active needs verify: true');
  });

  it('says why a credential could not be told (unknown), in its annotation and the summary', async () => {
    api.reset();
    api.set(PR2, { kind: 'server-error', times: 10 });
    const ws = checkout(repo.origin, repo.feature[2]!);
    const r = await run(ws, 'pull_request', prPayload(repo.main[2]!, repo.feature[2]!), { verify: 'true' }, { HUBSPOT_API_BASE_URL: api.url });
    expect(r.code).toBe(1);
    const a = annotations(r.stdout).find((x) => x.props['file'] === 'src/settings.ts')!;
    expect(a.message).toMatch(/Verification: unknown \(.*HTTP 5\d\d.*\)\./);
    expect(r.summary).toMatch(/\| src\/settings\.ts .*\| unknown \(.*HTTP 5\d\d.*\) \|/);
    noLeak(r);
  });

  it('sends nothing without verify', async () => {
    api.reset();
    const ws = checkout(repo.origin, repo.feature[2]!);
    const r = await run(ws, 'pull_request', prPayload(repo.main[2]!, repo.feature[2]!), {}, { HUBSPOT_API_BASE_URL: api.url });
    expect(r.code).toBe(1);
    expect(api.requests).toEqual([]);
  });
});

describe('config and baseline', () => {
  it('config: its ignore globs apply to the commits scanned', async () => {
    const ws = checkout(repo.origin, repo.feature[2]!);
    const config = path.join(tmp, 'hs-config', '.hubspot-secrets.json');
    mkdirSync(path.dirname(config), { recursive: true });
    writeFileSync(config, JSON.stringify({ ignore: ['src/**'] }));
    const r = await run(ws, 'pull_request', prPayload(repo.main[2]!, repo.feature[2]!), { config });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(annotated(r)).toEqual(['app.env:2', `${ODD_NAME}:1`]);
  });

  it('a pull request that changes the config or the baseline is said to, in a warning: what it adds there can hide a secret', async () => {
    // A separate origin: a PR that adds a secret and a config ignoring the file that holds it.
    const dir = path.join(tmp, 'pr-config');
    mkdirSync(dir);
    const work = path.join(dir, 'work');
    git(dir, 'init', '-q', '-b', 'main', work);
    const base = commit(work, 'readme', { 'README.md': '# demo\n' });
    git(work, 'checkout', '-q', '-b', 'feature');
    const head = commit(work, 'settings', { 'leak.env': `HUBSPOT_TOKEN=${PR1}\n`, '.hubspot-secrets.json': JSON.stringify({ ignore: ['*.env'] }) });
    const origin = path.join(dir, 'origin.git');
    git(dir, 'clone', '-q', '--bare', work, origin);
    const ws = checkout(origin, head);
    const r = await run(ws, 'pull_request', prPayload(base, head));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^::warning::.*changes \.hubspot-secrets\.json, the settings this scan reads from the checkout/m);
    // The job summary says it too (it said only "1 skipped" and "Step passed"; found by a new-user trial).
    expect(r.summary).toMatch(/\*\*Review the settings too:\*\* this change edits \.hubspot-secrets\.json/);
    // Unchanged settings: no such warning.
    const clean = await run(checkout(repo.origin, repo.feature[2]!), 'pull_request', prPayload(repo.main[2]!, repo.feature[2]!));
    expect(clean.stdout).not.toContain('the settings this scan reads from the checkout');
    expect(clean.summary).not.toContain('Review the settings');
    noLeak(r);
    // Changed on the base branch only (after the PR branched): not the PR's change, no warning.
    git(work, 'checkout', '-q', 'main');
    const moved = commit(work, 'config on main', { '.hubspot-secrets.json': JSON.stringify({ ignore: ['docs/**'] }) });
    git(work, 'checkout', '-q', '-b', 'feature2', base);
    commit(work, 'link the config', { 'conf/hs.json': JSON.stringify({ ignore: [] }) });
    symlinkSync('conf/hs.json', path.join(work, '.hubspot-secrets.json'));
    git(work, 'add', '.hubspot-secrets.json');
    const linked = commit(work, 'link it', {});
    git(work, 'checkout', '-q', '-b', 'feature3', base);
    const plain = commit(work, 'a file', { 'a.txt': 'nothing here\n' });
    git(work, 'push', '-q', '--mirror', origin);
    const baseOnly = await run(checkout(origin, plain), 'pull_request', prPayload(moved, plain));
    expect(baseOnly.stdout).not.toContain('the settings this scan reads from the checkout');
    // A config that is a symbolic link: a change to the file it names counts.
    git(work, 'checkout', '-q', 'feature2');
    const edited = commit(work, 'edit the linked config', { 'conf/hs.json': JSON.stringify({ ignore: ['*.env'] }) });
    git(work, 'push', '-q', '--mirror', origin);
    const viaLink = await run(checkout(origin, edited), 'pull_request', prPayload(linked, edited));
    expect(viaLink.stdout).toMatch(/^::warning::.*changes conf\/hs\.json, the settings this scan reads/m);
  });

  it('a broken config fails closed, naming the file', async () => {
    const ws = checkout(repo.origin, repo.feature[2]!);
    const config = path.join(tmp, 'hs-config', 'broken.json');
    mkdirSync(path.dirname(config), { recursive: true });
    writeFileSync(config, JSON.stringify({ ignore: ['src/**'], unknownKey: true }));
    const r = await run(ws, 'pull_request', prPayload(repo.main[2]!, repo.feature[2]!), { config });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('broken.json');
  });

  it('baseline: a baselined finding is suppressed and counted as such', async () => {
    const ws = checkout(repo.origin, repo.feature[2]!);
    const first = await run(ws, 'pull_request', prPayload(repo.main[2]!, repo.feature[2]!), { 'fail-on': 'never' });
    const results = (JSON.parse(readFileSync(first.outputs['sarif-file']!, 'utf8')) as SarifDoc).runs[0]!.results;
    const settings = results.find((x) => x.locations[0]!.physicalLocation.artifactLocation.uri === 'src/settings.ts')!;
    const baseline = { version: 1, entries: [{ fingerprint: settings.partialFingerprints['hubspotSecrets/v1'], rule: settings.ruleId, path: 'src/settings.ts', line: 3 }] };
    writeFileSync(path.join(ws, 'accepted.json'), JSON.stringify(baseline));
    const r = await run(ws, 'pull_request', prPayload(repo.main[2]!, repo.feature[2]!), { baseline: 'accepted.json' });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(annotated(r)).toEqual(['app.env:2', `${ODD_NAME}:1`]);
    expect(r.outputs['findings']).toBe('3');
    expect(r.summary).toContain('1 suppressed');
  });
});

describe('bad input fails closed', () => {
  it('an unknown scan input', async () => {
    const ws = checkout(repo.origin, repo.main[2]!);
    const r = await run(ws, 'push', pushPayload('refs/heads/main', repo.main[1]!, repo.main[2]!), { scan: 'everything' });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("input scan: 'everything' is not one of auto, diff, history, files");
  });

  it('scan: diff on an event without a diff', async () => {
    const ws = checkout(repo.origin, repo.main[2]!);
    const r = await run(ws, 'schedule', { schedule: '0 3 * * 1' }, { scan: 'diff' });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('scan: diff needs a pull_request');
  });

  it('sarif-file: a symbolic link at its path (a pull request may commit one) is not followed, and a place outside the workspace is refused', async () => {
    const ws = checkout(repo.origin, repo.main[2]!);
    const victim = path.join(tmp, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, path.join(ws, 'hubspot-secrets.sarif'));
    const linked = await run(ws, 'push', pushPayload('refs/heads/main', repo.main[1]!, repo.main[2]!));
    expect(linked.code).toBe(2);
    expect(linked.stdout).toContain(`input sarif-file: cannot write ${path.join(ws, 'hubspot-secrets.sarif')}: it is a symbolic link (not followed)`);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    // A folder on the way that links out of the workspace.
    symlinkSync(tmp, path.join(ws, 'out'));
    const folder = await run(ws, 'push', pushPayload('refs/heads/main', repo.main[1]!, repo.main[2]!), { 'sarif-file': 'out/report.sarif' });
    expect(folder.code).toBe(2);
    expect(folder.stdout).toContain('a folder on its way is a symbolic link out of the workspace');
    expect(existsSync(path.join(tmp, 'report.sarif'))).toBe(false);
    // Nor is a folder made out there before it is refused.
    const deep = await run(ws, 'push', pushPayload('refs/heads/main', repo.main[1]!, repo.main[2]!), { 'sarif-file': 'out/new-deep/x.sarif' });
    expect(deep.code).toBe(2);
    expect(existsSync(path.join(tmp, 'new-deep'))).toBe(false);
    for (const [input, said] of [
      ['../outside.sarif', 'is not a file inside the workspace'],
      ['/proc/x.sarif', 'is not a file inside the workspace'],
      ['reports/', 'names a folder'],
      ['docs', 'names a folder'],
      ['reports/.', 'names a folder'],
    ] as const) {
      const r = await run(ws, 'push', pushPayload('refs/heads/main', repo.main[1]!, repo.main[2]!), { 'sarif-file': input });
      expect(r.code, input).toBe(2);
      expect(r.stdout, input).toContain(`input sarif-file: '${input}' ${said}`);
      expect(r.stdout, input).not.toContain('internal error');
    }
  });

  it('verify: true with an API base URL it could not use fails before the scan, findings or not', async () => {
    const ws = checkout(repo.origin, repo.main[2]!);
    const r = await run(ws, 'push', pushPayload('refs/heads/main', repo.main[2]!, repo.main[2]!), { verify: 'true' }, { HUBSPOT_API_BASE_URL: 'http://10.1.1.1' });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('HUBSPOT_API_BASE_URL: plain http is only allowed for loopback');
  });

  it('not a git repository', async () => {
    const ws = path.join(tmp, 'not-a-repo');
    mkdirSync(ws);
    const r = await runAction({ main, workspace: ws, eventName: 'pull_request', payload: prPayload(repo.main[2]!, repo.feature[2]!), scratch });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('is not a git repository');
  });

  it('input path naming a file in a diff scan is said to be a file (it said "not a git repository": found by a trial)', async () => {
    const ws = checkout(repo.origin, repo.main[2]!);
    writeFileSync(path.join(ws, 'deep.env'), 'x=1\n');
    const r = await runAction({ main, workspace: ws, eventName: 'pull_request', payload: prPayload(repo.main[2]!, repo.feature[2]!), inputs: { path: 'deep.env' }, scratch });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("input path: deep.env is a file; it names the repository's folder (or, with scan: files, the folder to scan)");
  });
});
