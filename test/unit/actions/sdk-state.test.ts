import { exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  sdkStateOf,
  type PageSdkSnapshot,
  type SdkStateResult,
} from '../../../src/core/actions/sdk-state.ts';
import { aChallengeToken, aKey, anAccessToken, T0 } from '../../fixtures/tokens.ts';

const NOW = T0 * 1000 + 10_000;

/** The provider's reader, found through the registry as the panel finds it. */
function interpretSdkSnapshot(raw: unknown, nowMs: number): Promise<SdkStateResult> {
  const reader = sdkStateOf('prelude');
  if (reader === undefined) throw new Error('prelude has no SDK-state reader');
  return reader.interpret(raw, nowMs);
}

async function aSnapshot(overrides: Partial<PageSdkSnapshot> = {}): Promise<PageSdkSnapshot> {
  const access = await anAccessToken();
  const challenge = await aChallengeToken();
  const device = await aKey('ES256', 'device');
  return {
    origin: 'https://app.example.com',
    storage: {
      ok: true,
      entries: [
        {
          key: '__preludejs__::app01',
          value: JSON.stringify({
            body: { app_id: 'app01', access_token: access, expires_at: T0 + 300 },
            expiresAt: T0 + 300,
          }),
        },
        { key: '__preludejs__::app01::manifest', value: JSON.stringify({ keys: ['__preludejs__::app01'] }) },
        {
          key: 'prld.step-up.::chl_01',
          value: JSON.stringify({
            body: { challenge_token: challenge, app_id: 'chl_01', expires_at: T0 + 5 },
            expiresAt: T0 + 5,
          }),
        },
      ],
    },
    indexedDb: {
      status: 'ok',
      version: 2,
      stores: ['dpop_keys', 'refresh_tokens'],
      dpopKeys: [
        {
          domain: 'demo.session.prelude.dev',
          publicJwk: device.publicJwk as Record<string, unknown>,
          nonce: 'nonce-3',
          privateKeyExtractable: false,
        },
      ],
      refreshTokens: [
        { domain: 'demo.session.prelude.dev', present: true, expiresAt: '2026-10-21T14:13:21.000Z' },
      ],
      errors: [],
    },
    ...overrides,
  };
}

describe('interpretSdkSnapshot', () => {
  it('decodes cached tokens, computes the DPoP key thumbprint and reports refresh-token presence', async () => {
    const result = await interpretSdkSnapshot(await aSnapshot(), NOW);
    if (!result.ok) throw new Error(result.reason);
    const { state } = result;
    const device = await aKey('ES256', 'device');
    expect(state.origin).toBe('https://app.example.com');
    expect(state.accessTokens).toHaveLength(1); // the manifest entry is not a token
    expect(state.accessTokens[0]).toMatchObject({ appId: 'app01', expiresAt: T0 + 300, expired: false });
    expect(state.accessTokens[0]?.decoded).toMatchObject({ ok: true, kind: 'prelude-access' });
    expect(state.challenges[0]).toMatchObject({ challengeId: 'chl_01', expiresAt: T0 + 5, expired: true });
    expect(state.challenges[0]?.decoded).toMatchObject({ ok: true, kind: 'prelude-challenge' });
    expect(state.indexedDb).toBe('present');
    expect(state.dpopKeys).toEqual([
      {
        domain: 'demo.session.prelude.dev',
        publicJwk: device.publicJwk,
        thumbprint: device.thumbprint,
        nonce: 'nonce-3',
        privateKeyExtractable: false,
      },
    ]);
    expect(state.refreshTokens).toEqual([
      { domain: 'demo.session.prelude.dev', present: true, expiresAt: '2026-10-21T14:13:21.000Z' },
    ]);
    expect(state.notes).toEqual([]);
  });

  it('never passes on a private key member the page reported', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = (await exportJWK(privateKey)) as Record<string, unknown>;
    const snapshot = await aSnapshot();
    if (snapshot.indexedDb.status !== 'ok') throw new Error('setup');
    snapshot.indexedDb.dpopKeys = [
      { domain: 'd', publicJwk: privateJwk, nonce: null, privateKeyExtractable: true },
    ];
    const result = await interpretSdkSnapshot(snapshot, NOW);
    if (!result.ok) throw new Error(result.reason);
    expect(result.state.dpopKeys[0]?.publicJwk).not.toHaveProperty('d');
    expect(result.state.dpopKeys[0]?.thumbprint).toMatch(/^[\w-]{43}$/);
    expect(result.state.notes.join(' ')).toMatch(/extractable/);
  });

  it('explains an origin where the SDK never ran', async () => {
    const result = await interpretSdkSnapshot(
      { origin: 'https://other.test', storage: { ok: true, entries: [] }, indexedDb: { status: 'absent' } },
      NOW,
    );
    if (!result.ok) throw new Error(result.reason);
    expect(result.state.indexedDb).toBe('absent');
    expect(result.state.notes.join('\n')).toMatch(/No cached access token/);
    expect(result.state.notes.join('\n')).toMatch(
      /does not exist on this origin.*not created by this check/s,
    );
  });

  it('turns storage and IndexedDB failures into notes', async () => {
    const result = await interpretSdkSnapshot(
      {
        origin: 'https://app.example.com',
        storage: { ok: false, error: 'SecurityError: access denied' },
        indexedDb: { status: 'error', error: 'opening the database is blocked by another tab' },
      },
      NOW,
    );
    if (!result.ok) throw new Error(result.reason);
    expect(result.state.indexedDb).toBe('error');
    expect(result.state.notes.join('\n')).toContain(
      'localStorage could not be read: SecurityError: access denied',
    );
    expect(result.state.notes.join('\n')).toContain('blocked by another tab');
    const unsupported = await interpretSdkSnapshot(
      { origin: 'x', storage: { ok: true, entries: [] }, indexedDb: { status: 'unsupported' } },
      NOW,
    );
    expect(unsupported.ok && unsupported.state.notes.join(' ')).toMatch(/not available/);
  });

  it('reports unreadable cache entries and missing keys', async () => {
    const result = await interpretSdkSnapshot(
      {
        origin: 'https://app.example.com',
        storage: {
          ok: true,
          entries: [
            { key: '__preludejs__::app01', value: 'not json' },
            { key: 'prld.step-up.::chl_9', value: JSON.stringify({ body: {} }) },
          ],
        },
        indexedDb: {
          status: 'ok',
          version: 2,
          stores: ['dpop_keys'],
          dpopKeys: [],
          refreshTokens: [],
          errors: [],
        },
      },
      NOW,
    );
    if (!result.ok) throw new Error(result.reason);
    expect(result.state.accessTokens[0]).toMatchObject({
      token: null,
      problem: 'the stored value is not JSON',
    });
    expect(result.state.challenges[0]).toMatchObject({
      challengeId: 'chl_9',
      problem: 'the entry holds no challenge_token',
    });
    const notes = result.state.notes.join('\n');
    expect(notes).toMatch(/no refresh_tokens store/);
    expect(notes).toMatch(/No DPoP key stored/);
    expect(notes).toMatch(/No refresh token stored/);
  });

  it('never throws on whatever the page answers', async () => {
    for (const raw of [
      undefined,
      null,
      42,
      'x',
      [],
      { storage: 5, indexedDb: 'ok' },
      { indexedDb: { status: 'ok', dpopKeys: 'x' } },
    ]) {
      const result = await interpretSdkSnapshot(raw, NOW);
      expect(typeof result.ok).toBe('boolean');
    }
  });
});
