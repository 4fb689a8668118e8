/**
 * A CPU-profiling target for the analysis: parses a HAR and analyses it `runs` times (first run cold).
 *
 *   npx tsx bench/gen-session.ts /tmp/session.har
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/tools/profile-analysis.ts /tmp/session.har [runs]
 *   npx tsx bench/tools/cpuprofile-summary.ts /tmp/prof/<file>.cpuprofile
 */
import { readFile } from 'node:fs/promises';
import { parseLogFile } from '../../src/core/http/log-file.ts';
import { analyse } from '../../src/core/model/analyzer.ts';

const [file = '/tmp/session.har', runsText = '3'] = process.argv.slice(2);
const text = await readFile(file, 'utf8');
for (let i = 0; i < Number(runsText); i += 1) {
  const start = performance.now();
  const parsed = parseLogFile(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const parsedAt = performance.now();
  const model = await analyse(parsed.exchanges);
  const end = performance.now();
  console.log(
    `run ${i}: parse ${(parsedAt - start).toFixed(0)} ms, analyse ${(end - parsedAt).toFixed(0)} ms, total ${(end - start).toFixed(0)} ms (${model.exchanges.length} exchanges)`,
  );
}
