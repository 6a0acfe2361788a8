import { Router } from 'express';
import { z } from 'zod';
import { listAuditEvents, userActor, verifyAuditChain } from '../audit/index.js';
import { ChainBrokenError, createCheckpoint, latestCheckpoint } from '../audit/checkpoint.js';
import type { Signer } from '../signing/index.js';
import { lastEvidenceCheck } from '../evidence/service.js';
import { presentUser } from '../auth/presenter.js';
import { rolesSchema, emptyForm } from '../auth/schema.js';
import { approveUser, disableUser, listUsers, setUserRoles } from '../auth/service.js';
import { ROLES } from '../config.js';
import { authorize } from '../http/access.js';
import { contentDisposition } from '../http/download.js';
import { flash } from '../http/flash.js';
import { HttpError } from '../http/errors.js';
import { FormValidationError, pageNumber, parseForm, parseQuery } from '../http/validate.js';

const usersQuery = z.strictObject({ status: z.enum(['pending', 'active', 'disabled']).optional() });
const auditQuery = z.strictObject({ page: pageNumber });
const AUDIT_PAGE = 50;

export function adminRoutes(signer: Signer): Router {
  const router = Router();

  router.get('/admin', authorize('admin.users.list'), (_req, res) => {
    res.redirect('/admin/users');
  });

  router.get('/admin/users', authorize('admin.users.list'), async (req, res) => {
    const query = parseQuery(usersQuery, req);
    const users = (await listUsers(query)).map(presentUser);
    res.render('admin/users', { users, roles: ROLES, status: query.status ?? '' });
  });

  router.post('/admin/users/:id/approve', authorize('admin.users.manage'), async (req, res) => {
    parseForm(emptyForm, req.body);
    await approveUser(userActor(req.user!), String(req.params.id));
    flash(req, 'success', 'admin.userApproved');
    res.redirect('/admin/users');
  });

  router.post('/admin/users/:id/disable', authorize('admin.users.manage'), async (req, res) => {
    parseForm(emptyForm, req.body);
    await disableUser(userActor(req.user!), String(req.params.id));
    flash(req, 'success', 'admin.userDisabled');
    res.redirect('/admin/users');
  });

  router.post('/admin/users/:id/roles', authorize('admin.users.manage'), async (req, res) => {
    try {
      const input = parseForm(rolesSchema, req.body);
      await setUserRoles(userActor(req.user!), String(req.params.id), input.roles);
    } catch (err) {
      if (err instanceof FormValidationError) throw new HttpError(422, 'admin.atLeastOneRole');
      throw err;
    }
    flash(req, 'success', 'admin.rolesChanged');
    res.redirect('/admin/users');
  });

  router.get('/admin/audit', authorize('admin.audit.read'), async (req, res) => {
    const { page } = parseQuery(auditQuery, req);
    const [{ events, total }, verification, checkpoint, evidenceCheck] = await Promise.all([listAuditEvents(page, AUDIT_PAGE), verifyAuditChain(), latestCheckpoint(), lastEvidenceCheck()]);
    res.render('admin/audit', {
      events,
      verification,
      checkpoint,
      evidenceCheck,
      keyId: signer.keyId,
      page,
      pages: Math.max(1, Math.ceil(total / AUDIT_PAGE)),
      total,
    });
  });

  router.post('/admin/audit/checkpoints', authorize('admin.audit.read'), async (req, res) => {
    parseForm(emptyForm, req.body);
    try {
      await createCheckpoint(signer);
    } catch (err) {
      if (err instanceof ChainBrokenError) throw new HttpError(409, 'audit.cannotCheckpoint');
      throw err;
    }
    flash(req, 'success', 'audit.checkpointCreated');
    res.redirect('/admin/audit');
  });

  // The latest checkpoint as a file, to keep somewhere other than this database.
  router.get('/admin/audit/checkpoint.json', authorize('admin.audit.read'), async (_req, res) => {
    const checkpoint = await latestCheckpoint();
    if (!checkpoint) throw new HttpError(404, 'errors.notFound');
    res.setHeader('Content-Disposition', contentDisposition(`audit-checkpoint-${checkpoint.headSeq}.json`));
    res.type('application/json').send(`${JSON.stringify(checkpoint, null, 2)}\n`);
  });

  return router;
}
