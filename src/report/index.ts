import { jsonReport } from './json.js';
import { sarifReport } from './sarif.js';
import { textReport } from './text.js';
import type { Format, ReportInput } from './types.js';

export type { Format, ReportInput } from './types.js';
export { FORMATS } from './types.js';

export function render(format: Format, input: ReportInput): string {
  switch (format) {
    case 'json':
      return jsonReport(input);
    case 'sarif':
      return sarifReport(input);
    case 'text':
      return textReport(input);
  }
}
