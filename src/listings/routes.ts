import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { catalogue } from '../catalogue/index.js';
import { entryTitle } from '../catalogue/entry.js';
import { countryName, countryOptions } from '../countries/index.js';
import { publicAccess } from '../http/access.js';
import { siteOrigin, streamCsv } from '../http/download.js';
import { notFound } from '../http/errors.js';
import { parseQuery } from '../http/validate.js';
import { displayName } from '../reference/presenter.js';
import { findBySlug } from '../reference/slugs.js';
import { neutraliseCell } from '../search/query.js';
import { REGIMES, Vendor } from '../vendors/model.js';
import { evasionFlags, rankCandidates, WEIGHTS, type CandidateFilter } from './candidates.js';
import { buildDocket, COVERING, DOCKET_REGIMES } from './docket.js';
import { presentAction, presentFlag } from './presenter.js';
import { follow, markSeen, unfollow, validTarget, watchesOf, watchId, WATCH_KINDS } from './watch.js';
import { recordAuditEvent, userActor } from '../audit/index.js';
import { authorize } from '../http/access.js';
import { HttpError } from '../http/errors.js';
import { flash } from '../http/flash.js';
import { linkLicence } from '../about/licence.js';

const candidateQuery = z.strictObject({
  regime: z.enum(REGIMES).optional(),
  country: z.string().toUpperCase().regex(/^[A-Z]{2}$/).optional(),
});
const docketQuery = z.strictObject({ regime: z.enum(DOCKET_REGIMES).optional() });
const watchForm = z.object({ kind: z.enum(WATCH_KINDS), key: z.string().max(80).default('') });

function lngOf(res: Response): 'en' | 'ar' {
  return res.locals.lng === 'ar' ? 'ar' : 'en';
}

async function candidatesOf(req: Request) {
  const q: CandidateFilter = parseQuery(candidateQuery, req);
  const c = await catalogue();
  const now = new Date();
  return { q, c, now, ...rankCandidates(c, q, now), flags: evasionFlags(c, q) };
}

/** Official actions, dockets per vendor and regime, and the candidates for listing with the flags of what listings miss. */
export function listingRoutes(): Router {
  const router = Router();

  router.get('/listings', publicAccess, async (_req, res) => {
    const c = await catalogue();
    const lng = lngOf(res);
    const actions = [...c.entities.actions].reverse().map((a) => presentAction(c, a, lng));
    res.render('listings/index', { actions });
  });

  router.get('/listings/candidates', publicAccess, async (req, res) => {
    const { q, c, candidates, withoutFindings, flags } = await candidatesOf(req);
    const lng = lngOf(res);
    const countries = [...new Set([...c.entities.byId.values()].filter((e) => e.kind === 'vendor' && e.country).map((e) => e.country!))];
    res.render('listings/candidates', {
      q,
      candidates: candidates.map((k) => ({ ...k, displayName: displayName(k, lng), countryName: k.country ? countryName(k.country, lng) : '' })),
      withoutFindings,
      flags: flags.map((f) => presentFlag(f, lng, req.t)),
      weights: WEIGHTS,
      regimes: REGIMES,
      countries: countryOptions(lng).filter((o) => countries.includes(o.code) || o.code === q.country),
      query: new URLSearchParams(Object.entries(q).filter(([, v]) => v) as [string, string][]).toString(),
    });
  });

  router.get('/listings/candidates.json', publicAccess, async (req, res) => {
    const { q, now, candidates, withoutFindings, flags } = await candidatesOf(req);
    linkLicence(res);
    res.json({
      generatedAt: now.toISOString(),
      filter: q,
      method: { score: 'findings + recent + high + 2 × governments + categories', weights: WEIGHTS, recentYears: `${now.getUTCFullYear() - 2} and later`, methodology: `${siteOrigin(req)}/methodology#listings` },
      candidates,
      vendorsWithoutFindings: withoutFindings,
      flags,
    });
  });

  router.get('/listings/candidates.csv', publicAccess, async (req, res) => {
    const { candidates, flags } = await candidatesOf(req);
    const base = siteOrigin(req);
    const rows = [
      ...candidates.map((k) => ['candidate', String(k.rank), k.slug, k.name, k.country, String(k.score), String(k.findings), String(k.recent), String(k.high), String(k.governments), k.categories.join(';'), k.listedElsewhere.join(';'), '', '', `${base}/vendors/${k.slug}`]),
      ...flags.map((f) => ['flag', f.kind, f.subject.slug, f.subject.name, '', '', f.incidents === undefined ? '' : String(f.incidents), '', '', '', '', f.regime, f.listed.slug, f.listed.action, f.query ? `${base}/incidents?${f.query}` : `${base}/vendors/${f.subject.slug}`]),
    ].map((row) => row.map((cell) => neutraliseCell(cell)));
    const header = ['row', 'rank_or_flag', 'slug', 'name', 'hq_country', 'score', 'findings', 'recent', 'high_or_confirmed', 'operator_governments', 'target_categories', 'listed_under', 'listed_company', 'listing_action', 'url'];
    linkLicence(res);
    await streamCsv(res, 'listing-candidates.csv', header, [rows]);
  });

  router.get('/watching', authorize('listings.watch'), async (req, res) => {
    const c = await catalogue();
    const lng = lngOf(res);
    const watches = await watchesOf(c, req.user!.id);
    const actionBySlug = new Map(c.entities.actions.map((a) => [a.slug, a]));
    res.render('listings/watching', {
      watches: watches.map((w) => ({
        ...w,
        label: w.kind === 'vendor' ? displayName(c.entities.bySlug('vendor', w.key) ?? { name: w.key, nameAr: '' }, lng) : w.kind === 'regime' ? req.t(`regimes.${w.key}`) : req.t('listings.candidatesTitle'),
        href: w.kind === 'vendor' ? `/vendors/${w.key}` : w.kind === 'regime' ? `/listings/candidates?regime=${w.key}` : '/listings/candidates',
        news: w.news.map((i) => {
          if (i.kind === 'finding') {
            const entry = c.byRef.get(i.ref!);
            return { kind: i.kind, text: entry ? entryTitle(entry, lng).title : i.ref!, href: `/incidents/${i.ref}` };
          }
          if (i.kind === 'action') {
            const a = actionBySlug.get(i.ref!);
            return { kind: i.kind, text: a ? `${req.t(`regimes.${a.regime}`)} · ${req.t(`listings.kinds.${a.kind}`)} ${a.date}` : i.ref!, href: '/listings' };
          }
          if (i.kind === 'candidate') {
            const v = c.entities.bySlug('vendor', i.ref!);
            return { kind: i.kind, text: v ? displayName(v, lng) : i.ref!, href: `/vendors/${i.ref}` };
          }
          const { text, href } = presentFlag(i.flag!, lng, req.t);
          return { kind: i.kind, text, href };
        }),
      })),
    });
  });

  router.post('/watching', authorize('listings.watch'), async (req, res) => {
    const parsed = watchForm.safeParse(req.body);
    const c = await catalogue();
    if (!parsed.success || !validTarget(c, parsed.data.kind, parsed.data.key)) throw new HttpError(400, 'errors.badRequest');
    const { kind, key } = parsed.data;
    const result = await follow(c, req.user!.id, kind, key);
    if (result === 'followed') await recordAuditEvent({ actor: userActor(req.user!), action: 'watch.followed', subject: { type: 'watch', id: watchId(req.user!.id, kind, key) }, details: { kind, key } });
    flash(req, 'success', result === 'followed' ? 'watch.followed' : 'watch.already');
    res.redirect(303, kind === 'vendor' ? `/vendors/${key}` : kind === 'regime' ? `/listings/candidates?regime=${key}` : '/listings/candidates');
  });

  router.post('/watching/:id/seen', authorize('listings.watch'), async (req, res) => {
    if (!(await markSeen(await catalogue(), req.user!.id, String(req.params.id)))) throw notFound();
    flash(req, 'success', 'watch.seen');
    res.redirect(303, '/watching');
  });

  router.post('/watching/:id/delete', authorize('listings.watch'), async (req, res) => {
    if (!(await unfollow(req.user!.id, String(req.params.id)))) throw notFound();
    await recordAuditEvent({ actor: userActor(req.user!), action: 'watch.unfollowed', subject: { type: 'watch', id: String(req.params.id) }, details: {} });
    flash(req, 'success', 'watch.unfollowed');
    res.redirect(303, '/watching');
  });

  router.get('/vendors/:slug/docket', publicAccess, async (req, res) => {
    const q = parseQuery(docketQuery, req);
    const found = await findBySlug(Vendor as never, String(req.params.slug));
    if (!found) throw notFound();
    const slug = (found.doc as unknown as { slug: string }).slug;
    const regime = q.regime ?? 'us-entity-list';
    if (found.redirect) {
      res.redirect(301, `/vendors/${slug}/docket?regime=${regime}`);
      return;
    }
    const c = await catalogue();
    const lng = lngOf(res);
    const docket = await buildDocket(c, slug, regime, lng, siteOrigin(req));
    if (!docket) throw notFound();
    res.render('listings/docket', { docket, actions: docket.actions.map((a) => presentAction(c, a, lng)), regimes: DOCKET_REGIMES, covering: COVERING[regime], subjectName: displayName(docket.subject, lng), nameOf: (v: { name: string; nameAr: string }) => displayName(v, lng) });
  });

  return router;
}
