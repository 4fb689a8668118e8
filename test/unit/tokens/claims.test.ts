import { describe, expect, it } from 'vitest';
import {
  checkVerificationToken,
  readAccessClaims,
  readChallengeClaims,
  readVerificationClaims,
  type VerificationCheck,
  type VerificationCheckId,
} from '../../../src/core/tokens/claims.ts';
import { decodeToken } from '../../../src/core/tokens/decode.ts';
import { T0, aChallengeToken, aVerificationToken, anAccessToken } from '../../fixtures/tokens.ts';

async function claimsOf(token: Promise<string>): Promise<Record<string, unknown>> {
  const decoded = decodeToken(await token);
  if (!decoded.ok) throw new Error(decoded.message);
  return decoded.claims;
}

describe('readChallengeClaims', () => {
  it('reads a challenge token from the builder', async () => {
    expect(readChallengeClaims(await claimsOf(aChallengeToken()))).toEqual({
      challengeId: 'chl_01',
      currentStep: 'verify_sms',
      steps: [{ key: 'verify_sms', order: 1, done: false, expirationDuration: 600 }],
      scopeRequested: 'transfer:write',
      grantMode: 'single-use',
      sub: 'usr_01',
      sid: 'ses_01',
      exp: T0 + 600,
      iat: T0,
      jti: 'cjti_01',
      metadata: {},
    });
  });

  it('sorts steps by order and drops malformed ones', () => {
    const claims = readChallengeClaims({
      steps: [
        { key: 'kyc_review', order: 2, done: false },
        'not a step',
        { key: 'verify_sms', order: 1, done: true, expiration_duration: 300 },
        { key: '', order: 3, done: false },
        { key: 'no_order', done: false },
        { key: 'bad_done', order: 4, done: 'yes' },
        { key: 'no_done', order: 5 },
        null,
      ],
    });
    expect(claims.steps).toEqual([
      { key: 'verify_sms', order: 1, done: true, expirationDuration: 300 },
      { key: 'kyc_review', order: 2, done: false },
      { key: 'no_done', order: 5, done: false },
    ]);
  });

  it('treats mistyped claims as absent', () => {
    expect(readChallengeClaims({ challenge_id: 7, exp: '1', metadata: [1], steps: 'x' })).toEqual({
      steps: [],
    });
    expect(readChallengeClaims(null)).toEqual({ steps: [] });
  });
});

describe('readAccessClaims', () => {
  it('reads an access token with scopes and cnf.jkt', async () => {
    const claims = await claimsOf(
      anAccessToken({
        scope: 'transfer:write prld:pwd:write',
        cnf: { jkt: 'abc' },
        acr: 'aal2',
        auth_time: T0 - 5,
      }),
    );
    expect(readAccessClaims(claims)).toEqual({
      sub: 'usr_01',
      sid: 'ses_01',
      exp: T0 + 300,
      iat: T0,
      iss: 'https://demo.session.prelude.dev',
      scopes: ['transfer:write', 'prld:pwd:write'],
      cnfJkt: 'abc',
      acr: 'aal2',
      authTime: T0 - 5,
    });
  });

  it('falls back to scp and ignores a malformed cnf', () => {
    expect(readAccessClaims({ scp: ['a', 'b'], cnf: 'x' })).toEqual({ scopes: ['a', 'b'] });
  });
});

describe('readVerificationClaims', () => {
  it('reads a verification token', async () => {
    expect(readVerificationClaims(await claimsOf(aVerificationToken()))).toEqual({
      sub: 'usr_01',
      challengeId: 'chl_01',
      key: 'kyc_review',
      status: 'completed',
      exp: T0 + 300,
      nbf: T0,
      iat: T0,
      jti: 'vjti_01',
    });
  });
});

describe('checkVerificationToken', () => {
  const now = T0 * 1000 + 10_000;

  async function check(
    verificationOverrides: Record<string, unknown> = {},
    challengeOverrides: Record<string, unknown> = {},
    seen?: ReadonlySet<string>,
  ): Promise<VerificationCheck[]> {
    const verification = readVerificationClaims(await claimsOf(aVerificationToken(verificationOverrides)));
    const challenge = readChallengeClaims(
      await claimsOf(aChallengeToken({ current_step: 'kyc_review', ...challengeOverrides })),
    );
    return checkVerificationToken(verification, challenge, now, seen);
  }

  function failing(rows: VerificationCheck[]): VerificationCheckId[] {
    return rows.filter((r) => r.status === 'fail').map((r) => r.id);
  }

  it('passes a matching, fresh, unused token, in a stable order', async () => {
    const rows = await check({}, {}, new Set(['other']));
    expect(rows.map((r) => r.id)).toEqual([
      'sub',
      'challenge_id',
      'key',
      'status',
      'exp',
      'nbf',
      'jti_unique',
    ]);
    expect(rows.every((r) => r.status === 'pass')).toBe(true);
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>, VerificationCheckId]>([
    ['another user', { sub: 'usr_02' }, {}, 'sub'],
    ['another challenge', { challenge_id: 'chl_02' }, {}, 'challenge_id'],
    ['a step that is not the current one', { key: 'verify_sms' }, {}, 'key'],
    ['status pending', { status: 'pending' }, {}, 'status'],
    ['expired', { exp: T0 + 5 }, {}, 'exp'],
    ['not valid yet', { nbf: T0 + 60 }, {}, 'nbf'],
    ['no jti', { jti: undefined }, {}, 'jti_unique'],
  ])('fails only %s', async (_name, verification, challenge, id) => {
    const rows = await check(verification, challenge, new Set());
    expect(failing(rows)).toEqual([id]);
    expect(rows.find((r) => r.id === id)?.detail).toBeTruthy();
  });

  it('fails only jti_unique for a reused jti (token_reused)', async () => {
    const rows = await check({}, {}, new Set(['vjti_01']));
    expect(failing(rows)).toEqual(['jti_unique']);
    expect(rows.find((r) => r.id === 'jti_unique')?.detail).toContain('token_reused');
  });

  it('names actual and expected values', async () => {
    const rows = await check({ key: 'verify_sms' });
    expect(rows.find((r) => r.id === 'key')?.detail).toBe(
      `key is "verify_sms" but the challenge's current_step is "kyc_review"`,
    );
  });

  it('is n/a on jti reuse without history, and warns without nbf', async () => {
    const rows = await check({ nbf: undefined });
    expect(rows.find((r) => r.id === 'jti_unique')?.status).toBe('n/a');
    expect(rows.find((r) => r.id === 'nbf')?.status).toBe('warn');
  });
});
