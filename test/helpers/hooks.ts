import { resetAuditHead } from '../../src/audit/index.js';
import { forgetRefNumbers } from '../../src/db/sequence.js';
import { resetCatalogue } from '../../src/catalogue/index.js';
import { forgetUnreadCounts } from '../../src/notifications/service.js';
import { configureVault } from '../../src/vault/index.js';
import { TEST_IDENTITY_KEYS } from './app.js';
import { clearDatabase, startTestEngine, stopTestEngine } from './engine.js';

export async function mochaGlobalSetup(): Promise<void> {
  configureVault(TEST_IDENTITY_KEYS);
  await startTestEngine();
}

export async function mochaGlobalTeardown(): Promise<void> {
  await stopTestEngine();
}

export const mochaHooks = {
  async beforeEach(): Promise<void> {
    await clearDatabase();
    resetAuditHead();
    forgetRefNumbers();
    resetCatalogue();
    forgetUnreadCounts();
  },
};
