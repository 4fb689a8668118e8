import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../../src/core/findings/catalogue.ts';
import { renderFindingsDoc } from '../../../src/core/findings/doc.ts';

describe('docs/findings.md', () => {
  it('is up to date with the catalogue (regenerate: npx tsx scripts/gen-findings-doc.ts)', async () => {
    const onDisk = await readFile(new URL('../../../docs/findings.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(renderFindingsDoc());
  });

  it('lists every rule with its cause, fix and reference', () => {
    const doc = renderFindingsDoc();
    for (const rule of RULES) {
      expect(doc).toContain(`### \`${rule.code}\``);
      expect(doc).toContain(rule.reference.url);
    }
    expect(doc.match(/\*\*Cause\.\*\*/g)).toHaveLength(RULES.length);
  });
});
