import type { MongoClient } from 'mongodb';
import type { Logger } from '../log.js';

/**
 * Why this exists: an unacknowledged write (`writeConcern` w=0) is sent with the wire
 * protocol's "no reply" flag, and the driver then reads no reply. FerretDB 1.24 replies anyway, so
 * the next command on that pooled connection reads the stale reply, and every later one reads the
 * previous one's: one request was shown another user's account. No write may be unacknowledged on
 * any engine, whoever issues it (our code or a library's).
 *
 * The driver emits `commandStarted` synchronously before the command reaches the socket; a listener
 * that throws aborts the command there, so nothing is sent and the connection stays in step.
 */
export class UnacknowledgedWriteError extends Error {
  constructor(readonly commandName: string) {
    super(`refused an unacknowledged write (${commandName} with writeConcern w=0): it would desynchronise the connection's replies`);
    this.name = 'UnacknowledgedWriteError';
  }
}

function isUnacknowledged(commandName: string, command: Record<string, unknown>): boolean {
  // CASE: the driver ends its server sessions with an unacknowledged `endSessions` while closing
  // the pool; the connection closes right after, so no later command can read a stale reply.
  if (commandName === 'endSessions') return false;
  const concern = command.writeConcern as { w?: unknown } | undefined;
  return concern !== undefined && concern !== null && concern.w === 0;
}

/** Refuses (and logs) every `w=0` command sent through this client; needs `monitorCommands: true`. */
export function refuseUnacknowledgedWrites(client: MongoClient, logger: Pick<Logger, 'error'>): void {
  const defaults = client.options.writeConcern as { w?: unknown } | undefined;
  if (defaults?.w === 0) {
    throw new UnacknowledgedWriteError('connection default (w=0 in the connection string)');
  }
  client.on('commandStarted', (event) => {
    if (!isUnacknowledged(event.commandName, event.command)) return;
    logger.error({ command: event.commandName, collection: (event.command as Record<string, unknown>)[event.commandName] }, 'refused an unacknowledged (w=0) write');
    throw new UnacknowledgedWriteError(event.commandName);
  });
}
