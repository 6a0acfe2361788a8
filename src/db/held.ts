/**
 * Reads held in process memory for a short time, for what every signed-in request reads by `_id`
 * (its session, its account, its notice count): on the embedded engine each is an engine round trip,
 * and together they cost more than rendering the page.
 *
 * What this process writes is never served stale: the writer calls `changed(key)` (or `changedAll()`)
 * before and after its write, each call starts a new generation, and a read that began in an older
 * generation is handed to its caller but not kept. What another process writes (the CLI, a second
 * app on a shared MONGODB_URI) is seen once the held copy is `ttlMs` old.
 *
 * Values are shared between requests: hold only what callers never change (or copy it out).
 */
export class HeldReads<V> {
  private readonly held = new Map<string, { value: V; at: number }>();
  private readonly keyGenerations = new Map<string, number>();
  private readonly reading = new Map<string, { generation: string; value: Promise<V> }>();
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly max = 10_000,
  ) {}

  private generationOf(key: string): string {
    return `${this.generation}:${this.keyGenerations.get(key) ?? 0}`;
  }

  /**
   * The held value if it is younger than the TTL; otherwise `read()`, kept unless a change began
   * meanwhile. Requests that miss together share one read (the one begun in the same generation):
   * ten requests arriving as the copy expires send one query, not ten.
   */
  async get(key: string, read: () => Promise<V>): Promise<V> {
    const found = this.held.get(key);
    if (found && Date.now() - found.at < this.ttlMs) return found.value;
    const generation = this.generationOf(key);
    const pending = this.reading.get(key);
    if (pending?.generation === generation) return pending.value;
    // Resolved once, here: a caller's read may be a query (a thenable that runs again at each `then`).
    const value = Promise.resolve(read());
    this.reading.set(key, { generation, value });
    try {
      return await this.keep(key, generation, await value);
    } finally {
      if (this.reading.get(key)?.value === value) this.reading.delete(key);
    }
  }

  private keep(key: string, generation: string, value: V): V {
    if (this.generationOf(key) === generation) {
      // Oldest out first (a Map keeps insertion order).
      if (this.held.size >= this.max) this.held.delete(this.held.keys().next().value!);
      this.held.delete(key);
      this.held.set(key, { value, at: Date.now() });
    }
    return value;
  }

  /** This process is changing (or changed) what `key` reads: drop it, and keep no read already in flight. */
  changed(key: string): void {
    this.held.delete(key);
    if (this.keyGenerations.size >= this.max) this.changedAll();
    else this.keyGenerations.set(key, (this.keyGenerations.get(key) ?? 0) + 1);
  }

  /** As `changed`, for every key (a write whose keys are not known one by one). */
  changedAll(): void {
    this.held.clear();
    this.keyGenerations.clear();
    this.generation += 1;
  }
}

const droppedOnWrite = new Map<string, Set<HeldReads<unknown>>>();

/**
 * Held reads that are dropped whenever this process writes to a collection they read: the client
 * reports every write command as it is sent and again when it is answered (`watchWrites`), whatever
 * sends it (a model, a raw collection, a library, a test emptying the database). Another process's
 * writes are seen once the held copy is `ttlMs` old.
 */
export function heldUntilWritten<V>(ttlMs: number, collections: readonly string[], max?: number): HeldReads<V> {
  const held = new HeldReads<V>(ttlMs, max);
  for (const c of collections) droppedOnWrite.set(c, (droppedOnWrite.get(c) ?? new Set()).add(held));
  return held;
}

const WRITE_COMMANDS = new Set(['insert', 'update', 'delete', 'findAndModify', 'drop', 'create', 'createIndexes']);

/** Tells `heldUntilWritten` reads of every write this client sends (needs `monitorCommands: true`). */
export function watchWrites(client: { on(event: string, listener: (event: { requestId: number; commandName: string; command?: Record<string, unknown> }) => void): unknown }): void {
  const inFlight = new Map<number, string | undefined>();
  const written = (collection: string | undefined) => {
    for (const [name, holds] of droppedOnWrite) if (collection === undefined || name === collection) for (const h of holds) h.changedAll();
  };
  client.on('commandStarted', (event) => {
    const all = event.commandName === 'dropDatabase';
    if (!all && !WRITE_COMMANDS.has(event.commandName)) return;
    const collection = all ? undefined : String(event.command?.[event.commandName]);
    inFlight.set(event.requestId, collection);
    written(collection);
  });
  const answered = (event: { requestId: number }) => {
    if (!inFlight.has(event.requestId)) return;
    const collection = inFlight.get(event.requestId);
    inFlight.delete(event.requestId);
    written(collection);
  };
  client.on('commandSucceeded', answered);
  client.on('commandFailed', answered);
}
