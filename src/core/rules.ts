/**
 * Compiles rule specs (rules/*.json, custom rules from a config) into a RuleSet.
 * Pure: no I/O. Schema validation lives in rule-schema.ts so the hot path never loads ajv.
 */
import { MIN_RUN, type Gate } from './prefilter.js';
import { impliesKeyword, leadingLiterals, leadingPart, maxLengthBefore, regexReach } from './regex-shape.js';
import type { CompiledContext, CompiledRule, ContextSpec, Lead, RuleSet, RuleSpec } from './types.js';
import { VALIDATORS } from './validators.js';

/**
 * Macros usable in `patterns` (and context patterns) as `{{name}}`. They keep rules readable and
 * make every rule agree on what a UUID, a hublet or an assignment looks like.
 */
/**
 * A PHP-serialized string's quote as a file holds it: as it is, escaped once (an SQL dump's string) or
 * doubled (a CSV cell).
 */
const PHP_QUOTE = '(?:""|\\\\?")';

/** An HTML-escaped quote: `&quot;`, `&apos;`, `&#39;`, `&#x27;` (Jinja, Django and Pygments escape `'` so). */
const HTML_QUOTE = '&(?:quot|apos|#0?3[49]|#x2[27]);';
/**
 * A note after a key's name: in brackets (`API key (staging): …`), or, before a colon or `=` only,
 * in square brackets (`API key [staging]: …`), after a dash (`API key - prod: …`), as a few words
 * after `for` / `in` (`API key for prod: …`, `client secret for the prod app = …`) or two words or
 * more after a comma (`API key, new one: …`; one word is a list in code: `{ apiKey, requestId: … }`).
 * Not a note ending in what names another value (`API key - item id: …`, `[request id]`: NOT_AN_ID). At most 30
 * characters, whichever: a pattern's reach before its secret decides its windows (rules.ts
 * patternGate), and the longest are 2 characters short of the next size (a test checks them).
 */
const NOT_AN_ID = '(?<!(?<![a-z])(?:ids?|names?|uuids?|guids?|refs?|numbers?|items?|entry|entries|tickets?)[ \\t]{0,4})';
const NOTE_END = NOT_AN_ID + '(?=[*_]{0,2}[ \\t]{0,4}[:=])';
const NAME_NOTE =
  '(?:[ \\t]{1,4}(?:\\([\\w .,-]{1,24}\\)|(?:[-\u2013\u2014]|for|in)[ \\t][\\w \\t.-]{1,22}' + NOTE_END + ')|,[ \\t][\\w.-]{1,14}[ \\t][\\w \\t.-]{1,13}' + NOTE_END + '|[ \\t]{0,4}\\[[\\w .,-]{1,24}' + NOT_AN_ID + '\\](?=[*_]{0,2}[ \\t]{0,4}[:=]))?';
/** Typographic quotes a word processor, a wiki or a chat puts in place of typed ones (“…”, ‘…’, „…“, «…»). */
const SMART_QUOTES = '\u2018\u2019\u201a\u201c\u201d\u201e\u00ab\u00bb';

/** HubSpot's own hublet id (`na1-xxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`: refresh tokens, developer keys), standing alone. */
const HUBID = '(?<![0-9a-z_-])[a-z]{2}\\d{1,2}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9a-z])';

/**
 * Other services known by name (about 260), for `{{otherservice}}`: a key under their section or name
 * is theirs. Each a regex alternative: `new[_.-]?relic`, and `aws` but not in an `arn:aws:…`.
 */
const SERVICES = [
  'heroku', 'mailgun', 'stripe', 'sendgrid', 'twilio', 'slack', 'github', 'gitlab', 'bitbucket',
  'google', 'facebook', 'twitter', 'linkedin', 'salesforce', 'zendesk', 'intercom', 'mailchimp',
  'keycloak', 'cognito', 'onelogin', 'fusionauth', 'clerk', 'workos', 'stytch', 'authentik',
  'zitadel', 'pingidentity', 'pingone', 'gitea', 'spotify', 'strava', 'fitbit', 'yahoo', 'apple',
  'amazon', 'opsgenie', 'wix', 'pendo', 'new[_.-]?relic', 'pagerduty', 'bugsnag', 'rollbar',
  'honeybadger', 'logrocket', 'fullstory', 'hotjar', 'launchdarkly', 'optimizely', 'posthog',
  'rudderstack', 'twitch', 'reddit', 'pinterest', 'tiktok', 'instagram', 'webflow', 'bigcommerce',
  'magento', 'woocommerce', 'recurly', 'chargebee', 'paddle', 'gocardless', 'plaid', 'adyen',
  'mollie', 'razorpay', 'coinbase', 'mailjet', 'sparkpost', 'mandrill', 'brevo', 'sendinblue',
  'customerio', 'typeform', 'jotform', 'surveymonkey', 'eventbrite', 'clearbit', 'zoominfo',
  'segment', 'sentry', '(?<!arn:)aws', 'azure', 'auth0', 'okta', 'shopify', 'paypal', 'discord',
  'microsoft', 'dropbox', 'zoom', 'pipedrive', 'zoho', 'freshdesk', 'algolia', 'pusher', 'postmark',
  'mapbox', 'openai', 'cloudinary', 'contentful', 'firebase', 'datadog', 'notion', 'airtable',
  'asana', 'trello', 'atlassian', 'jira', 'braintree', 'klaviyo', 'marketo', 'pardot', 'mixpanel',
  'amplitude', 'calendly', 'docusign', 'xero', 'quickbooks', 'vercel', 'netlify', 'supabase',
  'braze', 'insightly', 'lusha', 'hightouch', 'census', 'fivetran', 'zapier', 'integromat',
  'workato', 'pipedream', 'apollo', 'outreach', 'salesloft', 'gong', 'drift', 'chilipiper',
  'cognism', 'seamless', 'leadiq', 'demandbase', 'bombora', 'leadfeeder', 'lemlist', 'instantly',
  'smartlead', 'mixmax', 'vidyard', 'wistia', 'gainsight', 'churnzero', 'totango', 'vitally',
  'planhat', 'mparticle', 'iterable', 'attentive', 'omnisend', 'activecampaign', 'convertkit',
  'constantcontact', 'campaignmonitor', 'aweber', 'getresponse', 'moosend', 'mailerlite', 'keap',
  'infusionsoft', 'freshsales', 'freshworks', 'agilecrm', 'pipeliner', 'clickup', 'helpscout',
  'gorgias', 'kustomer', 'dialpad', 'aircall', 'ringcentral', 'vonage', 'nexmo', 'plivo',
  'messagebird', 'sinch', 'telnyx', 'unbounce', 'instapage', 'leadpages', 'optinmonster', 'vimeo',
  'youtube', 'bitly', 'rebrandly', 'snowflake', 'bigquery', 'databricks', 'metabase', 'kissmetrics',
  'matomo', 'qualtrics', 'medallia', 'appcues', 'pandadoc', 'hellosign', 'zuora', 'chargify',
  'netsuite', 'freshbooks', 'gusto', 'rippling', 'bamboohr', 'workday', 'greenhouse', 'gotowebinar',
  'webex', 'squarespace', 'cloudflare', 'fastly', 'smtp2go', 'elasticemail', 'mailtrap', 'resend',
  'nylas', 'fullcontact', 'rocketreach', 'phantombuster', 'crunchbase', 'trustpilot', 'yotpo',
  'birdeye', 'adroll', 'criteo', 'snapchat', 'azurerm', 'azuread', '6sense', 'airbyte', 'attio',
  'clari', 'clay', 'commonroom', 'dropcontact', 'front', 'heap', 'hunter', 'justcall', 'kaspr',
  'polytomic', 'proposify', 'rb2b', 'savvycal', 'snov', 'stitch', 'tray', 'uplead', 'userpilot',
].join('|');

export const MACROS: Readonly<Record<string, string>> = {
  /** A region code: na1, na2, eu1, ap1 … and ones not seen yet. */
  hublet: '[a-z]{2}\\d{1,2}',
  /** A UUID (any version) with a boundary after it. */
  uuid: '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9a-z])',
  /** `<hublet>-xxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (refresh tokens, developer keys); first group 4 or 8. */
  hubhex:
    '[a-z]{2}\\d{1,2}-[0-9a-f]{4}(?:[0-9a-f]{4})?-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9a-z])',
  /** No identifier character (nor `-`, so not inside a longer dashed token) right before. */
  start: '(?<![0-9a-z_-])',
  /** HubSpot's own hublet id (`na1-xxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`: refresh tokens, developer keys), standing alone: HubSpot context in itself. */
  hubid: HUBID,
  /**
   * What makes a window HubSpot context for a rule's `require` (the same words in every rule): a
   * HubSpot name, host or parameter, or a HubSpot property name (`hs_lead_status`), but not a
   * customs tariff's `hs_code` nor a JVM crash log's `hs_err_pid`; HubSpot's WordPress plugin's
   * options (`leadin_access_token`); HubSpot's CLI storing a secret (`hs secrets add NAME …`); a HubSpot token itself (a private app token, a hublet id:
   * the client secret beside a refresh token `na1-xxxx-…` is that app's).
   */
  hubspotcontext:
    `hubspot|hubapi|hapi[ _.-]?key|hbspt|\\bhs[ \\t]{1,4}secrets?[ \\t]{1,4}(?:add|update)\\b|\\bhs_(?!codes?\\b|err_pid|tariff)|\\bleadin[_-]|(?<![0-9a-z_-])pat-[a-z]{2}\\d{1,2}-[0-9a-f]{8}|${HUBID}`,
  /**
   * At the end of a context window (the match's end): another service's section (`heroku:`,
   * `"mailgun": {`, `[stripe]`, `provider "azurerm" {`, an Elixir or EDN atom's `:postmark,` / `:postmark {`,
   * opened at a line's start or after `{` / `,`,
   * up to four lines above, none naming HubSpot nor opening an Elixir `config :…`; Elixir's
   * `config :app, :postmark,` and an EDN keyword `:postmark {` at a line's start; a PHP-serialized `s:8:"postmark";a:1:{`, up to 200
   * characters before; with no `hubspot:` section opening between) or name (`GITHUB_CLIENT_SECRET`,
   * `/prod/heroku/api-key`, an Elixir module's `MyApp.Heroku, api_key:`, on the match's line, or on the line above a `value:` line holding it:
   * Kubernetes / ECS / Azure / Postman name-value lists)
   * holds the key, not HubSpot's, unless HubSpot is named after it on that line: `hapikey`, or a name
   * starting `hubspot` (`-e STRIPE_MODE=live -e HUBSPOT_API_KEY=…`; not `GITHUB_HUBSPOT_SYNC_TOKEN`).
   * Or the name in prose before a key's: `SendGrid API key: …`, `Stripe's live secret key` then the
   * value on the next line (not `Zapier HubSpot API key`).
   * A lookbehind at the window's end, so each window is read once.
   */
  /**
   * One of the services `{{otherservice}}` knows by name: a gate for it (every match of it holds one).
   * That pattern, a lookbehind over ~260 names, takes 30-70 ms to compile to bytecode (15-20 ms to
   * machine code), this one ~2 ms: a commit's `HUBSPOT_API_KEY=…` with no service named near it
   * compiled it for nothing (the hook: ~290 against ~195 ms for a clean commit).
   */
  service: `(?:${SERVICES})`,
  otherservice: `$(?<=(?:(?<=(?:^|[\\r\\n])[ \\t]{0,32}(?:-[ \\t]{1,8})?(?:config[ \\t]{1,4}:[a-z_]\\w{0,31},[ \\t]{0,4})?["'\\[:]?|[{,\\[][ \\t]{0,8}["']?|provider[ \\t]{1,4}["'])(?:${SERVICES})(?:\\.[\\w.-]{1,32})?["']?[ \\t]{0,4}(?::|=>|=|\\{|\\[|\\]|,(?<=:[a-z][\\w-]{1,32},)(?=[ \\t]{0,8}(?:\\r?\\n|[a-z_]\\w{0,31}:)))(?:(?!hubspot|hapikey)[^\\r\\n]){0,100}(?:\\r?\\n(?![ \\t]{0,16}(?:["']?(?:hubspot|hubapi)|config[ \\t]{1,4}:[a-z_]))(?:(?!hubspot|hapikey)[^\\r\\n]){0,100}(?:\\r?\\n(?![ \\t]{0,16}(?:["']?(?:hubspot|hubapi)|config[ \\t]{1,4}:[a-z_]))(?:(?!hubspot|hapikey)[^\\r\\n]){0,100}(?:\\r?\\n(?![ \\t]{0,16}(?:["']?(?:hubspot|hubapi)|config[ \\t]{1,4}:[a-z_]))(?:(?!hubspot|hapikey)[^\\r\\n]){0,100}(?:\\r?\\n(?![ \\t]{0,16}(?:["']?(?:hubspot|hubapi)|config[ \\t]{1,4}:[a-z_]))(?:(?!hubspot|hapikey)[^\\r\\n]){0,100})?)?)?)?|(?<![a-z])(?:${SERVICES})(?:(?:""|\\\\{0,7}");a:\\d{1,5}:\\{(?:(?!hubspot|hapikey)[^\\r\\n]){0,200}|[_./-](?:(?![^a-z0-9_.\\r\\n-]["']?hubspot|hapikey)[^\\r\\n]){0,100}(?:\\r?\\n[ \\t]{0,32}(?:-[ \\t]{0,8})?["']?value["']?[ \\t]{0,8}[:=][^\\r\\n]{0,100})?|,(?<=\\.(?:${SERVICES}),)[ \\t]{1,4}(?:api[ _-]?)?(?:key|secret|token)(?:(?!hubspot|hapikey)[^\\r\\n]){0,100}|(?:'s)?[ \\t]{1,4}(?:(?!hubspot|hapikey)[a-z]{1,16}[ \\t]{1,4})?(?:(?!hubspot|hapikey)[a-z]{1,16}[ \\t]{1,4})?(?:api[ _-]?)?(?:key|secret|token)(?:(?!hubspot|hapikey)[^\\r\\n]){0,100}(?:\\r?\\n(?:(?!hubspot|hapikey)[^\\r\\n]){0,100})?)))`,
  /**
   * A section's opening after its name, up to its first key, starting with a `:`, a quote or `]` (so
   * that a pattern led by a name and it has literals longer than the name): `api:` then a line break
   * (YAML), `api]` (a TOML table `[hubspot.api]`), `"Api": {"` (JSON), `'api' => [` (PHP).
   * `api{{open}}key` is a section's key as `api_key` is a name's.
   */
  open: '(?:["\'][ \\t]{0,8}(?:=>|[:=])|:|\\])[ \\t]{0,8}(?:[\\[{(][ \\t]{0,8})?(?:\\r?\\n[ \\t]{0,24})?["\']?',
  /**
   * A `hubspot` section's opening, up to its first key: `hubspot:` then a line break (YAML),
   * `[hubspot]` (INI), `"hubspot": {` (JSON), `'hubspot' => [` (PHP), on one line or before the next,
   * or PHP-serialized (`s:7:"hubspot";a:2:{s:3:"`, its quotes escaped once in an SQL dump or
   * doubled in a CSV cell).
   */
  section: `hubspot(?:${PHP_QUOTE};a:\\d{1,5}:\\{s:\\d{1,5}:${PHP_QUOTE}|` + '["\'\\]]?[ \\t]{0,8}(?:(?:=>|[:=])[ \\t]{0,8})?(?:[\\[{(][ \\t]{0,8})?(?:\\r?\\n[ \\t]{0,24})?["\']?)',
  /**
   * Between a key name and its value: `=`, `:`, `:=`, `=>`, `(`, `{`, a space (CLI flags), a type
   * annotation (`X: string = …`, `X: &'static str = …`, Go's `var X string = …`, Zig's `X: []const u8 = …`), a fallback after
   * an environment variable's name (`${X:-…}`, `process.env.X || …`, `?? …`, `getenv('X') ?: …`,
   * `os.getenv("X") or …`, Perl's `$ENV{X} // …`, Ruby's `ENV.fetch('X') { … }`, make's `X ?= …`),
   * a string prefix (`@"…"`, `r'…'`, `b"…"`), HTML-escaped quotes (`&quot;X&quot;:&quot;…`, `&#39;`, `&#x27;`), `>` (XML, also
   * `name="X">…` and with up to two attributes after the name, Android's `translatable="false"`, .NET settings' `name="X" serializeAs="String"><value>…`, a plist's `X</key><string>…`), Terraform's
   * `variable "X" { … default = …` and Python's `get("X", default=…)` (also Dart's `'X',` then `defaultValue:` on the next line), with optional quotes
   * (escaped, also twice or three times: JSON inside a JSON string) and brackets, a YAML block
   * scalar (`key: >-` then the value on the next line) or a YAML value on the next, indented line (either with a `# comment` after the
   * colon), or a Kubernetes `name: X` / `value: …` pair (also `value = …`: an Xcode scheme's environment;
   * GitLab's `X:` then `value: …`; Android's `buildConfigField(` wrapped: `"X",` then `"\"…\""` on the next line;
   * Terraform's `secret_name = X` / `plaintext_value = …`), a JSON one (`"key": "X", "value": …`:
   * Postman environments, ECS task definitions, Azure app settings), an XML one (`key="X" value=…`:
   * web.config), a CLI's value flag after the name (`gh secret set X --body …`, `-b`, `aws ssm
   * put-parameter --name X --value …`), a Markdown table's next cell (`| X | … |`), or a PHP-serialized
   * string's (`s:7:"hapikey";s:36:"…"`: WordPress options, also inside an SQL dump's escaped string
   * or a CSV cell's doubled quotes: `wp option list --format=csv`).
   * As people write them in notes, mail and wikis: a dash (`API key - …`, `–`, `—`), an arrow
   * (`->`, `→`), `is`, a dot leader (`API key ........ …`), non-breaking spaces, a note in
   * brackets after the name (`API key (staging): …`; before a colon also `[staging]`, `- prod`,
   * `for prod`, `, new one`: NAME_NOTE), Markdown emphasis (`**API key:** …`,
   * `key: **…**`, Jira's `{{…}}`), the value alone on the next line after a name and a colon (a
   * blank line between at most, in a quote `> …` or a code fence too; a definition list's `: …`;
   * markup between is views.ts' markupView's). A type annotation is not one that names what the value is not (`API key ID=…`,
   * `Secret path=…`, `Key version=…`: an inventory's columns).
   */
  assign:
    '(?:(?:' + HTML_QUOTE + '|\\\\{0,7}["\'`\\])}*' + SMART_QUOTES + '](?:\\\\{0,7}["\'`\\])}*])?)?' + NAME_NOTE + '(?:[ \\t\u00a0]{0,40}(?::=|=>|:-|->|\u2192|\\|\\||\\?[?:=]|\\/\\/|or|is:?(?=[ \\t])|[:=(,|{]|[-\u2013\u2014](?=[ \\t])|[.\u2026]{2,24})[*_]{0,2}[ \\t\u00a0]{0,40}|[ \\t\u00a0]{1,40})(?:[@rbufn]{0,2}\\\\{0,7}["\'`' + SMART_QUOTES + '](?:\\\\{0,7}["\'`])?|\\[|' + HTML_QUOTE + '|[*_]{1,2}|\\{\\{)?|(?:["\'`]?\\??[ \\t]{0,8}:[ \\t]{0,8}|[ \\t]{1,8})(?:&|\\[\\])?(?:\'static[ \\t]{1,8}|const[ \\t]{1,8})?(?!(?:ids?|names?|paths?|versions?|fingerprints?|refs?|references?|urls?|uris?|labels?|hints?|types?|expir\\w{0,8}|created|updated|owners?|notes?)(?![\\w.]))[a-z_][\\w.]{0,24}(?:<[\\w., ]{0,32}>|\\[\\])?\\??[ \\t]{0,40}=[ \\t]{0,8}(?:[@rbufn]{0,2}\\\\?["\'`])?|["\']?>|["\'][ \\t]{1,4}[a-z][\\w:.-]{0,23}=["\'][\\w.:-]{0,24}["\'](?:[ \\t]{1,4}[a-z][\\w:.-]{0,23}=["\'][\\w.:-]{0,24}["\'])?>|["\'][ \\t]{1,4}serializeas=["\'][a-z]{1,16}["\']>[ \\t\\r\\n]{0,64}<value>|<\\/key>[ \\t\\r\\n]{0,64}<string>|["\']?[ \\t]{0,8}(?::[ \\t]{0,8})?(?:\\{[^{}]{0,120}?\\b|,[ \\t]{0,8}(?:\\r?\\n[ \\t]{0,24})?)(?:default(?:value)?|value)["\']?[ \\t]{0,8}[=:][ \\t]{0,8}["\']?|["\']?(?:[ \\t]{0,8},[ \\t\\r\\n]{0,32}["\']?value["\']?[ \\t]{0,8}:|[ \\t]{1,8}value[ \\t]{0,8}=|[ \\t]{1,8}(?:--body|--value|-b)(?:=|[ \\t]{1,8}))[ \\t]{0,8}["\']?|:[ \\t]{0,32}[>|][-+]?[ \\t]{0,32}(?:[ \\t]#[^\\r\\n:#]{0,64})?\\r?\\n[ \\t]{0,32}|(?::[ \\t]{0,32}(?:[ \\t]#[^\\r\\n:#]{0,64})?\\r?\\n[ \\t]{1,32}|' + NAME_NOTE + '(?:(?:[*_]{1,2}[ \\t]{0,4})?:[*_]{0,2}[ \\t]{0,8}\\r?\\n(?:[ \\t]{0,8}\\r?\\n)?(?:>[ \\t]{0,4}|```[a-z]{0,12}\\r?\\n)?[ \\t]{0,8}[`*_]{0,2}|[ \\t]{0,8}\\r?\\n:[ \\t]{1,8}))|["\'],[ \\t]{0,8}\\r?\\n[ \\t]{0,40}"\\\\"|["\']?:?[ \\t]{0,32}\\r?\\n[ \\t]{0,32}(?:-[ \\t]{0,32})?(?:plaintext_)?value[ \\t]{0,21}[:=][ \\t]{0,32}["\']?|' +
    `${PHP_QUOTE};s:\\d{1,5}:${PHP_QUOTE})`,
};

const MACRO_RE = /\{\{([a-z]+)\}\}/g;

export class RuleCompileError extends Error {
  constructor(
    readonly ruleId: string,
    message: string,
  ) {
    super(`rule ${ruleId}: ${message}`);
    this.name = 'RuleCompileError';
  }
}

export function expandMacros(source: string, ruleId = '?'): string {
  return source.replace(MACRO_RE, (_, name: string) => {
    const body = MACROS[name];
    if (body === undefined) throw new RuleCompileError(ruleId, `unknown macro {{${name}}}`);
    return body;
  });
}

/**
 * A pattern's name part: what comes before its first `{{assign}}` outside every group, as a regex
 * source (macros expanded). Every match of the pattern starts with a match of it, so where it does
 * not match the pattern cannot: detect.ts tries it first (the bench's folder scan tried patterns
 * 100,000 times for 220 matches, mostly at words such as `hubspotClient` and `development`), and the
 * pattern, ~1,700 characters of which ~1,400 are the macro, is compiled only if it ever gets that
 * far (each took 2-10 ms per thread; a commit holding `hubspotToken: 'pat-…'` compiled five of them
 * for none to match). Null when the pattern has no `{{assign}}`, or the part before its first one is
 * not what every match starts with (regex-shape.ts leadingPart: inside a group, or an alternative at
 * the top).
 */
export function namePart(pattern: string, flags = ''): string | null {
  const cut = pattern.indexOf('{{assign}}');
  return cut < 0 ? null : leadingPart(expandMacros(pattern), expandMacros(pattern.slice(0, cut)).length, flags);
}

/**
 * Why a regular expression is invalid, without the pattern V8 quotes in its message (`Invalid regular
 * expression: /<pattern>/<flags>: Unterminated group`): an allow entry's pattern is often the very
 * secret it accepts, and errors are printed (found by a trial). The key it was read from names it.
 */
export function regexSyntaxMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
}

function compileRegex(source: string, flags: string, ruleId: string, what: string): RegExp {
  try {
    return new RegExp(expandMacros(source, ruleId), flags);
  } catch (err) {
    if (err instanceof RuleCompileError) throw err;
    throw new RuleCompileError(ruleId, `${what} is not a valid regular expression: ${regexSyntaxMessage(err)}`);
  }
}

function compileContext(spec: ContextSpec, ruleId: string, defaultPath: boolean): CompiledContext {
  return {
    re: compileRegex(spec.pattern, 'i', ruleId, 'context pattern'),
    gate: spec.gate === undefined ? null : compileRegex(spec.gate, 'i', ruleId, 'context gate'),
    before: spec.before ?? 300,
    after: spec.after ?? 300,
    path: spec.path ?? defaultPath,
  };
}

const UUID_SECRET = /\(\?<secret>[^()|]*\{\{(?:uuid|hubhex)\}\}/;
const RUN_SECRET = /\(\?<secret>([A-Za-z0-9]*)((?:\[[A-Za-z0-9+/_-]+\])*)\[([A-Za-z0-9+/_-]+)\]\{(\d+),/;

/**
 * The cheap shape a pattern's secret must have: a UUID / hublet-hex id, or a base64 run of at least
 * MIN_RUN (40) characters (a literal, classes, then `[…]{N,`). Every character class must be inside the
 * base64 alphabet, so the secret lies inside one run the prefilter finds. Null: no usable shape.
 */
export function patternGate(source: string, keywords: readonly string[] = [], flags = 'i'): Gate | null {
  const expanded = expandMacros(source);
  // Matches not holding a keyword need the file-wide keyword check (the rule's keyword contract).
  const keywordCheck = !impliesKeyword(expanded, keywords);
  // The macro inside the secret group (not one in a lookbehind or another group before it).
  const secret = UUID_SECRET.exec(source);
  const uuidAt = secret ? secret.index + secret[0].lastIndexOf('{{') : -1;
  if (uuidAt >= 0) {
    // The shape is found at a UUID's first dash (8 hex in); in a hublet-hex id at the dash after the
    // hublet when its first group has 4 hex (at most 4 in), else after that group (at most 4 + 1 + 8 in).
    const macro = source.startsWith('{{uuid}}', uuidAt) ? '{{uuid}}' : '{{hubhex}}';
    const before = maxLengthBefore(expanded, expandMacros(source.slice(0, uuidAt)).length, flags) + (macro === '{{uuid}}' ? 8 : 13);
    // A secret that is a hublet-hex id or a hublet, a dash and a UUID (`pat-{{hublet}}-{{uuid}}`), and
    // nothing else (no `|` after it in the group): only shapes with a hublet open windows (hubhexShapes:
    // ASCII letters; with `u` / `v` and `i`, [a-z] matches ſ and K too).
    const whole = source.startsWith(')', uuidAt + macro.length);
    const hubhex = whole && !/[uv]/.test(flags) && (macro === '{{hubhex}}' || source.slice(0, uuidAt).endsWith('{{hublet}}-'));
    return Number.isFinite(before) ? { kind: hubhex ? 'hubhex' : 'uuid', min: 0, before, keywordCheck } : null;
  }
  // With `i` and `u` / `v`, [a-z] also matches ſ and K: a secret may reach outside one base64 run.
  if (flags.includes('i') && /[uv]/.test(flags)) return null;
  const m = RUN_SECRET.exec(source);
  const inAlphabet = (cls: string): boolean => /^-?[A-Za-z0-9+/_]*-?$/.test(cls.replace(/a-z|A-Z|0-9/g, ''));
  if (m && inAlphabet(m[3]!) && (m[2]!.match(/\[[^\]]*\]/g) ?? []).every((c) => inAlphabet(c.slice(1, -1)))) {
    const classes = (m[2]!.match(/\[/g) ?? []).length;
    const min = m[1]!.length + classes + Number(m[4]);
    const before = maxLengthBefore(expanded, expandMacros(source.slice(0, source.indexOf('(?<secret>'))).length, flags);
    if (min >= MIN_RUN && Number.isFinite(before)) return { kind: 'run', min, before, keywordCheck };
  }
  return null;
}

/** What the prefilter and the chunked reader need to know of one pattern (read from its syntax tree). */
export interface PatternFacts {
  gate: Gate | null;
  /** The literals every match starts with (null: none usable). */
  literals: string[] | null;
  reach: { match: number; look: number };
  /** Its name part (namePart; null: none), for a literal-led pattern. */
  name: string | null;
}

/** Where a pattern's facts are filed: the pattern as written, its flags and its rule's keywords. */
export function factsKey(pattern: string, flags: string, keywords: readonly string[]): string {
  return `${flags}\u0000${keywords.join('\u0001')}\u0000${pattern}`;
}

declare const __HUBSPOT_SECRETS_RULE_FACTS__: Record<string, PatternFacts> | undefined;

/**
 * The built-in rules' facts, computed when the bundle is built (scripts/build.mjs): parsing the
 * patterns costs ~25 ms per thread at start-up, on every commit. Undefined when running from the
 * sources; a pattern not filed here (a custom rule) is analysed when compiled.
 */
const BAKED: Readonly<Record<string, PatternFacts>> | undefined =
  typeof __HUBSPOT_SECRETS_RULE_FACTS__ === 'undefined' ? undefined : __HUBSPOT_SECRETS_RULE_FACTS__;

function computeFacts(pattern: string, re: RegExp, keywords: readonly string[]): PatternFacts {
  const literals = leadingLiterals(re.source, re.flags);
  const name = literals ? namePart(pattern, re.flags) : null;
  return { gate: patternGate(pattern, keywords, re.flags), literals, reach: regexReach(re.source, re.flags), name };
}

/**
 * A spec's pattern flags and lower-cased keywords: what its patterns are compiled with and their facts
 * filed under (ruleFacts at build time, compileRule at run time must agree, or no baked fact is found).
 */
function patternContext(spec: RuleSpec): { flags: string; keywords: string[] } {
  return { flags: `${spec.flags ?? 'i'}gd`, keywords: spec.keywords.map((k) => k.toLowerCase()) };
}

/** Every pattern's facts for a spec, as computed from the syntax tree (what the build files). */
export function ruleFacts(spec: RuleSpec): [string, PatternFacts][] {
  const { flags, keywords } = patternContext(spec);
  return spec.patterns.map((p, i) => [factsKey(p, flags, keywords), computeFacts(p, compileRegex(p, flags, spec.id, `patterns[${i}]`), keywords)]);
}

/**
 * `facts`: precomputed facts by factsKey (default: the ones baked into the bundle); a pattern not
 * found there is analysed now.
 */
export function compileRule(spec: RuleSpec, facts: Readonly<Record<string, PatternFacts>> | undefined = BAKED): CompiledRule {
  const { flags, keywords } = patternContext(spec);
  const patterns = spec.patterns.map((p, i) => {
    const re = compileRegex(p, flags, spec.id, `patterns[${i}]`);
    if (!/\(\?<secret>/.test(re.source)) {
      throw new RuleCompileError(spec.id, `patterns[${i}] has no named group (?<secret>…)`);
    }
    return re;
  });
  const known = spec.patterns.map((p, i) => facts?.[factsKey(p, flags, keywords)] ?? computeFacts(p, patterns[i]!, keywords));
  const validators = (spec.validators ?? []).map((name) => {
    const fn = VALIDATORS[name];
    if (!fn) throw new RuleCompileError(spec.id, `unknown validator "${name}" (known: ${Object.keys(VALIDATORS).join(', ')})`);
    return fn;
  });
  return {
    spec,
    id: spec.id,
    keywords,
    patterns,
    gates: known.map((f) => f.gate),
    leads: known.map((f, i) => (f.literals ? lead(f.literals, f.name, patterns[i]!) : null)),
    reach: known.map((f) => f.reach),
    require: (spec.context?.require ?? []).map((c) => compileContext(c, spec.id, true)),
    forbid: (spec.context?.forbid ?? []).map((c) => compileContext(c, spec.id, false)),
    allow: (spec.allow ?? []).map((a, i) => compileRegex(a, 'i', spec.id, `allow[${i}]`)),
    previewPrefix: spec.previewPrefix ? compileRegex(`^(?:${spec.previewPrefix})`, 'i', spec.id, 'previewPrefix') : null,
    validators,
  };
}

/** A literal-led pattern's sticky twin and name part (`part`: PatternFacts' name; `re` compiled). */
function lead(literals: string[], part: string | null, re: RegExp): Lead {
  const sticky = new RegExp(re.source, re.flags.replace('g', '') + 'y');
  return { literals, sticky, name: part === null ? null : new RegExp(part, re.flags.replace(/[gd]/g, '') + 'y') };
}

/** Compile a set of rules; ids must be unique. Later specs with the same id replace earlier ones. */
export function compileRules(specs: readonly RuleSpec[]): RuleSet {
  const byId = new Map<string, CompiledRule>();
  for (const spec of specs) byId.set(spec.id, compileRule(spec));
  const rules = [...byId.values()];
  const keywords = [...new Set(rules.flatMap((r) => r.keywords))];
  return { rules, byId, keywords };
}
