/** The host's TLS identity: made once and kept owner-only, read back the same; bad files are clear errors. */
import fs from 'node:fs';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CERT_FILE, KEY_FILE, createHostCertificate, loadOrCreateHostCertificate, readCertificateFiles } from '../../main/chat/host-certificate';
import { useTempDirs } from '../support/temp-dir';

const tempDir = useTempDirs();

describe('host certificate', () => {
  it('is ECDSA P-256, self-signed, made once in the state folder (0700, key 0600) and read back the same', async () => {
    const stateDir = path.join(await tempDir('tincan-cert-'), 'state');
    const made = await loadOrCreateHostCertificate(stateDir);
    const certificate = new X509Certificate(made.cert);
    expect(certificate.publicKey.asymmetricKeyDetails).toMatchObject({ namedCurve: 'prime256v1' });
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(made.fingerprint).toBe(certificate.fingerprint256);
    expect(fs.statSync(stateDir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(stateDir, KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(stateDir).sort()).toEqual([CERT_FILE, KEY_FILE]);
    const again = await loadOrCreateHostCertificate(stateDir);
    expect(again.fingerprint).toBe(made.fingerprint);
  });

  it('a kept key others can read is made owner-only again', async () => {
    const stateDir = await tempDir('tincan-cert-');
    await loadOrCreateHostCertificate(stateDir);
    fs.chmodSync(path.join(stateDir, KEY_FILE), 0o644);
    await loadOrCreateHostCertificate(stateDir);
    expect(fs.statSync(path.join(stateDir, KEY_FILE)).mode & 0o777).toBe(0o600);
  });

  it('a key of another certificate, a file that is not PEM, and an oversized file are refused with a sentence', async () => {
    const dir = await tempDir('tincan-cert-');
    const a = await createHostCertificate();
    const b = await createHostCertificate();
    const write = (name: string, text: string | Buffer) => {
      fs.writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    expect(() => readCertificateFiles(write('a.crt', a.cert), write('b.key', b.key))).toThrow('The TLS key does not belong to the TLS certificate.');
    expect(() => readCertificateFiles(write('junk.crt', 'hello'), write('a.key', a.key))).toThrow(/not a PEM certificate/);
    expect(() => readCertificateFiles(path.join(dir, 'a.crt'), write('junk.key', 'hello'))).toThrow(/not a PEM private key/);
    expect(() => readCertificateFiles(write('big.crt', Buffer.alloc(100_000, 0x41)), path.join(dir, 'a.key'))).toThrow(/larger than/);
    expect(() => readCertificateFiles(path.join(dir, 'none.crt'), path.join(dir, 'a.key'))).toThrow(/Cannot read the TLS certificate/);
    expect(readCertificateFiles(path.join(dir, 'a.crt'), path.join(dir, 'a.key')).fingerprint).toBe(a.fingerprint);
  });
});
