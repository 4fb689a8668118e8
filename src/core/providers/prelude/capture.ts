/**
 * Which requests are Prelude's, as plain data (see ProviderCapture): the Session API on any host (apps usually serve
 * it from a custom domain, so it is found by its path), the signals endpoint on Prelude's edge host, and the hosted
 * session domains background capture asks access to.
 */
export const pathMarkers = ['/v1/session/'];
export const urlPrefixes = ['https://edge.prelude.dev/v1/signals'];
export const relatedRequestHeaders: readonly string[] = [];
export const hostPermissions = ['https://*.session.prelude.dev/*'];
export const webRequestUrls = ['*://*/v1/session/*', 'https://edge.prelude.dev/v1/signals*'];
