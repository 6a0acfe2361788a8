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
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly max = 10_000,
  ) {}

  private generationOf(key: string): string {
    return `${this.generation}:${this.keyGenerations.get(key) ?? 0}`;
  }

  /** The held value if it is younger than the TTL; otherwise `read()`, kept unless a change began meanwhile. */
  async get(key: string, read: () => Promise<V>): Promise<V> {
    const found = this.held.get(key);
    if (found && Date.now() - found.at < this.ttlMs) return found.value;
    const generation = this.generationOf(key);
    const value = await read();
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
