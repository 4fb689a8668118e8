/**
 * Prints what the analysis of a log file produces, for comparing two versions of the engine byte for byte
 * (a speed change must not change a single byte of it):
 *
 *   npx tsx bench/gen-session.ts /tmp/session.har
 *   npx tsx bench/tools/analysis-report.ts /tmp/session.har > new.json           # the CLI's --json report
 *   npx tsx bench/tools/analysis-report.ts /tmp/session.har --model > new.json   # the whole model
 *   npx tsx bench/tools/analysis-report.ts /tmp/session.har --parsed > new.json  # what parseLogFile read
 *   npx tsx bench/tools/analysis-report.ts /tmp/session.har --imported > new.json  # what the panel's importLog read
 *
 * `--model` prints the whole SessionModel (every exchange's classification, tokens, DPoP checks, finding ids and
 * notes; every challenge, token version, grant and finding), each captured exchange replaced by its id: stricter
 * than the report, which leaves per-exchange detail out. Run the same file against another checkout (a git
 * worktree) and `cmp` the outputs.
 */
import { readFile } from 'node:fs/promises';
import { importLog } from '../../src/core/export/export.ts';
import { parseLogFile } from '../../src/core/http/log-file.ts';
import { analyse } from '../../src/core/model/analyzer.ts';
import { buildJsonReport, entryIndexesAfterSkips } from '../../src/core/report/json.ts';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
if (file === undefined)
  throw new Error('usage: analysis-report.ts <file.har|file.json> [--model | --parsed | --imported]');
const text = await readFile(file, 'utf8');
const parsed = parseLogFile(text);
if (!parsed.ok) throw new Error(parsed.error.message);
const model = await analyse(parsed.exchanges);

if (args.includes('--imported')) {
  // In small slices, so that the slicing itself is exercised; the result must not depend on it.
  const imported = await importLog(text, { chunkSize: 333 });
  process.stdout.write(`${JSON.stringify(imported, null, 1)}\n`);
} else if (args.includes('--parsed')) {
  process.stdout.write(`${JSON.stringify(parsed, null, 1)}\n`);
} else if (args.includes('--model')) {
  const out = JSON.stringify(
    model,
    (key, value: unknown) =>
      key === 'exchange' && typeof value === 'object' && value !== null && 'id' in value
        ? { id: (value as { id: unknown }).id }
        : value,
    1,
  );
  process.stdout.write(`${out}\n`);
} else {
  const report = buildJsonReport(model, {
    entryIndexes: entryIndexesAfterSkips(parsed.exchanges.length, parsed.skipped),
    source: { file, kind: parsed.kind, skipped: parsed.skipped },
  });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}
