/** Previews and fingerprints: what may leave the process instead of a secret. Pure. */
import { crypto } from '../builtin.js';
import type { CompiledRule } from './types.js';

/**
 * `pat-na1-…3c4d`: the rule's non-secret prefix (what its `previewPrefix` regex matches at the start),
 * an ellipsis, the last 4 characters. The prefix shown is at most a quarter of the secret (a custom
 * rule's `previewPrefix` such as `acme_hs_[0-9a-f]+` would otherwise show it whole: found by a trial),
 * and short values show less of their end: no preview holds more than about a third of a secret.
 */
export function redact(secret: string, rule?: CompiledRule): string {
  const prefix = (rule?.previewPrefix?.exec(secret)?.[0] ?? '').slice(0, Math.floor(secret.length / 4));
  const rest = secret.slice(prefix.length);
  const tail = rest.length >= 16 ? 4 : rest.length >= 8 ? 2 : 0;
  return `${prefix}…${tail ? rest.slice(-tail) : ''}`;
}

/**
 * Hash of rule, secret and path: stable when lines move. It cannot be reversed, but a secret with few
 * possible values can be found by hashing each (a custom rule's 4-digit PIN); the built-in rules'
 * secrets hold 100+ random bits, far beyond that (README, Baselines).
 */
export function fingerprint(ruleId: string, secret: string, path: string): string {
  return crypto().createHash('sha256').update(`${ruleId}\0${secret}\0${path}`).digest('hex').slice(0, 32);
}

/** Hash of a secret alone, for de-duplicating verification without keeping the secret as a key. */
export function secretHash(secret: string): string {
  return crypto().createHash('sha256').update(secret).digest('hex');
}

/**
 * Credential-shaped words of a message masked as previews: a UUID (alone, after a hublet, or in a
 * private app token) or a long base64url word starting with `C` (OAuth access tokens, CLI personal
 * access keys). For messages that quote what the user typed (`Unknown argument: pat-na1-…`, a path
 * that does not exist): a token pasted into the wrong place of a command line is not printed back.
 */
/** A UUID, or a hublet id's hex after its hublet: the body of HubSpot's token words. */
const TOKEN_BODY = '[0-9a-f]{4}(?:[0-9a-f]{4})?(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}(?![0-9a-z])';
const CREDENTIAL_WORDS = new RegExp(`(?<![0-9a-z])(?:(pat-[a-z]{2}\\d{1,2}-)|[a-z]{2}\\d{1,2}-)?${TOKEN_BODY}|(?<![0-9a-z_-])C[0-9a-z_-]{59,}`, 'gi');

export function maskCredentials(message: string): string {
  return message.replace(CREDENTIAL_WORDS, (word, pat: string | undefined) => (pat ? `${pat}${redact(word.slice(pat.length))}` : redact(word)));
}

/** Only HubSpot's own token words, each after its prefix (a private app token, a hublet id): a UUID alone is left. */
const HUBSPOT_WORDS = new RegExp(`(?<![0-9a-z])(pat-[a-z]{2}\\d{1,2}-|[a-z]{2}\\d{1,2}-)${TOKEN_BODY}`, 'gi');

/**
 * A file's path with HubSpot's own token words masked (`keys/pat-na1-…3c4d.env`). A UUID alone
 * names uploads and migrations far more often than it is a key, and a report must name the file.
 */
export function maskTokenNames(path: string): string {
  return path.includes('-') ? path.replace(HUBSPOT_WORDS, (word, prefix: string) => `${prefix}${redact(word.slice(prefix.length))}`) : path;
}
