import { describe, expect, it } from 'vitest';
import { capBody, findMergeTarget, isSameRequest, mergeExchanges } from '../../../src/core/capture/merge.ts';
import { isStepUpApiUrl, isStepUpRelatedHeaders } from '../../../src/core/capture/relevance.ts';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import { anExchange, jsonBody } from '../../fixtures/exchanges.ts';

function seenBy(
  source: HttpExchange['sources'][number],
  base: HttpExchange,
  patch: Partial<HttpExchange> = {},
): HttpExchange {
  return { ...base, sources: [source], ...patch };
}

describe('relevance', () => {
  it('recognises step-up API paths on any host, not in query strings', () => {
    expect(isStepUpApiUrl('https://auth.example.com/v1/session/refresh')).toBe(true);
    expect(isStepUpApiUrl('https://app.dynamicauth.com/api/v0/sdk/3f1c/stepUp/check')).toBe(true);
    expect(isStepUpApiUrl('https://example.com/login?next=/v1/session/refresh')).toBe(false);
    expect(isStepUpApiUrl('https://example.com/app.js')).toBe(false);
  });

  it('keeps protected calls that carry a bearer JWT or answer with a Bearer challenge', () => {
    expect(isStepUpRelatedHeaders(['authorization'], 'Bearer aaa.bbb.ccc', undefined)).toBe(true);
    expect(isStepUpRelatedHeaders(['authorization'], 'Bearer opaque-token', undefined)).toBe(false);
    expect(isStepUpRelatedHeaders([], undefined, 'Bearer error="insufficient_user_authentication"')).toBe(
      true,
    );
    expect(isStepUpRelatedHeaders(['x-dyn-elevated-access-token'], undefined, undefined)).toBe(true);
    expect(isStepUpRelatedHeaders(['accept'], undefined, 'Basic realm="x"')).toBe(false);
    expect(isStepUpRelatedHeaders([], undefined, 'Basic realm="x", Bearer error="insufficient_scope"')).toBe(
      true,
    );
    expect(isStepUpRelatedHeaders([], undefined, 'Basic realm="bearer-land"')).toBe(false);
  });
});

describe('merging captures of one request', () => {
  const base = anExchange({
    path: '/stepup/request',
    requestHeaders: { DPoP: 'proof-1' },
    requestJson: { scope: 'transfer:write' },
  });

  it('merges webRequest headers with the DevTools response body', () => {
    const wr = seenBy('webrequest', base, { responseBody: { kind: 'absent' } });
    const dt = seenBy('devtools', base, {
      startedAt: base.startedAt + 40,
      responseBody: jsonBody({ status: 'review' }),
    });
    expect(isSameRequest(wr, dt)).toBe(true);
    const merged = mergeExchanges(wr, dt);
    expect(merged.sources).toEqual(['webrequest', 'devtools']);
    expect(merged.responseBody).toEqual(jsonBody({ status: 'review' }));
    expect(merged.startedAt).toBe(base.startedAt);
  });

  it('keeps two captures by the same source apart (real SDK retries)', () => {
    expect(isSameRequest(seenBy('webrequest', base), seenBy('webrequest', base))).toBe(false);
  });

  it('tells requests apart by their DPoP proof, then by body and status', () => {
    const wr = seenBy('webrequest', base);
    expect(
      isSameRequest(wr, seenBy('devtools', base, { requestHeaders: [{ name: 'DPoP', value: 'proof-2' }] })),
    ).toBe(false);
    const noProof = { ...base, requestHeaders: [] };
    expect(
      isSameRequest(
        seenBy('webrequest', noProof),
        seenBy('page-hook', noProof, { requestBody: jsonBody({ scope: 'other' }) }),
      ),
    ).toBe(false);
    expect(isSameRequest(seenBy('webrequest', noProof), seenBy('page-hook', noProof, { status: 500 }))).toBe(
      false,
    );
    expect(isSameRequest(wr, seenBy('devtools', base, { startedAt: base.startedAt + 10_000 }))).toBe(false);
  });

  it('finds the newest matching capture', () => {
    const log = [
      seenBy('webrequest', base, { id: 'a' }),
      seenBy('webrequest', base, { id: 'b', startedAt: base.startedAt + 11_000 }),
    ];
    expect(findMergeTarget(log, seenBy('devtools', base, { startedAt: base.startedAt + 11_050 }))).toBe(1);
    expect(findMergeTarget(log, seenBy('devtools', base, { url: 'https://elsewhere/v1/session/x' }))).toBe(
      -1,
    );
  });

  it('keeps page-reported marks and prefers complete bodies', () => {
    const hook = seenBy('page-hook', base, {
      pageReported: true,
      responseBody: { kind: 'text', text: '{"st', truncated: true },
    });
    const dt = seenBy('devtools', base, { responseBody: jsonBody({ status: 'review' }) });
    const merged = mergeExchanges(hook, dt);
    expect(merged.pageReported).toBe(true);
    expect(merged.responseBody).toEqual(jsonBody({ status: 'review' }));
  });

  it('caps bodies and remembers the original size', () => {
    const { body, truncated } = capBody({ kind: 'text', text: 'x'.repeat(100) }, 10);
    expect(truncated).toBe(true);
    expect(body).toEqual({ kind: 'text', text: 'x'.repeat(10), truncated: true, size: 100 });
    expect(capBody({ kind: 'absent' }, 10).truncated).toBe(false);
  });
});
