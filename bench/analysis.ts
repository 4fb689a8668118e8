/**
 * Analysis speed. On a generated 10,000-exchange capture with 1,000 challenges (real tokens and DPoP proofs, every
 * proof signature verified):
 *
 * - lower bound: JSON.parse of the HAR text, then base64url-decoding (and JSON-parsing) the header and payload of
 *   every token found in its headers and bodies. No analysis at all: what any tool reading those tokens pays.
 * - whole analysis: parseLogFile (HAR → exchanges) + analyse (model, findings, every signature verified) +
 *   snapshot, the CLI's path, in the same process as the lower bound. The budgeted figures are the median of the
 *   runs after the first, and the median of their ratios to the lower bound measured next to each (the target:
 *   at most 3× what merely reading the tokens costs); the first run ("cold": JIT and key imports not warm) is
 *   reported as well.
 * - lower bound with signatures (context, not budgeted): the lower bound plus verifying every DPoP proof's
 *   signature with the CLI's verifier (Node's crypto), all in flight at once. The whole analysis verifies them too, and no analysis can
 *   skip that: this says how much of the ratio the signatures alone are.
 * - incremental add: a model already holding the 10,000 exchanges receives 1,000 more from the same devices, one
 *   `add` at a time (awaited), as the panel does live. Median and p99 per add, and add + snapshot (the panel
 *   takes a snapshot after each add).
 */
import { CLI_ANALYSIS } from '../src/cli/cli.ts';
import type { DirectAlg } from '../src/core/dpop/signature.ts';
import { parseLogFile } from '../src/core/http/log-file.ts';
import { analyse, createAnalyzer } from '../src/core/model/analyzer.ts';
import { continueSession, generateSession, toHarText } from './gen-session.ts';
import { median, percentile, type BenchMeasure, type Figure } from './types.ts';

const JWT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

interface HarLike {
  log: {
    entries: {
      request: { headers: { name?: string; value: string }[]; postData?: { text?: string } };
      response: { headers: { value: string }[]; content?: { text?: string } };
    }[];
  };
}

/** The bare lower bound: parse the HAR and decode every token in it. Returns the number of tokens decoded. */
export function parseAndDecodeTokens(text: string): number {
  return decodeTokens(JSON.parse(text) as HarLike);
}

function decodeTokens(har: HarLike): number {
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

const IMPORT_PARAMS: Record<string, EcKeyImportParams | Algorithm> = {
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  ES384: { name: 'ECDSA', namedCurve: 'P-384' },
  EdDSA: { name: 'Ed25519' },
  Ed25519: { name: 'Ed25519' },
};

/**
 * The lower bound plus what the analysis cannot skip either: every DPoP proof's signature verified (the CLI's verifier,
 * one key import per distinct key, every verification in flight at once). Returns the proofs verified.
 */
export async function parseDecodeAndVerify(text: string): Promise<number> {
  const har = JSON.parse(text) as HarLike;
  decodeTokens(har);
  const keys = new Map<string, Promise<CryptoKey>>();
  const checks: Promise<boolean>[] = [];
  for (const entry of har.log.entries) {
    for (const h of entry.request.headers) {
      if (h.name?.toLowerCase() !== 'dpop') continue;
      const [head = '', payload = '', signature = ''] = h.value.split('.');
      const header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as {
        alg: string;
        jwk: object;
      };
      const params = IMPORT_PARAMS[header.alg];
      if (params === undefined) continue;
      const id = `${header.alg}|${JSON.stringify(header.jwk)}`;
      let key = keys.get(id);
      if (key === undefined) {
        key = crypto.subtle.importKey('jwk', header.jwk, params, false, ['verify']);
        keys.set(id, key);
      }
      const signingInput = Buffer.from(`${head}.${payload}`);
      const bytes = Buffer.from(signature, 'base64url');
      // The verifier the whole analysis uses (the CLI's), so that the two figures differ by the analysis only.
      checks.push(key.then((k) => CLI_ANALYSIS.verifier(header.alg as DirectAlg, k, bytes, signingInput)));
    }
  }
  const results = await Promise.all(checks);
  return results.filter(Boolean).length;
}

/**
 * A hint when the process was starved: the analysis keeps a core busy (plus WebCrypto threads), so a wall time
 * well above its CPU time means it was waiting for a core, not working.
 */
function starved(wallMs: number, cpuMs: number): string {
  return wallMs > 1.3 * cpuMs
    ? `; STARVED: wall ${(wallMs / cpuMs).toFixed(1)}× its CPU time, the machine was busy (see load average)`
    : '';
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

    // Lower bound and whole analysis (the CLI's path), interleaved run by run so that load changes on this
    // shared machine hit both alike; the very first whole analysis is the cold one.
    const bounds: number[] = [];
    let tokens = 0;
    const withSignatures: number[] = [];
    let signatures = 0;
    const wholes: number[] = [];
    const cpus: number[] = [];
    const parses: number[] = [];
    let verified = 0;
    let proofs = 0;
    const lowerBoundRun = async () => {
      const run = time(() => parseAndDecodeTokens(text));
      bounds.push(run.ms);
      tokens = run.value;
      const verified = await timeAsync(() => parseDecodeAndVerify(text));
      withSignatures.push(verified.ms);
      signatures = verified.value;
    };
    const wholeRun = async (i: number) => {
      const cpuBefore = process.cpuUsage();
      const run = await timeAsync(async () => {
        const parsed = time(() => parseLogFile(text));
        parses.push(parsed.ms);
        if (!parsed.value.ok) throw new Error(parsed.value.error.message);
        return analyse(parsed.value.exchanges, CLI_ANALYSIS);
      });
      wholes.push(run.ms);
      const cpu = process.cpuUsage(cpuBefore);
      cpus.push((cpu.user + cpu.system) / 1000);
      const model = run.value;
      proofs = model.stats.dpopProofs;
      verified = model.exchanges.filter((e) =>
        e.dpop?.checks.some((c) => c.id === 'signature' && c.status === 'pass'),
      ).length;
      if (i === 0) log(`cold run ${run.ms.toFixed(0)} ms; ${verified}/${proofs} proof signatures verified`);
    };
    for (let i = 0; i < runs; i += 1) {
      if (i % 2 === 0) {
        await wholeRun(i);
        await lowerBoundRun();
      } else {
        await lowerBoundRun();
        await wholeRun(i);
      }
    }
    const lowerBound = median([...bounds]);
    log(`${tokens} tokens in the file; lower bound ${lowerBound.toFixed(0)} ms`);
    if (verified !== proofs) throw new Error(`only ${verified} of ${proofs} DPoP signatures verified`);
    if (signatures !== proofs) throw new Error(`the bound verified ${signatures} of ${proofs} signatures`);
    const cold = wholes[0] as number;
    const warm = wholes.slice(1);
    // Each warm run against the lower bound measured right next to it (same round), so that a load change
    // between rounds hits both sides of each ratio.
    const ratios = warm.map((ms, i) => ms / (bounds[i + 1] as number));
    const ratioSpread = [...ratios].sort((a, b) => a - b).map((r) => r.toFixed(2));

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
        id: 'analysis.whole.median',
        label: `whole analysis, ${n}, all DPoP proofs verified`,
        unit: 'ms',
        measured: median([...warm]),
        budget: 1000,
        baseline: lowerBound,
        note: `median of ${warm.length} after a warm-up run; ${proofs.toLocaleString('en')} signatures verified each run; of which parseLogFile ${median(parses.slice(1)).toFixed(0)} ms${starved(median([...warm]), median(cpus.slice(1)))}`,
      },
      {
        id: 'analysis.whole.ratio',
        label: `whole analysis / lower bound, ${n}`,
        unit: 'ratio',
        measured: median([...ratios]),
        budget: 3,
        note: `median of ${ratios.length} per-round ratios (each warm run / the lower bound run next to it): ${ratioSpread.join(', ')}`,
      },
      {
        id: 'analysis.lower_bound_signatures',
        label: `lower bound + ${signatures.toLocaleString('en')} DPoP signatures verified`,
        unit: 'ms',
        measured: median([...withSignatures]),
        baseline: lowerBound,
        note: `median of ${runs}; context: the share of the whole analysis no analysis can avoid (the ratio column is this / the lower bound)`,
      },
      {
        id: 'analysis.whole.cold',
        label: `whole analysis, ${n}, first run (cold)`,
        unit: 'ms',
        measured: cold,
        baseline: lowerBound,
        note: 'the warm-up: JIT not warm, every device key imported and hashed for the first time',
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
        note: `${adds.length} adds; p99 ${percentile([...adds], 99).toFixed(3)} ms`,
      },
      {
        id: 'analysis.add.p99',
        label: `incremental add onto ${n}, p99`,
        unit: 'ms',
        measured: percentile([...adds], 99),
        note: `p95 ${percentile([...adds], 95).toFixed(3)} ms, max ${Math.max(...adds).toFixed(3)} ms`,
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
