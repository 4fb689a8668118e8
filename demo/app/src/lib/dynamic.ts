import { dynamicSdkSource, dynamicSdkVersion, loadDynamicSdk } from 'virtual:dynamic-sdk';
import { DEMO_ENVIRONMENT_ID } from '../../../dynamic/config.ts';
import {
  REPLICATED_SDK_VERSION,
  ReplicaClient,
  type OtpVerification,
  type StepUpCheckResult,
  type VerifyResponse,
} from '../../../dynamic/client-replica.ts';
import { createStore } from './store.ts';

export type { OtpVerification, StepUpCheckResult } from '../../../dynamic/client-replica.ts';

/** The Dynamic environment the page uses (the emulator's demo environment). */
export const DYNAMIC_ENVIRONMENT_ID = DEMO_ENVIRONMENT_ID;

/** What the Dynamic card needs from a client: the real SDK, or the request replica when it is not installed. */
export interface DynamicApi {
  kind: 'sdk' | 'replica';
  version: string;
  user(): DynamicUserView | null;
  sendEmailOTP(email: string): Promise<OtpVerification>;
  verifyOTP(verification: OtpVerification, code: string, requestedScopes?: string[]): Promise<VerifyResponse>;
  checkStepUpAuth(scope: string): Promise<StepUpCheckResult>;
  /** `waas/{walletId}/privateKey/export`; the client attaches (and, single-use, drops) the elevated token. */
  exportPrivateKey(): Promise<{ roomId: string }>;
  /** The same call with an elevated token the app kept itself (a bug: the SDK had dropped it). */
  exportPrivateKeyWithToken(token: string): Promise<{ roomId: string }>;
  signMessage(message: string): Promise<{ roomId: string }>;
  /** The stored elevated token for `scope`, without consuming it. */
  peekElevatedToken(scope: string): string | undefined;
  logout(): Promise<void>;
}

/** The signed-in user, as the card shows it. */
export interface DynamicUserView {
  id: string;
  email: string;
  walletId: string;
}

/** The card's client state. */
export interface DynamicClientState {
  /** `idle` until the card is first used: starting the client calls the API, which the inspector captures. */
  status: 'idle' | 'loading' | 'ready' | 'error';
  kind?: 'sdk' | 'replica';
  version?: string;
  /** `local` / `external` SDK, or `missing` (the replica runs). */
  source: typeof dynamicSdkSource;
  error?: string;
}

export const dynamicClient = createStore<DynamicClientState>({ status: 'idle', source: dynamicSdkSource });

function userView(user: unknown): DynamicUserView | null {
  if (typeof user !== 'object' || user === null) return null;
  const u = user as { id?: unknown; email?: unknown; metadata?: unknown };
  const metadata = (typeof u.metadata === 'object' && u.metadata !== null ? u.metadata : {}) as Record<
    string,
    unknown
  >;
  if (typeof u.id !== 'string') return null;
  return {
    id: u.id,
    email: typeof u.email === 'string' ? u.email : '',
    walletId: typeof metadata['walletId'] === 'string' ? metadata['walletId'] : '',
  };
}

function requireUser(api: DynamicApi): DynamicUserView {
  const user = api.user();
  if (!user) throw new Error('Sign in with Dynamic first');
  return user;
}

/** The subset of `@dynamic-labs-sdk/client` 1.27.1 the page calls (typed here: the SDK may not be installed). */
interface SdkModule {
  createDynamicClient(config: { environmentId: string; metadata?: { name?: string } }): SdkClient;
  waitForClientInitialized(client?: SdkClient): Promise<void>;
  sendEmailOTP(params: { email: string }): Promise<OtpVerification>;
  verifyOTP(params: {
    otpVerification: OtpVerification;
    verificationToken: string;
    requestedScopes?: string[];
  }): Promise<VerifyResponse>;
  checkStepUpAuth(params: { scope: string }): Promise<StepUpCheckResult>;
  getElevatedAccessToken(params: { scope: string; consume?: boolean }): string | undefined;
  logout(): Promise<void>;
  createApiClient(
    options: { elevatedAccessTokenScope?: string; headers?: Record<string, string> },
    client: SdkClient,
  ): SdkApi;
}

interface SdkClient {
  readonly user: unknown;
  readonly initStatus: string;
}

interface SdkApi {
  exportPrivateKey(params: {
    environmentId: string;
    walletId: string;
    exportWaasWalletPrivateKeyRequest: { exportId: string };
  }): Promise<{ roomId: string }>;
  signMessage(params: {
    environmentId: string;
    walletId: string;
    signMessageWithWaasRequest: { message: string };
  }): Promise<{ roomId: string }>;
}

async function sdkApi(): Promise<DynamicApi> {
  const sdk = (await loadDynamicSdk()) as unknown as SdkModule;
  const client = sdk.createDynamicClient({
    environmentId: DYNAMIC_ENVIRONMENT_ID,
    metadata: { name: 'Northwind Bank demo' },
  });
  await sdk.waitForClientInitialized(client);
  const exportWith = (options: { elevatedAccessTokenScope?: string; headers?: Record<string, string> }) => {
    const user = requireUser(api);
    return sdk.createApiClient(options, client).exportPrivateKey({
      environmentId: DYNAMIC_ENVIRONMENT_ID,
      walletId: user.walletId,
      exportWaasWalletPrivateKeyRequest: { exportId: crypto.randomUUID() },
    });
  };
  const api: DynamicApi = {
    kind: 'sdk',
    version: dynamicSdkVersion ?? '?',
    user: () => userView(client.user),
    sendEmailOTP: (email) => sdk.sendEmailOTP({ email }),
    verifyOTP: (otpVerification, verificationToken, requestedScopes) =>
      sdk.verifyOTP({
        otpVerification,
        verificationToken,
        ...(requestedScopes ? { requestedScopes } : {}),
      }),
    checkStepUpAuth: (scope) => sdk.checkStepUpAuth({ scope }),
    exportPrivateKey: () => exportWith({ elevatedAccessTokenScope: 'wallet:export' }),
    exportPrivateKeyWithToken: (token) => exportWith({ headers: { 'x-dyn-elevated-access-token': token } }),
    signMessage: (message) =>
      sdk.createApiClient({ elevatedAccessTokenScope: 'wallet:sign' }, client).signMessage({
        environmentId: DYNAMIC_ENVIRONMENT_ID,
        walletId: requireUser(api).walletId,
        signMessageWithWaasRequest: { message },
      }),
    peekElevatedToken: (scope) => sdk.getElevatedAccessToken({ scope, consume: false }),
    logout: () => sdk.logout(),
  };
  return api;
}

async function replicaApi(): Promise<DynamicApi> {
  const client = new ReplicaClient({ environmentId: DYNAMIC_ENVIRONMENT_ID });
  await client.initialize();
  const api: DynamicApi = {
    kind: 'replica',
    version: REPLICATED_SDK_VERSION,
    user: () => userView(client.user),
    sendEmailOTP: (email) => client.sendEmailOTP(email),
    verifyOTP: (verification, code, scopes) => client.verifyOTP(verification, code, scopes),
    checkStepUpAuth: (scope) => client.checkStepUpAuth(scope),
    exportPrivateKey: () => client.exportPrivateKey(requireUser(api).walletId, crypto.randomUUID()),
    exportPrivateKeyWithToken: (token) =>
      client.exportPrivateKey(requireUser(api).walletId, crypto.randomUUID(), token),
    signMessage: (message) => client.signMessage(requireUser(api).walletId, message),
    peekElevatedToken: (scope) => client.getElevatedAccessToken(scope, false),
    logout: () => client.logout(),
  };
  return api;
}

let loading: Promise<DynamicApi> | undefined;

/**
 * The page's Dynamic client, created once, on first use (not at page load, so that the Prelude flows' captures
 * hold only Prelude traffic): the real SDK when the build found it, else the replica.
 */
export function getDynamicApi(): Promise<DynamicApi> {
  if (!loading) dynamicClient.set((s) => ({ ...s, status: 'loading' }));
  loading ??= (dynamicSdkSource === 'missing' ? replicaApi() : sdkApi()).then(
    (api) => {
      dynamicClient.set({ status: 'ready', kind: api.kind, version: api.version, source: dynamicSdkSource });
      return api;
    },
    (err: unknown) => {
      loading = undefined;
      dynamicClient.set({
        status: 'error',
        source: dynamicSdkSource,
        error: err instanceof Error ? err.message : String(err),
      });
      throw err;
    },
  );
  return loading;
}
