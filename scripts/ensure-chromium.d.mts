/** Where Debian's `chromium` package puts its launcher. */
export declare const DEBIAN_CHROMIUM: string;
/** The Chromium to use without installing anything (`CHROME_PATH`, then `/usr/bin/chromium`), or `null`. */
export declare function findChromium(): string | null;
/** A usable Chromium's path, installing Debian's package when running as root; throws otherwise. */
export declare function ensureChromium(): string;
