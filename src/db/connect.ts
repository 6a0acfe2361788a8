import mongoose from 'mongoose';
import { createLogger, type Logger } from '../log.js';
import { refuseUnacknowledgedWrites } from './write-guard.js';
import { watchWrites } from './held.js';

mongoose.set('sanitizeFilter', true);
mongoose.set('strictQuery', 'throw');
// Indexes are created explicitly by ensureIndexes() so that a failure is reported, not swallowed.
mongoose.set('autoIndex', false);

/**
 * Connects the one Mongoose client. Every write is acknowledged: the guard refuses any `w=0`
 * command before it is sent (see write-guard.ts for why), which needs command monitoring on; the
 * same monitoring drops the staff pages' held reads of a collection this process writes (held.ts).
 */
export async function connectDatabase(uri: string, logger: Pick<Logger, 'error'> = createLogger('error')): Promise<typeof mongoose> {
  await mongoose.connect(uri, { serverSelectionTimeoutMS: 15_000, heartbeatFrequencyMS: 2_000, monitorCommands: true });
  try {
    refuseUnacknowledgedWrites(mongoose.connection.getClient(), logger);
    watchWrites(mongoose.connection.getClient());
  } catch (err) {
    await mongoose.disconnect();
    throw err;
  }
  return mongoose;
}

/** Server version as the server reports it (FerretDB answers with its MongoDB compatibility level). */
export async function describeServer(): Promise<string> {
  const db = mongoose.connection.db;
  if (!db) return 'not connected';
  const info = await db.admin().command({ buildInfo: 1 });
  const ferret = typeof info.ferretdbVersion === 'string' && info.ferretdbVersion !== 'unknown' ? `, ferretdb ${info.ferretdbVersion}` : '';
  return `MongoDB wire ${String(info.version)}${ferret}`;
}

export class IndexCreationError extends Error {}

/** Creates every model's indexes; throws naming the model and the index that failed. */
export async function ensureIndexes(logger: Logger): Promise<void> {
  for (const model of Object.values(mongoose.models)) {
    try {
      await model.createCollection().catch((err: { codeName?: string }) => {
        if (err.codeName !== 'NamespaceExists') throw err;
      });
      await model.createIndexes();
    } catch (err) {
      throw new IndexCreationError(`creating indexes for ${model.modelName} failed: ${(err as Error).message}`);
    }
  }
  logger.debug({ models: Object.keys(mongoose.models).length }, 'indexes ensured');
}

export async function pingDatabase(timeoutMs = 1_500): Promise<boolean> {
  const db = mongoose.connection.db;
  if (!db || mongoose.connection.readyState !== mongoose.ConnectionStates.connected) return false;
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
  const ping = db.admin().command({ ping: 1 }).then(() => true, () => false);
  return Promise.race([ping, timeout]);
}

export async function disconnectDatabase(): Promise<void> {
  await mongoose.disconnect();
}
