/**
 * Which HubSpot scopes are over-broad for a leaked credential: anything that writes or deletes, reads
 * sensitive or highly sensitive data, moves data in bulk, or (legacy scopes) grants read and write at
 * once. Least privilege is the fix, so reports name these. Pure.
 */

/** Legacy scopes that grant read and write together, or bulk / security access. */
const BROAD_SCOPES: ReadonlySet<string> = new Set([
  'automation',
  'content',
  'contacts',
  'e-commerce',
  'files',
  'forms',
  'hubdb',
  'integration-sync',
  'social',
  'tickets',
  'timeline',
  'transactional-email',
  'crm.export',
  'crm.import',
  'account-info.security.read',
  'sales-email-read',
]);

const BROAD_PATTERN = /(?:^|[._-])(?:write|delete|sensitive|highly_sensitive)(?:$|[._-])/i;

export function isBroadScope(scope: string): boolean {
  return BROAD_SCOPES.has(scope.toLowerCase()) || BROAD_PATTERN.test(scope);
}

/** The over-broad scopes among `scopes`, in their order. */
export function broadScopes(scopes: readonly string[]): string[] {
  return scopes.filter(isBroadScope);
}
