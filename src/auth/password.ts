import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { dictionary } from '@zxcvbn-ts/language-common';

const KEY_LENGTH = 32;

function scrypt(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(password.normalize('NFC'), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function options(logN: number): ScryptOptions {
  const N = 2 ** logN;
  // 128 * N * r bytes are needed; raise maxmem above it (the default 32 MiB is too small for 2^17).
  return { N, r: 8, p: 1, maxmem: 256 * N * 8 };
}

/** scrypt$<logN>$<r>$<p>$<salt>$<hash>, salt and hash base64url. The whole password is used. */
export async function hashPassword(password: string, logN: number): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, options(logN));
  return ['scrypt', logN, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, logN, , , salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !logN || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scrypt(password, Buffer.from(salt, 'base64url'), options(Number(logN)));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash of nothing anyone knows: an unknown email costs the same scrypt work as a known one. */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(logN: number): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(24).toString('base64url'), logN);
  return dummyHash;
}

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 1024;
const common = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));

/** Length in characters (code points), no composition rules, not in the bundled common list. */
export function passwordProblem(password: string): string | undefined {
  const length = [...password].length;
  if (length < PASSWORD_MIN) return 'validation.passwordTooShort';
  if (length > PASSWORD_MAX) return 'validation.passwordTooLong';
  if (common.has(password.toLowerCase())) return 'validation.passwordCommon';
  return undefined;
}
