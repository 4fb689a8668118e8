/// <reference types="vite/client" />

/** Built by demo/app/vite.config.ts: the real `@dynamic-labs-sdk/client` when installed, else nothing. */
declare module 'virtual:dynamic-sdk' {
  /** `local` (this project's node_modules), `external` (DYNAMIC_SDK_NODE_MODULES) or `missing`. */
  export const dynamicSdkSource: 'local' | 'external' | 'missing';
  export const dynamicSdkVersion: string | null;
  /** The SDK's exports plus `createApiClient` from `@dynamic-labs-sdk/client/core`; throws when missing. */
  export function loadDynamicSdk(): Promise<Record<string, unknown>>;
}
