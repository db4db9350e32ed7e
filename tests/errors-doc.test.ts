/**
 * docs/errors.md is generated from core's registry: a code added or changed
 * without `npm run errors:doc` fails here, so the page never drifts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { errorCodes, errorRegistry, renderErrorsDoc } from '../core/index.ts';
import { ERRORS_DOC_PATH } from './support/errors-doc.ts';

describe('docs/errors.md', () => {
  it('is what the registry generates (run `npm run errors:doc` after changing a code)', () => {
    assert.equal(readFileSync(ERRORS_DOC_PATH, 'utf8'), renderErrorsDoc());
  });

  it('documents every code with its status, message and when it happens', () => {
    const page = renderErrorsDoc();
    for (const code of errorCodes) {
      const { httpStatus, when } = errorRegistry[code];
      assert.ok(when.trim().length > 10, `${code} says when it happens`);
      assert.match(page, new RegExp(`^\\| \`${code}\` \\| ${httpStatus} \\|`, 'm'), `${code} has a row`);
    }
  });
});
