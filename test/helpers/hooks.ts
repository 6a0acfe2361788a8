import { resetAuditHead } from '../../src/audit/index.js';
import { clearDatabase, startTestEngine, stopTestEngine } from './engine.js';

export async function mochaGlobalSetup(): Promise<void> {
  await startTestEngine();
}

export async function mochaGlobalTeardown(): Promise<void> {
  await stopTestEngine();
}

export const mochaHooks = {
  async beforeEach(): Promise<void> {
    await clearDatabase();
    resetAuditHead();
  },
};
