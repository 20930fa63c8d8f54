/**
 * The config file (.hubspot-secrets.json): found at the scan root or a folder above it up to the
 * repository root, or named with --config. Parsing and validation (ajv) live in parse.ts and are
 * loaded only when there is a file to check, so a scan without a config never pays for them.
 */
import { readUserFile } from './json.js';
import path from 'node:path';
import type { RuleSpec, Severity } from '../core/types.js';
import { ConfigError } from '../errors.js';
import { findUp } from './find.js';

export const CONFIG_FILE = '.hubspot-secrets.json';

export type RuleSetting = 'off' | Severity;

/** One `allow` entry, compiled. All given conditions must hold. */
export interface AllowRule {
  value?: string;
  regex?: RegExp;
  /** Paths relative to the config's base folder. */
  path?: (rel: string) => boolean;
  rules?: ReadonlySet<string>;
}

export interface Config {
  /** Absolute path of the file read, or null when there is none (defaults). */
  file: string | null;
  /** Globs (ignore, allow.path) are relative to this folder. */
  baseDir: string;
  /** Normalised ignore globs. */
  ignore: string[];
  allow: AllowRule[];
  rules: ReadonlyMap<string, RuleSetting>;
  customRules: RuleSpec[];
}

export interface ConfigProblem {
  /** JSON pointer into the config, `/` for the whole document. */
  path: string;
  message: string;
}

export function emptyConfig(baseDir: string): Config {
  return { file: null, baseDir, ignore: [], allow: [], rules: new Map(), customRules: [] };
}

/** How a file is named in messages: relative to cwd when inside it. */
export function displayPath(file: string, cwd: string): string {
  const r = path.relative(cwd, file);
  return r && !r.startsWith('..') && !path.isAbsolute(r) ? r.split(path.sep).join('/') : file;
}

export interface LoadConfigOptions {
  /** The scan root: where the search starts, and the base of globs for --config. */
  root: string;
  /** --config FILE (relative to cwd). */
  /** --config as given; false: --no-config (no config file at all). */
  configPath?: string | false;
  /** For resolving --config and naming files in messages; default root. */
  cwd?: string;
}

/**
 * The config for a scan: --config FILE, else `.hubspot-secrets.json` in the root or a folder above
 * it up to the repository root, else defaults. A file that exists but cannot be read or is invalid
 * is an error, never "no config".
 */
export async function loadConfig(opts: LoadConfigOptions): Promise<Config> {
  const cwd = opts.cwd ?? opts.root;
  const root = path.resolve(cwd, opts.root);
  let file: string | null;
  let baseDir: string;
  // --no-config (yargs gives false for a negated string option): not even the config found by default.
  if (opts.configPath === false) return emptyConfig(root);
  if (opts.configPath !== undefined) {
    if (opts.configPath === '') throw new ConfigError('--config needs a file name');
    file = path.resolve(cwd, opts.configPath);
    baseDir = root;
  } else {
    file = await findUp(root, CONFIG_FILE);
    if (!file) return emptyConfig(root);
    baseDir = path.dirname(file);
  }
  const shown = displayPath(file, cwd);
  const text = await readUserFile(file, shown, 'config');
  const { parseConfig } = await import('./parse.js');
  return parseConfig(text, file, baseDir, shown);
}
