/**
 * Making text from a captured file safe to print on a terminal. A HAR is written by whoever controls the
 * traffic or the file: a creator name, a challenge id, a step key, an error message or a URL can carry escape
 * sequences (clear the screen, set the window title, an OSC 8 hyperlink whose text lies about its target,
 * colours that hide a line), C1 controls that some terminals read as escapes, and Unicode bidi controls that
 * reorder what is shown. Everything from the input is neutralised before it reaches stdout or stderr: each such
 * character is replaced by visible escape text (`\x1B`, `\u202E`), so the reader sees that something was there.
 */

/**
 * Characters that never reach a terminal from input: C0 controls, DEL, C1 controls, the bidi embeddings,
 * overrides, isolates and marks (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) and the line and
 * paragraph separators U+2028/U+2029.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is what these patterns are for
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/** The same set without `\n`, for whole reports whose own line breaks are kept. */
const FORBIDDEN_BUT_NEWLINE =
  // eslint-disable-next-line no-control-regex -- as above
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/**
 * The SGR sequences the text report paints with (bold, dim, normal intensity, red, green, yellow, cyan,
 * default colour): with colour on, these and only these survive {@link terminalSafeText}.
 */
// eslint-disable-next-line no-control-regex -- as above
const REPORT_SGR = /\u001b\[(?:0|1|2|22|31|32|33|36|39)m/y;

const SHORT: Readonly<Record<number, string>> = { 0x09: '\\t', 0x0a: '\\n', 0x0d: '\\r' };

/** Visible text for one forbidden character: `\n`, `\t`, `\r`, else `\xHH` below U+0100, else `\uHHHH`. */
function visible(char: string): string {
  const code = char.charCodeAt(0);
  const short = SHORT[code];
  if (short !== undefined) return short;
  const hex = code.toString(16).toUpperCase();
  return code < 0x100 ? `\\x${hex.padStart(2, '0')}` : `\\u${hex.padStart(4, '0')}`;
}

/**
 * Neutralises one value taken from the input (a name, an id, a message, a URL, a file name) for a terminal:
 * every C0/C1 control, DEL, bidi control and line/paragraph separator becomes visible escape text, so the
 * value stays on one line and can neither move the cursor, change colours or titles, make links, nor reorder
 * the text around it. Other characters, backslashes included, are kept as they are. Pure and total.
 */
export function terminalSafe(value: string): string {
  return value.replace(FORBIDDEN, visible);
}

/** Options of {@link terminalSafeText}. */
export interface TerminalSafeTextOptions {
  /** Keep the report's own colour sequences (see `REPORT_SGR`); default false. */
  keepReportColours?: boolean;
}

/**
 * The last line of defence at the output boundary, for a whole text about to be written (a report, a
 * message): like {@link terminalSafe} but it keeps line breaks (`\n`), and with `keepReportColours` the SGR
 * sequences the text report itself paints with. Any other escape sequence, from wherever it came, is shown
 * as text. Pure and total.
 */
export function terminalSafeText(text: string, options: TerminalSafeTextOptions = {}): string {
  if (options.keepReportColours !== true) return text.replace(FORBIDDEN_BUT_NEWLINE, visible);
  return text.replace(FORBIDDEN_BUT_NEWLINE, (char, offset: number) => {
    if (char !== '\u001b') return visible(char);
    REPORT_SGR.lastIndex = offset;
    return REPORT_SGR.test(text) ? char : visible(char);
  });
}

/**
 * JSON text whose values are exactly `JSON.stringify`'s but whose bytes are safe on a terminal: the
 * characters JSON leaves raw in strings (DEL, C1, the bidi controls, U+2028/U+2029) are written as `\uXXXX`
 * escapes, which every JSON reader turns back into the same characters. `JSON.stringify` already escapes C0
 * inside strings, so the only raw line breaks left are those of the indentation. Returns `undefined` where
 * `JSON.stringify` does.
 */
export function terminalSafeJson(value: unknown, indent?: number): string | undefined {
  const text = JSON.stringify(value, null, indent) as string | undefined;
  return text === undefined ? undefined : escapeJsonText(text);
}

/**
 * {@link terminalSafeJson} for JSON text already written by `JSON.stringify` (an export file): raw DEL, C1,
 * bidi controls and separators become `\uXXXX`. Only valid on such text, where these characters can only be
 * inside strings.
 */
export function escapeJsonText(text: string): string {
  return text.replace(
    /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
