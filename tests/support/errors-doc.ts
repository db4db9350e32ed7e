/**
 * Writes docs/errors.md from core's error registry (`npm run errors:doc`).
 * Run it after adding or changing a code; tests/errors-doc.test.ts fails
 * while the committed page is not what the registry generates.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderErrorsDoc } from '../../core/index.ts';

export const ERRORS_DOC_PATH = join(import.meta.dirname, '..', '..', 'docs', 'errors.md');

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(ERRORS_DOC_PATH, renderErrorsDoc());
  console.log(`wrote ${ERRORS_DOC_PATH}`);
}
