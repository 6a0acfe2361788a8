import type { Request, RequestHandler } from 'express';

export type FlashKind = 'success' | 'info' | 'error';
export interface Flash {
  kind: FlashKind;
  key: string;
  /** figures the message quotes (counts), never names or free text */
  values?: Record<string, number>;
}

/** Messages that survive one redirect (redirect-after-POST). Stored as translation keys. */
export function flash(req: Request, kind: FlashKind, key: string, values?: Record<string, number>): void {
  req.session.flash = [...(req.session.flash ?? []), { kind, key, ...(values ? { values } : {}) }];
}

export const takeFlash: RequestHandler = (req, res, next) => {
  res.locals.flash = req.session.flash ?? [];
  if (req.session.flash) delete req.session.flash;
  next();
};
