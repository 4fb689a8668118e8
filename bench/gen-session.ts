/**
 * Mints a realistic capture for the benchmarks: several devices (each with its own DPoP key, session, nonces and
 * refresh-token chain) logging in and running step-ups concurrently, with real signed tokens and proofs
 * (test/fixtures builders, jose). The mix: OTP and custom steps, wrong codes, resends, nonce rotations,
 * single-use grants consumed by the app's API then dropped from the token, session-bound grants, blocked and
 * refused requests, expired challenges, and ordinary app traffic.
 *
 * The plan is drawn from a seeded PRNG first and its exchange count computed exactly, so the capture has exactly
 * the requested number of exchanges and challenges.
 *
 * As a script: `npx tsx bench/gen-session.ts out.har [exchanges] [challenges]` writes a HAR.
 */
import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import type { HttpExchange } from '../src/core/http/exchange.ts';
import { toHar } from '../src/core/http/har.ts';
import { Flow } from '../test/fixtures/flows.ts';
import { T0 } from '../test/fixtures/tokens.ts';

export interface GenOptions {
  exchanges: number;
  challenges: number;
  /** Devices running concurrently. At most 24, so every device key stays in the DPoP key cache. */
  devices?: number;
  seed?: number;
}

export interface GeneratedSession {
  /** Exactly `exchanges` exchanges, in start-time order. */
  exchanges: HttpExchange[];
  /** The devices, left where the capture ends: `continueSession` adds more traffic from them. */
  flows: Flow[];
  challenges: number;
}

type ChallengeKind = 'ok' | 'blocked' | 'refused' | 'expired';

interface ChallengePlan {
  device: number;
  kind: ChallengeKind;
  scope: string;
  mode: 'single-use' | 'session-bound';
  steps: string[];
  wrongCodes: number;
  resend: boolean;
  nonceRotation: boolean;
  /** App GETs before the step-up. */
  filler: number;
}

const SCOPES = ['transfer:write', 'wallet:export', 'payee:add', 'profile:update'];

/** Mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function drawPlan(random: () => number, device: number, index: number): ChallengePlan {
  const r = random();
  const kind: ChallengeKind = r < 0.02 ? 'blocked' : r < 0.03 ? 'refused' : r < 0.06 ? 'expired' : 'ok';
  const s = random();
  const steps = s < 0.25 ? ['verify_sms', 'kyc_review'] : s < 0.4 ? ['verify_email'] : ['verify_sms'];
  return {
    device,
    kind,
    scope: SCOPES[index % SCOPES.length] as string,
    mode: random() < 0.8 ? 'single-use' : 'session-bound',
    steps,
    wrongCodes: random() < 0.25 ? 1 : 0,
    resend: random() < 0.1,
    nonceRotation: random() < 0.2,
    filler: 0,
  };
}

/** Exchanges a plan produces (must match {@link runPlan}). */
function planSize(plan: ChallengePlan): number {
  let n = plan.filler + 1; // filler GETs, /stepup/request
  if (plan.kind === 'blocked' || plan.kind === 'refused') return n;
  if (plan.kind === 'expired') return n + 3; // /otp, late /otp/check, /refresh of the idle session
  for (const step of plan.steps) {
    if (step === 'kyc_review') n += 1;
    else n += 2 + plan.wrongCodes + (plan.resend ? 1 : 0);
  }
  n += plan.nonceRotation ? 2 : 1; // /refresh with step_up_token (after a use_dpop_nonce)
  n += 1; // the protected app call
  if (plan.mode === 'single-use') n += 1; // /refresh that drops the consumed scope
  return n;
}

async function runPlan(flow: Flow, plan: ChallengePlan): Promise<void> {
  for (let i = 0; i < plan.filler; i += 1) flow.appCall({ path: '/api/balance', method: 'GET' });
  if (plan.kind === 'blocked') {
    await flow.stepUp({ scope: plan.scope, block: true });
    return;
  }
  if (plan.kind === 'refused') {
    await flow.stepUp({ scope: plan.scope, error: 'scope_not_allowed' });
    return;
  }
  const challenge = await flow.stepUp({
    scope: plan.scope,
    steps: plan.steps,
    grantMode: plan.mode,
    expiresIn: 600,
  });
  if (plan.kind === 'expired') {
    flow.otpSend(challenge);
    flow.wait(660_000);
    await flow.otpCheck(challenge); // refused: bad_check_code, the challenge expired
    await flow.refresh(); // the access token expired meanwhile; the SDK refreshes before the next call
    return;
  }
  for (const step of plan.steps) {
    if (step === 'kyc_review') {
      await flow.continueStep(challenge);
      continue;
    }
    flow.otpSend(challenge);
    if (plan.resend) flow.otpRetry();
    for (let i = 0; i < plan.wrongCodes; i += 1) await flow.otpCheck(challenge, { wrong: true });
    await flow.otpCheck(challenge);
  }
  await flow.completeStepUp(challenge, { nonceRotation: plan.nonceRotation });
  flow.appCall({ path: `/api/${plan.scope.split(':')[0] ?? 'action'}` });
  if (plan.mode === 'single-use') await flow.refresh({ drop: [plan.scope] });
}

/** Generates a capture of exactly `exchanges` exchanges holding exactly `challenges` step-up requests. */
export async function generateSession(options: GenOptions): Promise<GeneratedSession> {
  const devices = Math.max(1, Math.min(options.devices ?? 20, 24));
  const random = prng(options.seed ?? 9470);
  const plans: ChallengePlan[] = [];
  for (let i = 0; i < options.challenges; i += 1) plans.push(drawPlan(random, i % devices, i));
  const loginSize = 2 * devices;
  let size = loginSize + plans.reduce((n, p) => n + planSize(p), 0);
  if (size > options.exchanges) {
    throw new Error(
      `${options.challenges} challenges need at least ${size} exchanges; asked for ${options.exchanges}`,
    );
  }
  // Spread the remaining exchanges as app traffic before the step-ups.
  for (let i = 0; size < options.exchanges; i = (i + 1) % plans.length, size += 1)
    (plans[i] as ChallengePlan).filler += 1;

  const flows = Array.from(
    { length: devices },
    (_, d) =>
      new Flow({
        keyName: `bench-device-${d}`,
        sub: `usr_${d}`,
        sid: `ses_${d}`,
        idPrefix: `d${d}-`,
        start: T0 * 1000 + d * 53,
        stepMs: 400 + ((d * 37) % 300),
      }),
  );
  await Promise.all(flows.map((flow) => flow.login()));
  // Devices run their plans in parallel (each device in order), like concurrent users behind one proxy.
  await Promise.all(
    flows.map(async (flow, d) => {
      for (const plan of plans) if (plan.device === d) await runPlan(flow, plan);
    }),
  );
  const exchanges = mergeByTime(flows.map((f) => f.exchanges));
  if (exchanges.length !== options.exchanges) {
    throw new Error(`generator bug: planned ${options.exchanges} exchanges, made ${exchanges.length}`);
  }
  return { exchanges, flows, challenges: plans.length };
}

/**
 * More traffic from the same devices (sessions, keys and nonces continue): `count` exchanges starting where
 * the capture ended, for measuring incremental adds to a model that already holds the capture.
 */
export async function continueSession(
  session: GeneratedSession,
  count: number,
  seed = 1,
): Promise<HttpExchange[]> {
  const random = prng(seed);
  const marks = session.flows.map((f) => f.exchanges.length);
  let made = 0;
  for (let i = 0; made < count; i += 1) {
    const device = i % session.flows.length;
    const flow = session.flows[device] as Flow;
    const plan = drawPlan(random, device, i);
    plan.kind = 'ok';
    plan.filler = 3; // the same share of ordinary app traffic as the main capture
    await runPlan(flow, plan);
    made += planSize(plan);
  }
  const tail = mergeByTime(session.flows.map((f, d) => f.exchanges.slice(marks[d])));
  return tail.slice(0, count);
}

function mergeByTime(lists: HttpExchange[][]): HttpExchange[] {
  const all = lists.flatMap((list, device) => list.map((exchange, i) => ({ exchange, device, i })));
  all.sort((a, b) => a.exchange.startedAt - b.exchange.startedAt || a.device - b.device || a.i - b.i);
  return all.map((e) => e.exchange);
}

/** The capture as HAR text, as DevTools would save it. */
export function toHarText(exchanges: readonly HttpExchange[]): string {
  return JSON.stringify(toHar(exchanges, { creator: { name: 'WebInspector', version: '537.36' } }));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [out = 'session.har', exchanges = '10000', challenges = '1000'] = process.argv.slice(2);
  const session = await generateSession({ exchanges: Number(exchanges), challenges: Number(challenges) });
  await writeFile(out, toHarText(session.exchanges));
  console.log(`wrote ${out}: ${session.exchanges.length} exchanges, ${session.challenges} challenges`);
}
