/**
 * What the rest of the code derives from the provider modules: the capture patterns merged in
 * src/core/providers/capture.ts (which the page hook bundles, so it cannot read the registry), and the actions the
 * panel finds through the registry.
 */
import { describe, expect, it } from 'vitest';
import { otpActionsFor } from '../../../src/core/actions/otp.ts';
import { sdkStateOf, sdkStateReaders } from '../../../src/core/actions/sdk-state.ts';
import { isStepUpApiUrl, isStepUpRelatedHeaders } from '../../../src/core/capture/relevance.ts';
import {
  API_PATH_MARKERS,
  API_URL_PREFIXES,
  CAPTURE_HOST_PERMISSIONS,
  CAPTURE_WEB_REQUEST_URLS,
  RELATED_REQUEST_HEADERS,
} from '../../../src/core/providers/capture.ts';
import { PROVIDERS } from '../../../src/core/providers/registry.ts';
import type { ProviderCapture } from '../../../src/core/providers/types.ts';

const merged = (field: keyof ProviderCapture): string[] =>
  PROVIDERS.flatMap((provider) => [...provider.capture[field]]);

describe('capture patterns (src/core/providers/capture.ts)', () => {
  it('merges what every registered module declares, in registry order', () => {
    expect(API_PATH_MARKERS).toEqual(merged('pathMarkers'));
    expect(API_URL_PREFIXES).toEqual(merged('urlPrefixes'));
    expect(RELATED_REQUEST_HEADERS).toEqual(merged('relatedRequestHeaders'));
    expect(CAPTURE_HOST_PERMISSIONS).toEqual(merged('hostPermissions'));
    expect(CAPTURE_WEB_REQUEST_URLS).toEqual(merged('webRequestUrls'));
    expect(API_PATH_MARKERS.length).toBeGreaterThan(0);
  });

  it("keeps every provider's API calls, on any host for a path marker", () => {
    for (const marker of API_PATH_MARKERS) {
      expect(isStepUpApiUrl(`https://auth.example.com/prefix${marker}call`), marker).toBe(true);
      expect(isStepUpApiUrl(`https://example.com/?next=${marker}call`), marker).toBe(false);
    }
    for (const prefix of API_URL_PREFIXES) {
      expect(isStepUpApiUrl(prefix), prefix).toBe(true);
      expect(isStepUpApiUrl(`https://example.com/?u=${prefix}`), prefix).toBe(false);
    }
    expect(isStepUpApiUrl('https://edge.prelude.dev/v1/signals')).toBe(true);
    for (const name of RELATED_REQUEST_HEADERS)
      expect(isStepUpRelatedHeaders([name], undefined, undefined), name).toBe(true);
  });

  it('lets webRequest see every API the relevance check keeps', () => {
    for (const marker of API_PATH_MARKERS) expect(CAPTURE_WEB_REQUEST_URLS).toContain(`*://*${marker}*`);
    for (const prefix of API_URL_PREFIXES) expect(CAPTURE_WEB_REQUEST_URLS).toContain(`${prefix}*`);
  });

  it('is lower case where headers are compared lower case', () => {
    for (const name of RELATED_REQUEST_HEADERS) expect(name).toBe(name.toLowerCase());
  });
});

describe('provider actions', () => {
  it("finds a challenge's OTP actions through its provider's module", () => {
    expect(otpActionsFor({ provider: 'prelude' })).toBe(PROVIDERS[0].actions?.otp);
    expect(otpActionsFor({ provider: 'prelude' })).toBeDefined();
    expect(otpActionsFor({ provider: 'dynamic' })).toBeUndefined();
    expect(otpActionsFor({ provider: 'rfc9470' })).toBeUndefined();
    expect(otpActionsFor({ provider: 'unknown' })).toBeUndefined();
  });

  it("finds a provider's SDK state reader, and keeps the page reader's keys it had", () => {
    const reader = sdkStateOf('prelude');
    expect(reader?.storage).toEqual({
      accessTokenPrefix: '__preludejs__::',
      stepUpPrefix: 'prld.step-up.::',
      database: 'prld',
      dpopKeysStore: 'dpop_keys',
      refreshTokensStore: 'refresh_tokens',
    });
    expect(sdkStateOf('dynamic')).toBeUndefined();
    expect(sdkStateReaders()).toEqual([{ provider: 'prelude', reader }]);
  });
});
