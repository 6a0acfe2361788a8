import type { Request } from 'express';
import { z } from 'zod';
import { HttpError } from './errors.js';

export type FieldErrors = Record<string, string>;

/** Thrown when a form does not validate: routes catch it and show the form again with the errors. */
export class FormValidationError extends HttpError {
  constructor(readonly fieldErrors: FieldErrors) {
    super(422, 'errors.form');
  }
}

/** Zod issues → { field: translation key or message } (the first issue per field). */
export function toFieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const field = issue.path.length ? issue.path.join('.') : '_form';
    // Our schemas give translation keys; anything else (zod's own wording) becomes a generic key.
    out[field] ??= /^[a-z]+\.[A-Za-z.]+$/.test(issue.message) ? issue.message : 'validation.invalid';
  }
  return out;
}

export function parseForm<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw new FormValidationError(toFieldErrors(parsed.error));
  return parsed.data;
}

/**
 * Query strings: unknown keys and repeated keys (which arrive as arrays) are a 400. `lng` belongs
 * to the language switch and is read by i18n, so it is set aside here.
 */
export function parseQuery<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(req.query as Record<string, unknown>)) {
    // A GET form sends its empty fields too: an empty value means the key was not set.
    if (key !== 'lng' && value !== '') rest[key] = value;
  }
  const parsed = schema.safeParse(rest);
  if (!parsed.success) throw new HttpError(400, 'errors.badQuery');
  return parsed.data;
}

/** Helpers shared by form schemas. Messages are translation keys. */
export const text = (max: number) => z.string().trim().max(max, 'validation.tooLong');
export const requiredText = (max: number) => text(max).min(1, 'validation.required');
export const pageNumber = z.coerce.number().int().min(1).max(100_000).default(1);

/** A form body: the fields given, plus the CSRF field every form carries; anything else is refused. */
export function formObject<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject({ ...shape, _csrf: z.string().optional() });
}
