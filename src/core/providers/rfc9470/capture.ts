/**
 * OAuth step-up has no API of its own to watch: its traffic is any resource server's, kept by the generic checks
 * of src/core/capture/relevance.ts (a Bearer or DPoP challenge in `WWW-Authenticate`, a JWT in `Authorization`).
 */
export const pathMarkers: readonly string[] = [];
export const urlPrefixes: readonly string[] = [];
export const relatedRequestHeaders: readonly string[] = [];
export const hostPermissions: readonly string[] = [];
export const webRequestUrls: readonly string[] = [];
