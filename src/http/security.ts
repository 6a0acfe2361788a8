import helmet from 'helmet';
import type { RequestHandler } from 'express';

/**
 * Strict CSP: only this origin, no inline script or style, no plugins, no framing, forms post here
 * only. No upgrade-insecure-requests: the site must work as an onion service over plain HTTP.
 */
export const securityHeaders: RequestHandler = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'"],
      fontSrc: ["'self'"],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      frameAncestors: ["'none'"],
      formAction: ["'self'"],
    },
  },
  referrerPolicy: { policy: 'no-referrer' },
  strictTransportSecurity: false,
  crossOriginEmbedderPolicy: false,
});

/** Dynamic pages may carry a CSRF token or a user's data: never store them in any cache. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};

/**
 * HSTS when the site is served over HTTPS: PUBLIC_URL says https, or (without PUBLIC_URL) this
 * request arrived over HTTPS (directly, or as a trusted proxy says). Never on plain HTTP.
 */
export function strictTransportSecurity(publicUrl: string | undefined): RequestHandler {
  return (req, res, next) => {
    const https = publicUrl ? publicUrl.startsWith('https:') : req.secure;
    if (https) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
    next();
  };
}
