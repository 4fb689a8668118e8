/**
 * The redacted export cannot leak: secrets planted at random places, in random encodings, in generated
 * Prelude, Dynamic and OAuth traffic never survive either export format; and a redacted export re-imports to the
 * same analysis, apart from what needs a signature.
 */
import fc from 'fast-check';
import { base64url } from 'jose';
import { describe, expect, it } from 'vitest';
import { exportLog, type ExportFormat } from '../../../src/core/export/export.ts';
import type { Body, Header, HttpExchange } from '../../../src/core/http/exchange.ts';
import { parseLogFile } from '../../../src/core/http/log-file.ts';
import { analyse } from '../../../src/core/model/analyzer.ts';
import { buildJsonReport, type JsonReport } from '../../../src/core/report/json.ts';
import { aDynamicSession } from '../../fixtures/dynamic.ts';
import { aStepUpFlow } from '../../fixtures/flows.ts';
import { anOAuthSession } from '../../fixtures/rfc9470.ts';

// ---------------------------------------------------------------------------------------------------------------
// Generated traffic of the three providers

type TrafficKind = 'prelude-sms' | 'prelude-kyc' | 'prelude-block' | 'dynamic' | 'oauth';
const TRAFFIC: readonly TrafficKind[] = ['prelude-sms', 'prelude-kyc', 'prelude-block', 'dynamic', 'oauth'];

/** Built once per kind: the fixtures mint real signed tokens, which is the slow part. */
const trafficCache = new Map<TrafficKind, Promise<HttpExchange[]>>();

function traffic(kind: TrafficKind): Promise<HttpExchange[]> {
  let built = trafficCache.get(kind);
  if (built === undefined) {
    built = buildTraffic(kind);
    trafficCache.set(kind, built);
  }
  return built;
}

async function buildTraffic(kind: TrafficKind): Promise<HttpExchange[]> {
  switch (kind) {
    case 'prelude-sms':
      return (await aStepUpFlow({ steps: ['verify_sms'], wrongCodes: 1, consume: 'app' })).exchanges;
    case 'prelude-kyc':
      return (
        await aStepUpFlow({
          steps: ['verify_email', 'kyc_review'],
          nonceRotation: true,
          consume: 'password_reset',
        })
      ).exchanges;
    case 'prelude-block':
      return (await aStepUpFlow({ block: true })).exchanges;
    case 'dynamic': {
      const flow = await aDynamicSession();
      flow.check({ scope: 'wallet:export' });
      flow.sendEmailOtp();
      await flow.verifyOtp({ wrong: true });
      await flow.verifyOtp();
      flow.protectedCall('wallet.export');
      flow.protectedCall('wallet.export', { error: 'token_reused' });
      return flow.exchanges;
    }
    case 'oauth': {
      const flow = await anOAuthSession({ acr: 'urn:example:acr:pwd' });
      flow.call();
      flow.challenge({ acrValues: ['urn:example:acr:mfa'] });
      await flow.stepUp({ acr: 'urn:example:acr:mfa' });
      flow.call();
      await flow.refresh();
      return flow.exchanges;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Secrets and where real traffic puts them

/**
 * A credential as servers mint them: 32 to 48 random bytes, base64url. The bytes come from a seeded generator,
 * not from fast-check's byte arbitrary, which favours small values (and shrinks to `AAAA…`): a token of zeros is
 * not what any server issues.
 */
const tokenSecret = fc
  .tuple(fc.noShrink(fc.integer()), fc.integer({ min: 32, max: 48 }))
  .map(([seed, length]) => base64url.encode(randomBytes(seed, length)));

/** mulberry32: a small seeded generator, enough for test data. */
function randomBytes(seed: number, length: number): Uint8Array {
  let state = seed >>> 0;
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i += 1) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    bytes[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return bytes;
}
/** A one-time code: 6 to 8 digits. */
const otpSecret = fc.integer({ min: 100_000, max: 99_999_999 }).map(String);

interface Plant {
  /** What must not appear in the export, in any encoding. */
  secret: string;
  /** Digits: looked for as a standalone run of digits only. */
  numeric: boolean;
  describe: string;
  apply(exchange: HttpExchange): HttpExchange;
}

const text = (value: string, mimeType?: string): Body =>
  mimeType === undefined ? { kind: 'text', text: value } : { kind: 'text', text: value, mimeType };
const truncated = (value: string, mimeType: string): Body => ({
  kind: 'text',
  text: value,
  mimeType,
  truncated: true,
});
const withRequestHeader = (exchange: HttpExchange, header: Header): HttpExchange => ({
  ...exchange,
  requestHeaders: [...exchange.requestHeaders, header],
});
const withResponseHeader = (exchange: HttpExchange, header: Header): HttpExchange => ({
  ...exchange,
  responseHeaders: [...exchange.responseHeaders, header],
});
const withQuery = (exchange: HttpExchange, query: string): HttpExchange => ({
  ...exchange,
  url: `${exchange.url}${exchange.url.includes('?') ? '&' : '?'}${query}`,
});
const withRequestBody = (exchange: HttpExchange, body: Body): HttpExchange => ({
  ...exchange,
  requestBody: body,
});
const withResponseBody = (exchange: HttpExchange, body: Body): HttpExchange => ({
  ...exchange,
  responseBody: body,
});
const toBase64 = (value: string): string => btoa(String.fromCharCode(...new TextEncoder().encode(value)));

const TOKEN_NAMES = [
  'refresh_token',
  'access_token',
  'token',
  'verification_token',
  'challenge_token',
  'id_token',
  'session_token',
  'elevatedAccessToken',
  'apiKey',
  'client_secret',
];
const TOKEN_HEADERS = [
  'X-Refresh-Token',
  'X-Challenge-Token',
  'x-dyn-elevated-access-token',
  'X-Api-Key',
  'X-Auth-Token',
  'X-Session-Token',
  'X-CSRF-Token',
];
const OTP_NAMES = [
  'code',
  'otp',
  'pin',
  'passcode',
  'one_time_code',
  'verificationToken',
  'otp_code',
  'totpCode',
];

/** Places a random-looking credential goes, in every encoding the issue lists. */
function tokenPlants(secret: string): fc.Arbitrary<Plant> {
  const enc = encodeURIComponent;
  return fc.oneof(
    fc
      .constantFrom(...TOKEN_HEADERS)
      .map((name) => plant(secret, `header ${name}`, (x) => withRequestHeader(x, { name, value: secret }))),
    fc.constant(
      plant(secret, 'Authorization: Bearer', (x) =>
        withRequestHeader(x, { name: 'Authorization', value: `Bearer ${secret}` }),
      ),
    ),
    fc.constant(
      plant(secret, 'an unknown header (shape only)', (x) =>
        withRequestHeader(x, { name: 'X-Trace-Context', value: `v=1; t=${secret}` }),
      ),
    ),
    fc.constant(
      plant(secret, 'Cookie', (x) =>
        withRequestHeader(x, { name: 'Cookie', value: `theme=dark; sid=${secret}` }),
      ),
    ),
    fc.constant(
      plant(secret, 'Set-Cookie, second of newline-joined lines', (x) =>
        withResponseHeader(x, {
          name: 'Set-Cookie',
          value: `theme=dark; Path=/\nsid=${secret}; Path=/; Secure; HttpOnly`,
        }),
      ),
    ),
    fc.constant(
      plant(secret, 'Set-Cookie, second of comma-joined cookies', (x) =>
        withResponseHeader(x, {
          name: 'Set-Cookie',
          value: `theme=dark; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Path=/, __Host-sid=${secret}; Path=/; Secure`,
        }),
      ),
    ),
    fc
      .constantFrom(...TOKEN_NAMES)
      .map((name) => plant(secret, `query ${name}`, (x) => withQuery(x, `${name}=${enc(secret)}`))),
    fc.constant(
      plant(secret, 'query under an unknown name (shape only)', (x) => withQuery(x, `state=${enc(secret)}`)),
    ),
    fc.constant(
      plant(secret, 'URL-encoded inside a redirect_uri', (x) =>
        withQuery(x, `redirect_uri=${enc(`https://app.example.com/cb#access_token=${secret}&state=1`)}`),
      ),
    ),
    fc.constant(
      plant(secret, 'URL fragment', (x) => ({
        ...x,
        url: `${x.url.split('#')[0]}#access_token=${secret}&token_type=Bearer`,
      })),
    ),
    fc.constant(
      plant(secret, 'Location with ?code=', (x) =>
        withResponseHeader(x, {
          name: 'Location',
          value: `https://app.example.com/cb?code=${secret}&state=xyz`,
        }),
      ),
    ),
    fc.constant(
      plant(secret, 'Referer with ?token=', (x) =>
        withRequestHeader(x, { name: 'Referer', value: `https://app.example.com/magic?token=${secret}` }),
      ),
    ),
    fc
      .constantFrom(...TOKEN_NAMES)
      .map((name) =>
        plant(secret, `JSON response ${name}`, (x) =>
          withResponseBody(x, text(JSON.stringify({ ok: true, [name]: secret }), 'application/json')),
        ),
      ),
    fc.constant(
      plant(secret, 'JSON under an unknown key (shape only)', (x) =>
        withResponseBody(x, text(JSON.stringify({ data: { nested: [secret] } }), 'application/json')),
      ),
    ),
    fc.constant(
      plant(secret, 'as an object key', (x) =>
        withResponseBody(
          x,
          text(JSON.stringify({ sessions: { [secret]: { active: true } } }), 'application/json'),
        ),
      ),
    ),
    fc.constant(
      plant(secret, 'JSON-escaped inside a JSON string', (x) =>
        withResponseBody(
          x,
          text(JSON.stringify({ payload: JSON.stringify({ refresh_token: secret }) }), 'application/json'),
        ),
      ),
    ),
    fc.constant(
      plant(secret, 'behind an anti-XSSI prefix', (x) =>
        withResponseBody(x, text(`)]}'\n{"refresh_token":"${secret}"}`, 'application/json')),
      ),
    ),
    fc.constant(
      plant(secret, 'base64 body', (x) =>
        withResponseBody(x, {
          kind: 'base64',
          base64: toBase64(JSON.stringify({ token: secret })),
          mimeType: 'application/json',
        }),
      ),
    ),
    fc.constant(
      plant(secret, 'form body', (x) =>
        withRequestBody(
          x,
          text(`grant_type=refresh_token&refresh_token=${enc(secret)}`, 'application/x-www-form-urlencoded'),
        ),
      ),
    ),
    fc.constant(plant(secret, 'multipart part', (x) => withRequestBody(x, multipart('token', secret)))),
    fc.constant(
      plant(secret, 'text/plain body', (x) =>
        withResponseBody(x, text(`session ok\nrefresh_token: ${secret}\n`, 'text/plain')),
      ),
    ),
    fc.constant(
      plant(secret, 'truncated JSON body', (x) =>
        withResponseBody(x, truncated(`{"refresh_token":"${secret}","more":"cut`, 'application/json')),
      ),
    ),
    fc.constant(
      plant(secret, 'a body that is not UTF-8', (x) =>
        withResponseBody(x, {
          kind: 'base64',
          base64: btoa(`\xff\xfe${secret}`),
          mimeType: 'application/octet-stream',
        }),
      ),
    ),
    fc.constant(
      plant(secret, 'JWT signature, header not eyJ, in text', (x) =>
        withResponseBody(x, text(`token is ${oddJwt(secret)} today`, 'text/plain')),
      ),
    ),
    fc.constant(
      plant(secret, 'JWT signature, header not eyJ, in a header', (x) =>
        withRequestHeader(x, { name: 'Authorization', value: `DPoP ${oddJwt(secret)}` }),
      ),
    ),
  );
}

/** Places an OTP code goes: under any of the usual names, string or number, in every body kind. */
function otpPlants(code: string): fc.Arbitrary<Plant> {
  const numeric = (describe: string, apply: (x: HttpExchange) => HttpExchange): Plant => ({
    ...plant(code, describe, apply),
    numeric: true,
  });
  return fc.oneof(
    fc
      .tuple(fc.constantFrom(...OTP_NAMES), fc.boolean())
      .map(([name, asNumber]) =>
        numeric(`JSON request ${name} as ${asNumber ? 'number' : 'string'}`, (x) =>
          withRequestBody(
            x,
            text(`{"${name}":${asNumber ? code : `"${code}"`},"challenge_token":"x"}`, 'application/json'),
          ),
        ),
      ),
    fc
      .constantFrom(...OTP_NAMES)
      .map((name) =>
        numeric(`form ${name}`, (x) =>
          withRequestBody(x, text(`${name}=${code}&x=1`, 'application/x-www-form-urlencoded')),
        ),
      ),
    fc
      .constantFrom(...OTP_NAMES)
      .map((name) => numeric(`multipart ${name}`, (x) => withRequestBody(x, multipart(name, code)))),
    fc
      .constantFrom(...OTP_NAMES)
      .map((name) =>
        numeric(`text/plain ${name}:`, (x) => withRequestBody(x, text(`${name}: ${code}`, 'text/plain'))),
      ),
    fc.constant(
      numeric('a sentence in text/plain', (x) =>
        withResponseBody(x, text(`Your code is ${code}. It expires soon.`, 'text/plain')),
      ),
    ),
    fc
      .constantFrom(...OTP_NAMES)
      .map((name) => numeric(`query ${name}`, (x) => withQuery(x, `${name}=${code}`))),
    fc.constant(
      numeric('behind an anti-XSSI prefix', (x) =>
        withRequestBody(x, text(`)]}',\n{"pin":${code}}`, 'application/json')),
      ),
    ),
    fc.constant(
      numeric('truncated JSON body', (x) =>
        withRequestBody(x, truncated(`{"otp":"${code}","phone":"+1415555`, 'application/json')),
      ),
    ),
    fc.constant(
      numeric('base64 JSON body', (x) =>
        withRequestBody(x, {
          kind: 'base64',
          base64: toBase64(`{"passcode":"${code}"}`),
          mimeType: 'application/json',
        }),
      ),
    ),
  );
}

function plant(secret: string, describe: string, apply: (x: HttpExchange) => HttpExchange): Plant {
  return { secret, numeric: false, describe, apply };
}

function multipart(name: string, value: string): Body {
  const boundary = '----stepup7MA4YWxkTrZu0gW';
  const body =
    `--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n` +
    `--${boundary}--\r\n`;
  return text(body, `multipart/form-data; boundary=${boundary}`);
}

/** A JWS whose header was serialised with a space first, so its base64url does not start with `eyJ`. */
function oddJwt(signature: string): string {
  const header = base64url.encode(' {"alg":"HS256","typ":"JWT"}');
  const payload = base64url.encode('{"sub":"user-1","scope":"transfer:write"}');
  return `${header}.${payload}.${signature}`;
}

const plants = fc.array(
  fc.oneof(
    tokenSecret.chain((secret) => tokenPlants(secret)),
    otpSecret.chain((code) => otpPlants(code)),
  ),
  { minLength: 1, maxLength: 4 },
);

/** Each plant goes into a chosen exchange of the traffic. */
function applyPlants(
  exchanges: readonly HttpExchange[],
  planted: readonly Plant[],
  picks: readonly number[],
): HttpExchange[] {
  const out = [...exchanges];
  planted.forEach((p, i) => {
    const index = (picks[i] ?? 0) % out.length;
    out[index] = p.apply(out[index] as HttpExchange);
  });
  return out;
}

/** Every way the export could still hold `secret`: as is, URL-encoded, JSON-escaped, inside a base64 body. */
function leaks(file: string, p: Plant): string | undefined {
  const texts = [file];
  const parsed = parseLogFile(file);
  if (parsed.ok) {
    for (const x of parsed.exchanges) {
      for (const body of [x.requestBody, x.responseBody]) {
        if (body.kind === 'base64')
          texts.push(new TextDecoder().decode(Uint8Array.from(atob(body.base64), (c) => c.charCodeAt(0))));
      }
    }
  }
  const forms = [
    p.secret,
    encodeURIComponent(p.secret),
    JSON.stringify(p.secret).slice(1, -1),
    toBase64(p.secret),
  ];
  for (const t of texts) {
    if (p.numeric) {
      if (new RegExp(`(?<!\\d)${p.secret}(?!\\d)`).test(t)) return `${p.describe}: code ${p.secret} kept`;
    } else {
      for (const form of forms) if (t.includes(form)) return `${p.describe}: ${form} kept`;
    }
  }
  return undefined;
}

describe('a redacted export cannot leak', () => {
  it('keeps no planted secret, in any encoding, in HAR or inspector JSON', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...TRAFFIC),
        plants,
        fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
        fc.constantFrom<ExportFormat>('har', 'json'),
        async (kind, planted, picks, format) => {
          const exchanges = applyPlants(await traffic(kind), planted, picks);
          const file = exportLog(exchanges, { format, redact: true, now: 0 });
          for (const p of planted) expect(leaks(file.text, p)).toBeUndefined();
          // The file is readable again and says it is redacted.
          const parsed = parseLogFile(file.text);
          expect(parsed.ok).toBe(true);
          if (parsed.ok) expect(parsed.exchanges).toHaveLength(exchanges.length);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps no token signature, refresh token or OTP code of the generated traffic itself', async () => {
    for (const kind of TRAFFIC) {
      const exchanges = await traffic(kind);
      const secrets = new Set<string>();
      const collect = (value: string): void => {
        for (const match of value.matchAll(/eyJ[\w-]+\.[\w-]+\.([\w-]{20,})/g)) secrets.add(match[1] ?? '');
      };
      for (const x of exchanges) {
        collect(x.url);
        for (const h of [...x.requestHeaders, ...x.responseHeaders]) {
          collect(h.value);
          if (/refresh-token$/i.test(h.name)) secrets.add(h.value);
        }
        for (const body of [x.requestBody, x.responseBody]) if (body.kind === 'text') collect(body.text);
      }
      expect(secrets.size).toBeGreaterThan(0);
      for (const format of ['har', 'json'] as const) {
        const file = exportLog(exchanges, { format, redact: true, now: 0 }).text;
        for (const secret of secrets) expect(file.includes(secret), `${kind} ${format}`).toBe(false);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The analysis of the re-imported export

/** Findings that need a secret the export no longer holds: `ath` hashes the whole access token. */
const SECRET_DEPENDENT = new Set(['dpop.ath_mismatch']);

/** What a reader of the analysis relies on: challenges, steps, statuses, scopes, grants, finding codes. */
function essentials(report: JsonReport): unknown {
  return {
    challenges: report.challenges.map((c) => ({
      provider: c.provider,
      challengeId: c.challengeId,
      scope: c.scope,
      status: c.status,
      steps: c.steps.map((s) => ({ key: s.key, done: s.done })),
      codeSends: c.codeSends,
      codeChecks: c.codeChecks,
      scopeGranted: c.scopeGranted,
    })),
    summary: { ...report.summary, findings: undefined },
    findings: report.findings
      .filter((f) => !SECRET_DEPENDENT.has(f.code))
      .map((f) => `${f.exchange}:${f.code}`)
      .sort(),
  };
}

describe('a redacted export re-imports to the same analysis', () => {
  it('for every provider, with secrets planted anywhere, in both formats', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...TRAFFIC),
        plants,
        fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
        fc.constantFrom<ExportFormat>('har', 'json'),
        async (kind, planted, picks, format) => {
          // Plants that replace a body change what the analysis can read, redacted or not: header and URL plants
          // only, so the comparison is about redaction alone.
          const quiet = planted.filter(
            (p) => !/body|JSON|multipart|form|text|XSSI|object key/i.test(p.describe),
          );
          const exchanges = applyPlants(await traffic(kind), quiet, picks);
          const parsed = parseLogFile(exportLog(exchanges, { format, redact: true, now: 0 }).text);
          expect(parsed.ok).toBe(true);
          if (!parsed.ok) return;
          const original = buildJsonReport(await analyse(exchanges));
          const reimported = buildJsonReport(await analyse(parsed.exchanges));
          expect(essentials(reimported)).toEqual(essentials(original));
        },
      ),
      { numRuns: 40 },
    );
  });
});
