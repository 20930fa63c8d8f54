/**
 * Where secrets may be sent: the HubSpot API base URL, `https://api.hubapi.com` unless the user names
 * another one (`--api-base-url` / `HUBSPOT_API_BASE_URL`, for proxies and tests). Plain `http` only
 * for loopback, so that a typo cannot send tokens over the network in clear text. Cheap on purpose:
 * the CLI checks the URL before a long scan starts, without loading the verifiers.
 */
import { ConfigError, UsageError } from '../errors.js';

export const DEFAULT_API_BASE_URL = 'https://api.hubapi.com';
export const API_BASE_URL_ENV = 'HUBSPOT_API_BASE_URL';

/** True for `localhost`, 127.0.0.0/8 and `::1`. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * The base URL to use: the flag, else the environment variable, else the default. Throws a UsageError (the flag) or ConfigError (the variable)
 * naming where a bad value came from. The result never ends with `/`.
 */
export function resolveApiBaseUrl(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  const fromFlag = flag !== undefined && flag !== '';
  const envValue = env[API_BASE_URL_ENV];
  const raw = fromFlag ? flag : envValue !== undefined && envValue !== '' ? envValue : DEFAULT_API_BASE_URL;
  const where = fromFlag ? '--api-base-url' : raw === DEFAULT_API_BASE_URL ? 'the default API base URL' : API_BASE_URL_ENV;
  // A bad flag is a usage error (with the usage hint); a bad environment variable is not.
  const Bad = fromFlag ? UsageError : ConfigError;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Bad(`${where}: not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Bad(`${where}: only https URLs are allowed (got ${url.protocol})`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new Bad(`${where}: plain http is only allowed for loopback (localhost, 127.0.0.1, ::1); use https for ${url.host}`);
  }
  if (url.username || url.password) throw new Bad(`${where}: must not contain credentials`);
  if (url.search || url.hash) throw new Bad(`${where}: must not contain a query or fragment`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
