/**
 * Analysis speed. On a generated 10,000-exchange capture with 1,000 challenges (real tokens and DPoP proofs, every
 * proof signature verified):
 *
 * - lower bound: JSON.parse of the HAR text, then base64url-decoding (and JSON-parsing) the header and payload of
 *   every token found in its headers and bodies. No analysis at all: what any tool reading those tokens pays.
 * - whole analysis: parseLogFile (HAR → exchanges) + analyse (model, findings, every signature verified) +
 *   snapshot, the CLI's path. First run ("cold": JIT and key imports not warm) and the median of the rest.
 * - incremental add: a model already holding the 10,000 exchanges receives 1,000 more from the same devices, one
 *   `add` at a time (awaited), as the panel does live. Median and p95 per add, and add + snapshot (the panel
 *   takes a snapshot after each add).
 */
import { parseLogFile } from '../src/core/http/log-file.ts';
import { analyse, createAnalyzer } from '../src/core/model/analyzer.ts';
import { continueSession, generateSession, toHarText } from './gen-session.ts';
import { median, percentile, type BenchMeasure, type Figure } from './types.ts';

const JWT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

interface HarLike {
  log: {
    entries: {
      request: { headers: { value: string }[]; postData?: { text?: string } };
      response: { headers: { value: string }[]; content?: { text?: string } };
    }[];
  };
}

/** The bare lower bound: parse the HAR and decode every token in it. Returns the number of tokens decoded. */
export function parseAndDecodeTokens(text: string): number {
  const har = JSON.parse(text) as HarLike;
  let decoded = 0;
  const scan = (value: string | undefined): void => {
    if (value === undefined) return;
    for (const match of value.matchAll(JWT)) {
      const [header = '', payload = ''] = match[0].split('.');
      JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
      JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      decoded += 1;
    }
  };
  for (const entry of har.log.entries) {
    for (const h of entry.request.headers) scan(h.value);
    for (const h of entry.response.headers) scan(h.value);
    scan(entry.request.postData?.text);
    scan(entry.response.content?.text);
  }
  return decoded;
}

function time<T>(fn: () => T): { ms: number; value: T } {
  const start = performance.now();
  const value = fn();
  return { ms: performance.now() - start, value };
}

async function timeAsync<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

export const analysisMeasure: BenchMeasure = {
  id: 'analysis',
  title: 'Session analysis (core)',
  async run({ quick, log }): Promise<Figure[]> {
    const size = quick ? { exchanges: 2_000, challenges: 200 } : { exchanges: 10_000, challenges: 1_000 };
    const runs = quick ? 3 : 7;
    const tailSize = quick ? 200 : 1_000;

    log(`generating ${size.exchanges} exchanges / ${size.challenges} challenges (real tokens and proofs)…`);
    const generated = await timeAsync(() => generateSession(size));
    const session = generated.value;
    const text = toHarText(session.exchanges);
    const tail = await continueSession(session, tailSize);
    const capture = session.exchanges;
    session.flows.length = 0; // the devices' own copies of the traffic are not needed any more
    log(`generated in ${generated.ms.toFixed(0)} ms; HAR is ${(text.length / 1024 / 1024).toFixed(1)} MiB`);

    // Lower bound.
    const bounds: number[] = [];
    let tokens = 0;
    for (let i = 0; i < runs; i += 1) {
      const run = time(() => parseAndDecodeTokens(text));
      bounds.push(run.ms);
      tokens = run.value;
    }
    const lowerBound = median(bounds);

    // Whole analysis, as the CLI does it.
    const wholes: number[] = [];
    const cpus: number[] = [];
    const parses: number[] = [];
    let verified = 0;
    let proofs = 0;
    for (let i = 0; i < runs; i += 1) {
      const cpuBefore = process.cpuUsage();
      const run = await timeAsync(async () => {
        const parsed = time(() => parseLogFile(text));
        parses.push(parsed.ms);
        if (!parsed.value.ok) throw new Error(parsed.value.error.message);
        return analyse(parsed.value.exchanges);
      });
      wholes.push(run.ms);
      const cpu = process.cpuUsage(cpuBefore);
      cpus.push((cpu.user + cpu.system) / 1000);
      const model = run.value;
      proofs = model.stats.dpopProofs;
      verified = model.exchanges.filter((e) =>
        e.dpop?.checks.some((c) => c.id === 'signature' && c.status === 'pass'),
      ).length;
      if (i === 0)
        log(
          `cold run ${run.ms.toFixed(0)} ms; ${verified}/${proofs} proof signatures verified, ${tokens} tokens in the file`,
        );
    }
    if (verified !== proofs) throw new Error(`only ${verified} of ${proofs} DPoP signatures verified`);
    const cold = wholes[0] as number;
    const warm = wholes.slice(1);

    // Incremental adds onto a full model.
    log(`incremental: ${tailSize} adds onto a ${size.exchanges}-exchange model…`);
    const analyzer = createAnalyzer();
    await analyzer.addMany(capture);
    analyzer.snapshot();
    const adds: number[] = [];
    const addsWithSnapshot: number[] = [];
    const half = Math.floor(tail.length / 2);
    for (const [i, exchange] of tail.entries()) {
      const start = performance.now();
      await analyzer.add(exchange);
      const added = performance.now();
      if (i >= half) analyzer.snapshot();
      const end = performance.now();
      if (i < half) adds.push(added - start);
      else addsWithSnapshot.push(end - start);
    }
    const withProof = tail.slice(0, half).map((e, i) => ({ e, ms: adds[i] as number }));
    const proofAdds = withProof
      .filter(({ e }) => e.requestHeaders.some((h) => h.name.toLowerCase() === 'dpop'))
      .map((x) => x.ms);

    const n = `${size.exchanges.toLocaleString('en')} exchanges`;
    return [
      {
        id: 'analysis.lower_bound',
        label: `lower bound: parse HAR + decode ${tokens.toLocaleString('en')} tokens`,
        unit: 'ms',
        measured: lowerBound,
        note: `median of ${runs}`,
      },
      {
        id: 'analysis.whole.cold',
        label: `whole analysis, ${n}, first run`,
        unit: 'ms',
        measured: cold,
        budget: 1000,
        baseline: lowerBound,
        note: `${proofs.toLocaleString('en')} DPoP signatures verified`,
      },
      {
        id: 'analysis.whole.median',
        label: `whole analysis, ${n}, warm`,
        unit: 'ms',
        measured: median([...warm]),
        budget: 1000,
        baseline: lowerBound,
        note: `median of ${warm.length}; of which parseLogFile ${median(parses.slice(1)).toFixed(0)} ms`,
      },
      {
        id: 'analysis.whole.cpu',
        label: `whole analysis, ${n}, CPU time (all threads)`,
        unit: 'ms',
        measured: median(cpus.slice(1)),
        note: 'main thread + WebCrypto threads; wall time below CPU time means verification ran in parallel',
      },
      {
        id: 'analysis.add.median',
        label: `incremental add onto ${n}, median`,
        unit: 'ms',
        measured: median([...adds]),
        budget: 0.2,
        note: `${adds.length} adds; p95 ${percentile([...adds], 95).toFixed(3)} ms`,
      },
      {
        id: 'analysis.add_with_proof.median',
        label: 'incremental add, exchanges with a DPoP proof, median',
        unit: 'ms',
        measured: median([...proofAdds]),
        note: `${proofAdds.length} adds; p95 ${percentile([...proofAdds], 95).toFixed(3)} ms`,
      },
      {
        id: 'analysis.add_snapshot.median',
        label: 'incremental add + snapshot, median',
        unit: 'ms',
        measured: median([...addsWithSnapshot]),
        note: `${addsWithSnapshot.length} adds; p95 ${percentile([...addsWithSnapshot], 95).toFixed(3)} ms`,
      },
    ];
  },
};
