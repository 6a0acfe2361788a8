import { Router } from 'express';
import type { Config } from '../config.js';
import { siteOrigin } from '../http/download.js';
import { publicAccess } from '../http/access.js';

/** How long a security.txt stays valid (RFC 9116 §2.5.5: less than a year; it is regenerated on each request). */
const SECURITY_TXT_DAYS = 180;

/**
 * The pages an at-risk submitter looks for before trusting the site: what it keeps about them
 * (/privacy), how to protect themselves and how to report a vulnerability (/security and
 * /.well-known/security.txt, RFC 9116), and how to reach the people who run it (/contact). What they
 * say is what the code does; the contact addresses come from the operator's configuration.
 */
export function aboutRoutes(config: Pick<Config, 'CONTACT_EMAIL' | 'SECURITY_CONTACT' | 'SESSION_IDLE_MINUTES' | 'SESSION_ABSOLUTE_HOURS' | 'ANONYMOUS_REPORTS' | 'REQUIRE_TOTP_ROLES'>): Router {
  const router = Router();
  const contact = { email: config.CONTACT_EMAIL ?? '', security: config.SECURITY_CONTACT ?? (config.CONTACT_EMAIL ? `mailto:${config.CONTACT_EMAIL}` : '') };

  router.get('/privacy', publicAccess, (_req, res) => {
    res.render('about/privacy', { idleMinutes: config.SESSION_IDLE_MINUTES, absoluteHours: config.SESSION_ABSOLUTE_HOURS, anonymousReports: config.ANONYMOUS_REPORTS });
  });

  router.get('/security', publicAccess, (_req, res) => {
    // What the page says about second factors is what this site enforces (REQUIRE_TOTP_ROLES).
    res.render('about/security', { contact, totpRoles: config.REQUIRE_TOTP_ROLES });
  });

  router.get('/contact', publicAccess, (_req, res) => {
    res.render('about/contact', { contact, anonymousReports: config.ANONYMOUS_REPORTS });
  });

  router.get('/.well-known/security.txt', publicAccess, (req, res) => {
    const origin = siteOrigin(req);
    const expires = new Date(Date.now() + SECURITY_TXT_DAYS * 86_400_000);
    expires.setUTCHours(0, 0, 0, 0);
    const lines = [
      '# How to report a security problem with this site (RFC 9116).',
      `Contact: ${contact.security || `${origin}/contact`}`,
      `Expires: ${expires.toISOString()}`,
      'Preferred-Languages: en, ar',
      `Canonical: ${origin}/.well-known/security.txt`,
      `Policy: ${origin}/security`,
    ];
    res.type('text/plain; charset=utf-8').send(`${lines.join('\n')}\n`);
  });

  return router;
}
