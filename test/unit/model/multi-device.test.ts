/**
 * Every proof is compared with its own session: a capture holding several devices (each its own key, session,
 * refresh-token chain and nonces) reads as clean except for the one real key change, however it was captured.
 */
import { describe, expect, it } from 'vitest';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import { analyse } from '../../../src/core/model/analyzer.ts';
import type { SessionModel } from '../../../src/core/model/types.ts';
import { aMultiDeviceCapture, type MultiDeviceCapture } from '../../fixtures/devices.ts';
import { withoutResponseBodies } from '../../fixtures/flows.ts';

const row = (model: SessionModel, exchange: HttpExchange, id: string) =>
  model.exchanges.find((e) => e.exchange.id === exchange.id)?.dpop?.checks.find((c) => c.id === id);

const indexOf = (model: SessionModel, exchange: HttpExchange): number =>
  model.exchanges.findIndex((e) => e.exchange.id === exchange.id);

/** The DPoP findings of a model, as `<exchange id> <code>`. */
const dpopFindings = (model: SessionModel): string[] =>
  model.findings
    .filter((f) => f.code.startsWith('dpop.'))
    .map((f) => `${f.exchange === null ? '-' : model.exchanges[f.exchange]?.exchange.id} ${f.code}`);

async function expectOnlyTheRealKeyChange(capture: MultiDeviceCapture, exchanges: HttpExchange[]) {
  const model = await analyse(exchanges);
  expect(dpopFindings(model)).toEqual([`${capture.keyChange.id} dpop.key_changed`]);
  expect(row(model, capture.keyChange, 'key_continuity')?.detail).toContain('key changed');
  for (const revoke of capture.revokes) {
    expect(row(model, revoke, 'key_continuity')?.status, revoke.id).toBe('pass');
    expect(row(model, revoke, 'nonce')?.status, revoke.id).toBe('pass');
  }
  return model;
}

describe('three devices in one capture', () => {
  it('as a HAR with bodies: every logout keeps to its own session; the one real key change is flagged', async () => {
    const capture = await aMultiDeviceCapture();
    const model = await expectOnlyTheRealKeyChange(capture, capture.exchanges);
    // The server refused it too, and says so in its own words.
    expect(
      model.findings.filter((f) => f.exchange === indexOf(model, capture.keyChange)).map((f) => f.code),
    ).toEqual(['dpop.key_changed', 'prelude.dpop_key_mismatch']);
    expect(model.findings.map((f) => f.code).filter((c) => c !== 'prelude.dpop_key_mismatch')).toEqual([
      'dpop.key_changed',
    ]);
    // The native device's signed /stepup/request and every challenge proof find their session's key (and nonce).
    const challengeProofs = model.exchanges.filter(
      (x) => x.classification?.endpoint === 'otp.check' || x.classification?.endpoint === 'stepup.continue',
    );
    expect(challengeProofs.map((x) => x.classification?.endpoint)).toContain('stepup.continue');
    const signed = model.exchanges.filter(
      (e) => e.classification?.endpoint === 'stepup.request' && e.dpop !== null,
    );
    expect(signed).toHaveLength(1);
    for (const e of [...signed, ...challengeProofs]) {
      expect(e.dpop?.checks.find((c) => c.id === 'key_continuity')?.status, e.exchange.id).toBe('pass');
    }
    expect(signed[0]?.dpop?.checks.find((c) => c.id === 'nonce')?.status).toBe('pass');
  });

  it('as webRequest sees it (no response bodies, so no session ids): sessions are told apart by key and refresh token', async () => {
    const capture = await aMultiDeviceCapture();
    await expectOnlyTheRealKeyChange(capture, withoutResponseBodies(capture.exchanges));
  });

  it("without bodies, each device's challenge stays on the lane its own /stepup/request opened", async () => {
    const capture = await aMultiDeviceCapture();
    const model = await analyse(withoutResponseBodies(capture.exchanges));
    const opened = model.challenges.map((c) => {
      const request = c.requestedAt === null ? undefined : model.exchanges[c.requestedAt];
      return `${request?.exchange.id.split('-')[0]} ${c.challengeId?.split('-')[0]}`;
    });
    expect(opened).toEqual(['a a', 'b b', 'c c']);
  });

  it('with access tokens that carry no sid (bound by cnf.jkt only)', async () => {
    const capture = await aMultiDeviceCapture({ withoutSid: true });
    await expectOnlyTheRealKeyChange(capture, capture.exchanges);
  });

  it('started mid-session (no login seen, refresh tokens never seen issued)', async () => {
    const capture = await aMultiDeviceCapture();
    const logins = new Set(capture.logins.map((e) => e.id));
    const midSession = capture.exchanges.filter((e) => !logins.has(e.id));
    const model = await analyse(midSession);
    expect(dpopFindings(model)).toEqual([`${capture.keyChange.id} dpop.key_changed`]);
    expect(model.findings.map((f) => f.code)).not.toContain('prelude.use_dpop_nonce');
  });

  it('mid-session and without bodies: the first proof of each session has nothing to compare with, and says why', async () => {
    const capture = await aMultiDeviceCapture();
    const logins = new Set(capture.logins.map((e) => e.id));
    const exchanges = withoutResponseBodies(capture.exchanges.filter((e) => !logins.has(e.id)));
    const model = await analyse(exchanges);
    expect(dpopFindings(model)).toEqual([`${capture.keyChange.id} dpop.key_changed`]);
    const first = model.exchanges.find((e) => e.dpop !== null);
    expect(first?.dpop?.checks.find((c) => c.id === 'key_continuity')).toMatchObject({
      status: 'n/a',
      detail: expect.stringContaining('names no session'),
    });
  });

  it('a new login with a new key after logout is a new session, not a key change', async () => {
    const capture = await aMultiDeviceCapture();
    const model = await analyse(capture.exchanges);
    const relogin = capture.logins.at(-1) as HttpExchange;
    expect(model.findings.filter((f) => f.exchange === indexOf(model, relogin))).toEqual([]);
    // Its refresh and logout are compared with the new key.
    const revoke = capture.revokes.at(-1) as HttpExchange;
    expect(row(model, revoke, 'key_continuity')?.status).toBe('pass');
  });
});
