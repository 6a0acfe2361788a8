import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { FerretdbProcess, buildFerretdb, findFerretdb, findGo, probeFerretdb } from './ferretdb.js';

export interface Engine {
  kind: 'external' | 'ferretdb' | 'mongodb-memory-server';
  uri: string;
  version: string;
  /** False while an embedded engine process is down (it is being restarted). */
  processUp(): boolean;
  stop(): Promise<void>;
}

export class EngineUnavailableError extends Error {}

const DATABASE = 'tracker';

/**
 * Resolves the database engine, in order: MONGODB_URI; an embedded FerretDB (FERRETDB_BIN, PATH,
 * the project cache, or built with Go); mongodb-memory-server (a real mongod, where it can be
 * downloaded). Fails with one message listing the ways to fix it.
 */
export async function startEngine(config: Config, logger: Logger): Promise<Engine> {
  if (config.MONGODB_URI) {
    return { kind: 'external', uri: config.MONGODB_URI, version: 'reported by the server', processUp: () => true, stop: async () => {} };
  }

  const problems: string[] = [];
  let bin: string | undefined;
  try {
    bin = findFerretdb(config.FERRETDB_BIN);
    if (!bin) {
      const go = findGo();
      if (go) bin = buildFerretdb(go, logger);
      else problems.push('no FerretDB binary (FERRETDB_BIN, PATH, .cache/ferretdb) and no Go toolchain to build one');
    }
  } catch (err) {
    problems.push((err as Error).message);
  }

  if (bin) {
    try {
      const { version, ours } = probeFerretdb(bin);
      const engine = new FerretdbProcess({ bin, ours, dataDir: config.DATA_DIR, logger });
      await engine.start();
      return {
        kind: 'ferretdb',
        uri: `mongodb://127.0.0.1:${engine.port}/${DATABASE}`,
        version: `FerretDB ${version} (SQLite, ${engine.sqliteDir}, pid ${String(engine.pid)})`,
        processUp: () => engine.running,
        stop: () => engine.stop(),
      };
    } catch (err) {
      problems.push(`FerretDB at ${bin} did not start: ${(err as Error).message}`);
    }
  }

  try {
    const { MongoMemoryServer } = await import('mongodb-memory-server-core');
    const { MongoMemoryServerStates } = await import('mongodb-memory-server-core/lib/MongoMemoryServer.js');
    const dbPath = path.join(config.DATA_DIR, 'mongodb');
    mkdirSync(dbPath, { recursive: true, mode: 0o700 });
    const server = await MongoMemoryServer.create({ instance: { dbPath, storageEngine: 'wiredTiger', ip: '127.0.0.1' } });
    return {
      kind: 'mongodb-memory-server',
      uri: server.getUri(DATABASE),
      version: `mongod via mongodb-memory-server (${dbPath})`,
      processUp: () => server.state === MongoMemoryServerStates.running,
      stop: async () => {
        await server.stop({ doCleanup: false });
      },
    };
  } catch (err) {
    problems.push(`mongodb-memory-server could not provide mongod: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }

  throw new EngineUnavailableError(
    [
      'No database engine is available.',
      ...problems.map((p) => `  - ${p}`),
      'Fix it in one of these ways:',
      '  1. set MONGODB_URI to a MongoDB 7+ (or FerretDB) server, e.g. mongodb://127.0.0.1:27017/tracker',
      '  2. install FerretDB 1.24 and set FERRETDB_BIN (or put `ferretdb` on PATH)',
      '  3. install Go 1.24+ so the app can build FerretDB itself (npm run engine)',
    ].join('\n'),
  );
}
