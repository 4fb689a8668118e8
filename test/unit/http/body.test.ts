import { describe, expect, it } from 'vitest';
import {
  MAX_JSON_BODY_LENGTH,
  bodyJson,
  bodyJsonObject,
  bodyText,
  jsonBody,
  textBody,
} from '../../../src/core/http/body.ts';
import type { Body } from '../../../src/core/http/exchange.ts';

function base64Of(text: string): string {
  const bytes = new TextEncoder().encode(text);
  return btoa(String.fromCharCode(...bytes));
}

describe('bodyText', () => {
  it('returns text bodies as they are, including the empty string', () => {
    expect(bodyText({ kind: 'text', text: '{"a":1}' })).toBe('{"a":1}');
    expect(bodyText({ kind: 'text', text: '' })).toBe('');
  });

  it('decodes base64 bodies as UTF-8', () => {
    expect(bodyText({ kind: 'base64', base64: base64Of('héllo ✓ 🔐') })).toBe('héllo ✓ 🔐');
  });

  it('returns undefined for absent bodies and for base64 that does not decode', () => {
    expect(bodyText({ kind: 'absent' })).toBeUndefined();
    expect(bodyText({ kind: 'base64', base64: '***not base64***' })).toBeUndefined();
  });

  it('replaces invalid UTF-8 instead of failing', () => {
    expect(bodyText({ kind: 'base64', base64: btoa('\xff\xfe') })).toBe('\ufffd\ufffd');
  });

  it('returns the captured part of a truncated body', () => {
    expect(bodyText({ kind: 'text', text: '{"challenge_to', truncated: true })).toBe('{"challenge_to');
  });
});

describe('bodyJson', () => {
  it('parses text and base64 JSON', () => {
    expect(bodyJson({ kind: 'text', text: '{"code":"123456"}' })).toEqual({
      ok: true,
      value: { code: '123456' },
    });
    expect(bodyJson({ kind: 'base64', base64: base64Of('[1,"é"]') })).toEqual({ ok: true, value: [1, 'é'] });
  });

  it('skips a leading byte-order mark', () => {
    expect(bodyJson({ kind: 'text', text: '\ufeff{"a":true}' })).toEqual({ ok: true, value: { a: true } });
  });

  it.each<[string, Body, string]>([
    ['absent', { kind: 'absent' }, 'absent'],
    ['empty', { kind: 'text', text: '' }, 'empty'],
    ['whitespace only', { kind: 'text', text: ' \n\t' }, 'empty'],
    ['empty base64', { kind: 'base64', base64: '' }, 'empty'],
    ['not JSON', { kind: 'text', text: '<html>' }, 'not_json'],
    ['undecodable base64', { kind: 'base64', base64: '@@@' }, 'not_json'],
    ['truncated', { kind: 'text', text: '{"a":1', truncated: true }, 'truncated'],
  ])('reports %s bodies', (_name, body, reason) => {
    const result = bodyJson(body);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe(reason);
      expect(result.message.length).toBeGreaterThan(0);
    }
  });

  it('never reports a truncated body as valid, even when the captured prefix parses', () => {
    const result = bodyJson({ kind: 'text', text: '{"a":1}', truncated: true });
    expect(result).toMatchObject({ ok: false, reason: 'truncated' });
  });

  it('refuses bodies over the size cap without parsing them', () => {
    const big = `"${'x'.repeat(MAX_JSON_BODY_LENGTH)}"`;
    expect(bodyJson({ kind: 'text', text: big })).toMatchObject({ ok: false, reason: 'too_large' });
    const bigBase64 = 'A'.repeat(Math.ceil((MAX_JSON_BODY_LENGTH * 4) / 3) + 8);
    expect(bodyJson({ kind: 'base64', base64: bigBase64 })).toMatchObject({ ok: false, reason: 'too_large' });
  });

  it('treats non-body input as absent instead of throwing', () => {
    expect(bodyJson(null as unknown as Body)).toMatchObject({ ok: false, reason: 'absent' });
    expect(bodyJson({ kind: 'text' } as unknown as Body)).toMatchObject({ ok: false, reason: 'absent' });
  });

  it('keeps a parsed "__proto__" key as plain data and leaves prototypes alone', () => {
    const result = bodyJson({
      kind: 'text',
      text: '{"__proto__":{"polluted":true},"a":{"__proto__":{"x":1}}}',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const value = result.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(value, '__proto__')).toBe(true);
    expect((value as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(value.a)).toBe(Object.prototype);
  });
});

describe('bodyJsonObject', () => {
  it('returns plain objects only', () => {
    expect(bodyJsonObject({ kind: 'text', text: '{"status":"review"}' })).toEqual({ status: 'review' });
    expect(bodyJsonObject({ kind: 'text', text: '[]' })).toBeUndefined();
    expect(bodyJsonObject({ kind: 'text', text: 'null' })).toBeUndefined();
    expect(bodyJsonObject({ kind: 'text', text: '"s"' })).toBeUndefined();
    expect(bodyJsonObject({ kind: 'text', text: '42' })).toBeUndefined();
    expect(bodyJsonObject({ kind: 'absent' })).toBeUndefined();
    expect(bodyJsonObject({ kind: 'text', text: '{"a":', truncated: true })).toBeUndefined();
  });
});

describe('textBody and jsonBody', () => {
  it('leaves mimeType out when not given, so bodies compare with deep equality', () => {
    expect(textBody('hi')).toStrictEqual({ kind: 'text', text: 'hi' });
    expect(textBody('hi', 'text/plain')).toStrictEqual({ kind: 'text', text: 'hi', mimeType: 'text/plain' });
  });

  it('serialises JSON with application/json', () => {
    expect(jsonBody({ scope: 'transfer:write' })).toStrictEqual({
      kind: 'text',
      text: '{"scope":"transfer:write"}',
      mimeType: 'application/json',
    });
    expect(bodyJsonObject(jsonBody({ a: [1, 2] }))).toEqual({ a: [1, 2] });
  });

  it('gives an absent body for values JSON cannot hold instead of throwing', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(jsonBody(undefined)).toEqual({ kind: 'absent' });
    expect(jsonBody(10n)).toEqual({ kind: 'absent' });
    expect(jsonBody(cycle)).toEqual({ kind: 'absent' });
  });
});
