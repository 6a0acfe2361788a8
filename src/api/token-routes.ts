import { Router, type Request, type Response } from 'express';
import { userActor } from '../audit/index.js';
import { authorize } from '../http/access.js';
import { flash } from '../http/flash.js';
import { resultOf, submitOnce } from '../http/once.js';
import { notFound } from '../http/errors.js';
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
    alreadyShown: undefined,
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
      // Created once per form (a reload or a double click makes no second token); the token is shown
      // once, on the GET page it leads to (sealed until then, erased when shown; never in the session).
      await submitOnce(req, res, async (key) => {
        const form = parseForm(createSchema, req.body);
        const { token, record } = await createApiToken(actorOf(req), form.name);
        return { to: `/account/tokens/new/${key}`, once: token, page: { name: record.name } };
      });
    } catch (err) {
      if (!(err instanceof FormValidationError)) throw err;
      await tokensPage(req, res.status(422), { values: { name: typeof (req.body as { name?: unknown }).name === 'string' ? (req.body as { name: string }).name : '' }, errors: err.fieldErrors });
    }
  });

  router.get('/account/tokens/new/:key', authorize('api.tokens'), async (req, res) => {
    const result = await resultOf(req, String(req.params.key));
    if (!result) throw notFound();
    const name = typeof result.page.name === 'string' ? result.page.name : '';
    await tokensPage(req, res, result.once ? { created: { token: result.once, name } } : { alreadyShown: name });
  });

  router.post('/account/tokens/:id/revoke', authorize('api.tokens'), async (req, res) => {
    parseForm(emptyForm, req.body);
    await revokeApiToken(actorOf(req), String(req.params.id));
    flash(req, 'success', 'tokens.revoked');
    res.redirect('/account/tokens');
  });

  return router;
}
