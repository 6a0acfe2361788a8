import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadConfig } from '../../src/config.js';
import { connectDatabase, ensureIndexes, startEngine } from '../../src/db/index.js';
import { initI18n } from '../../src/i18n/index.js';
import { createLogger } from '../../src/log.js';
import '../../src/models.js';

/** The benchmarks' data: seeded once with N synthetic incidents under dataDir, then reused. */
export function seedOnce(dataDir: string, incidents: number): void {
  if (existsSync(`${dataDir}/ferretdb`)) return;
  console.log(`seeding ${incidents} synthetic incidents into ${dataDir} …`);
  const seeded = spawnSync('npx', ['tsx', 'src/seed/index.ts', '--synthetic', String(incidents)], { env: { ...process.env, DATA_DIR: dataDir, NODE_ENV: 'production' }, stdio: 'inherit' });
  if (seeded.status !== 0) process.exit(1);
}

/** The benchmarks' engine, opened in this process: seeded once with N synthetic incidents under dataDir, then reused. */
export async function openBenchEngine(dataDir: string, incidents: number) {
  seedOnce(dataDir, incidents);
  return openEngine(dataDir);
}

/** The embedded engine on a data directory, connected, production settings, as `npm start` runs. */
export async function openEngine(dataDir: string) {
  const config = loadConfig({ DATA_DIR: dataDir, NODE_ENV: 'production', LOG_LEVEL: 'silent' });
  const logger = createLogger('silent');
  const engine = await startEngine(config, logger);
  await connectDatabase(engine.uri);
  await ensureIndexes(logger);
  await initI18n();
  return { config, logger, engine };
}
