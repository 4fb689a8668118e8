import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { REDACTED_SIGNATURE } from '../../../src/core/export/redact.ts';
import {
  RequestCodeError,
  isUnsafeChar,
  jsString,
  requestAsCode,
  requestCodeProblem,
  shellString,
} from '../../../src/core/export/request-code.ts';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import { anExchange } from '../../fixtures/exchanges.ts';
import { anAccessToken, aDpopProof } from '../../fixtures/tokens.ts';

/** A scratch folder a hostile string would write to if the shell ever ran part of it. */
const scratch = mkdtempSync(join(tmpdir(), 'request-code-'));
const canary = join(scratch, 'pwned');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * Runs `command` as bash reads a paste (from its input, not as an argument), with `curl`, `base64` and `printf`
 * left as they are but `curl` replaced by a function that prints each argument it receives NUL-terminated: the
 * words the shell made of the paste, and nothing else run.
 */
function curlArgs(command: string): { args: string[]; stdin: string } {
  const script = `curl() { printf '%s\\0' "$@"; printf 'STDIN:'; if [ ! -t 0 ]; then cat; fi; }\n${command}\n`;
  const run = spawnSync('bash', ['--norc', '--noprofile'], {
    input: script,
    cwd: scratch,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: scratch },
  });
  expect(run.stderr.toString('utf8')).toBe('');
  expect(run.status).toBe(0);
  const out = run.stdout.toString('utf8');
  const at = out.lastIndexOf('STDIN:');
  const args = out.slice(0, at).split('\0').slice(0, -1);
  return { args, stdin: out.slice(at + 'STDIN:'.length) };
}

/** Evaluates a copied `fetch(…)` with a recording `fetch` and nothing else in scope. */
function fetchCall(code: string): { url: unknown; init: Record<string, unknown>; calls: number } {
  const calls: { url: unknown; init: Record<string, unknown> }[] = [];
  const sandbox = {
    fetch: (url: unknown, init: Record<string, unknown>) => {
      calls.push({ url, init });
    },
    atob: (s: string) => Buffer.from(s, 'base64').toString('latin1'),
    Uint8Array,
    pwned: false,
  };
  runInNewContext(code, sandbox);
  expect(sandbox.pwned).toBe(false);
  expect(calls).toHaveLength(1);
  const [call] = calls;
  return { url: call?.url, init: call?.init ?? {}, calls: calls.length };
}

/** Strings an attacker controls in a captured or imported request, each trying to break out of its quoting. */
const HOSTILE = [
  `it's "quoted" \\ back\\slash`,
  '$(touch pwned) `touch pwned` ${IFS} $HOME',
  "'; touch pwned; echo '",
  '"); pwned = true; ("',
  '`; pwned = true; `${pwned = true}',
  'line one\nline two\r\n\ttabbed',
  'bell\u0007 esc\u001b[31m red \u001b[201~ end of paste; touch pwned',
  'c1\u009b31m del\u007f nul-free',
  'bidi \u202eevil\u202c zero\u200bwidth \u2028sep\u2029 bom\ufeff',
  'unicode é ü 中文 🔐 emoji',
  'lone \ud800 surrogate',
  '!! !$ history !-1',
  '*glob?[a] ~ #comment',
];

/** A lone surrogate has no UTF-8 form: it is sent, as a browser sends it, as U+FFFD (String#toWellFormed). */
function wellFormed(value: string): string {
  return value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

const TEXT_OF_UNSAFE = (text: string) => [...text].filter((c) => isUnsafeChar(c.codePointAt(0) as number));

describe('shellString', () => {
  it.each(HOSTILE)('bash reads back exactly the string, runs nothing: %j', (value) => {
    const quoted = shellString(value);
    const { args } = curlArgs(`curl ${quoted}`);
    expect(args).toEqual([wellFormed(value)]);
    expect(existsSync(canary)).toBe(false);
    // The pasted text itself holds no control, bidi or invisible character.
    expect(TEXT_OF_UNSAFE(quoted)).toEqual([]);
    expect(quoted).not.toContain('\n');
  });

  it('printable text is single-quoted as is', () => {
    expect(shellString('a b $x `y`')).toBe("'a b $x `y`'");
    expect(shellString("it's")).toBe(`'it'\\''s'`);
  });

  it('any string is read back exactly by bash (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 4 }), (values) => {
        const safe = values.map((v) => v.replace(/\0/g, ''));
        const { args } = curlArgs(`curl ${safe.map(shellString).join(' ')}`);
        expect(args).toEqual(safe.map((v) => wellFormed(v)));
      }),
      { numRuns: 30 },
    );
    expect(existsSync(canary)).toBe(false);
  });
});

describe('jsString', () => {
  it.each(HOSTILE)('evaluates back to exactly the string: %j', (value) => {
    const literal = jsString(value);
    expect(runInNewContext(literal, { pwned: false })).toBe(value);
    expect(TEXT_OF_UNSAFE(literal)).toEqual([]);
  });

  it('any string evaluates back to itself (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        expect(runInNewContext(jsString(value))).toBe(value);
      }),
    );
  });
});

async function signedRequest(): Promise<{ exchange: HttpExchange; access: string; proof: string }> {
  const access = await anAccessToken();
  const proof = await aDpopProof();
  const exchange = anExchange({
    path: '/otp/check',
    requestHeaders: {
      Authorization: `DPoP ${access}`,
      DPoP: proof,
      Cookie: 'theme=dark; __refresh=r3fr3sh-s3cr3t-v4lu3-0123456789abcdef',
      'Accept-Encoding': 'gzip, br',
      'Content-Length': '99',
      Referer: 'https://app.example.com/settings',
      ':authority': 'demo.session.prelude.dev',
    },
    requestJson: { code: '482913', password: 'hunter2hunter2', refresh_token: 'rt_9f8e7d6c5b4a39281706' },
  });
  return { exchange, access, proof };
}

const SECRETS = [
  '482913',
  'hunter2hunter2',
  'rt_9f8e7d6c5b4a39281706',
  'r3fr3sh-s3cr3t-v4lu3-0123456789abcdef',
];

describe('requestAsCode: cURL', () => {
  it('redacted by default: tokens keep header.payload with the redacted signature, codes and cookies replaced', async () => {
    const { exchange, access, proof } = await signedRequest();
    const { text, redacted } = requestAsCode(exchange, { format: 'curl' });
    for (const secret of [...SECRETS, access.split('.')[2], proof.split('.')[2]])
      expect(text).not.toContain(secret);
    const [header, payload] = access.split('.');
    expect(text).toContain(`${header}.${payload}.${REDACTED_SIGNATURE}`);
    expect(redacted.join('\n')).toMatch(/token signature/);
    expect(redacted.join('\n')).toMatch(/OTP code/);

    const { args } = curlArgs(text);
    expect(args[0]).toBe(exchange.url);
    expect(args).not.toContain('-X'); // POST is implied by the body
    expect(args).toContain('--compressed');
    const sentHeaders = args.filter((_, i) => args[i - 1] === '-H');
    expect(sentHeaders.map((h) => h.split(':')[0]?.toLowerCase())).toEqual([
      'accept',
      'content-type',
      'x-sdk-user-agent',
      'authorization',
      'dpop',
      'cookie',
      'referer',
    ]);
    const body = JSON.parse(args[args.indexOf('--data-raw') + 1] ?? '') as Record<string, unknown>;
    expect(body['code']).toBe('REDACTED');
    expect(body['password']).toBe('REDACTED');
    expect(String(body['refresh_token'])).toMatch(/^REDACTED-refresh-token-\d+$/);
  });

  it('with secrets: the request as sent, word for word', async () => {
    const { exchange, access, proof } = await signedRequest();
    const { text, redacted } = requestAsCode(exchange, { format: 'curl', withSecrets: true });
    expect(redacted).toEqual([]);
    const { args } = curlArgs(text);
    expect(args).toContain(`Authorization: DPoP ${access}`);
    expect(args).toContain(`DPoP: ${proof}`);
    const body = JSON.parse(args[args.indexOf('--data-raw') + 1] ?? '') as Record<string, unknown>;
    expect(body['code']).toBe('482913');
  });

  it('hostile header values, names, URL and method stay words: nothing runs, each arrives intact', () => {
    for (const value of HOSTILE) {
      const exchange = anExchange({
        method: 'PUT',
        path: `https://api.example.com/a?q=${encodeURIComponent(wellFormed(value))}`,
        requestHeaders: { 'X-Note': value.replace(/\n/g, ' ') },
        requestBody: { kind: 'text', text: value },
      });
      const { text } = requestAsCode(exchange, { format: 'curl', withSecrets: true });
      const { args } = curlArgs(text);
      const sane = (s: string) => wellFormed(s);
      expect(args[0]).toBe(exchange.url);
      expect(args.slice(1, 3)).toEqual(['-X', 'PUT']);
      expect(args).toContain(sane(`X-Note: ${value.replace(/\n/g, ' ').replace(/\r$/, '')}`));
      expect(args[args.indexOf('--data-raw') + 1]).toBe(sane(value));
      expect(TEXT_OF_UNSAFE(text.replace(/\n {2}/g, ''))).toEqual([]);
      expect(existsSync(canary)).toBe(false);
    }
  });

  it('a multi-line (HAR-joined) header becomes one -H per line; an empty value is sent as `Name;`', () => {
    const exchange = anExchange({
      method: 'GET',
      path: 'https://api.example.com/',
      requestHeaders: { 'X-Multi': 'a\nb', 'X-Empty': '' },
    });
    const { args } = curlArgs(requestAsCode(exchange, { format: 'curl', withSecrets: true }).text);
    expect(args).toContain('X-Multi: a');
    expect(args).toContain('X-Multi: b');
    expect(args).toContain('X-Empty;');
    expect(args).not.toContain('--data-raw');
  });

  it('a binary body goes through base64 -d on a pipe, byte for byte', () => {
    const bytes = Buffer.from([0, 1, 2, 255, 39, 10, 36]);
    const exchange = anExchange({
      method: 'POST',
      path: 'https://api.example.com/upload',
      requestBody: { kind: 'base64', base64: bytes.toString('base64') },
    });
    const { text } = requestAsCode(exchange, { format: 'curl', withSecrets: true });
    const script = `curl() { cat | od -An -tx1 | tr -d ' \\n'; }\n${text}\n`;
    const run = spawnSync('bash', ['--norc'], { input: script, encoding: 'utf8', cwd: scratch });
    expect(run.stdout).toBe(bytes.toString('hex'));
  });

  it('a body the redaction dropped is left out with a comment saying so', () => {
    const exchange = anExchange({
      path: 'https://api.example.com/upload',
      requestBody: { kind: 'text', text: '{"code": 1234', mimeType: 'application/json' },
    });
    const { text } = requestAsCode(exchange, { format: 'curl' });
    expect(text.split('\n')[0]).toMatch(/^# request body left out by the redaction/);
    const { args } = curlArgs(text);
    expect(args).not.toContain('--data-raw');
    expect(args).toContain('-X');
  });
});

describe('requestAsCode: fetch', () => {
  it('redacted by default; forbidden headers left out, cookies as credentials, Referer as referrer', async () => {
    const { exchange, access } = await signedRequest();
    const { text } = requestAsCode(exchange, { format: 'fetch' });
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    const { url, init } = fetchCall(text);
    expect(url).toBe(exchange.url);
    expect(init['method']).toBe('POST');
    const headers = init['headers'] as Record<string, string>;
    expect(Object.keys(headers)).toEqual([
      'Accept',
      'Content-Type',
      'X-SDK-User-Agent',
      'Authorization',
      'DPoP',
    ]);
    const [h, p] = access.split('.');
    expect(headers['Authorization']).toBe(`DPoP ${h}.${p}.${REDACTED_SIGNATURE}`);
    expect(init['credentials']).toBe('include');
    expect(init['referrer']).toBe('https://app.example.com/settings');
    expect((JSON.parse(String(init['body'])) as Record<string, unknown>)['code']).toBe('REDACTED');
  });

  it('hostile values evaluate to themselves; nothing else runs', () => {
    for (const value of HOSTILE) {
      const exchange = anExchange({
        method: 'PATCH',
        path: `https://api.example.com/?q=${encodeURIComponent(wellFormed(value))}`,
        requestHeaders: { 'X-Note': value, [`X-${value.slice(0, 5)}`]: 'name' },
        requestBody: { kind: 'text', text: value },
      });
      const { text } = requestAsCode(exchange, { format: 'fetch', withSecrets: true });
      expect(TEXT_OF_UNSAFE(text.replace(/\n/g, ''))).toEqual([]);
      const { init } = fetchCall(text);
      expect((init['headers'] as Record<string, string>)['X-Note']).toBe(
        value
          .split('\n')
          .map((line) => line.replace(/\r$/, ''))
          .join(', '),
      );
      expect(init['body']).toBe(value);
      expect(init['method']).toBe('PATCH');
    }
  });

  it('a binary body becomes bytes again', () => {
    const bytes = Buffer.from([0, 200, 34, 92]);
    const exchange = anExchange({
      path: 'https://api.example.com/',
      requestBody: { kind: 'base64', base64: bytes.toString('base64') },
    });
    const { init } = fetchCall(requestAsCode(exchange, { format: 'fetch', withSecrets: true }).text);
    expect([...(init['body'] as Uint8Array)]).toEqual([...bytes]);
  });
});

describe('requests that are no HTTP request', () => {
  it('a non-http URL or a method that is no token is a RequestCodeError, named by requestCodeProblem', () => {
    const bad = [
      anExchange({ path: 'https://x.test/', method: 'GET\nrm -rf' }),
      { ...anExchange({}), url: 'javascript:alert(1)' },
      { ...anExchange({}), url: 'not a url' },
    ];
    for (const exchange of bad) {
      expect(requestCodeProblem(exchange)).toEqual(expect.any(String));
      expect(() => requestAsCode(exchange, { format: 'curl' })).toThrow(RequestCodeError);
    }
    expect(requestCodeProblem(anExchange({}))).toBeNull();
  });
});
