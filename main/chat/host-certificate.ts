/**
 * The host's TLS identity: an ECDSA P-256 key (the curve every TLS client takes) and a
 * self-signed certificate, made on first use and kept in a state folder readable by its
 * owner only, so the room's fingerprint stays the same across restarts. Or the operator's
 * own PEM files. Node makes the key; @peculiar/x509 writes the certificate (Node cannot).
 * It is loaded only when a certificate is made, with the Reflect polyfill it requires.
 */
import { KeyObject, X509Certificate, createPrivateKey, webcrypto } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const CERT_FILE = 'tls-cert.pem';
export const KEY_FILE = 'tls-key.pem';
/** PEM files larger than this are not certificates or keys anyone would use here. */
const MAX_PEM_BYTES = 64 * 1024;
const VALID_YEARS = 20;

export interface HostCertificate {
  readonly cert: string;
  readonly key: string;
  /** SHA-256 of the certificate (DER), as `AB:CD:…`: what `openssl x509 -fingerprint -sha256` prints. */
  readonly fingerprint: string;
}

function readPem(file: string, what: string): string {
  let handle: number;
  try {
    handle = fs.openSync(file, 'r');
  } catch (error) {
    throw new Error(`Cannot read the TLS ${what} ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const buffer = Buffer.alloc(MAX_PEM_BYTES + 1);
    const length = fs.readSync(handle, buffer, 0, buffer.length, 0);
    if (length > MAX_PEM_BYTES) throw new Error(`The TLS ${what} ${file} is larger than ${MAX_PEM_BYTES} bytes.`);
    return buffer.toString('utf8', 0, length);
  } finally {
    fs.closeSync(handle);
  }
}

/** Checks that `key` is the private key of `cert` (both PEM) and gives their fingerprint. */
export function describeCertificate(cert: string, key: string): HostCertificate {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch (error) {
    throw new Error(`The TLS certificate is not a PEM certificate: ${(error as Error).message}`, { cause: error });
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    throw new Error(`The TLS key is not a PEM private key: ${(error as Error).message}`, { cause: error });
  }
  if (!certificate.checkPrivateKey(privateKey)) throw new Error('The TLS key does not belong to the TLS certificate.');
  return { cert, key, fingerprint: certificate.fingerprint256 };
}

/** The operator's own certificate and key (PEM files). */
export function readCertificateFiles(certFile: string, keyFile: string): HostCertificate {
  return describeCertificate(readPem(certFile, 'certificate'), readPem(keyFile, 'key'));
}

/** A new ECDSA P-256 key and a self-signed certificate for it. */
export async function createHostCertificate(commonName = 'Tincan room'): Promise<HostCertificate> {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  type SelfSigned = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>;
  // Node's Web Crypto types and the DOM's (which the library is typed with) differ in detail only.
  const provider: unknown = webcrypto;
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const notBefore = new Date(Date.now() - 24 * 3600 * 1000);
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + VALID_YEARS);
  const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)));
  serial[0]! &= 0x7f; // a positive serial number
  const params: unknown = {
    serialNumber: serial.toString('hex'),
    name: new x509.Name([{ CN: [commonName] }]),
    notBefore,
    notAfter,
    signingAlgorithm: algorithm,
    keys,
    extensions: [new x509.BasicConstraintsExtension(false, undefined, true)],
  };
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(params as SelfSigned[0], provider as SelfSigned[1]);
  const key = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString();
  return describeCertificate(certificate.toString('pem') + '\n', key);
}

/**
 * The certificate kept in `stateDir`, made there (owner-only: folder 0700, key 0600) on first
 * use. A key file others can read is made owner-only again.
 */
export async function loadOrCreateHostCertificate(stateDir: string): Promise<HostCertificate> {
  const certFile = path.join(stateDir, CERT_FILE);
  const keyFile = path.join(stateDir, KEY_FILE);
  if (fs.existsSync(certFile) && fs.existsSync(keyFile)) {
    if (process.platform !== 'win32' && (fs.statSync(keyFile).mode & 0o077) !== 0) fs.chmodSync(keyFile, 0o600);
    return readCertificateFiles(certFile, keyFile);
  }
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const made = await createHostCertificate();
  // The key first, exclusively: two servers starting at once do not mix their halves.
  const temporaryKey = `${keyFile}.${process.pid}.tmp`;
  const temporaryCert = `${certFile}.${process.pid}.tmp`;
  fs.writeFileSync(temporaryKey, made.key, { mode: 0o600, flag: 'wx' });
  fs.writeFileSync(temporaryCert, made.cert, { mode: 0o644, flag: 'wx' });
  fs.renameSync(temporaryKey, keyFile);
  fs.renameSync(temporaryCert, certFile);
  return made;
}
