// `npm run engine`: make the embedded engine available ahead of time (CI runs it before the tests).
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { buildFerretdb, findFerretdb, findGo, probeFerretdb } from './ferretdb.js';

const config = loadConfig();
const logger = createLogger('info');
if (config.MONGODB_URI) {
  logger.info('MONGODB_URI is set: no embedded engine needed');
} else {
  const go = findGo();
  const bin = findFerretdb(config.FERRETDB_BIN) ?? (go ? buildFerretdb(go, logger) : undefined);
  if (!bin) {
    logger.error('no FerretDB binary and no Go toolchain: set MONGODB_URI or FERRETDB_BIN');
    process.exit(1);
  }
  logger.info(`FerretDB ${probeFerretdb(bin).version} ready at ${bin}`);
}
