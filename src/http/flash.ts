import type { Request, RequestHandler } from 'express';

export type FlashKind = 'success' | 'info' | 'error';
export interface Flash {
  kind: FlashKind;
  key: string;
}

/** Messages that survive one redirect (redirect-after-POST). Stored as translation keys. */
export function flash(req: Request, kind: FlashKind, key: string): void {
  req.session.flash = [...(req.session.flash ?? []), { kind, key }];
}

export const takeFlash: RequestHandler = (req, res, next) => {
  res.locals.flash = req.session.flash ?? [];
  if (req.session.flash) delete req.session.flash;
  next();
};
