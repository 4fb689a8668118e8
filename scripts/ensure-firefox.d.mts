/** Where Debian's `firefox-esr` package puts its launcher. */
export declare const DEBIAN_FIREFOX: string;
/** The Firefox to use without installing anything (`FIREFOX_PATH`, then `/usr/bin/firefox-esr`), or `null`. */
export declare function findFirefox(): string | null;
/** A usable Firefox's path, installing Debian's package when running as root; throws otherwise. */
export declare function ensureFirefox(): string;
