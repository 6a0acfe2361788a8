import mongoose from 'mongoose';

/** A database command as sent: its name, the collection it names and its filter (find, count, delete…). */
export interface SentCommand {
  name: string;
  collection: unknown;
  filter: unknown;
}

/** The database commands sent while `run` is in flight (command monitoring on the app's connection). */
export async function commandsDuring<T>(run: () => Promise<T>): Promise<{ result: T; commands: SentCommand[] }> {
  const commands: SentCommand[] = [];
  const listener = (e: { commandName: string; command: Record<string, unknown> }) => commands.push({ name: e.commandName, collection: e.command[e.commandName], filter: e.command.filter ?? e.command.query });
  const client = mongoose.connection.getClient();
  client.on('commandStarted', listener);
  try {
    return { result: await run(), commands };
  } finally {
    client.off('commandStarted', listener);
  }
}

/** "find sessions _id": a command's name, collection and the fields its filter names. */
export function describeCommand(c: SentCommand): string {
  return `${c.name} ${String(c.collection)} ${Object.keys((c.filter ?? {})).join(',')}`;
}
