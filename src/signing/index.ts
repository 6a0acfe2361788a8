import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';

/**
 * The site's Ed25519 signing key: it signs audit checkpoints (and later dossiers). The private key
 * comes from SIGNING_KEY_FILE, or for the embedded default is generated once into DATA_DIR (0600);
 * the public key is published at /.well-known/tracker-signing-key.pem so anyone can check.
 */
export interface Signer {
  keyId: string;
  publicKeyPem: string;
  sign(data: Buffer | string): string;
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

function loadPrivateKey(config: Pick<Config, 'DATA_DIR' | 'SIGNING_KEY_FILE'>): KeyObject {
  const file = config.SIGNING_KEY_FILE ?? path.join(config.DATA_DIR, 'signing-key.pem');
  if (!existsSync(file)) {
    if (config.SIGNING_KEY_FILE) throw new Error(`SIGNING_KEY_FILE=${file} does not exist`);
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  const key = createPrivateKey(readFileSync(file));
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${file} is not an Ed25519 private key`);
  return key;
}

export function siteSigner(config: Pick<Config, 'DATA_DIR' | 'SIGNING_KEY_FILE'>): Signer {
  const privateKey = loadPrivateKey(config);
  const publicKey = createPublicKey(privateKey);
  return {
    keyId: keyIdOf(publicKey),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign: (data) => sign(null, Buffer.isBuffer(data) ? data : Buffer.from(data), privateKey).toString('base64'),
  };
}

/** Checks a signature with only a public key (PEM): what a verifier elsewhere has. */
export function verifySignature(publicKeyPem: string, data: Buffer | string, signature: string): boolean {
  try {
    return verify(null, Buffer.isBuffer(data) ? data : Buffer.from(data), createPublicKey(publicKeyPem), Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
