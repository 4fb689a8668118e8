/**
 * Renders the catalogue as Markdown. `docs/findings.md` is this function's output, written by
 * `npx tsx scripts/gen-findings-doc.ts`; a unit test compares the two so the doc cannot go stale.
 */
import { FAMILIES, RULES } from './catalogue.ts';
import type { FindingRule } from './types.ts';

/** The complete Markdown text of docs/findings.md. Deterministic: same catalogue, same bytes. */
export function renderFindingsDoc(): string {
  const lines: string[] = [
    '# Findings catalogue',
    '',
    '<!-- Generated from src/core/findings/ and src/core/providers/*/findings.ts by `npx tsx scripts/gen-findings-doc.ts`. Do not edit by hand. -->',
    '',
    'Every finding the Step-Up Inspector raises has a stable code, a severity and the exchange it points at.',
    'Codes never change meaning once shipped, so CI configurations (`stepup-inspect --fail-on`) and bug reports',
    'can quote them. Severities: **error** (a bug that breaks or weakens the flow), **warning** (probably a bug,',
    'or a risk), **info** (worth knowing; normal user behaviour included).',
    '',
    `${RULES.length} rules.`,
    '',
    '| code | severity | title |',
    '|---|---|---|',
    ...RULES.map(
      (rule) =>
        `| [\`${rule.code}\`](#${anchor(rule.code)}) | ${rule.severity} | ${escapeCell(rule.title)} |`,
    ),
    '',
  ];
  for (const { family, heading } of FAMILIES) {
    const rules = RULES.filter((rule) => rule.family === family);
    if (rules.length === 0) continue;
    lines.push(`## ${heading}`, '');
    for (const rule of rules) lines.push(...renderRule(rule));
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

function renderRule(rule: FindingRule): string[] {
  return [
    `### \`${rule.code}\``,
    '',
    `**${rule.severity}** · ${rule.title}`,
    '',
    `**Cause.** ${rule.explanation}`,
    '',
    `**Fix.** ${rule.fix}`,
    '',
    `**Reference.** [${rule.reference.label}](${rule.reference.url})`,
    '',
  ];
}

/** GitHub's heading anchor for "`code`": lower case, punctuation other than `-` and `_` dropped. */
function anchor(code: string): string {
  return code.toLowerCase().replace(/[^a-z0-9_\- ]/g, '');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
