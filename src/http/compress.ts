import compression from 'compression';
import type { RequestHandler } from 'express';

/**
 * gzip or Brotli, as the client accepts, for text-like answers above 1 KB (HTML, CSS, SVG maps,
 * JSON, CSV, Atom): pages matter over Tor and slow links (a world map is 172 KB, 64 KB gzipped).
 * A page that carries a CSRF token is sent uncompressed: compressing a secret beside text the visitor
 * can influence (a search term) lets an eavesdropper guess it from the sizes (BREACH).
 */
export const compressResponses: RequestHandler = compression({
  threshold: 1024,
  filter: (req, res) => !(res as unknown as { locals: Record<string, unknown> }).locals.csrfIssued && compression.filter(req, res),
});
