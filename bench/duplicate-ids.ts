/**
 * Loading a file whose entries all repeat one id. Ids must stay unique, so repeats get `#2`, `#3`, … suffixes;
 * finding the next free suffix by scanning from `#2` made such a file quadratic to load. The figure is the
 * CLI's analysis (`analyseLogText`: parse + analyse, what `stepup-inspect <file>` runs) of a generated
 * 100,000-entry HAR where every entry has the same id, against the same HAR with its distinct ids: the
 * median of per-pair ratios, the two runs of a pair back to back (order alternating) so that a load change
 * on this shared machine hits both. Linear loading keeps it near 1.
 */
import { analyseLogText } from '../src/cli/cli.ts';
import { toHar } from '../src/core/http/har.ts';
import { generateSession } from './gen-session.ts';
import { median, type BenchMeasure, type Figure } from './types.ts';

const SAME_ID = 'dup';

interface Run {
  ms: number;
  cpuMs: number;
  findings: number;
  lastId: string | undefined;
}

async function timedAnalysis(text: string): Promise<Run> {
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const result = await analyseLogText(text);
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpuBefore);
  if (!result.ok) throw new Error(result.message);
  return {
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    findings: result.model.findings.length,
    lastId: result.log.exchanges.at(-1)?.id,
  };
}

export const duplicateIdsMeasure: BenchMeasure = {
  id: 'duplicate-ids',
  title: 'Loading a HAR whose entries all share one id (core, CLI path)',
  async run({ quick, log }): Promise<Figure[]> {
    const size = quick
      ? { exchanges: 10_000, challenges: 1_000 }
      : { exchanges: 100_000, challenges: 10_000 };
    const pairs = quick ? 3 : 5;

    log(`generating ${size.exchanges} exchanges / ${size.challenges} challenges (real tokens and proofs)…`);
    const session = await generateSession(size);
    const har = toHar(session.exchanges, { creator: { name: 'WebInspector', version: '537.36' } });
    session.flows.length = 0;
    session.exchanges.length = 0;
    const distinct = JSON.stringify(har);
    for (const entry of har.log.entries) if (entry._stepupInspector) entry._stepupInspector.id = SAME_ID;
    const same = JSON.stringify(har);
    har.log.entries.length = 0;
    log(`two HARs of ${(distinct.length / 1024 / 1024).toFixed(0)} MiB; warm-up run…`);

    await timedAnalysis(distinct);
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    const sameMs: number[] = [];
    const distinctMs: number[] = [];
    let checked: [Run, Run] | undefined;
    for (let i = 0; i < pairs; i += 1) {
      const sameFirst = i % 2 === 0;
      const first = await timedAnalysis(sameFirst ? same : distinct);
      const second = await timedAnalysis(sameFirst ? distinct : same);
      const [withSame, withDistinct] = sameFirst ? [first, second] : [second, first];
      ratios.push(withSame.ms / withDistinct.ms);
      cpuRatios.push(withSame.cpuMs / withDistinct.cpuMs);
      sameMs.push(withSame.ms);
      distinctMs.push(withDistinct.ms);
      checked = [withSame, withDistinct];
      log(
        `pair ${i + 1}: same id ${withSame.ms.toFixed(0)} ms, distinct ids ${withDistinct.ms.toFixed(0)} ms`,
      );
    }
    // Both files must have given the same analysis, with every repeated id made unique.
    if (checked !== undefined) {
      const [withSame, withDistinct] = checked;
      if (withSame.lastId !== `${SAME_ID}#${size.exchanges}`)
        throw new Error(
          `the last repeated id came out as ${withSame.lastId}, not ${SAME_ID}#${size.exchanges}`,
        );
      if (withSame.findings !== withDistinct.findings)
        throw new Error(
          `${withSame.findings} findings with one id, ${withDistinct.findings} with distinct ids`,
        );
    }

    const n = `${size.exchanges.toLocaleString('en')}-entry HAR`;
    return [
      {
        id: 'duplicate_ids.ratio',
        label: `CLI analysis of a ${n}, every entry one id / distinct ids`,
        unit: 'ratio',
        measured: median([...ratios]),
        budget: 2,
        note: `median of ${pairs} interleaved pairs after a warm-up`,
      },
      {
        id: 'duplicate_ids.cpu_ratio',
        label: `the same, CPU time (all threads), one id / distinct ids`,
        unit: 'ratio',
        measured: median([...cpuRatios]),
        note: `median of ${pairs} pairs; steadier than wall time when the machine is shared`,
      },
      {
        id: 'duplicate_ids.same.median',
        label: `CLI analysis of a ${n}, every entry one id`,
        unit: 'ms',
        measured: median([...sameMs]),
        note: `median of ${pairs}`,
      },
      {
        id: 'duplicate_ids.distinct.median',
        label: `CLI analysis of a ${n}, distinct ids`,
        unit: 'ms',
        measured: median([...distinctMs]),
        note: `median of ${pairs}`,
      },
    ];
  },
};
