/**
 * The page that documents every error code, generated from the registry so it
 * cannot drift from it: `npm run errors:doc` writes it to docs/errors.md, and
 * tests/errors-doc.test.ts fails when the committed page differs.
 */
import { errorCodes, errorRegistry } from './errors.ts';

/** Table cells: a `|` would end the cell, a newline the row. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

export function renderErrorsDoc(): string {
  const rows = errorCodes.map((code) => {
    const { httpStatus, message, when } = errorRegistry[code];
    return `| \`${code}\` | ${httpStatus} | ${cell(message)} | ${cell(when)} |`;
  });
  return [
    '# EdgePay error codes',
    '',
    '<!-- Generated from core/errors.ts by `npm run errors:doc`; do not edit by hand. -->',
    '',
    'Every error EdgePay shows (HTTP answers of the server and the gateway API, the kiosk, the',
    'operator console, logs) has one of these codes. HTTP answers are JSON `{code, message, details?}`',
    'with the status below; `{name}` in a message is filled from `details`. Clients branch on the',
    'code, never on the message.',
    '',
    '| Code | HTTP | Message | When |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
