/**
 * Writes docs/findings.md from the findings catalogue. Run after changing any rule:
 *   npx tsx scripts/gen-findings-doc.ts
 * test/unit/findings/doc.test.ts fails while the committed doc differs from the catalogue.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderFindingsDoc } from '../src/core/findings/doc.ts';

const target = fileURLToPath(new URL('../docs/findings.md', import.meta.url));
await writeFile(target, renderFindingsDoc(), 'utf8');
// On stderr, so that redirecting stdout into the doc (as some instructions do) cannot corrupt it.
console.error(`wrote ${target}`);
