import type { Config } from '../config.js';
import { loadOrCreateSecret } from '../secrets.js';
import { newVaultKeySpec } from './index.js';

/** IDENTITY_KEYS, or for the embedded default a key generated once into DATA_DIR (mode 0600). */
export function vaultKeySpec(config: Config): string {
  return config.IDENTITY_KEYS ?? loadOrCreateSecret(config.DATA_DIR, 'identityKeys', () => newVaultKeySpec());
}
