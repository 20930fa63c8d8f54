/**
 * Config validation as a whole against schema/config.schema.json plus what a schema cannot say
 * (regexes compile, custom rules compile, rule ids exist); every problem is reported at once with its
 * JSON path, as one ConfigError (exit 2).
 */
import { Ajv, type ErrorObject } from 'ajv';
import configSchema from '../../schema/config.schema.json' with { type: 'json' };
import ruleSchema from '../../schema/rule.schema.json' with { type: 'json' };
import { backtrackProblem } from '../core/regex-shape.js';
import { regexSyntaxMessage } from '../core/rules.js';
import { checkRuleSpec, schemaErrorMessage } from '../core/rule-schema.js';
import type { RuleSpec } from '../core/types.js';
import { ConfigError } from '../errors.js';
import { BUILTIN_RULES } from '../rules/index.js';
import { globMatcher, normaliseGlob } from './globs.js';
import { parseUserJson } from './json.js';
import type { AllowRule, Config, ConfigProblem, RuleSetting } from './load.js';

/** The config as written (after validation). */
interface RawConfig {
  $schema?: string;
  ignore?: string[];
  allow?: (string | RawAllow)[];
  rules?: Record<string, RuleSetting>;
  customRules?: unknown[];
}

interface RawAllow {
  value?: string;
  regex?: string;
  flags?: string;
  path?: string | string[];
  rule?: string | string[];
  reason?: string;
}

let validate: ReturnType<Ajv['compile']> | undefined;

function schemaValidator(): ReturnType<Ajv['compile']> {
  if (!validate) {
    // strictRequired off: allowEntry's anyOf lists keys declared once in its properties.
    const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
    ajv.addSchema(ruleSchema);
    validate = ajv.compile(configSchema);
  }
  return validate;
}

const TYPE_WORDS: Record<string, string> = { array: 'an array', object: 'an object', string: 'a string' };

/**
 * Ajv's errors in words, one per problem: union branches (oneOf / anyOf) are folded so that an
 * object with an unknown key says so, instead of also saying it is not a string.
 */
export function formatSchemaErrors(errors: readonly ErrorObject[]): ConfigProblem[] {
  const at = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    const p = e.instancePath || '/';
    let list = at.get(p);
    if (!list) at.set(p, (list = []));
    list.push(e);
  }
  const paths = [...at.keys()];
  const out: ConfigProblem[] = [];
  for (const [p, list] of at) {
    const deeper = paths.some((q) => q !== p && q.startsWith(p === '/' ? '/' : `${p}/`));
    const specific = list.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf');
    const nonType = specific.filter((e) => e.keyword !== 'type');
    // A value of the right type for one branch: its own errors say what is wrong.
    const kept = nonType.length || deeper ? nonType : specific;
    const types = kept.filter((e) => e.keyword === 'type').map((e) => String((e.params as { type: string }).type));
    if (types.length) out.push({ path: p, message: `must be ${types.map((t) => TYPE_WORDS[t] ?? `a ${t}`).join(' or ')}` });
    const required = kept.filter((e) => e.keyword === 'required').map((e) => (e.params as { missingProperty: string }).missingProperty);
    if (required.length === 1) out.push({ path: p, message: `missing key "${required[0]}"` });
    if (required.length > 1) out.push({ path: p, message: `needs one of the keys ${required.map((r) => `"${r}"`).join(', ')}` });
    for (const e of kept) {
      if (e.keyword === 'type' || e.keyword === 'required') continue;
      if (e.keyword === 'additionalProperties') {
        out.push({ path: p, message: `unknown key "${(e.params as { additionalProperty: string }).additionalProperty}"` });
      } else if (e.keyword === 'enum') {
        const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
        out.push({ path: p, message: `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}` });
      } else if (e.keyword === 'const') {
        out.push({ path: p, message: `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}` });
      } else {
        out.push({ path: p, message: schemaErrorMessage(e) });
      }
    }
    if (!kept.length && !deeper) out.push({ path: p, message: list[0]?.message ?? 'invalid' });
  }
  return out;
}

function compileAllowRegex(source: string, flags: string | undefined, where: string, problems: ConfigProblem[]): RegExp | undefined {
  let re: RegExp;
  try {
    re = new RegExp(source, flags ?? '');
  } catch (err) {
    problems.push({ path: where, message: `invalid regular expression: ${regexSyntaxMessage(err)}` });
    return undefined;
  }
  // It runs on every secret found, and a pull request may bring its own config: a pattern that can
  // backtrack without end would stall every scan of it (as for custom rules' patterns).
  const message = backtrackProblem(re);
  if (message) {
    problems.push({ path: where, message });
    return undefined;
  }
  return re;
}

const asList = (v: string | string[] | undefined): string[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

/** Every problem in a parsed config document (schema, regexes, custom rules, rule ids). */
export function checkConfig(doc: unknown, builtinIds: readonly string[] = BUILTIN_RULES.map((r) => r.id)): ConfigProblem[] {
  const v = schemaValidator();
  const problems: ConfigProblem[] = [];
  if (!v(doc)) {
    // Custom rules are checked below by the rules' own validator (schema and compile, one report).
    const errors = (v.errors ?? []).filter((e) => !/^\/customRules\/\d+(\/|$)/.test(e.instancePath));
    problems.push(...formatSchemaErrors(errors));
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return problems;
  const cfg = doc as RawConfig;

  if (Array.isArray(cfg.allow)) {
    cfg.allow.forEach((a, i) => {
      if (typeof a === 'object' && a !== null && typeof a.regex === 'string') {
        const flagsOk = a.flags === undefined || (typeof a.flags === 'string' && /^[imsu]*$/.test(a.flags));
        compileAllowRegex(a.regex, flagsOk ? a.flags : undefined, `/allow/${i}/regex`, problems);
      }
    });
  }

  const known = new Set(builtinIds);
  if (Array.isArray(cfg.customRules)) {
    const seen = new Set<string>();
    cfg.customRules.forEach((spec, i) => {
      for (const p of checkRuleSpec(spec)) problems.push({ path: `/customRules/${i}${p.path === '/' ? '' : p.path}`, message: p.message });
      const id = (spec as { id?: unknown } | null)?.id;
      if (typeof id !== 'string') return;
      if (builtinIds.includes(id)) {
        problems.push({ path: `/customRules/${i}/id`, message: `"${id}" is a built-in rule; choose another id (turn the built-in off with rules."${id}": "off")` });
      } else if (seen.has(id)) {
        problems.push({ path: `/customRules/${i}/id`, message: `"${id}" is used by an earlier custom rule` });
      }
      seen.add(id);
      known.add(id);
    });
  }

  if (cfg.rules && typeof cfg.rules === 'object' && !Array.isArray(cfg.rules)) {
    for (const id of Object.keys(cfg.rules)) {
      if (!known.has(id)) problems.push({ path: `/rules/${pointerEscape(id)}`, message: `unknown rule "${id}" (see 'hubspot-secrets rules')` });
    }
  }
  // Globs and rule ids inside allow entries and ignore: a typo would never match, without a word.
  const globs = (list: unknown, at: string): void => {
    (Array.isArray(list) ? list : [list]).forEach((g, k) => {
      const where = Array.isArray(list) ? `${at}/${k}` : at;
      if (typeof g === 'string') for (const message of globProblems(g)) problems.push({ path: where, message });
    });
  };
  if (Array.isArray(cfg.ignore)) globs(cfg.ignore, '/ignore');
  if (Array.isArray(cfg.allow)) {
    cfg.allow.forEach((a, i) => {
      if (typeof a !== 'object' || a === null) return;
      if (a.path !== undefined) globs(a.path, `/allow/${i}/path`);
      const rules = a.rule === undefined ? [] : Array.isArray(a.rule) ? a.rule : [a.rule];
      rules.forEach((id, k) => {
        if (typeof id === 'string' && !known.has(id)) {
          problems.push({ path: `/allow/${i}/rule${Array.isArray(a.rule) ? `/${k}` : ''}`, message: `unknown rule "${id}" (see 'hubspot-secrets rules')` });
        }
      });
    });
  }
  return problems.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** What is wrong with a path glob: no name in it (slashes, `.`: it names no path), or a glob picomatch refuses. */
function globProblems(glob: string): string[] {
  const rest = normaliseGlob(glob).replace(/^\/+/, '');
  if (glob !== '' && (rest === '' || rest === '.' || rest === '/')) return [`${JSON.stringify(glob)} names no path (for every path: "**")`];
  // A leading `!` is picomatch's negation: `!config/prod.env` matched every other path, and with the
  // folders above a path matched too, the whole tree (found by a trial). .gitignore's re-inclusion is
  // not how these lists work: each one lists what it covers.
  if (rest.startsWith('!')) return [`${JSON.stringify(glob)}: a leading "!" (negation) is not supported; list only what the entry covers`];
  try {
    globMatcher([glob]);
    return [];
  } catch (err) {
    return [`not a usable glob: ${err instanceof Error ? err.message : String(err)}`];
  }
}

function pointerEscape(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** A validated document → Config. Call only after checkConfig found nothing. */
function buildConfig(cfg: RawConfig, file: string | null, baseDir: string): Config {
  const allow: AllowRule[] = (cfg.allow ?? []).map((a) => {
    if (typeof a === 'string') return { value: a };
    const paths = asList(a.path);
    const rules = asList(a.rule);
    return {
      ...(a.value !== undefined ? { value: a.value } : {}),
      ...(a.regex !== undefined ? { regex: new RegExp(a.regex, a.flags ?? '') } : {}),
      ...(paths ? { path: globMatcher(paths) } : {}),
      ...(rules ? { rules: new Set(rules) } : {}),
    };
  });
  return {
    file,
    baseDir,
    ignore: (cfg.ignore ?? []).map(normaliseGlob),
    allow,
    rules: new Map(Object.entries(cfg.rules ?? {})),
    customRules: (cfg.customRules ?? []) as RuleSpec[],
  };
}

/** Parse and validate config text; throws one ConfigError listing every problem. */
export function parseConfig(text: string, file: string, baseDir: string, shown = file): Config {
  const doc = parseUserJson(text, shown, 'not valid JSON');
  const problems = checkConfig(doc);
  if (problems.length) {
    const n = problems.length;
    throw new ConfigError(
      `${shown}: invalid config (${n} problem${n === 1 ? '' : 's'}):\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
    );
  }
  return buildConfig(doc as RawConfig, file, baseDir);
}


let baselineValidate: ReturnType<Ajv['compile']> | undefined;

/** Problems in a parsed baseline document (its schema lives beside the baseline code). */
export function baselineProblems(doc: unknown, schema: object): ConfigProblem[] {
  baselineValidate ??= new Ajv({ allErrors: true, strict: true }).compile(schema);
  return baselineValidate(doc) ? [] : formatSchemaErrors(baselineValidate.errors ?? []);
}
