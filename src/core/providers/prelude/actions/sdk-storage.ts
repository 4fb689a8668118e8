/** Where Prelude's web SDK keeps its state in a page (what "Read SDK state" reads). */
import type { SdkStorageKeys } from '../../../actions/sdk-types.ts';

export const PRELUDE_SDK_STORAGE: SdkStorageKeys = {
  /** The access-token cache: `__preludejs__::{appId}` (and `::manifest`, listing the cache keys). */
  accessTokenPrefix: '__preludejs__::',
  /** The step-up cache: `prld.step-up.::{challenge_id}`. */
  stepUpPrefix: 'prld.step-up.::',
  database: 'prld',
  dpopKeysStore: 'dpop_keys',
  refreshTokensStore: 'refresh_tokens',
};
