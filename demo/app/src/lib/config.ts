import { PrldSessionClient } from '@prelude.so/js-sdk';

/** Runtime settings of the demo page. */
export interface DemoConfig {
  /** Host of the Prelude Session API the SDK talks to (the SDK always prefixes `https://`). */
  domain: string;
}

declare global {
  interface Window {
    /** Optional configuration injected by a host page before the bundle runs. */
    __STEPUP_DEMO_CONFIG__?: Partial<DemoConfig>;
  }
}

/** The emulator's default host, mapped to 127.0.0.1 by Chromium's `--host-resolver-rules`. */
export const DEFAULT_DOMAIN = 'demo.session.prelude.dev';

// A bare host (optionally with a port): anything else would let a crafted link point the SDK at a path.
const HOST_PATTERN = /^[a-z0-9.-]+(:\d{1,5})?$/i;

/** Reads the domain from `?domain=`, then from `window.__STEPUP_DEMO_CONFIG__`, else the default. */
export function readDemoConfig(): DemoConfig {
  const fromQuery = new URLSearchParams(window.location.search).get('domain');
  const fromGlobal = window.__STEPUP_DEMO_CONFIG__?.domain;
  const domain = [fromQuery, fromGlobal].find((d): d is string => !!d && HOST_PATTERN.test(d));
  return { domain: domain ?? DEFAULT_DOMAIN };
}

/** The page's configuration, read once at start-up. */
export const config = readDemoConfig();

/** Base URL of the Session API, as the SDK builds it. */
export const sessionApiBase = `https://${config.domain}/v1/session`;

/** The one SDK client of the page, exactly as an app would create it. */
export const client = new PrldSessionClient({ domain: config.domain });
