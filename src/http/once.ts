import { createHash, randomBytes } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import mongoose, { Schema } from 'mongoose';
import { sealedSchema } from '../vault/model.js';
import { open, seal, type Sealed } from '../vault/index.js';
import { claim } from '../db/claims.js';
import { HttpError } from './errors.js';

/**
 * Post/Redirect/Get with a form key, for every form that creates something (a report, an incident,
 * a dossier, an import, an evidence upload).
 *
 * Each such form carries a random key (`formKey`, see views/partials/form-key.ejs). The first POST
 * with a key inserts its submission record, whose `_id` is the key bound to the session: a unique
 * insert, so of a double click, a reload of the POST or a resend after a lost answer exactly one
 * creates (the rule of db/claims.ts). The others are sent where the first one went, or told it is
 * still being processed. The answer is always a redirect (303) to a GET page: reloading a result
 * page never submits anything. A refused submission (invalid form) gives its key back, so the
 * corrected form can be sent with the same key.
 */
const formSubmissionSchema = new Schema(
  {
    _id: { type: String, required: true },
    at: { type: Date, required: true },
    /** Where the submission led (empty while it is being processed). */
    result: { type: String, default: '' },
    /** What a result page shows once and that is not kept elsewhere (an anonymous receipt code), sealed. */
    once: { type: sealedSchema },
    /** Plain facts the result page shows (a report reference, counts). */
    page: { type: Schema.Types.Mixed },
  },
  { versionKey: false, minimize: false },
);
export const FormSubmission = mongoose.model('FormSubmission', formSubmissionSchema);

export const FORM_KEY_FIELD = 'formKey';
const KEY_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export function newFormKey(): string {
  return randomBytes(16).toString('base64url');
}

/** Views call `formKey()` for a fresh key, or get back the one a refused submission carried. */
export const formKeyLocals: RequestHandler = (_req, res, next) => {
  res.locals.formKey = () => (typeof res.locals.submittedFormKey === 'string' ? res.locals.submittedFormKey : newFormKey());
  next();
};

/** The record id: the key bound to this session (a key seen elsewhere is worth nothing). */
function recordId(req: Request, key: string): string {
  return `${createHash('sha256').update(`form:${req.sessionID}`).digest('base64url').slice(0, 22)}:${key}`;
}

/** Takes the key out of the body (the form schemas refuse unknown fields); a client without one gets a fresh key. */
function takeFormKey(req: Request, res: Response): string {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const raw = body[FORM_KEY_FIELD];
  delete body[FORM_KEY_FIELD];
  const key = typeof raw === 'string' && KEY_PATTERN.test(raw) ? raw : newFormKey();
  res.locals.submittedFormKey = key;
  return key;
}

/** A refusal that its route answers itself (a page of import errors): the key is given back first. */
export class NotSubmitted extends Error {
  constructor(readonly answer: () => void) {
    super('not submitted');
  }
}

export interface Outcome {
  /** The GET page the submitter is sent to. */
  to: string;
  /** Shown once by the result page (see showOnce), sealed until then. */
  once?: string;
  page?: Record<string, unknown>;
}

const WAIT_MS = 60_000;

async function resultOfEarlier(_id: string): Promise<string | undefined> {
  for (const until = Date.now() + WAIT_MS; Date.now() < until; ) {
    const earlier = await FormSubmission.findById(_id, { result: 1 }).lean();
    // Gone: the first one was refused (its key given back); nothing was created to lead to.
    if (!earlier) return undefined;
    if (earlier.result) return earlier.result;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return undefined;
}

/**
 * Runs `act` once per form key and answers 303 to where it led. `act` receives the key (result
 * pages that show something once are addressed by it).
 */
export async function submitOnce(req: Request, res: Response, act: (key: string) => Promise<Outcome>): Promise<void> {
  const key = takeFormKey(req, res);
  const _id = recordId(req, key);
  try {
    await FormSubmission.create({ _id, at: new Date() });
  } catch (err) {
    if ((err as { code?: number }).code !== 11000) throw err;
    // The same form sent again (a double click, a reload): the browser shows the answer to the last
    // request, so this one waits for the first and leads to the same page.
    const earlier = await resultOfEarlier(_id);
    if (earlier) {
      res.redirect(303, earlier);
      return;
    }
    throw new HttpError(409, 'errors.stillSubmitting');
  }
  let outcome: Outcome;
  try {
    outcome = await act(key);
  } catch (err) {
    await FormSubmission.deleteOne({ _id });
    if (err instanceof NotSubmitted) {
      err.answer();
      return;
    }
    throw err;
  }
  await FormSubmission.updateOne({ _id }, { $set: { result: outcome.to, ...(outcome.once ? { once: seal(outcome.once) } : {}), ...(outcome.page ? { page: outcome.page } : {}) } });
  res.redirect(303, outcome.to);
}

/**
 * For a result page addressed by form key: its facts, and what it shows once — to the first GET
 * only (a claim decides, then the sealed value is erased); later reads get `once: undefined`.
 * Undefined when this session made no such submission.
 */
export async function resultOf(req: Request, key: string): Promise<{ page: Record<string, unknown>; once?: string } | undefined> {
  if (!KEY_PATTERN.test(key)) return undefined;
  const _id = recordId(req, key);
  const record = await FormSubmission.findById(_id).lean();
  if (!record?.result) return undefined;
  const page = (record.page ?? {}) as Record<string, unknown>;
  if (!record.once?.ct || !(await claim(`shown:${_id}`, 'system'))) return { page };
  const value = open(record.once as Sealed);
  await FormSubmission.updateOne({ _id }, { $unset: { once: 1 } });
  return { page, once: value };
}

/**
 * Forgets old submissions (acknowledged deletes, from the periodic sweep): a sealed value no one
 * came to read after an hour, and the records themselves after a day (a form older than that can
 * be sent again as a new submission).
 */
export async function sweepFormSubmissions(now = new Date()): Promise<number> {
  await FormSubmission.updateMany({ at: mongoose.trusted({ $lt: new Date(now.getTime() - 3_600_000) }), once: mongoose.trusted({ $exists: true }) } as never, { $unset: { once: 1 } });
  const removed = await FormSubmission.deleteMany({ at: mongoose.trusted({ $lt: new Date(now.getTime() - 86_400_000) }) } as never);
  return removed.deletedCount;
}
