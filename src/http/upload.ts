import type { NextFunction, Request, RequestHandler, Response } from 'express';
import busboy from 'busboy';
import { HttpError } from './errors.js';
import { FORM_LIMITS, buildForm, fieldPath } from './form-fields.js';

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
 * Browsers escape LF, CR and `"` in multipart names and file names as %0A, %0D and %22 (WHATWG
 * HTML, multipart/form-data); busboy leaves them escaped. Only those three are decoded: a bare `%`
 * is never escaped, so `50%.pdf` stays as it is.
 */
function decodeFormDataName(value: string): string {
  return value.replace(/%0A|%0D|%22/gi, (m) => (m.toUpperCase() === '%0A' ? '\n' : m.toUpperCase() === '%0D' ? '\r' : '"'));
}

export interface UploadedFile {
  fieldname: string;
  originalname: string;
  mimetype: string;
  buffer: Buffer;
  size: number;
}

/**
 * Parses a multipart form with files (in memory, within the limits) with busboy directly: field
 * names are checked and nested by the one bounded builder (form-fields.ts) that urlencoded bodies
 * use too, so the same zod schemas validate both kinds of form. Files only under `files`.
 * Limits → 413, a broken body or a refused field name → 400; either way nothing is kept.
 */
export function multipartWithFiles(limits: UploadLimits, fieldCount = 300): RequestHandler {
  const maxFields = Math.min(fieldCount, FORM_LIMITS.maxFields);
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!req.is('multipart/form-data')) return next();
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        defParamCharset: 'utf8',
        // busboy reports a limit when it is *reached*: one more byte/part, so the limit itself is allowed.
        limits: { fileSize: limits.maxFileBytes + 1, files: limits.maxFiles, fields: maxFields, parts: limits.maxFiles + maxFields + 1, fieldSize: 100_001, fieldNameSize: FORM_LIMITS.maxNameLength },
      });
    } catch {
      return next(new HttpError(400, 'evidence.badUpload'));
    }
    const fields: [string, string][] = [];
    const files: UploadedFile[] = [];
    let failed = false;
    const fail = (err: HttpError): void => {
      if (failed) return;
      failed = true;
      // Stop parsing; the rest of the body is read and discarded so the response can be sent.
      req.unpipe(parser);
      parser.removeAllListeners();
      parser.on('error', () => undefined);
      req.resume();
      next(err);
    };
    const tooLarge = () => fail(new HttpError(413, 'evidence.tooLarge'));
    parser.on('field', (rawName, value, info) => {
      if (info.nameTruncated || info.valueTruncated) return tooLarge();
      const name = decodeFormDataName(rawName);
      try {
        fieldPath(name);
      } catch (err) {
        return fail(err as HttpError);
      }
      fields.push([name, value]);
    });
    parser.on('file', (name, stream, info) => {
      if (name !== 'files') {
        stream.resume();
        return fail(new HttpError(400, 'evidence.badUpload'));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        chunks.push(chunk);
      });
      stream.on('limit', tooLarge);
      stream.on('end', () => {
        if (!failed) files.push({ fieldname: name, originalname: decodeFormDataName(info.filename ?? ''), mimetype: info.mimeType, buffer: Buffer.concat(chunks, size), size });
      });
    });
    parser.on('filesLimit', tooLarge);
    parser.on('fieldsLimit', tooLarge);
    parser.on('partsLimit', tooLarge);
    parser.on('error', () => fail(new HttpError(400, 'evidence.badUpload')));
    parser.on('close', () => {
      if (failed) return;
      try {
        req.body = buildForm(fields);
      } catch (err) {
        return fail(err as HttpError);
      }
      req.files = files;
      next();
    });
    req.pipe(parser);
  };
}

export function uploadedFiles(req: Request): UploadedFile[] {
  return (req.files ?? []).filter((f) => f.size > 0 || f.originalname);
}
