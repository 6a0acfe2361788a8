import type { Request } from 'express';

/** RFC 6266/5987: an ASCII fallback and the exact UTF-8 name; `inline` for what a browser may show. */
export function contentDisposition(name: string, inline = false): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** The site's origin for links written into files and JSON: PUBLIC_URL when set, else the request's. */
export function siteOrigin(req: Request, publicUrl?: string): string {
  return publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}
