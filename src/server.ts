import { createServer, type Server } from 'node:http';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { connectDatabase, describeServer, disconnectDatabase, ensureIndexes, startEngine, type Engine } from './db/index.js';
import { DataDirError, prepareDataDir } from './db/data-dir.js';
import { forgetRunningEngine, recordRunningEngine, runningEngine } from './db/engine-file.js';
import { initI18n } from './i18n/index.js';
import { catalogue, keepSnapshot, loadedFrom, stopWatching, watchForOtherProcesses, writeSnapshotNow } from './catalogue/index.js';
import { answerPublishedWith } from './catalogue/queries.js';
import { FollowingProjection } from './catalogue/mongo-queries.js';
import { rebuildReportQueue } from './reports/queue.js';
import mongoose from 'mongoose';
import { createLogger } from './log.js';
import './models.js';
import { loadOrCreateSecret } from './secrets.js';
import { vaultKeySpec } from './vault/keys.js';
import { siteSigner } from './signing/index.js';
import path from 'node:path';
import v8 from 'node:v8';
import { SealedFileStore } from './storage/sealed-files.js';
import { claimHoldersGone } from './db/claims.js';
import { sealEvidenceNames, sweepEvidence } from './evidence/service.js';
import { sweepDossiers } from './dossiers/service.js';
import { migrateOnce } from './incidents/migrate.js';
import { migrateListings } from './listings/migrate.js';
import { migrateApprovalSlotsOnce, migrateReviewNumbersOnce } from './verification/migrate.js';
import { startMailer, stopMailer } from './notifications/service.js';
import { startWatchNotifier, stopWatchNotifier } from './listings/watch-notify.js';
import { Incident } from './incidents/model.js';
import { knowRefNumber, warmRefNumbers } from './db/sequence.js';
import { Report } from './reports/model.js';
import { configureVault } from './vault/index.js';

/** config → database → listen → graceful shutdown. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL);
  // The heap's growth between full collections (README, Memory): V8 reads the factor at each
  // collection, so setting it here holds for the process's life. Without it, the read model's 270 MB
  // at 100,000 incidents grew to 1.3 GB of resident memory under page load; with 50 %, 0.7 GB.
  if (config.HEAP_GROWTH_PERCENT > 0) v8.setFlagsFromString(`--heap-growing-percent=${config.HEAP_GROWTH_PERCENT}`);
  // Filled in as start-up proceeds; shutdown stops whatever exists so far.
  const running: { engine?: Engine; server?: Server; closeApp?: () => Promise<void> } = {};

  let shuttingDown = false;
  /**
   * Drain, then close: stop accepting connections, let the requests in flight finish (up to
   * SHUTDOWN_GRACE_SECONDS; keep-alive connections are closed as soon as they fall idle), and only
   * then stop the session sweep, the database and the engine.
   */
  const shutdown = async (signal: string, code = 0): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    const graceMs = config.SHUTDOWN_GRACE_SECONDS * 1000;
    logger.info({ signal, graceSeconds: config.SHUTDOWN_GRACE_SECONDS }, 'shutting down: draining requests in flight');
    const force = setTimeout(() => process.exit(code || 1), graceMs + 15_000);
    force.unref();
    try {
      const { server, engine } = running;
      if (server) {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const idle = setInterval(() => server.closeIdleConnections(), 200);
        let timer: NodeJS.Timeout | undefined;
        const drained = await Promise.race([closed.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)))]);
        clearInterval(idle);
        clearTimeout(timer);
        if (!drained) {
          logger.warn('requests still in flight after the grace period: closing their connections');
          server.closeAllConnections();
        }
      }
      await stopWatching();
      await stopMailer();
      await stopWatchNotifier();
      await writeSnapshotNow().catch((err: unknown) => logger.warn({ err }, 'catalogue snapshot not written'));
      await running.closeApp?.();
      await disconnectDatabase();
      await engine?.stop();
      if (engine && engine.kind !== 'external') forgetRunningEngine(config.DATA_DIR);
    } catch (err) {
      logger.error({ err }, 'error during shutdown');
      code = code || 1;
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception');
    void shutdown('uncaughtException', 1);
  });
  process.on('unhandledRejection', (err) => {
    logger.fatal({ err }, 'unhandled rejection');
    void shutdown('unhandledRejection', 1);
  });

  const started = Date.now();
  const other = config.MONGODB_URI ? undefined : runningEngine(config.DATA_DIR);
  if (other) {
    // CASE: two embedded engines on the same SQLite files would corrupt each other's view of them.
    logger.fatal(`another instance (pid ${other.pid}) is running on ${config.DATA_DIR}; stop it, use another DATA_DIR, or share a MONGODB_URI`);
    process.exit(1);
  }
  try {
    prepareDataDir(config.DATA_DIR);
  } catch (err) {
    if (!(err instanceof DataDirError)) throw err;
    logger.fatal(err.message);
    process.exit(1);
  }
  const engine = await startEngine(config, logger);
  running.engine = engine;
  await connectDatabase(engine.uri, logger);
  await ensureIndexes(logger);
  logger.info({ engine: engine.kind, version: engine.version, server: await describeServer(), ms: Date.now() - started }, 'database ready');
  if (engine.kind !== 'external') {
    // The CLI reuses the running app's engine instead of opening the same files a second time.
    recordRunningEngine(config.DATA_DIR, engine.uri);
    // The only writer: a claim from before this start has no living holder (db/claims.ts).
    claimHoldersGone();
  }

  configureVault(vaultKeySpec(config));
  const evidenceStore = new SealedFileStore(path.join(config.DATA_DIR, 'evidence'));
  const sealedNames = await sealEvidenceNames();
  if (sealedNames) logger.warn({ files: sealedNames }, 'sealed evidence file names that earlier versions stored in clear');
  const swept = await sweepEvidence(evidenceStore, engine.kind !== 'external');
  if (swept.length) logger.warn({ files: swept.length }, 'removed evidence files that no record refers to (interrupted uploads)');
  const sweptDossiers = await sweepDossiers(new SealedFileStore(path.join(config.DATA_DIR, 'dossiers')), engine.kind !== 'external');
  if (sweptDossiers.length) logger.warn({ files: sweptDossiers.length }, 'removed dossier archives that no record refers to (interrupted generations)');
  const migrated = await migrateOnce();
  if (migrated) logger.info({ linked: migrated.linked, incidents: migrated.incidents, needReview: migrated.needReview.length }, 'operator claims linked to the product their incident names (once)');
  const listings = await migrateListings();
  if (listings.vendors) logger.info(listings, 'listings kept in vendor records became official actions (once)');
  const slotted = await migrateApprovalSlotsOnce();
  if (slotted) logger.info({ approvals: slotted }, 'stored approvals took their approval slots (once)');
  const numbered = await migrateReviewNumbersOnce();
  if (numbered) logger.info({ reviews: numbered }, 'stored reviews were numbered (once)');
  const warm = Date.now();
  keepSnapshot(path.join(config.DATA_DIR, 'catalogue.snapshot'));
  const loaded = await catalogue();
  logger.info({ incidents: loaded.all.length, working: loaded.working.size, ms: Date.now() - warm, from: loadedFrom.how, entries: loadedFrom.entries, changesApplied: loadedFrom.caughtUp }, 'catalogue of incidents loaded');
  // The read model lives in this process's heap: say how much of its bound it takes (README, Engines:
  // NODE_OPTIONS=--max-old-space-size bounds the heap, and so the process's resident memory under load).
  const heap = v8.getHeapStatistics();
  const heapMb = { usedMb: Math.round(heap.used_heap_size / 1_048_576), limitMb: Math.round(heap.heap_size_limit / 1_048_576) };
  if (heap.used_heap_size > heap.heap_size_limit / 2) logger.warn(heapMb, 'the read model takes more than half the heap bound: raise --max-old-space-size (NODE_OPTIONS) before the data grows further');
  else logger.info(heapMb, 'heap after loading the read model');
  // The next incident number from the catalogue, which holds every incident (no sorted scan).
  const year = new Date().getUTCFullYear();
  knowRefNumber(Incident as never, 'I', year, loaded.highestRefSeq(year));
  watchForOtherProcesses();
  if (config.READ_MODEL === 'mongodb') {
    // The public lists asked of MongoDB's indexes (catalogue/mongo-queries.ts): the projection written from the catalogue first.
    const projected = Date.now();
    answerPublishedWith(await new FollowingProjection(mongoose.connection.db!, catalogue).start());
    logger.info({ incidents: loaded.all.length, ms: Date.now() - projected }, 'public lists answered by the MongoDB projection');
  }
  await initI18n();
  const sessionSecret = config.SESSION_SECRET ?? loadOrCreateSecret(config.DATA_DIR, 'sessionSecret');
  const built = createApp({ config, logger, sessionSecret, identityKeys: vaultKeySpec(config), signer: siteSigner(config), evidenceStore, engineUp: () => engine.processUp() });
  // Mail waiting in the queue (notifications/model.ts), from before a restart too.
  startMailer(10_000, (err) => logger.warn({ err: (err as Error).message }, 'mail sending failed; it stays queued'));
  // Followers of vendors, regimes and the candidates list hear of what is new (listings/watch-notify.ts).
  startWatchNotifier(5 * 60_000, (err) => logger.warn({ err: (err as Error).message }, 'watch notices not sent'));
  running.closeApp = built.close;
  const server = createServer(built.app);
  running.server = server;
  server.once('listening', () => {
    logger.info(`listening on http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${config.PORT}`);
    // What the write paths would otherwise read on first use, each a scan of a large collection.
    const started = Date.now();
    void warmRefNumbers(Report as never, 'R')
      .then(() => logger.info({ ms: Date.now() - started }, 'reference numbers read'))
      .catch((err: unknown) => logger.info({ reason: (err as Error).message }, 'reference numbers not read ahead (read on first use)'));
    // The reviewers' queue rows mended from the reports (a write a stop cut short); until a first rebuild on a database, the queue reads the reports.
    void rebuildReportQueue()
      .then((rows) => logger.info({ ...rows, ms: Date.now() - started }, 'report queue rebuilt'))
      .catch((err: unknown) => logger.warn({ reason: (err as Error).message }, 'report queue not rebuilt (tried again at the next start)'));
  });
  server.listen(config.PORT, config.HOST);
  server.on('error', (err: Error) => {
    logger.fatal({ err }, 'cannot listen');
    void shutdown('listen-error', 1);
  });
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
