/**
 * A CPU-profiling target for the analysis: parses a HAR and analyses it `runs` times (first run cold).
 *
 *   npx tsx bench/gen-session.ts /tmp/session.har
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/tools/profile-analysis.ts /tmp/session.har [runs]
 *   npx tsx bench/tools/cpuprofile-summary.ts /tmp/prof/<file>.cpuprofile
 *
 * With `--warm <out.cpuprofile>` instead of `--cpu-prof`, the first run is left out of the profile (it is
 * dominated by compilation and key imports) and only the later, warm runs are recorded, through the inspector:
 *
 *   npx tsx bench/tools/profile-analysis.ts /tmp/session.har 7 --warm /tmp/prof/warm.cpuprofile
 *
 * `--cli` analyses with the CLI's options (its Node signature verifier), as the bench's whole analysis does.
 */
import { writeFile } from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { parseLogFile } from '../../src/core/http/log-file.ts';
import { analyse } from '../../src/core/model/analyzer.ts';
import { CLI_ANALYSIS } from '../../src/cli/cli.ts';

const args = process.argv.slice(2);
const warmAt = args.indexOf('--warm');
const warmOut = warmAt >= 0 ? args.splice(warmAt, 2)[1] : undefined;
const [file = '/tmp/session.har', runsText = '3'] = args.filter((a) => a !== '--cli');
const text = await readFile(file, 'utf8');
const session = warmOut === undefined ? undefined : new Session();
for (let i = 0; i < Number(runsText); i += 1) {
  if (i === 1 && session !== undefined) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 250 });
    await session.post('Profiler.start');
  }
  const start = performance.now();
  const parsed = parseLogFile(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const parsedAt = performance.now();
  const model = await analyse(parsed.exchanges, process.argv.includes('--cli') ? CLI_ANALYSIS : {});
  const end = performance.now();
  console.log(
    `run ${i}: parse ${(parsedAt - start).toFixed(0)} ms, analyse ${(end - parsedAt).toFixed(0)} ms, total ${(end - start).toFixed(0)} ms (${model.exchanges.length} exchanges)`,
  );
}
if (session !== undefined && warmOut !== undefined) {
  const { profile } = await session.post('Profiler.stop');
  await writeFile(warmOut, JSON.stringify(profile));
  session.disconnect();
  console.log(`warm runs' profile: ${warmOut}`);
}
