/**
 * Tool identity. The version is injected at build time (scripts/build.mjs and vitest.config.ts
 * define it from package.json), so the bundle does not carry package.json and does not change
 * when only dependencies do.
 */
declare const __HUBSPOT_SECRETS_VERSION__: string;

export const TOOL_NAME = 'hubspot-secrets';
export const TOOL_VERSION: string = __HUBSPOT_SECRETS_VERSION__;
export const TOOL_URI = 'https://github.com/hubspot-secrets/hubspot-secrets';
