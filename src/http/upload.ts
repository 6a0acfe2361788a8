import type { NextFunction, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { HttpError } from './errors.js';

export interface UploadLimits {
  maxFileBytes: number;
  maxFiles: number;
}

/**
 * Cross-site requests are refused before a byte of the body is read: the browser's own
 * Sec-Fetch-Site (or, failing that, Origin) must say the form came from this site. The CSRF token
 * travels in the form's action URL, so the app-wide check also runs before the body.
 */
export const sameOriginOnly: RequestHandler = (req, _res, next) => {
  const site = req.get('sec-fetch-site');
  const origin = req.get('origin');
  const host = req.get('host');
  let sameOrigin: boolean;
  try {
    sameOrigin = site ? site === 'same-origin' || site === 'none' : !origin || (host !== undefined && new URL(origin).host === host);
  } catch {
    sameOrigin = false;
  }
  next(sameOrigin ? undefined : new HttpError(403, 'errors.csrf'));
};

/**
 * Parses a multipart form with files (in memory, within the limits). multer nests bracketed field
 * names (targets[0][category] → targets: [{ category }]) as the urlencoded parser does, so the same
 * zod schemas validate both kinds of form. Limits → 413, a broken body → 400.
 */
export function multipartWithFiles(limits: UploadLimits, fieldCount = 300): RequestHandler {
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: limits.maxFileBytes, files: limits.maxFiles, fields: fieldCount, parts: limits.maxFiles + fieldCount, fieldSize: 100_000 },
  }).array('files', limits.maxFiles);
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.is('multipart/form-data')) return next();
    upload(req, res, (err: unknown) => {
      if (err) {
        const code = (err as { code?: string }).code;
        if (code && /^LIMIT_/.test(code) && code !== 'LIMIT_UNEXPECTED_FILE') return next(new HttpError(413, 'evidence.tooLarge'));
        return next(new HttpError(400, 'evidence.badUpload'));
      }
      next();
    });
  };
}

export function uploadedFiles(req: Request): { buffer: Buffer; originalname: string }[] {
  return ((req.files as Express.Multer.File[] | undefined) ?? []).filter((f) => f.size > 0 || f.originalname);
}
