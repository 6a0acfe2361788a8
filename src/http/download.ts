import type { Request } from 'express';
import { HttpError } from './errors.js';

/** RFC 6266/5987: an ASCII fallback and the exact UTF-8 name; `inline` for what a browser may show. */
export function contentDisposition(name: string, inline = false): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

let publicUrl: string | undefined;

/** PUBLIC_URL from the configuration (createApp sets it once). */
export function configurePublicUrl(url: string | undefined): void {
  publicUrl = url;
}

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/**
 * The site's origin for links written into files and JSON: PUBLIC_URL when set. Otherwise the
 * request's, but only a scheme of http/https and a Host that is a plain host name or address:
 * a forged `X-Forwarded-Proto: javascript` or Host header must not end up in a link.
 */
export function siteOrigin(req: Request): string {
  if (publicUrl) return publicUrl;
  const scheme = req.protocol === 'https' ? 'https' : 'http';
  const host = req.get('host') ?? '';
  if (!HOST.test(host)) throw new HttpError(400, 'errors.badHost');
  return `${scheme}://${host}`;
}
