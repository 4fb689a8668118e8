/**
 * A throw-away self-signed TLS certificate for the emulated domain (and 127.0.0.1), made at start-up.
 * The SDK hard-codes `https://`, so the emulator must speak TLS; Chromium is run with
 * `--ignore-certificate-errors` (or `--ignore-certificate-errors-spki-list=<spkiHash>`).
 *
 * `openssl req -x509` is used when available; otherwise a built-in DER encoder signs a minimal X.509 v3
 * certificate with node:crypto, so the emulator also runs where openssl is not installed.
 */
import { execFile } from 'node:child_process';
import {
  X509Certificate,
  createHash,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** A certificate and its private key, PEM-encoded. */
export interface Certificate {
  certPem: string;
  keyPem: string;
  /** base64 SHA-256 of the SubjectPublicKeyInfo, for Chromium's `--ignore-certificate-errors-spki-list`. */
  spkiHash: string;
  /** Which generator made it. */
  source: 'openssl' | 'builtin';
}

const HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * Makes a certificate for `domain` valid two days. `prefer: 'builtin'` skips openssl (tests use it to cover
 * the fallback).
 */
export async function generateCertificate(
  domain: string,
  options: { prefer?: 'openssl' | 'builtin' } = {},
): Promise<Certificate> {
  if (!HOSTNAME.test(domain))
    throw new Error(`Cannot make a certificate for ${JSON.stringify(domain)}: not a host name`);
  if (options.prefer !== 'builtin') {
    try {
      return await withOpenssl(domain);
    } catch (error) {
      if (!isMissingBinary(error))
        throw new Error(`openssl failed to make a certificate: ${(error as Error).message}`, {
          cause: error,
        });
      // openssl is not installed: fall through to the built-in generator.
    }
  }
  return builtin(domain);
}

function isMissingBinary(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';
}

async function withOpenssl(domain: string): Promise<Certificate> {
  const dir = await mkdtemp(join(tmpdir(), 'prelude-emulator-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    await promisify(execFile)(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        `/CN=${domain}`,
        '-addext',
        `subjectAltName=DNS:${domain},IP:127.0.0.1`,
        '-keyout',
        keyPath,
        '-out',
        certPath,
      ],
      { timeout: 15_000 },
    );
    const [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    return { certPem, keyPem, spkiHash: spkiHashOf(certPem), source: 'openssl' };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** base64 SHA-256 of a certificate's SubjectPublicKeyInfo. */
export function spkiHashOf(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

// --- Built-in generator: just enough DER for a self-signed ECDSA P-256 certificate. ---

function der(tag: number, content: Buffer): Buffer {
  const length = content.length;
  let lengthBytes: Buffer;
  if (length < 0x80) lengthBytes = Buffer.from([length]);
  else {
    const bytes: number[] = [];
    for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
    lengthBytes = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), lengthBytes, content]);
}

const seq = (...items: Buffer[]): Buffer => der(0x30, Buffer.concat(items));

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = parts;
  const bytes = [first * 40 + second];
  for (const part of rest) {
    const chunk: number[] = [];
    let n = part;
    do {
      chunk.unshift(n & 0x7f);
      n >>= 7;
    } while (n > 0);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i] = (chunk[i] ?? 0) | 0x80;
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
}

function utcTime(date: Date): Buffer {
  const iso = date.toISOString(); // 2025-01-02T03:04:05.000Z
  const text = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return der(0x17, Buffer.from(text, 'ascii'));
}

function name(commonName: string): Buffer {
  return seq(der(0x31, seq(oid('2.5.4.3'), der(0x0c, Buffer.from(commonName, 'utf8')))));
}

function builtin(domain: string): Certificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ecdsaWithSha256 = seq(oid('1.2.840.10045.4.3.2'));
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f; // positive INTEGER
  const now = Date.now();
  const subjectAltName = seq(
    der(0x82, Buffer.from(domain, 'ascii')), // [2] dNSName
    der(0x87, Buffer.from([127, 0, 0, 1])), // [7] iPAddress
  );
  const extensions = der(
    0xa3,
    seq(
      seq(oid('2.5.29.17'), der(0x04, subjectAltName)),
      seq(oid('2.5.29.19'), der(0x04, seq())), // basicConstraints: not a CA
    ),
  );
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))), // version v3
    der(0x02, serial),
    ecdsaWithSha256,
    name(domain),
    seq(utcTime(new Date(now - 60_000)), utcTime(new Date(now + 2 * 86_400_000))),
    name(domain),
    publicKey.export({ type: 'spki', format: 'der' }),
    extensions,
  );
  const signature = sign('sha256', tbs, privateKey as KeyObject); // DER-encoded ECDSA signature
  const certificate = seq(tbs, ecdsaWithSha256, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const certPem = toPem('CERTIFICATE', certificate);
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { certPem, keyPem, spkiHash: spkiHashOf(certPem), source: 'builtin' };
}

function toPem(label: string, body: Buffer): string {
  const base64 = body.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${base64}-----END ${label}-----\n`;
}
