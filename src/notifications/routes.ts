import { Router } from 'express';
import { z } from 'zod';
import { recordAuditEvent, userActor } from '../audit/index.js';
import { User } from '../auth/model.js';
import { authorize } from '../http/access.js';
import { flash } from '../http/flash.js';
import { parseForm, formObject } from '../http/validate.js';
import { NOTIFY_KINDS } from './model.js';
import { inbox, kindsFor, linkOf, mailEnabled, markAllRead } from './service.js';

const readForm = formObject({});
const preferencesForm = formObject({
  email: z
    .union([z.enum(NOTIFY_KINDS), z.array(z.enum(NOTIFY_KINDS))])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v])),
});

/** The in-app inbox of notices, and each person's choice of which ones also come by e-mail. */
export function notificationRoutes(): Router {
  const router = Router();

  router.get('/notifications', authorize('account.manage'), async (req, res) => {
    const items = await inbox(req.user!.id);
    const user = await User.findById(req.user!.id, { roles: 1, emailOff: 1 }).lean();
    const kinds = kindsFor(user?.roles ?? []);
    res.render('notifications/index', {
      items: items.map((n) => ({ kind: n.kind, ref: n.ref, at: n.at, unread: !n.readAt, href: linkOf(n.kind, n.ref) })),
      kinds: kinds.map((k) => ({ kind: k, email: !(user?.emailOff ?? []).includes(k) })),
      mail: mailEnabled(),
    });
  });

  router.post('/notifications/read', authorize('account.manage'), async (req, res) => {
    parseForm(readForm, req.body);
    await markAllRead(req.user!.id);
    res.redirect(303, '/notifications');
  });

  router.post('/notifications/preferences', authorize('account.manage'), async (req, res) => {
    const input = parseForm(preferencesForm, req.body);
    const user = await User.findById(req.user!.id, { roles: 1 }).lean();
    const kinds = kindsFor(user?.roles ?? []);
    const emailOff = kinds.filter((k) => !input.email.includes(k));
    await User.updateOne({ _id: req.user!.id }, { $set: { emailOff } });
    await recordAuditEvent({ actor: userActor(req.user!), action: 'user.notifications.changed', subject: { type: 'user', id: req.user!.id }, details: { emailOff } });
    flash(req, 'success', 'notify.saved');
    res.redirect(303, '/notifications');
  });

  return router;
}
