import { Router, type Request, type Response } from 'express';
import { userActor } from '../audit/index.js';
import { authorize } from '../http/access.js';
import { flash } from '../http/flash.js';
import { formObject, parseForm, requiredText, FormValidationError } from '../http/validate.js';
import { emptyForm } from '../auth/schema.js';
import { createApiToken, listApiTokens, revokeApiToken } from './tokens.js';

const createSchema = formObject({ name: requiredText(80) });

async function tokensPage(req: Request, res: Response, extra: Record<string, unknown> = {}) {
  const tokens = await listApiTokens(req.user!.id);
  res.render('api/tokens', {
    tokens: tokens.map((t) => ({ id: String(t._id), name: t.name, prefix: t.prefix, scope: t.scope, createdAt: t.createdAt.toISOString().slice(0, 16).replace('T', ' '), revokedAt: t.revokedAt ? t.revokedAt.toISOString().slice(0, 16).replace('T', ' ') : '' })),
    values: {},
    errors: {},
    created: undefined,
    ...extra,
  });
}

/** A policymaker's (or staff member's) API tokens, in /account/tokens. */
export function apiTokenRoutes(): Router {
  const router = Router();
  const actorOf = (req: Request) => userActor(req.user!);

  router.get('/account/tokens', authorize('api.tokens'), async (req, res) => {
    await tokensPage(req, res);
  });

  router.post('/account/tokens', authorize('api.tokens'), async (req, res) => {
    try {
      const form = parseForm(createSchema, req.body);
      const { token, record } = await createApiToken(actorOf(req), form.name);
      // Shown in this response only: never stored in the session, never shown again.
      await tokensPage(req, res, { created: { token, name: record.name } });
    } catch (err) {
      if (!(err instanceof FormValidationError)) throw err;
      await tokensPage(req, res.status(422), { values: { name: typeof (req.body as { name?: unknown }).name === 'string' ? (req.body as { name: string }).name : '' }, errors: err.fieldErrors });
    }
  });

  router.post('/account/tokens/:id/revoke', authorize('api.tokens'), async (req, res) => {
    parseForm(emptyForm, req.body);
    await revokeApiToken(actorOf(req), String(req.params.id));
    flash(req, 'success', 'tokens.revoked');
    res.redirect('/account/tokens');
  });

  return router;
}
