import type { Config } from '../config.js';
import { createLogger } from '../log.js';
import { connectDatabase, disconnectDatabase, ensureIndexes } from './connect.js';
import { runningEngine } from './engine-file.js';
import { prepareDataDir } from './data-dir.js';
import { startEngine, type Engine } from './engine.js';

/**
 * For commands (CLI, seed): reuse a running app's embedded engine if there is one; otherwise start
 * our own on the same DATA_DIR. Returns a function that disconnects and stops what was started.
 */
export async function openDatabaseForCommand(config: Config): Promise<() => Promise<void>> {
  const logger = createLogger('warn');
  const running = config.MONGODB_URI ? undefined : runningEngine(config.DATA_DIR);
  let engine: Engine | undefined;
  if (!config.MONGODB_URI) prepareDataDir(config.DATA_DIR);
  if (running) {
    await connectDatabase(running.uri);
  } else {
    engine = await startEngine(config, logger);
    await connectDatabase(engine.uri);
  }
  await ensureIndexes(logger);
  return async () => {
    await disconnectDatabase();
    await engine?.stop();
  };
}
