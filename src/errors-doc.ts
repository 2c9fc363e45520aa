import { ERRORS, type ErrorDefinition } from './errors.js';

/** Renders docs/errors.md from the error table, so the document can never drift from the code. */
export function renderErrorsDoc(): string {
  const rows = Object.entries(ERRORS as Record<string, ErrorDefinition>).map(
    ([code, def]) => `| \`${code}\` | ${def.status} | ${def.appRec ?? ''} | ${def.message.replace(/\|/g, '\\|')} |`,
  );
  return [
    '# Error codes',
    '',
    'Every error the gateway emits carries one of these codes. HTTP answers use the status shown;',
    'a fault answered to a sender with an AppRec uses the code-list 8221 code shown. A code keeps its',
    'meaning for good. This file is generated from `src/errors.ts` by `npm run docs:errors`.',
    '',
    '| code | HTTP | AppRec (8221) | what it means and what to do |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
