/**
 * The built-in rules: the JSON files under rules/, bundled into the build. A registry test checks
 * that every file under rules/ is listed here, validates against schema/rule.schema.json, and has
 * fixtures.
 */
import { compileRules } from '../core/rules.js';
import type { RuleSet, RuleSpec } from '../core/types.js';
import developerApiKey from '../../rules/hubspot-developer-api-key.json' with { type: 'json' };
import legacyApiKey from '../../rules/hubspot-legacy-api-key.json' with { type: 'json' };
import oauthAccessToken from '../../rules/hubspot-oauth-access-token.json' with { type: 'json' };
import oauthClientSecret from '../../rules/hubspot-oauth-client-secret.json' with { type: 'json' };
import oauthRefreshToken from '../../rules/hubspot-oauth-refresh-token.json' with { type: 'json' };
import personalAccessKey from '../../rules/hubspot-personal-access-key.json' with { type: 'json' };
import privateAppToken from '../../rules/hubspot-private-app-token.json' with { type: 'json' };
import smtpCredential from '../../rules/hubspot-smtp-credential.json' with { type: 'json' };

export const BUILTIN_RULES: readonly RuleSpec[] = [
  privateAppToken,
  personalAccessKey,
  oauthAccessToken,
  oauthClientSecret,
  developerApiKey,
  oauthRefreshToken,
  legacyApiKey,
  smtpCredential,
] as RuleSpec[];

let cached: RuleSet | undefined;

/** The built-in rules, compiled once per process. */
export function builtinRuleSet(): RuleSet {
  return (cached ??= compileRules(BUILTIN_RULES));
}
