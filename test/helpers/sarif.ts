/** Validates SARIF against the official 2.1.0 JSON schema (draft-04), as shipped in @microsoft/jest-sarif. */
import { createRequire } from 'node:module';
import ajvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';

const require = createRequire(import.meta.url);
const schema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json') as object;

// CommonJS default export: the class sits on .default under NodeNext.
type AjvClass = typeof import('ajv').Ajv;
const Ajv4 = ((ajvDraft04 as unknown as { default?: AjvClass }).default ?? ajvDraft04) as unknown as AjvClass;
const ajv = new Ajv4({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats.default(ajv);
const validate = ajv.compile(schema);

/** Problems in a SARIF document; empty when valid. */
export function sarifProblems(doc: unknown): string[] {
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e: { instancePath: string; message?: string }) => `${e.instancePath} ${e.message}`);
}
