/** Rules about the inspector itself: what it could not analyse. */
import type { FindingRule } from './types.ts';

/** Every `inspector.*` rule. */
export const INSPECTOR_RULES = [
  {
    code: 'inspector.analysis_failed',
    severity: 'warning',
    family: 'inspector',
    title: 'Exchange could not be analysed',
    explanation:
      'The inspector hit an unexpected condition while analysing this exchange and skipped the rest of its ' +
      'checks. The other exchanges were analysed normally. This is a bug in the inspector, not in your app.',
    fix: 'Report it with the exchange (export it from the panel, with secrets redacted).',
    // Relative: the project's own docs, wherever the repository is hosted.
    reference: { label: 'Step-Up Inspector: docs/findings.md', url: 'docs/findings.md' },
  },
] as const satisfies readonly FindingRule[];
