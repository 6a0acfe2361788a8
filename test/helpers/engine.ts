import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { loadConfig, type Config } from '../../src/config.js';
import { connectDatabase, describeServer, ensureIndexes, startEngine, type Engine } from '../../src/db/index.js';
import { initI18n } from '../../src/i18n/index.js';
import { createLogger } from '../../src/log.js';
import '../../src/models.js';

/** The suite's engine: MONGODB_URI when set (a throwaway database on it), else an embedded FerretDB. */
export const testState: { engine?: Engine; dataDir?: string; uri?: string; config?: Config } = {};

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: testState.dataDir ?? os.tmpdir(),
    LOG_LEVEL: 'silent',
    ...overrides,
  });
}

export async function startTestEngine(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tracker-test-'));
  testState.dataDir = dataDir;
  // A parallel worker ends without the global teardown: its data goes with it.
  process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const external = process.env.MONGODB_URI;
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: testState.dataDir,
    ...(external ? { MONGODB_URI: external } : {}),
    ...(process.env.FERRETDB_BIN ? { FERRETDB_BIN: process.env.FERRETDB_BIN } : {}),
  });
  const started = Date.now();
  testState.engine = await startEngine(config, createLogger('warn'));
  let uri = testState.engine.uri;
  if (external) {
    // CASE: never touch the configured database itself; use a throwaway one beside it.
    const url = new URL(uri);
    url.pathname = `/tracker_test_${Date.now().toString(36)}`;
    uri = url.toString();
  }
  testState.uri = uri;
  await connectDatabase(uri, createLogger('silent'));
  await ensureIndexes(createLogger('warn'));
  await initI18n();
  console.log(`  engine: ${testState.engine.kind}, ${testState.engine.version}; server: ${await describeServer()}; ready in ${Date.now() - started} ms`);
}

export async function stopTestEngine(): Promise<void> {
  if (process.env.MONGODB_URI) await mongoose.connection.dropDatabase().catch(() => undefined);
  await mongoose.disconnect();
  await testState.engine?.stop();
  if (testState.dataDir) rmSync(testState.dataDir, { recursive: true, force: true });
}

/** Empties every collection (faster than dropping on FerretDB, and keeps the indexes). */
export async function clearDatabase(): Promise<void> {
  const db = mongoose.connection.db;
  if (!db) return;
  const collections = await db.listCollections({}, { nameOnly: true }).toArray();
  await Promise.all(collections.map((c) => db.collection(c.name).deleteMany({})));
}
