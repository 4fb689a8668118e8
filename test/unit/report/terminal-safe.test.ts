import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  escapeJsonText,
  terminalSafe,
  terminalSafeJson,
  terminalSafeText,
} from '../../../src/core/report/terminal-safe.ts';

/**
 * What must never reach a terminal from input, written out here from the specification rather than imported:
 * C0, DEL, C1, the bidi controls U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C, and U+2028/U+2029.
 */
const FORBIDDEN = new RegExp(
  // eslint-disable-next-line no-control-regex -- the set under test is control characters
  '[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069\\u2028\\u2029]',
);
const FORBIDDEN_CHARS = [
  ...Array.from({ length: 0x20 }, (_, i) => i),
  ...Array.from({ length: 0x21 }, (_, i) => 0x7f + i),
  0x61c,
  0x200e,
  0x200f,
  0x202a,
  0x202b,
  0x202c,
  0x202d,
  0x202e,
  0x2066,
  0x2067,
  0x2068,
  0x2069,
  0x2028,
  0x2029,
].map((code) => String.fromCharCode(code));
/** The colour sequences the text report writes itself. */
// eslint-disable-next-line no-control-regex -- as above
const REPORT_SGR = new RegExp('\\u001b\\[(?:0|1|2|22|31|32|33|36|39)m', 'g');

/** Strings dense in forbidden characters and whole escape sequences, mixed with anything else. */
const hostile = fc
  .array(
    fc.oneof(
      fc.constantFrom(...FORBIDDEN_CHARS),
      fc.constantFrom(
        '\u001b[2J',
        '\u001b]0;title\u0007',
        '\u001b]8;;https://evil.example/\u001b\\link\u001b]8;;\u001b\\',
        '\u001b[31m',
        '\u001b[0m',
        '\u009b2J',
        '\u001bP1$r\u001b\\',
        '\u202eevil',
        '\\x1B',
      ),
      fc.string({ unit: 'binary', maxLength: 8 }),
    ),
    { maxLength: 30 },
  )
  .map((parts) => parts.join(''));
const anyString = fc.oneof(hostile, fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }));

describe('terminalSafe', () => {
  it('shows each kind of control as visible escape text', () => {
    expect(terminalSafe('a\u001b[2Jb')).toBe('a\\x1B[2Jb');
    expect(terminalSafe('\u001b]0;pwned\u0007')).toBe('\\x1B]0;pwned\\x07');
    expect(terminalSafe('\u009b31m')).toBe('\\x9B31m');
    expect(terminalSafe('x\u007fy')).toBe('x\\x7Fy');
    expect(terminalSafe('line\nnext\r\ttab')).toBe('line\\nnext\\r\\ttab');
    expect(terminalSafe('abc\u202edcba')).toBe('abc\\u202Edcba');
    expect(terminalSafe('\u2066\u2069\u200e\u200f\u061c\u2028\u2029')).toBe(
      '\\u2066\\u2069\\u200E\\u200F\\u061C\\u2028\\u2029',
    );
  });

  it('leaves ordinary text alone, non-ASCII and backslashes included', () => {
    const plain = 'chl_01 transfer:write ✔ → Zoë 日本 🙂 C:\\temp\\a.har ½ ';
    expect(terminalSafe(plain)).toBe(plain);
  });

  it('property: for any string, the output contains no forbidden character', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        expect(terminalSafe(s)).not.toMatch(FORBIDDEN);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: a string without forbidden characters is unchanged, so the function is idempotent', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const once = terminalSafe(s);
        expect(terminalSafe(once)).toBe(once);
        if (!FORBIDDEN.test(s)) expect(once).toBe(s);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('terminalSafeText (the output boundary)', () => {
  it('keeps line breaks and, only when asked, exactly the report’s own colours', () => {
    const text = '\u001b[1mTitle\u001b[22m\n\u001b[31mred\u001b[39m \u001b[2J\u001b]8;;x\u0007\n';
    expect(terminalSafeText(text)).toBe(
      '\\x1B[1mTitle\\x1B[22m\n\\x1B[31mred\\x1B[39m \\x1B[2J\\x1B]8;;x\\x07\n',
    );
    expect(terminalSafeText(text, { keepReportColours: true })).toBe(
      '\u001b[1mTitle\u001b[22m\n\u001b[31mred\u001b[39m \\x1B[2J\\x1B]8;;x\\x07\n',
    );
    // Other SGR codes (conceal, blink, 256 colours) are not the report's: shown as text.
    expect(terminalSafeText('\u001b[8m\u001b[5m\u001b[38;5;1m', { keepReportColours: true })).toBe(
      '\\x1B[8m\\x1B[5m\\x1B[38;5;1m',
    );
  });

  it('property: for any text, nothing forbidden is left but \\n and, with colours, the report’s SGR', () => {
    fc.assert(
      fc.property(anyString, fc.boolean(), (s, colours) => {
        const out = terminalSafeText(s, { keepReportColours: colours });
        const rest = (colours ? out.replace(REPORT_SGR, '') : out).replaceAll('\n', '');
        expect(rest).not.toMatch(FORBIDDEN);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('terminalSafeJson', () => {
  it('writes DEL, C1, bidi controls and separators as \\u escapes', () => {
    expect(terminalSafeJson({ a: '\u007f\u009b\u202e\u2028\u001b' })).toBe(
      '{"a":"\\u007f\\u009b\\u202e\\u2028\\u001b"}',
    );
  });

  it('property: the JSON reads back to exactly the same values, and its bytes are terminal-safe', () => {
    const value = fc.oneof(
      fc.jsonValue(),
      fc.dictionary(anyString, anyString),
      fc.array(anyString, { maxLength: 5 }),
    );
    fc.assert(
      fc.property(value, fc.constantFrom(undefined, 2), (v, indent) => {
        const text = terminalSafeJson(v, indent) as string;
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(v)));
        expect(text.replaceAll('\n', '')).not.toMatch(FORBIDDEN);
        expect(escapeJsonText(JSON.stringify(v, null, indent))).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });
});
