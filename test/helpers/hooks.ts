import { resetAuditHead } from '../../src/audit/index.js';
import { forgetRefNumbers } from '../../src/db/sequence.js';
import { resetCatalogue } from '../../src/catalogue/index.js';
import { forgetUnreadCounts } from '../../src/notifications/service.js';
import { forgetHeldSessions } from '../../src/http/session.js';
import { forgetQueueBuilt, rebuildReportQueue } from '../../src/reports/queue.js';
import { accountsChanged } from '../../src/auth/held-accounts.js';
import { configureVault } from '../../src/vault/index.js';
import { TEST_IDENTITY_KEYS } from './app.js';
import { clearDatabase, startTestEngine, stopTestEngine } from './engine.js';

/**
 * One engine per test process, started before its first test file: the one process of a serial run,
 * or each worker of a parallel one (`mocha --parallel`: each worker has its own engine and database;
 * the engine exits with its worker, which closes its standard input).
 */
let engine: Promise<void> | undefined;
function ensureEngine(): Promise<void> {
  configureVault(TEST_IDENTITY_KEYS);
  engine ??= startTestEngine();
  return engine;
}

export async function mochaGlobalTeardown(): Promise<void> {
  if (engine) await stopTestEngine();
}

export const mochaHooks = {
  async beforeAll(): Promise<void> {
    await ensureEngine();
  },
  async beforeEach(): Promise<void> {
    await clearDatabase();
    resetAuditHead();
    forgetRefNumbers();
    resetCatalogue();
    forgetUnreadCounts();
    forgetHeldSessions();
    accountsChanged();
    // An empty database's queue rows are complete: what a start's rebuild marks (reports/queue.ts).
    forgetQueueBuilt();
    await rebuildReportQueue();
  },
};
