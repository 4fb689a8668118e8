/**
 * Every provider's capture patterns, merged: what the page hook, the DevTools page and the service worker keep
 * (src/core/capture/relevance.ts), the webRequest filter (src/platform/web-request.ts), and the hosts background
 * capture asks for (src/shared/permissions.ts; vite.config.ts adds them to the manifest). The page hook bundles
 * this file: it reads the providers' capture.ts files field by field, so the bundle keeps only the fields the hook
 * uses, and never the registry, whose modules bring their models. A unit test checks it lists what the registry
 * lists.
 *
 * The merges are marked pure so that a bundle drops those it does not use.
 */
import * as dynamic from './dynamic/capture.ts';
import * as prelude from './prelude/capture.ts';
import * as rfc9470 from './rfc9470/capture.ts';

/** Markers of every provider's API in a URL's path, on any host. */
export const API_PATH_MARKERS: readonly string[] = /* @__PURE__ */ [
  prelude.pathMarkers,
  dynamic.pathMarkers,
  rfc9470.pathMarkers,
].flat();

/** URL prefixes of providers' endpoints on fixed hosts. */
export const API_URL_PREFIXES: readonly string[] = /* @__PURE__ */ [
  prelude.urlPrefixes,
  dynamic.urlPrefixes,
  rfc9470.urlPrefixes,
].flat();

/** Request header names (lower case) that tie any request to a provider's step-up. */
export const RELATED_REQUEST_HEADERS: readonly string[] = /* @__PURE__ */ [
  prelude.relatedRequestHeaders,
  dynamic.relatedRequestHeaders,
  rfc9470.relatedRequestHeaders,
].flat();

/** Hosted API host patterns background capture asks for. */
export const CAPTURE_HOST_PERMISSIONS: readonly string[] = /* @__PURE__ */ [
  prelude.hostPermissions,
  dynamic.hostPermissions,
  rfc9470.hostPermissions,
].flat();

/** webRequest URL filter patterns of every provider's API. */
export const CAPTURE_WEB_REQUEST_URLS: readonly string[] = /* @__PURE__ */ [
  prelude.webRequestUrls,
  dynamic.webRequestUrls,
  rfc9470.webRequestUrls,
].flat();
