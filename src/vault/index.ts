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

/**
 * Files sealed in records, so that a file is opened (and each part authenticated) as it is read,
 * with memory flat in its size: [0x00 'S' '2'][kid length][kid][7-byte nonce prefix], then records of
 * SEAL_CHUNK plaintext bytes (the last one shorter, possibly empty), each AES-256-GCM ciphertext and
 * its 16-byte tag. A record's nonce is the prefix, its index (32 bits) and a last-record flag, and the
 * header is its additional data (the STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár):
 * records cannot be reordered, dropped, or cut off at a record boundary without the opening failing.
 * No whole-buffer seal (above) starts with 0x00: its first byte is a key id's length, never zero.
 */
const CHUNKED = Buffer.from([0x00, 0x53, 0x32]);
export const SEAL_CHUNK = 64 * 1024;
export const SEAL_RECORD = SEAL_CHUNK + 16;

function recordNonce(prefix: Buffer, index: number, last: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  prefix.copy(nonce, 0);
  nonce.writeUInt32BE(index, 7);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/**
 * A record-sealed file made a record at a time (for a file written as it is produced): its header,
 * then `seal` for each record in order, every one of SEAL_CHUNK bytes but the last, which is marked.
 */
export function chunkedSealer(): { header: Buffer; seal: (plain: Buffer, index: number, last: boolean) => Buffer } {
  const kid = currentKid;
  const key = kid ? keys.get(kid) : undefined;
  if (!kid || !key) throw new Error('the vault has no key configured');
  const kidBytes = Buffer.from(kid, 'utf8');
  const header = Buffer.concat([CHUNKED, Buffer.from([kidBytes.length]), kidBytes, randomBytes(7)]);
  const prefix = header.subarray(header.length - 7);
  return {
    header,
    seal(plain, index, last) {
      const cipher = createCipheriv('aes-256-gcm', key, recordNonce(prefix, index, last));
      cipher.setAAD(header);
      return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    },
  };
}

export function sealChunked(plain: Buffer): Buffer {
  const sealer = chunkedSealer();
  const parts = [sealer.header];
  const count = Math.max(1, Math.ceil(plain.length / SEAL_CHUNK));
  for (let i = 0; i < count; i++) parts.push(sealer.seal(plain.subarray(i * SEAL_CHUNK, (i + 1) * SEAL_CHUNK), i, i === count - 1));
  return Buffer.concat(parts);
}

/** Whether a sealed file starts as a record-sealed one (`sealChunked`). */
export function isChunked(start: Buffer): boolean {
  return start.subarray(0, CHUNKED.length).equals(CHUNKED);
}

/**
 * Reads a record-sealed file's header (its first bytes: at least 4 + 255 + 7, or the whole file if
 * shorter): how long it is, and the opener of each record (index, and whether it is the file's last).
 */
export function chunkedOpener(start: Buffer): { headerLength: number; open: (record: Buffer, index: number, last: boolean) => Buffer } {
  const kidLength = start[CHUNKED.length] ?? 0;
  const kidAt = CHUNKED.length + 1;
  const kid = start.subarray(kidAt, kidAt + kidLength).toString('utf8');
  const key = keys.get(kid);
  if (!key) throw new Error(`no key "${kid}" to open a protected file`);
  const headerLength = kidAt + kidLength + 7;
  if (start.length < headerLength) throw new Error('sealed file cut short');
  const header = Buffer.from(start.subarray(0, headerLength));
  const prefix = header.subarray(headerLength - 7);
  return {
    headerLength,
    open(record, index, last) {
      if (record.length < 16) throw new Error('sealed file cut short');
      const decipher = createDecipheriv('aes-256-gcm', key, recordNonce(prefix, index, last));
      decipher.setAAD(header);
      decipher.setAuthTag(record.subarray(record.length - 16));
      return Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
    },
  };
}
