import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Protected fields (a target's real identity, a submitter's contact) are sealed with AES-256-GCM:
 * a random 96-bit nonce per value and the id of the key used, so keys can be rotated (new values
 * use the first key, old values still open with theirs). Keys come from configuration
 * (IDENTITY_KEYS = "id:base64,id2:base64"); the embedded default generates one into DATA_DIR.
 */
export interface Sealed {
  kid: string;
  iv: string;
  ct: string;
  tag: string;
}

let keys = new Map<string, Buffer>();
let currentKid: string | undefined;

export function configureVault(spec: string): void {
  const parsed = new Map<string, Buffer>();
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [kid, b64] = part.split(':');
    const key = Buffer.from(b64 ?? '', 'base64');
    if (!kid || key.length !== 32) throw new Error('IDENTITY_KEYS: each key must be "id:<32 bytes in base64>"');
    parsed.set(kid, key);
  }
  if (parsed.size === 0) throw new Error('IDENTITY_KEYS: no key given');
  keys = parsed;
  currentKid = parsed.keys().next().value;
}

export function newVaultKeySpec(kid = 'k1'): string {
  return `${kid}:${randomBytes(32).toString('base64')}`;
}

export function seal(plaintext: string): Sealed {
  const kid = currentKid;
  const key = kid ? keys.get(kid) : undefined;
  if (!kid || !key) throw new Error('the vault has no key configured');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { kid, iv: iv.toString('base64'), ct: ct.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

export function open(sealed: Sealed): string {
  const key = keys.get(sealed.kid);
  if (!key) throw new Error(`no key "${sealed.kid}" to open a protected value`);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64')), decipher.final()]).toString('utf8');
}

/** Seals a value if it is not empty. */
export function sealOptional(value: string | undefined): Sealed | undefined {
  return value && value.trim() ? seal(value.trim()) : undefined;
}

/**
 * Files: [kid length][kid][12-byte nonce][16-byte tag][ciphertext], AES-256-GCM with the vault key.
 */
export function sealBuffer(plain: Buffer): Buffer {
  const kid = currentKid;
  const key = kid ? keys.get(kid) : undefined;
  if (!kid || !key) throw new Error('the vault has no key configured');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
  const kidBytes = Buffer.from(kid, 'utf8');
  return Buffer.concat([Buffer.from([kidBytes.length]), kidBytes, iv, cipher.getAuthTag(), ct]);
}

export function openBuffer(sealed: Buffer): Buffer {
  const kidLength = sealed[0] ?? 0;
  const kid = sealed.subarray(1, 1 + kidLength).toString('utf8');
  const key = keys.get(kid);
  if (!key) throw new Error(`no key "${kid}" to open a protected file`);
  const at = 1 + kidLength;
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(at, at + 12));
  decipher.setAuthTag(sealed.subarray(at + 12, at + 28));
  return Buffer.concat([decipher.update(sealed.subarray(at + 28)), decipher.final()]);
}
