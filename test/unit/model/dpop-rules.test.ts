import { describe, expect, it } from 'vitest';
import { analyse } from '../../../src/core/model/analyzer.ts';
import type { SessionModel } from '../../../src/core/model/types.ts';
import { aLoginFlow, editRequestHeader, type Flow } from '../../fixtures/flows.ts';
import { aKey, tamperSignature } from '../../fixtures/tokens.ts';

const codes = (model: SessionModel): string[] => model.findings.map((f) => f.code);

/** Login, then one refresh the test breaks through `refresh` options. */
async function refreshWith(
  options: Parameters<Flow['refresh']>[0],
): Promise<{ model: SessionModel; index: number }> {
  const flow = await aLoginFlow();
  await flow.refresh(options);
  return { model: await analyse(flow.exchanges), index: flow.exchanges.length - 1 };
}

describe('DPoP proofs broken on purpose', () => {
  it('dpop.signature_invalid: a proof altered after signing', async () => {
    const flow = await aLoginFlow();
    const refresh = await flow.refresh();
    editRequestHeader(refresh, 'DPoP', tamperSignature);
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['dpop.signature_invalid']);
    expect(model.findings[0]?.exchange).toBe(2);
    expect(model.exchanges[2]?.dpop?.checks.find((c) => c.id === 'signature')?.status).toBe('fail');
  });

  it('dpop.htm_mismatch', async () => {
    const { model, index } = await refreshWith({ proof: { htm: 'GET' } });
    expect(codes(model)).toEqual(['dpop.htm_mismatch']);
    expect(model.findings[0]).toMatchObject({ exchange: index, severity: 'error' });
  });

  it('dpop.htu_mismatch: a proof made for another host (custom domain)', async () => {
    const { model } = await refreshWith({ proof: { htu: 'https://auth.example.com/v1/session/refresh' } });
    expect(codes(model)).toEqual(['dpop.htu_mismatch']);
    expect(model.findings[0]?.message).toContain('https://auth.example.com/v1/session/refresh');
  });

  it('dpop.iat_skew: a proof signed an hour before the request', async () => {
    const flow = await aLoginFlow();
    await flow.refresh({ proof: { iat: flow.nowSec - 3600 } });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['dpop.iat_skew']);
    expect(model.findings[0]?.severity).toBe('warning');
  });

  it('dpop.jti_reused: two different requests with the same jti', async () => {
    const flow = await aLoginFlow();
    await flow.refresh({ proof: { jti: 'fixed-jti' } });
    await flow.refresh({ proof: { jti: 'fixed-jti' } });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['dpop.jti_reused']);
    expect(model.findings[0]).toMatchObject({ exchange: 3, related: [2] });
  });

  it('dpop.challenge_jti_mismatch: a challenge proof signed with a random jti', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write' });
    await flow.otpCheck(challenge, { proof: { jti: 'random-uuid' } });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['dpop.challenge_jti_mismatch']);
    expect(model.findings[0]?.challengeId).toBe(challenge.id);
  });

  it('dpop.challenge_jti_mismatch: signing for the new challenge token but sending the old one', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write', steps: ['verify_sms', 'kyc_review'] });
    const first = challenge.token;
    await flow.otpCheck(challenge);
    await flow.continueStep(challenge, { challengeToken: first, error: 'invalid_challenge_token' });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toContain('dpop.challenge_jti_mismatch');
  });

  it('dpop.missing: /refresh and /otp/check without a proof', async () => {
    const flow = await aLoginFlow();
    await flow.refresh({ omitProof: true, error: 'missing_dpop_proof' });
    const challenge = await flow.stepUp({ scope: 'transfer:write' });
    await flow.otpCheck(challenge, { omitProof: true, error: 'missing_dpop_proof' });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual([
      'dpop.missing',
      'prelude.missing_dpop_proof',
      'dpop.missing',
      'prelude.missing_dpop_proof',
    ]);
  });

  it('no dpop.missing where the proof is optional (/stepup/request from the web SDK)', async () => {
    const flow = await aLoginFlow();
    await flow.stepUp({ scope: 'transfer:write' });
    const model = await analyse(flow.exchanges);
    expect(model.exchanges[2]?.dpop).toBeNull();
    expect(codes(model)).toEqual([]);
  });

  it('dpop.malformed: typ is not dpop+jwt', async () => {
    const { model } = await refreshWith({ proof: { header: { typ: 'JWT' } } });
    expect(codes(model)).toEqual(['dpop.malformed']);
  });

  it('dpop.malformed: not a JWS at all', async () => {
    const flow = await aLoginFlow();
    const refresh = await flow.refresh();
    editRequestHeader(refresh, 'DPoP', () => 'not-a-proof');
    expect(codes(await analyse(flow.exchanges))).toEqual(['dpop.malformed']);
  });

  it('dpop.private_key_exposed', async () => {
    const { model } = await refreshWith({ proof: { leakPrivateKey: true } });
    expect(codes(model)).toEqual(['dpop.private_key_exposed']);
    expect(model.findings[0]?.message).toContain('d');
  });

  it('dpop.key_changed: a refresh signed by another key than the login', async () => {
    const { model } = await refreshWith({ proof: { keyName: 'another-device' }, error: 'dpop_key_mismatch' });
    expect(codes(model)).toEqual(['dpop.key_changed', 'prelude.dpop_key_mismatch']);
  });

  it('no dpop.key_changed for a new login with a new key after logout', async () => {
    const flow = await aLoginFlow();
    await flow.revoke();
    await flow.login({ proof: { keyName: 'fresh-key' } });
    expect(codes(await analyse(flow.exchanges))).toEqual([]);
  });

  it('a logout forgets the key of the session its refresh token names, found as /refresh finds it', async () => {
    const flow = await aLoginFlow();
    await flow.revoke();
    // The same session's refresh token, signed by another key: after the logout there is no key to keep to.
    await flow.refresh({ proof: { keyName: 'another-device' } });
    expect(codes(await analyse(flow.exchanges))).not.toContain('dpop.key_changed');
  });

  it('dpop.cnf_mismatch: the access token is bound to another key', async () => {
    const other = await aKey('ES256', 'not-the-device');
    const flow = await aLoginFlow({ accessClaims: { cnf: { jkt: other.thumbprint } } });
    const challenge = await flow.stepUp({ scope: 'transfer:write', steps: ['kyc_review'] });
    await flow.continueStep(challenge);
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['dpop.cnf_mismatch']);
  });

  it('no dpop.cnf_mismatch when cnf.jkt is the device key', async () => {
    const device = await aKey('ES256', 'device');
    const flow = await aLoginFlow({ accessClaims: { cnf: { jkt: device.thumbprint } } });
    const challenge = await flow.stepUp({ scope: 'transfer:write', steps: ['kyc_review'] });
    await flow.continueStep(challenge);
    expect(codes(await analyse(flow.exchanges))).toEqual([]);
  });

  it('dpop.ath_mismatch: an ath made for another token', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write', steps: ['kyc_review'] });
    await flow.continueStep(challenge, { proof: { ath: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
    expect(codes(await analyse(flow.exchanges))).toEqual(['dpop.ath_mismatch']);
  });
});

describe('nonces', () => {
  it('use_dpop_nonce, then a retry with the new nonce: normal rotation, no finding', async () => {
    const flow = await aLoginFlow();
    await flow.refresh({ nonceRotation: true });
    const model = await analyse(flow.exchanges);
    expect(model.exchanges.map((e) => e.errorCode)).toEqual([null, null, 'use_dpop_nonce', null]);
    expect(codes(model)).toEqual([]);
  });

  it('dpop.nonce_stale: a proof with the nonce from before the rotation', async () => {
    const flow = await aLoginFlow();
    await flow.refresh();
    const old = flow.nonces[0] as string;
    await flow.refresh({ nonce: old });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['dpop.nonce_stale']);
    expect(model.findings[0]?.message).toContain(old);
  });

  it('a retry after use_dpop_nonce that still carries the old nonce is dpop.nonce_stale', async () => {
    const flow = await aLoginFlow();
    const stale = flow.nonce;
    await flow.refresh({ nonceRotation: true, proof: { nonce: stale } });
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['dpop.nonce_stale']);
    expect(model.findings[0]?.exchange).toBe(3);
  });

  it('prelude.use_dpop_nonce when the server demands a nonce twice in a row', async () => {
    const flow = await aLoginFlow();
    const first = await flow.refresh({ nonceRotation: true, error: 'use_dpop_nonce' });
    expect(first.status).toBe(400);
    const model = await analyse(flow.exchanges);
    expect(codes(model)).toEqual(['prelude.use_dpop_nonce']);
  });
});

describe('replays and resends (RFC 9449 §11.1)', () => {
  it('an identical request re-sent after a stall is dpop.proof_resent (info), not a replay', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write', steps: ['verify_sms'] });
    await flow.otpCheck(challenge);
    await flow.completeStepUp(challenge);
    // The SDK re-sends a stalled /refresh byte for byte: same proof, same body.
    const original = flow.exchanges.at(-1) as (typeof flow.exchanges)[number];
    const stalled = {
      ...original,
      id: 'stalled',
      status: 0,
      responseHeaders: [],
      responseBody: { kind: 'absent' as const },
      error: 'net::ERR_TIMED_OUT',
    };
    const resent = { ...original, id: 'resent', startedAt: original.startedAt + 10_000 };
    const exchanges = [...flow.exchanges.slice(0, -1), stalled, resent];
    const model = await analyse(exchanges);
    expect(codes(model)).toEqual(['dpop.proof_resent']);
    expect(model.findings[0]).toMatchObject({
      severity: 'info',
      exchange: exchanges.length - 1,
      related: [exchanges.length - 2],
    });
  });

  it('the same proof re-sent after the server answered is a replay (dpop.jti_reused)', async () => {
    const flow = await aLoginFlow();
    const refresh = await flow.refresh();
    const replay = { ...refresh, id: 'replay', startedAt: refresh.startedAt + 2000 };
    const model = await analyse([...flow.exchanges, replay]);
    // The replayed proof also carries the nonce from before the refresh rotated it.
    expect(codes(model)).toEqual(['dpop.nonce_stale', 'dpop.jti_reused']);
  });

  it('challenge proofs reuse the challenge jti by design: a retry after a wrong code is fine', async () => {
    const flow = await aLoginFlow();
    const challenge = await flow.stepUp({ scope: 'transfer:write' });
    await flow.otpCheck(challenge, { wrong: true });
    await flow.otpCheck(challenge);
    const model = await analyse(flow.exchanges);
    const proofs = model.exchanges.filter((e) => e.classification?.endpoint === 'otp.check');
    expect(proofs.map((e) => e.dpop?.checks.find((c) => c.id === 'challenge_jti')?.status)).toEqual([
      'pass',
      'pass',
    ]);
    expect(codes(model)).toEqual(['challenge.bad_code']);
  });
});
