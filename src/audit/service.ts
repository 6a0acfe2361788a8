import { createHash } from 'node:crypto';
import { AuditEvent, type AuditEventDoc } from './model.js';
import { canonicalJson } from './canonical.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditActor {
  type: 'user' | 'anonymous' | 'system' | 'cli';
  id?: string;
  label?: string;
}

export interface AuditInput {
  actor: AuditActor;
  action: string;
  subject?: { type: string; id?: string };
  details?: Record<string, unknown>;
}

export const systemActor: AuditActor = { type: 'system' };
export const anonymousActor: AuditActor = { type: 'anonymous' };

export function userActor(user: { id: string; roles?: readonly string[] }): AuditActor & { id: string } {
  return { type: 'user', id: user.id, label: user.roles?.join(',') ?? '' };
}

interface HashedFields {
  seq: number;
  at: Date;
  actor: AuditActor;
  action: string;
  subject: { type?: string; id?: string } | undefined;
  details: Record<string, unknown>;
}

export function hashEvent(prevHash: string, fields: HashedFields): string {
  return createHash('sha256').update(prevHash).update(canonicalJson(fields)).digest('hex');
}

let head: { seq: number; hash: string } | undefined;
let queue: Promise<unknown> = Promise.resolve();

async function readHead(): Promise<{ seq: number; hash: string }> {
  const last = await AuditEvent.findOne({}, { _id: 1, hash: 1 }).sort({ _id: -1 }).lean();
  return last ? { seq: last._id, hash: last.hash } : { seq: 0, hash: GENESIS_HASH };
}

function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number }).code === 11000;
}

/** Drops undefined members so that what is hashed is exactly what the database stores and returns. */
function clean<T>(value: T): T {
  return JSON.parse(JSON.stringify(value ?? null)) as T;
}

function cleaned(raw: AuditInput): AuditInput {
  return {
    actor: clean(raw.actor),
    action: raw.action,
    ...(raw.subject ? { subject: clean(raw.subject) } : {}),
    details: clean(raw.details ?? {}),
  };
}

/** The events chained after `from`, as stored. */
function chained(from: { seq: number; hash: string }, inputs: AuditInput[]): AuditEventDoc[] {
  const docs: AuditEventDoc[] = [];
  let prev = from;
  for (const input of inputs) {
    const at = new Date();
    const fields: HashedFields = { seq: prev.seq + 1, at, actor: input.actor, action: input.action, subject: input.subject, details: input.details ?? {} };
    const hash = hashEvent(prev.hash, fields);
    docs.push({ _id: fields.seq, at, actor: input.actor, action: input.action, ...(input.subject ? { subject: input.subject } : {}), details: fields.details, prevHash: prev.hash, hash });
    prev = { seq: fields.seq, hash };
  }
  return docs;
}

/**
 * Appends events in one insert command per attempt. In order: if another process took a seq, the
 * events before it are stored, and the rest are chained again after that process's event.
 */
async function append(raw: AuditInput[]): Promise<AuditEventDoc[]> {
  let rest = raw.map(cleaned);
  const stored: AuditEventDoc[] = [];
  head ??= await readHead();
  for (let attempt = 0; attempt < 10_000 && rest.length; attempt++) {
    const docs = chained(head, rest);
    try {
      await AuditEvent.collection.insertMany(docs as never[], { ordered: true });
      stored.push(...docs);
      const last = docs.at(-1)!;
      head = { seq: last._id, hash: last.hash };
      rest = [];
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const insertedCount = (err as { result?: { insertedCount?: number }; insertedCount?: number }).result?.insertedCount ?? (err as { insertedCount?: number }).insertedCount ?? 0;
      stored.push(...docs.slice(0, insertedCount));
      rest = rest.slice(insertedCount);
      // CASE: another process appended first; move to its event and try the next seq.
      const seq: number = head.seq + insertedCount + 1;
      const taken: { _id: number; hash: string } | null = await AuditEvent.findById(seq, { _id: 1, hash: 1 }).lean();
      head = taken ? { seq: taken._id, hash: taken.hash } : await readHead();
    }
  }
  if (rest.length) throw new Error('audit append did not converge');
  return stored;
}

/**
 * Appends one event to the chain. Appends from this process are serialised (cheap, and it keeps
 * the chain's order equal to the order of calls); other processes are handled by the unique seq.
 */
export async function recordAuditEvent(input: AuditInput): Promise<AuditEventDoc> {
  return (await recordAuditEvents([input]))[0]!;
}

/** Appends several events, in order, in as few writes as the chain allows (an import's rows). */
export function recordAuditEvents(inputs: AuditInput[]): Promise<AuditEventDoc[]> {
  const result = queue.then(() => append(inputs));
  queue = result.catch(() => undefined);
  return result;
}

/** The chain's last event as stored now (what a dossier records as the head at its generation). */
export async function chainHead(): Promise<{ seq: number; hash: string }> {
  return readHead();
}

/** Forget the cached head (tests that clear the collection, or after a restore). */
export function resetAuditHead(): void {
  head = undefined;
}

export type ChainVerification =
  | { ok: true; count: number; headHash: string; headSeq: number }
  | { ok: false; count: number; brokenSeq: number; reason: string };

/** Walks the whole chain in seq order; names the first event whose link or hash does not hold. */
export async function verifyAuditChain(): Promise<ChainVerification> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let count = 0;
  const cursor = AuditEvent.find({}).sort({ _id: 1 }).lean().cursor();
  for await (const event of cursor) {
    const e = event as unknown as AuditEventDoc;
    if (e._id !== expectedSeq) {
      return { ok: false, count, brokenSeq: expectedSeq, reason: `event ${expectedSeq} is missing (next stored is ${e._id})` };
    }
    if (e.prevHash !== prevHash) {
      return { ok: false, count, brokenSeq: e._id, reason: 'prevHash does not match the previous event' };
    }
    const recomputed = hashEvent(prevHash, {
      seq: e._id,
      at: e.at,
      actor: e.actor as AuditActor,
      action: e.action,
      subject: e.subject ? { type: e.subject.type ?? undefined, id: e.subject.id ?? undefined } : undefined,
      details: (e.details ?? {}) as Record<string, unknown>,
    });
    if (recomputed !== e.hash) {
      return { ok: false, count, brokenSeq: e._id, reason: 'content does not match its hash' };
    }
    prevHash = e.hash;
    expectedSeq += 1;
    count += 1;
  }
  return { ok: true, count, headHash: prevHash, headSeq: count };
}

export async function listAuditEvents(page: number, perPage: number): Promise<{ events: AuditEventDoc[]; total: number }> {
  const total = await AuditEvent.countDocuments({});
  const events = (await AuditEvent.find({})
    .sort({ _id: -1 })
    .skip((page - 1) * perPage)
    .limit(perPage)
    .lean()) as unknown as AuditEventDoc[];
  return { events, total };
}
