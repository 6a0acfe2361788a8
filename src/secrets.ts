import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';

/**
 * For the embedded default only: secrets that were not configured are generated once into
 * DATA_DIR/secrets.json (mode 0600) so that sessions survive restarts. Operators set them explicitly.
 */
export function loadOrCreateSecret(dataDir: string, name: string, generate: () => string = () => randomBytes(48).toString('base64url')): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, 'secrets.json');
  const secrets: Record<string, string> = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>)
    : {};
  const existing = secrets[name];
  if (existing) return existing;
  secrets[name] = generate();
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
  return secrets[name];
}
