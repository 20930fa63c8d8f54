/** Validates SARIF against the official 2.1.0 JSON schema (draft-04), as shipped in @microsoft/jest-sarif. */
import { createRequire } from 'node:module';
import Ajv4 from 'ajv-draft-04';
import addFormats from 'ajv-formats';

const require = createRequire(import.meta.url);
const schema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json') as object;

const ajv = new Ajv4({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats.default(ajv);
const validate = ajv.compile(schema);

/** Problems in a SARIF document; empty when valid. */
export function sarifProblems(doc: unknown): string[] {
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}
