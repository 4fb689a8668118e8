import { describe, expect, it } from 'vitest';
import { FAMILIES, findRule, getRule, RULES } from '../../../src/core/findings/catalogue.ts';
import type { CoreFindingFamily } from '../../../src/core/findings/types.ts';
import { PRELUDE_ERROR_CODES, preludeFindingCode } from '../../../src/core/providers/prelude/findings.ts';
import { PROVIDER_FINDINGS } from '../../../src/core/providers/finding-rules.ts';
import { PROVIDERS } from '../../../src/core/providers/registry.ts';

/** The codes the issue asks for by name. */
const REQUIRED = [
  'dpop.signature_invalid',
  'dpop.htm_mismatch',
  'dpop.htu_mismatch',
  'dpop.iat_skew',
  'dpop.jti_reused',
  'dpop.challenge_jti_mismatch',
  'dpop.missing',
  'dpop.nonce_stale',
  'dpop.key_changed',
  'dpop.private_key_exposed',
  'dpop.cnf_mismatch',
  'cors.expose_headers_missing',
  'challenge.expired',
  'challenge.bad_code',
  'challenge.scope_not_granted',
  'challenge.completed_without_refresh',
  'grant.reused_after_consumption',
  'verification.claims_mismatch',
  'token.malformed',
  'token.expired_on_use',
];

describe('findings catalogue', () => {
  it('has every rule the issue names', () => {
    for (const code of REQUIRED) expect(findRule(code), code).toBeDefined();
  });

  it('has a prelude.<code> rule for every error code of the Session API, plus unknown_error', () => {
    expect(PRELUDE_ERROR_CODES).toHaveLength(35);
    for (const code of PRELUDE_ERROR_CODES) expect(findRule(`prelude.${code}`), code).toBeDefined();
    expect(findRule('prelude.unknown_error')).toBeDefined();
    expect(preludeFindingCode('bad_check_code')).toBe('prelude.bad_check_code');
    expect(preludeFindingCode('nope')).toBe('prelude.unknown_error');
  });

  it('gives every rule a unique stable code, a severity, plain-words cause and fix, and a reference', () => {
    const codes = RULES.map((r) => r.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const rule of RULES) {
      expect(rule.code).toMatch(/^[a-z][a-z0-9]*\.[a-z0-9_]+$/);
      expect(rule.code.startsWith(`${rule.family}.`)).toBe(true);
      expect(['error', 'warning', 'info']).toContain(rule.severity);
      expect(rule.title.length).toBeGreaterThan(3);
      expect(rule.explanation.length, rule.code).toBeGreaterThan(40);
      expect(rule.fix.length, rule.code).toBeGreaterThan(15);
      expect(rule.explanation.endsWith('.'), rule.code).toBe(true);
      expect(rule.fix.endsWith('.'), rule.code).toBe(true);
      expect(rule.reference.label.length).toBeGreaterThan(3);
      expect(rule.reference.url, rule.code).toMatch(/^(https:\/\/|docs\/)/);
      expect(getRule(rule.code as Parameters<typeof getRule>[0])).toBe(rule);
    }
  });

  it('documents every family it uses', () => {
    const families = new Set(RULES.map((r) => r.family));
    for (const family of families) expect(FAMILIES.map((f) => f.family)).toContain(family);
  });

  it("holds every registered provider's rules, each in one of its own families or in a core one", () => {
    const core: CoreFindingFamily[] = ['dpop', 'cors', 'challenge', 'grant', 'token', 'inspector'];
    for (const provider of PROVIDERS) {
      const findings = PROVIDER_FINDINGS[provider.id];
      const own = findings.families.map((f) => f.family);
      for (const family of own) expect(core, `${provider.id} redeclares ${family}`).not.toContain(family);
      for (const rule of findings.rules) {
        expect(getRule(rule.code as Parameters<typeof getRule>[0]), rule.code).toBe(rule);
        expect([...own, ...core], `${provider.id}: ${rule.code}`).toContain(rule.family);
      }
      for (const family of findings.families) expect(FAMILIES).toContainEqual(family);
    }
    const families = FAMILIES.map((f) => f.family);
    expect(new Set(families).size).toBe(families.length);
    expect(families.at(-1)).toBe('inspector');
  });

  it('lists rules by family, in the order of FAMILIES', () => {
    const order: string[] = FAMILIES.map((f) => f.family);
    const ranks = RULES.map((r) => order.indexOf(r.family));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  });

  it('cites the RFC 9449 section for DPoP rules', () => {
    for (const rule of RULES.filter((r) => r.family === 'dpop' && r.code !== 'dpop.challenge_jti_mismatch')) {
      expect(rule.reference.url, rule.code).toMatch(/rfc9449\.html#section-/);
    }
  });

  it('explains the resend decision in both replay rules', () => {
    expect(getRule('dpop.jti_reused').explanation).toMatch(/dpop\.proof_resent/);
    expect(getRule('dpop.proof_resent').explanation).toMatch(/re-sends a stalled request/);
    expect(getRule('dpop.proof_resent').severity).toBe('info');
  });
});
