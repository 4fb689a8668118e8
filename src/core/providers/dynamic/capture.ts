/**
 * Which requests are Dynamic's, as plain data (see ProviderCapture): the SDK API on any host (`apiBaseUrl` can move
 * it), any request carrying an elevated token (a protected call of the app's own API), and the hosted API host
 * background capture asks access to.
 */
export const pathMarkers = ['/api/v0/sdk/'];
export const urlPrefixes: readonly string[] = [];
export const relatedRequestHeaders = ['x-dyn-elevated-access-token'];
export const hostPermissions = ['https://app.dynamicauth.com/*'];
export const webRequestUrls = ['*://*/api/v0/sdk/*'];
