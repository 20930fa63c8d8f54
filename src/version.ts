/** Tool identity. The build replaces __HUBSPOT_SECRETS_VERSION__; tests read package.json. */
import pkg from '../package.json' with { type: 'json' };

export const TOOL_NAME = 'hubspot-secrets';
export const TOOL_VERSION: string = pkg.version;
export const TOOL_URI = 'https://github.com/hubspot-secrets/hubspot-secrets';
