/** Checks of the proof's JOSE header (RFC 9449 §4.3 steps 4, 5 and 7): `typ`, `alg`, a public `jwk`. */
import { PRIVATE_JWK_MEMBERS } from '../util.ts';
import { quote, type Rows } from './rows.ts';

/** Asymmetric JWS algorithms a DPoP proof may use (RFC 9449 §4.2: "MUST NOT be none or an identifier for a symmetric algorithm"). */
const ASYMMETRIC_ALGS = new Set([
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
  'Ed25519',
  'ML-DSA-44',
  'ML-DSA-65',
  'ML-DSA-87',
]);

export function checkTyp(rows: Rows, typ: unknown): void {
  // Media types compare case-insensitively and may carry `application/` (RFC 7515 §4.1.9), but many servers
  // compare the exact string, so anything but the exact form is a warning.
  if (typ === 'dpop+jwt') rows.set('typ', 'pass', 'typ is dpop+jwt');
  else if (typeof typ === 'string' && /^(?:application\/)?dpop\+jwt$/i.test(typ)) {
    rows.set(
      'typ',
      'warn',
      `typ is "${typ}": equivalent to dpop+jwt, but servers comparing the exact string reject it`,
    );
  } else rows.set('typ', 'fail', `typ is ${quote(typ)} but must be dpop+jwt`);
}

/** Sets the `alg` row; returns the algorithm when a proof may use it, undefined otherwise. */
export function checkAlg(rows: Rows, alg: unknown): string | undefined {
  if (typeof alg === 'string' && ASYMMETRIC_ALGS.has(alg)) {
    rows.set('alg', 'pass', `alg ${alg} is asymmetric`);
    return alg;
  }
  if (alg === 'none') rows.set('alg', 'fail', 'alg is none: the proof is unsigned');
  else if (typeof alg === 'string' && /^HS\d+$/.test(alg)) {
    rows.set('alg', 'fail', `alg ${alg} is symmetric (HMAC); a proof must be signed with an asymmetric key`);
  } else rows.set('alg', 'fail', `alg is ${quote(alg)}, not a known asymmetric JWS algorithm`);
  return undefined;
}

export function checkNoPrivateKey(rows: Rows, jwk: Record<string, unknown> | undefined): void {
  if (jwk === undefined) {
    rows.set('no_private_key', 'n/a', 'no jwk in the header');
    return;
  }
  const leaked = PRIVATE_JWK_MEMBERS.filter((m) => jwk[m] !== undefined);
  if (leaked.length > 0) {
    rows.set(
      'no_private_key',
      'fail',
      `the header jwk carries private member${leaked.length > 1 ? 's' : ''} ${leaked.join(', ')}: the device's private key is exposed`,
    );
  } else rows.set('no_private_key', 'pass', 'the header jwk is a public key');
}
