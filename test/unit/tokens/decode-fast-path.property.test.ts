/**
 * `decodeCompactJws` reads plain base64url segments itself and leaves everything else to jose: whatever the
 * segments hold (padding, whitespace, `+`/`/`, bad UTF-8, a byte-order mark, JSON that is not an object), it
 * must accept exactly the tokens jose accepts and read the same header and claims from them.
 */
import fc from 'fast-check';
import { base64url, decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { decodeCompactJws, jsonObjectSegment } from '../../../src/core/tokens/decode.ts';

/** What jose alone makes of a token: its header and claims, or null when it refuses either. */
function joseReading(raw: string): { header: unknown; claims: unknown } | null {
  try {
    return { header: decodeProtectedHeader(raw), claims: decodeJwt(raw) };
  } catch {
    return null;
  }
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A segment as some tool might write it: plain base64url, padded, base64 with `+` and `/`, spaced, or raw. */
const segmentOf = (data: Uint8Array) =>
  fc.constantFrom('plain', 'padded', 'standard', 'spaced', 'truncated').map((style) => {
    const plain = base64url.encode(data);
    switch (style) {
      case 'padded':
        return plain + '='.repeat((4 - (plain.length % 4)) % 4);
      case 'standard':
        return plain.replace(/-/g, '+').replace(/_/g, '/');
      case 'spaced':
        return plain.length > 2 ? `${plain.slice(0, 2)} ${plain.slice(2)}` : plain;
      case 'truncated':
        return plain.slice(0, -1);
      default:
        return plain;
    }
  });

/** Segment payloads: JSON objects (the usual case), other JSON, text with a BOM, invalid UTF-8, anything. */
const payload = fc.oneof(
  fc.dictionary(fc.string(), fc.jsonValue()).map((v) => bytes(JSON.stringify(v))),
  fc
    .dictionary(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }))
    .map((v) => bytes(JSON.stringify(v))),
  fc.jsonValue().map((v) => bytes(JSON.stringify(v) ?? 'null')),
  fc.dictionary(fc.string(), fc.integer()).map((v) => bytes(`\ufeff${JSON.stringify(v)}`)),
  fc.uint8Array({ maxLength: 40 }),
  fc.constant(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])), // {"\xff":1}: not UTF-8
);

const token = fc
  .tuple(payload.chain(segmentOf), payload.chain(segmentOf), fc.string({ maxLength: 8 }))
  .map(([h, p, s]) => `${h}.${p}.${s.replace(/\./g, '')}`);

describe('decodeCompactJws fast path', () => {
  it('accepts what jose accepts and reads the same header and claims', () => {
    fc.assert(
      fc.property(token, (raw) => {
        const ours = decodeCompactJws(raw);
        const jose = joseReading(raw);
        expect(ours.ok).toBe(jose !== null);
        if (ours.ok && jose !== null) {
          expect(ours.header).toStrictEqual(jose.header);
          expect(ours.claims).toStrictEqual(jose.claims);
          expect(ours.signature).toBe(raw.split('.')[2]);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reads plain segments itself, at every last-chunk length and with non-ASCII text', () => {
    // The fast path must not merely fall back to jose: a plain segment of a JSON object is read by it.
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'binary' }), fc.jsonValue()), (claims) => {
        const text = JSON.stringify(claims);
        if (text.charCodeAt(0) === 0xfeff) return;
        expect(jsonObjectSegment(base64url.encode(text))).toStrictEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
    for (let n = 0; n < 40; n += 1) {
      const claims = { s: 'é✓𝄞'.repeat(n % 4), pad: 'x'.repeat(n) };
      expect(jsonObjectSegment(base64url.encode(JSON.stringify(claims)))).toStrictEqual(claims);
    }
    for (const odd of ['', 'e30=', 'e 30', 'e30+', 'W10', 'ImEi', 'e30'.slice(0, 1)])
      expect(jsonObjectSegment(odd)).toBeUndefined();
  });
});
