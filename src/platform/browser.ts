/**
 * The one import of webextension-polyfill. Everything outside src/platform reaches the extension APIs
 * through the small modules beside this file, so a browser difference (Firefox's event page, its
 * storage.session quota) is handled here once, and dropping the polyfill later touches one folder.
 * Which browser is running is decided in target.ts.
 */
import browser from 'webextension-polyfill';

export { browser };
export type { Runtime, WebRequest, Tabs, Storage, Scripting, Permissions } from 'webextension-polyfill';
