import type { Response } from 'express';
import { FormValidationError } from './validate.js';

/**
 * Runs a form's command; if the input does not validate, shows the same form again with the
 * user's input and a message by each field (422). Nothing else is caught.
 */
export async function submitForm(
  res: Response,
  form: FormPage | (() => Promise<FormPage>),
  command: () => Promise<void>,
): Promise<void> {
  try {
    await command();
  } catch (err) {
    if (!(err instanceof FormValidationError)) throw err;
    // A page that is costly to build (its reads) may come as a function: built only when shown again.
    const page = typeof form === 'function' ? await form() : form;
    res.status(422).render(page.view, { ...page.locals, values: page.values, errors: err.fieldErrors });
  }
}

export interface FormPage {
  view: string;
  locals?: Record<string, unknown>;
  values: Record<string, unknown>;
}

/** Form values that may be shown again: never a password or a token. */
export function safeValues(body: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!body || typeof body !== 'object') return out;
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (/password|_csrf|code|token/i.test(key)) continue;
    if (typeof value === 'string' || Array.isArray(value)) out[key] = value;
  }
  return out;
}
