/**
 * `hubspot-secrets verify <token>` / `verify -` (token from standard input, so it stays out of shell
 * history): which credential type it is (the detection core decides, or --type), whether it still
 * works, and what it can do. Prints a redacted preview only, never the token.
 */
import type { Argv } from 'yargs';
import { detect } from '../../core/detect.js';
import { redact } from '../../core/redact.js';
import type { CompiledRule, RuleSet, Verification } from '../../core/types.js';
import { InputError, UsageError } from '../../errors.js';
import { builtinRuleSet } from '../../rules/index.js';
import { DASH, useColor, type Io } from '../io.js';
import { apiSettings, withApiOptions, type ApiArgs } from '../verify-options.js';

export interface VerifyCommandArgs extends ApiArgs {
  token: string;
  type?: string;
  format: 'text' | 'json';
  quiet: boolean;
}

/** Exit codes of `verify`: 1 live, 0 dead, 2 could not tell (or bad input). */
export const VerifyExit = { Active: 1, Inactive: 0, Undetermined: 2 } as const;

const MAX_TOKEN_CHARS = 2000;

async function readToken(args: VerifyCommandArgs, io: Io): Promise<string> {
  let token = args.token;
  if (token === DASH) {
    const chunks: Buffer[] = [];
    for await (const c of io.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
    token = Buffer.concat(chunks).toString('utf8');
  }
  token = String(token).trim();
  if (token === '') throw new UsageError('verify: no token given (pass it as an argument, or - to read it from standard input)');
  if (/\s/.test(token)) throw new UsageError('verify: expected exactly one token (it contains whitespace)');
  if (token.length > MAX_TOKEN_CHARS) throw new UsageError(`verify: the token is longer than ${MAX_TOKEN_CHARS} characters`);
  return token;
}

/**
 * How the core is asked, in order: the bare value (private app tokens, refresh tokens, personal access
 * keys are recognisable alone), then as an access token assignment for OAuth access tokens only
 * (their rule needs context). Anything else (a bare UUID: legacy key, client secret or old developer
 * key?) cannot be told from the value: the user names it with --type.
 */
const CONTEXTS: readonly { wrap: (t: string) => string; only?: string }[] = [
  { wrap: (t) => t },
  { wrap: (t) => `HUBSPOT_ACCESS_TOKEN=${t}`, only: 'hubspot-oauth-access-token' },
];

/** The rule the detection core finds for the token alone (see CONTEXTS); undefined when none or several. */
function recognize(token: string, ruleset: RuleSet): CompiledRule | undefined {
  for (const { wrap, only } of CONTEXTS) {
    const matches = detect({ text: wrap(token), path: 'token' }, ruleset).filter((m) => m.secret === token && (!only || m.ruleId === only));
    const ids = new Set(matches.map((m) => m.ruleId));
    if (ids.size === 1) return ruleset.byId.get([...ids][0]!)!;
  }
  return undefined;
}

/**
 * Whether one of the rule's own patterns gives the whole token as its secret, alone or after one of
 * the rule's keywords (`hapikey=<uuid>`): a developer key has a refresh token's shape, and is one.
 */
function fits(rule: CompiledRule, token: string): boolean {
  const texts = [token, ...rule.keywords.map((k) => `${k}=${token}`)];
  for (const re of rule.patterns) {
    const once = new RegExp(re.source, re.flags.replace(/[gy]/g, ''));
    if (texts.some((t) => once.exec(t)?.groups?.['secret'] === token)) return true;
  }
  return false;
}

/**
 * The rule a token belongs to: --type (a verifier name or a rule id), else what the core finds. A
 * --type that contradicts what the token plainly is (a private app token named a refresh token: none
 * of the named rule's patterns gives it) is refused before anything is sent: its endpoint would
 * answer "no such token", which reads as "inactive" for a live credential, and would get the token
 * in its URL.
 */
export function identify(token: string, ruleset: RuleSet, type?: string): CompiledRule {
  if (type !== undefined) {
    const rule = ruleset.byId.get(type) ?? ruleset.rules.find((r) => r.spec.verifier === type);
    if (!rule) {
      const names = [...new Set(ruleset.rules.map((r) => r.spec.verifier).filter((v): v is string => v !== null))];
      throw new UsageError(`--type: unknown credential type ${JSON.stringify(type)}; use a rule id or one of: ${names.join(', ')}`);
    }
    const seen = recognize(token, ruleset);
    if (seen && seen.id !== rule.id && !fits(rule, token)) {
      throw new UsageError(`--type ${type}: the token is a ${seen.spec.title} (${seen.id}), not a ${rule.spec.title}; nothing was sent. Leave out --type, or check which token this is`);
    }
    return rule;
  }
  const seen = recognize(token, ruleset);
  if (seen) return seen;
  throw new InputError(
    'verify: not recognised as a HubSpot credential; if it is one, name its type with --type (for example --type legacy-api-key)',
  );
}

function exitFor(v: Verification): number {
  if (v.status === 'active') return VerifyExit.Active;
  if (v.status === 'inactive') return VerifyExit.Inactive;
  return VerifyExit.Undetermined;
}

function textOutput(rule: CompiledRule, preview: string, v: Verification, color: boolean): string {
  const paint = (code: number, s: string): string => (color ? `\u001b[${code}m${s}\u001b[39m` : s);
  const status =
    v.status === 'active'
      ? paint(31, 'ACTIVE — a live credential: rotate it now')
      : v.status === 'inactive'
        ? paint(32, 'inactive — no longer works')
        : paint(33, v.status);
  const lines = [`${preview}  ${rule.spec.title} (${rule.id})`, `status:  ${status}${v.reason ? ` (${v.reason})` : ''}`];
  const who: string[] = [];
  if (v.hubId !== undefined) who.push(`hub ${v.hubId}${v.hubDomain ? ` (${v.hubDomain})` : ''}`);
  if (v.appId !== undefined) who.push(`app ${v.appId}`);
  if (v.userId !== undefined || v.user) who.push(`user ${v.user ?? v.userId}`);
  if (v.clientId) who.push(`client id ${v.clientId}`);
  if (who.length) lines.push(`account: ${who.join(', ')}`);
  if (v.expiresIn !== undefined) lines.push(`expires: in ${v.expiresIn} s`);
  if (v.scopes) lines.push(`scopes:  ${v.scopes.length ? v.scopes.join(', ') : '(none)'}`);
  if (v.broadScopes?.length) lines.push(paint(33, `over-broad: ${v.broadScopes.join(', ')} — give the replacement only the scopes it needs`));
  if (v.status === 'active') lines.push('', `How to fix: ${rule.spec.remediation.summary}`, ...rule.spec.remediation.steps.map((s, i) => `  ${i + 1}. ${s}`));
  return `${lines.join('\n')}\n`;
}

export const verifyCommand = {
  command: 'verify <token>',
  describe: 'Check whether one HubSpot credential still works (- reads it from standard input)',
  builder: (y: Argv) =>
    withApiOptions(y)
      .positional('token', { type: 'string', describe: 'The credential, or - to read it from standard input (keeps it out of shell history)' })
      .option('type', { type: 'string', describe: 'Credential type when it cannot be told from the value (a rule id or verifier name)' })
      .option('format', { alias: 'f', choices: ['text', 'json'] as const, default: 'text' as const, requiresArg: true, describe: 'Output format' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No hints on standard error' })
      .example('printenv HUBSPOT_ACCESS_TOKEN | $0 verify -', 'Check a token without putting it in shell history')
      .epilogue('Exit codes: 1 active (live), 0 inactive, 2 could not tell (unknown, not checkable) or bad input.'),

  async run(args: VerifyCommandArgs, io: Io): Promise<number> {
    const fromArgv = args.token !== DASH;
    const token = await readToken(args, io);
    const ruleset = builtinRuleSet();
    const rule = identify(token, ruleset, args.type);
    const settings = apiSettings(args, io);
    if (fromArgv && !args.quiet) {
      io.stderr.write('note: a token on the command line stays in shell history; prefer `hubspot-secrets verify -` with the token on standard input\n');
    }
    const { VerifySession } = await import('../../verify/index.js');
    const v = await new VerifySession({ ...settings, signal: io.signal }).verify(rule.spec.verifier, token);
    const preview = redact(token, rule);
    if (args.format === 'json') {
      io.stdout.write(`${JSON.stringify({ ruleId: rule.id, title: rule.spec.title, secret: preview, verification: v }, null, 2)}\n`);
    } else {
      io.stdout.write(textOutput(rule, preview, v, useColor(io)));
    }
    return exitFor(v);
  },
};
