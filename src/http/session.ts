import { sweepFormSubmissions } from './once.js';
import { sweepImportJobs } from './import-job.js';
import session from 'express-session';
import MongoStore from 'connect-mongo';
import mongoose from 'mongoose';
import type { Collection } from 'mongodb';
import type { Express, Request, RequestHandler, Response } from 'express';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { SIGNED_IN_HOLD_MS } from '../auth/held-accounts.js';
import { HeldReads } from '../db/held.js';

export const SESSION_COOKIE = 'tracker.sid';

const SESSIONS = 'sessions';

/**
 * Deletes expired sessions with an acknowledged write. connect-mongo's own interval sweep sends
 * `deleteMany` with `w=0`; FerretDB 1.24 answers it anyway and the pooled connection's replies
 * shift by one (a user was shown another user's account), so that sweep stays off.
 */
export async function sweepExpiredSessions(now = new Date()): Promise<number> {
  const db = mongoose.connection.db;
  if (!db) return 0;
  const result = await db.collection(SESSIONS).deleteMany({ expires: { $lt: now } }, { writeConcern: { w: 1 } });
  return result.deletedCount;
}

/** Deletes every stored session of a user except one (acknowledged); returns how many ended. */
export async function endSessionsOf(userId: string, keepSessionId: string): Promise<number> {
  const db = mongoose.connection.db;
  if (!db) return 0;
  heldSessions.changedAll();
  const result = await db.collection<{ _id: string }>(SESSIONS).deleteMany({ 'session.passport.user': userId, _id: { $ne: keepSessionId } }, { writeConcern: { w: 1 } });
  heldSessions.changedAll();
  return result.deletedCount;
}

/** Runs the sweep every `seconds`; returns a function that stops it. Failures are logged, not thrown. */
export function startSessionSweep(seconds: number, logger: Pick<Logger, 'warn' | 'info'>): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    Promise.all([sweepExpiredSessions(), sweepFormSubmissions(), sweepImportJobs()])
      .then(([deleted, submissions]) => {
        if (deleted > 0 || submissions > 0) logger.info({ deleted, submissions }, 'expired sessions and form submissions removed');
      })
      .catch((err: unknown) => logger.warn({ err }, 'expired-session sweep failed'))
      .finally(() => (running = false));
  }, seconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}

type StoredSession = { _id: string; expires?: Date; session: unknown; lastModified?: Date };

/**
 * Stored sessions by storage id, held for SIGNED_IN_HOLD_MS (db/held.ts): each request with a session
 * cookie would otherwise wait for an engine round trip before anything else. Every write of this
 * process (a save, a touch that writes, a destroy, the end of an account's other sessions) drops the
 * held copy before and after it; the expiry is checked on each request.
 */
const heldSessions = new HeldReads<StoredSession | null>(SIGNED_IN_HOLD_MS);

/** Tests empty the database between cases. */
export function forgetHeldSessions(): void {
  heldSessions.changedAll();
}

/**
 * A copy of a stored session (plain objects, arrays, dates and primitives, as BSON decodes them):
 * the same copy as structuredClone, in a fifth of its time (0.4 against 2.2 µs for a signed-in session).
 */
function copyOfStored(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return new Date(value.getTime());
  if (Array.isArray(value)) return value.map(copyOfStored);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = copyOfStored((value as Record<string, unknown>)[key]);
  return copy;
}

/**
 * connect-mongo's store, reading a session by `_id` alone. Its own `get` filters on `_id` and expiry
 * together, and FerretDB 1.24 pushes down only a lone `_id` filter: that read scanned every stored
 * session on every request that carries a session cookie. The expiry is checked here instead, as the
 * query did (a session past `expires` is none). What was read is held briefly (heldSessions) and
 * handed out as a copy: express-session changes the object it is given.
 */
class SessionStore extends MongoStore {
  private internals() {
    return this as unknown as {
      collectionP: Promise<Collection<StoredSession>>;
      computeStorageId(sid: string): string;
      transformFunctions: { unserialize(stored: unknown): session.SessionData & { lastModified?: Date } };
      options: { touchAfter: number };
    };
  }

  override get(sid: string, callback: (err: unknown, session?: session.SessionData | null) => void): void {
    const store = this.internals();
    const id = store.computeStorageId(sid);
    (async () => {
      const doc = await heldSessions.get(id, async () => (await store.collectionP).findOne({ _id: id }));
      if (!doc || (doc.expires && doc.expires.getTime() <= Date.now())) return callback(null, null);
      const result = store.transformFunctions.unserialize(copyOfStored(doc.session));
      if (store.options.touchAfter > 0 && doc.lastModified) result.lastModified = new Date(doc.lastModified);
      this.emit('get', sid);
      callback(null, result);
    })().catch((err: unknown) => callback(err));
  }

  /** Runs a write of `sid`'s stored session with the held copy dropped before and after it. */
  private writing(sid: string, write: (done: (err?: unknown) => void) => void, callback?: (err?: unknown) => void): void {
    const id = this.internals().computeStorageId(sid);
    heldSessions.changed(id);
    write((err) => {
      heldSessions.changed(id);
      callback?.(err);
    });
  }

  override set(sid: string, data: session.SessionData, callback?: (err?: unknown) => void): void {
    this.writing(sid, (done) => super.set(sid, data, done), callback);
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.writing(sid, (done) => super.destroy(sid, done), callback);
  }

  override touch(sid: string, data: session.SessionData & { lastModified?: Date }, callback?: (err?: unknown) => void): void {
    // connect-mongo writes a touch only once `touchAfter` has passed since the last write; most
    // requests' touches write nothing and leave the held copy as it is.
    const touchAfterMs = this.internals().options.touchAfter * 1000;
    const writes = !(touchAfterMs > 0 && data.lastModified && Date.now() - new Date(data.lastModified).getTime() < touchAfterMs);
    if (writes) this.writing(sid, (done) => super.touch(sid, data, done), callback);
    else super.touch(sid, data, callback);
  }
}

/**
 * Sessions live in the database so several app processes can share them. FerretDB 1.24 has no TTL
 * indexes, so expired sessions are removed by our own sweep (startSessionSweep), never 'native'.
 */
export function sessions(config: Config, secret: string): { middleware: RequestHandler; store: MongoStore } {
  const idleMs = config.SESSION_IDLE_MINUTES * 60_000;
  const store = new SessionStore({
    client: mongoose.connection.getClient(),
    collectionName: SESSIONS,
    ttl: Math.ceil(idleMs / 1000),
    autoRemove: 'disabled',
    // Every write the store makes is acknowledged (see sweepExpiredSessions for why).
    writeOperationOptions: { w: 1 },
    // A touch rewrites the session document. On FerretDB 1.24 an update is a read-modify-write of
    // the whole document, so a touch racing with a request that changes the session can undo that
    // change: touch at most once a minute (the idle timeout is then accurate to a minute).
    touchAfter: 60,
    stringify: false,
  });
  const secure = cookieSecurity(config);
  const middleware = session({
    name: SESSION_COOKIE,
    secret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    proxy: config.TRUST_PROXY !== false,
    cookie: { httpOnly: true, sameSite: 'lax', secure, maxAge: idleMs },
  });
  return { middleware, store };
}

/**
 * Whether cookies carry `Secure`: COOKIE_SECURE when set; otherwise from PUBLIC_URL's scheme; behind
 * a proxy without PUBLIC_URL, 'auto' (Secure whenever the proxy says the request came over HTTPS).
 * Plain HTTP stays possible for an onion service (PUBLIC_URL=http://….onion).
 */
export function cookieSecurity(config: Pick<Config, 'COOKIE_SECURE' | 'PUBLIC_URL' | 'TRUST_PROXY'>): boolean | 'auto' {
  if (config.COOKIE_SECURE !== undefined) return config.COOKIE_SECURE;
  if (config.PUBLIC_URL) return config.PUBLIC_URL.startsWith('https:');
  return config.TRUST_PROXY !== false ? 'auto' : false;
}

/** Ends sessions older than the absolute lifetime, however active they have been. */
export function absoluteLifetime(config: Config): RequestHandler {
  const maxMs = config.SESSION_ABSOLUTE_HOURS * 3_600_000;
  return (req, _res, next) => {
    const loginAt = req.session?.loginAt;
    if (loginAt && Date.now() - loginAt > maxMs) {
      req.session.destroy(() => next());
      req.user = undefined;
      return;
    }
    next();
  };
}

/**
 * express-session saves a changed session while the response is being sent: a redirect's headers
 * leave first, and browsers follow a redirect as soon as they see them — so the next request can
 * read the session before the change is stored (a lost TOTP step, recovery codes, flash). When a
 * redirect follows a change to the session, save it first, then redirect.
 *
 * The app's `res.redirect` is replaced once, on its response prototype; each request only notes its
 * session as it arrived. (Replacing `res.redirect` on every response cost a signed-in page about 4 %.)
 */
export function saveBeforeRedirect(app: Express): RequestHandler {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- Express's own, applied to each response below
  const redirect = app.response.redirect;
  app.response.redirect = function (this: Response, ...args: unknown[]) {
    const session = this.req.session as (Request['session'] & { save?: (cb: (err?: unknown) => void) => void }) | undefined;
    const before = (this.locals as Record<symbol, string | undefined>)[SESSION_AS_ARRIVED];
    if (!session?.save || before === undefined || JSON.stringify(session) === before) {
      Reflect.apply(redirect, this, args);
      return;
    }
    session.save((err) => {
      if (err) this.req.next!(err);
      else Reflect.apply(redirect, this, args);
    });
  };
  return (req, res, next) => {
    if (req.session) (res.locals as Record<symbol, string>)[SESSION_AS_ARRIVED] = JSON.stringify(req.session);
    next();
  };
}
const SESSION_AS_ARRIVED = Symbol('session as it arrived');
