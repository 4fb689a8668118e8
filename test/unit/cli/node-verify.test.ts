import { base64url } from 'jose';
import { describe, expect, it } from 'vitest';
import { nodeVerifier } from '../../../src/cli/node-verify.ts';
import { checkDpopProof, type DpopCheckInput } from '../../../src/core/dpop/check.ts';
import { resolveKey, webCryptoVerifier, type DirectAlg } from '../../../src/core/dpop/signature.ts';
import { API_BASE, T0, aDpopProof, tamperSignature } from '../../fixtures/tokens.ts';

const ENCODER = new TextEncoder();

function parts(jws: string): {
  header: Record<string, unknown>;
  input: Uint8Array<ArrayBuffer>;
  sig: string;
} {
  const dot = jws.lastIndexOf('.');
  const [head = ''] = jws.split('.');
  return {
    header: JSON.parse(new TextDecoder().decode(base64url.decode(head))) as Record<string, unknown>,
    input: ENCODER.encode(jws.slice(0, dot)),
    sig: jws.slice(dot + 1),
  };
}

async function keyOf(jws: string): Promise<CryptoKey> {
  const { header } = parts(jws);
  const material = await resolveKey(header['jwk'] as Record<string, unknown>, header['alg'] as string);
  if (material.cryptoKey === undefined) throw new Error(material.importError);
  return material.cryptoKey as CryptoKey;
}

/** What a verifier makes of a signature: its answer, or that it refused (the caller then asks jose). */
async function outcome(
  verify: typeof nodeVerifier,
  alg: DirectAlg,
  key: CryptoKey,
  signature: Uint8Array<ArrayBuffer>,
  input: Uint8Array<ArrayBuffer>,
): Promise<boolean | 'refused'> {
  try {
    return await verify(alg, key, signature, input);
  } catch {
    return 'refused';
  }
}

describe("the CLI's signature verifier (Node's crypto)", () => {
  for (const alg of ['ES256', 'ES384', 'EdDSA'] as const) {
    it(`answers as WebCrypto does for ${alg}: valid, altered, cut, empty and over-long signatures`, async () => {
      const proof = await aDpopProof({ alg, keyName: `node-verify-${alg}` });
      const key = await keyOf(proof);
      const { input, sig } = parts(proof);
      const good = base64url.decode(sig) as Uint8Array<ArrayBuffer>;
      const altered = base64url.decode(parts(tamperSignature(proof)).sig) as Uint8Array<ArrayBuffer>;
      const cases: [string, Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>, boolean][] = [
        ['valid', good, input, true],
        ['altered signature', altered, input, false],
        ['other signing input', good, ENCODER.encode('eyJhbGciOiJFUzI1NiJ9.e30'), false],
        ['cut signature', good.slice(0, good.length - 1), input, false],
        ['empty signature', new Uint8Array(0), input, false],
        ['over-long signature', new Uint8Array([...good, 0]), input, false],
      ];
      for (const [name, signature, signed, verifies] of cases) {
        const node = await outcome(nodeVerifier, alg, key, signature, signed);
        const web = await outcome(webCryptoVerifier, alg, key, signature, signed);
        // A refusal is never a pass: the check falls back to jose, which says "does not verify".
        expect(node === true, `${alg} ${name}`).toBe(verifies);
        expect(web === true, `${alg} ${name}`).toBe(verifies);
      }
    });
  }

  it('gives checkDpopProof the same report as WebCrypto, row for row', async () => {
    const proof = await aDpopProof({ keyName: 'node-verify-report' });
    const proofs = [proof, tamperSignature(proof), `${proof.slice(0, proof.lastIndexOf('.') + 1)}AAAA`];
    for (const raw of proofs) {
      const input: DpopCheckInput = {
        proofHeaders: [raw],
        method: 'POST',
        url: `${API_BASE}/refresh`,
        requestTime: T0 * 1000,
        flavour: 'session',
      };
      const viaNode = await checkDpopProof(input, nodeVerifier);
      const viaWeb = await checkDpopProof(input);
      expect(viaNode).toEqual(viaWeb);
    }
    const signature = (raw: string) =>
      checkDpopProof({
        proofHeaders: [raw],
        method: 'POST',
        url: `${API_BASE}/refresh`,
        requestTime: T0 * 1000,
        flavour: 'session',
      }).then((r) => r.checks.find((c) => c.id === 'signature')?.status);
    expect(await signature(proof)).toBe('pass');
    expect(await signature(tamperSignature(proof))).toBe('fail');
  });
});
