import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { userActor } from '../audit/index.js';
import { catalogue } from '../catalogue/index.js';
import type { Config } from '../config.js';
import { multipartWithFiles, sameOriginOnly, uploadedFiles } from '../http/upload.js';
import { authorize, publicAccess } from '../http/access.js';
import { HttpError, notFound } from '../http/errors.js';
import { submitOnce } from '../http/once.js';
import { dossierStatus, publicStatusOf, signedStatusList } from './status.js';
import { contentDisposition, siteOrigin } from '../http/download.js';
import { safeValues } from '../http/forms.js';
import type { FormLimits } from '../http/rate-limit.js';
import { FormValidationError, formObject, pageNumber, parseForm, parseQuery } from '../http/validate.js';
import { can } from '../policies/index.js';
import { FILTER_KEYS, incidentQuerySchema } from '../search/query.js';
import type { Signer } from '../signing/index.js';
import type { SealedFileStore } from '../storage/sealed-files.js';
import { recordAuditEvent } from '../audit/index.js';
import { AUDIENCES, DossierTooLarge, dossierSizes, type DossierParams } from './content.js';
import { CITATIONS, FRAMINGS } from './framing.js';
import type { DossierDocument } from './model.js';
import { ArchiveRefused, VERIFIER, describeProblem, describeRefusal, readArchive, sha256, verifyFiles } from './package.js';
import { PUBLIC_KEY_PATH, checkStoredArchive, findDossier, generateDossier, listDossiers, readDossierFile } from './service.js';

const buildSchema = formObject({
  subject: z.enum(['vendor', 'government', 'filter'], 'validation.required'),
  vendor: z.string().max(80).optional(),
  government: z.string().max(80).optional(),
  filter: z.string().max(2000).optional(),
  audience: z.enum(AUDIENCES, 'validation.required'),
  framing: z.enum(FRAMINGS, 'validation.required'),
  language: z.enum(['en', 'ar'], 'validation.required'),
});

const builderQuery = z.strictObject({
  vendor: z.string().max(80).optional(),
  government: z.string().max(80).optional(),
  filter: z.string().max(2000).optional(),
  /** prefilled from a docket ("Build a dossier for this docket") */
  framing: z.enum(FRAMINGS).optional(),
  audience: z.enum(AUDIENCES).optional(),
  page: pageNumber.optional(),
});

const TYPES: Record<string, string> = { pdf: 'application/pdf', html: 'text/html; charset=utf-8', css: 'text/css; charset=utf-8', json: 'application/json; charset=utf-8', csv: 'text/csv; charset=utf-8', txt: 'text/plain; charset=utf-8', sig: 'application/octet-stream' };

/** The /incidents filter of a dossier, normalised: only filter keys, in a fixed order; invalid → undefined. */
export function normaliseFilter(raw: string): string | undefined {
  const params = new URLSearchParams(raw.replace(/^\?/, ''));
  const picked: Record<string, string> = {};
  for (const key of FILTER_KEYS) {
    const values = params.getAll(key).filter(Boolean);
    if (values.length > 1) return undefined;
    if (values[0]) picked[key] = values[0];
  }
  for (const key of params.keys()) if (!(FILTER_KEYS as readonly string[]).includes(key) && !['page', 'after', 'sort', 'lng'].includes(key)) return undefined;
  if (!incidentQuerySchema.safeParse(picked).success) return undefined;
  return new URLSearchParams(picked).toString();
}

function mayRead(req: Request, dossier: DossierDocument): boolean {
  return can(req.user, 'dossiers.viewAll') || String(dossier.generatedBy) === req.user!.id;
}

export function dossierRoutes(config: Config, store: SealedFileStore, signer: Signer, limits: FormLimits): Router {
  const router = Router();
  // A dossier of 1,000 incidents is ~5 MB zipped (its PDF ~15 MB): 40 MB per file leaves room while
  // bounding what one anonymous request can hold in memory (and limits.dossierVerify: 30 an hour).
  const verifyUpload = multipartWithFiles({ maxFileBytes: 40 * 1024 * 1024, maxFiles: 12 }, 5);
  const verifyLimit = limits.dossierVerify;

  async function builder(req: Request, res: Response, extra: { values: Record<string, unknown>; errors: Record<string, string>; formErrorDetail?: string; sizes?: { public: number; official: number; max: number; over: boolean } }, page = 1) {
    const c = await catalogue();
    const lng = res.locals.lng as string;
    const mine = can(req.user, 'dossiers.viewAll') ? undefined : req.user!.id;
    const history = await listDossiers(mine, page);
    res.render('dossiers/index', {
      vendors: c.entities.options('vendor', lng),
      governments: c.entities.options('government', lng),
      audiences: AUDIENCES,
      framings: FRAMINGS,
      citations: CITATIONS,
      history: history.rows.map((d) => ({ ref: d.ref, subject: d.subject?.kind === 'filter' ? `?${d.subject.query}` : (d.subject?.name ?? ''), kind: d.subject?.kind ?? '', audience: d.audience, framing: d.framing, language: d.language, version: d.version, incidents: d.incidents, at: d.generatedAt.toISOString().slice(0, 16).replace('T', ' '), roles: d.generatedByRoles })),
      page,
      pages: history.pages,
      allHistory: !mine,
      ...extra,
    });
  }

  router.get('/dossiers', authorize('dossiers.build'), async (req, res) => {
    const q = parseQuery(builderQuery, req);
    const filter = q.filter !== undefined ? normaliseFilter(q.filter) : undefined;
    const values: Record<string, unknown> = {
      subject: q.government ? 'government' : q.filter !== undefined ? 'filter' : 'vendor',
      vendor: q.vendor ?? '',
      government: q.government ?? '',
      filter: filter ?? q.filter ?? '',
      audience: q.audience ?? 'public',
      framing: q.framing ?? 'us-entity-list',
      language: res.locals.lng as string,
    };
    // Prefilled (a profile's or a docket's button, a search's link): how many incidents it would hold, before it is built.
    const subject: DossierParams['subject'] | undefined = q.government ? { kind: 'government', slug: q.government } : filter !== undefined ? { kind: 'filter', query: filter } : q.vendor ? { kind: 'vendor', slug: q.vendor } : undefined;
    const sizes = subject && (await dossierSizes(subject));
    const max = config.DOSSIER_MAX_INCIDENTS;
    await builder(req, res, { values, errors: {}, ...(sizes ? { sizes: { ...sizes, max, over: sizes.public > max || sizes.official > max } } : {}) }, q.page ?? 1);
  });

  router.post('/dossiers', authorize('dossiers.build'), async (req, res) => {
    const values = safeValues(req.body);
    try {
      await submitOnce(req, res, async () => {
        const form = parseForm(buildSchema, req.body);
        const c = await catalogue();
        let subject: DossierParams['subject'];
        if (form.subject === 'vendor') {
          if (!form.vendor || !c.entities.bySlug('vendor', form.vendor)) throw new FormValidationError({ vendor: 'dossier.chooseVendor' });
          subject = { kind: 'vendor', slug: form.vendor };
        } else if (form.subject === 'government') {
          if (!form.government || !c.entities.bySlug('government', form.government)) throw new FormValidationError({ government: 'dossier.chooseGovernment' });
          subject = { kind: 'government', slug: form.government };
        } else {
          const query = normaliseFilter(form.filter ?? '');
          if (query === undefined) throw new FormValidationError({ filter: 'dossier.badFilter' });
          subject = { kind: 'filter', query };
        }
        const user = req.user!;
        const dossier = await generateDossier({ store, signer, baseUrl: siteOrigin(req), maxIncidents: config.DOSSIER_MAX_INCIDENTS }, { subject, audience: form.audience, framing: form.framing, language: form.language }, { ...userActor(user), roles: [...user.roles] });
        return { to: `/dossiers/${dossier.ref}` };
      });
    } catch (err) {
      if (err instanceof DossierTooLarge) {
        res.status(422);
        return builder(req, res, { values, errors: { _form: 'dossier.tooLarge' }, formErrorDetail: req.t('dossier.tooLargeDetail', { incidents: err.incidents, max: err.max }) });
      }
      if (!(err instanceof FormValidationError)) throw err;
      res.status(422);
      await builder(req, res, { values, errors: err.fieldErrors });
    }
  });

  // Anyone may check a dossier: the answer says only whether the files are what was signed.
  const verifyPageLocals = { keyId: signer.keyId, keyPath: PUBLIC_KEY_PATH, verifierSha256: sha256(VERIFIER) };
  router.get('/dossiers/verify', publicAccess, (_req, res) => {
    res.render('dossiers/verify', { result: undefined, errors: {}, ...verifyPageLocals });
  });

  router.post('/dossiers/verify', publicAccess, verifyLimit, sameOriginOnly, verifyUpload, async (req, res) => {
    if (!req.is('multipart/form-data')) throw new HttpError(400, 'evidence.badUpload');
    const uploaded = uploadedFiles(req);
    let files = new Map<string, Buffer>();
    const errors: Record<string, string> = {};
    let refusal: string | undefined;
    if (!uploaded.length) errors.files = 'dossier.verifyNoFile';
    else if (uploaded.length === 1 && /\.zip$/i.test(uploaded[0]!.originalname)) {
      try {
        files = readArchive(uploaded[0]!.buffer);
      } catch (err) {
        if (!(err instanceof ArchiveRefused)) throw err;
        // The archive is not checked further: a ZIP that tools could read differently proves nothing.
        errors.files = 'dossier.verifyNotZip';
        refusal = describeRefusal(err, req.t);
      }
    } else {
      for (const f of uploaded) files.set(f.originalname.replace(/^.*[\\/]/, ''), f.buffer);
    }
    if (Object.keys(errors).length) {
      res.status(422).render('dossiers/verify', { result: undefined, refusal, errors, ...verifyPageLocals });
      return;
    }
    const result = verifyFiles(files, signer.publicKeyPem);
    // A valid signature says the dossier is the site's and unchanged, not that it is still current.
    const manifest = files.get('manifest.json');
    const status = result.valid && result.dossier && manifest ? await publicStatusOf(result.dossier, createHash('sha256').update(manifest).digest('hex')) : undefined;
    res.render('dossiers/verify', { result: { ...result, messages: result.problems.map((p) => describeProblem(p, req.t)) }, status, errors: {}, ...verifyPageLocals });
  });

  // The verifier every dossier carries (outside its signed set), at a stable address: what the
  // verification page runs, for anyone to run offline with Node alone.
  router.get('/dossiers/verify-dossier.mjs', publicAccess, (_req, res) => {
    res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
    res.setHeader('Content-Disposition', contentDisposition('verify-dossier.mjs'));
    res.send(VERIFIER);
  });

  // The signed status of every dossier (current or superseded, and why), for offline verification:
  // npm run cli -- dossier:verify D.zip --key key.pem --status status.json
  router.get('/dossiers/status.json', publicAccess, async (_req, res) => {
    res.setHeader('Content-Disposition', contentDisposition('status.json'));
    res.json(await signedStatusList(signer));
  });

  router.get('/dossiers/:ref', authorize('dossiers.build'), async (req, res) => {
    const dossier = await findDossier(String(req.params.ref));
    if (!dossier || !mayRead(req, dossier)) throw notFound();
    res.render('dossiers/show', {
      status: await dossierStatus(dossier),
      dossier: {
        ref: dossier.ref,
        subject: dossier.subject?.kind === 'filter' ? `?${dossier.subject.query}` : (dossier.subject?.name ?? ''),
        kind: dossier.subject?.kind,
        audience: dossier.audience,
        framing: dossier.framing,
        language: dossier.language,
        version: dossier.version,
        incidents: dossier.incidents,
        at: dossier.generatedAt.toISOString().replace('T', ' ').slice(0, 19),
        roles: dossier.generatedByRoles,
        files: dossier.files.map((f) => ({ name: f.name ?? '', size: f.size ?? 0, sha256: f.sha256 ?? '' })),
        manifestSha256: dossier.manifestSha256,
        archive: { size: dossier.archive!.size, sha256: dossier.archive!.sha256 },
        keyId: dossier.keyId,
        auditHead: dossier.auditHead,
      },
      keyPath: PUBLIC_KEY_PATH,
    });
  });

  router.get('/dossiers/:ref/download', authorize('dossiers.build'), async (req, res) => {
    const dossier = await findDossier(String(req.params.ref));
    if (!dossier || !mayRead(req, dossier)) throw notFound();
    // Read twice, a record at a time (memory flat in the archive's size): once to check it is the
    // archive the record names, then to send it. Nothing is sent of an archive that is not.
    await checkStoredArchive(store, dossier);
    await recordAuditEvent({ actor: userActor(req.user!), action: 'dossier.download', subject: { type: 'dossier', id: dossier.ref }, details: { file: `${dossier.ref}.zip` } });
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Disposition', contentDisposition(`${dossier.ref}.zip`));
    res.setHeader('Content-Length', String(dossier.archive!.size));
    await pipeline(Readable.from(store.stream(dossier.archive!.file)), res);
  });

  router.get('/dossiers/:ref/files/:name', authorize('dossiers.build'), async (req, res) => {
    const dossier = await findDossier(String(req.params.ref));
    if (!dossier || !mayRead(req, dossier)) throw notFound();
    const name = String(req.params.name);
    const data = readDossierFile(store, dossier, name);
    if (!data) throw notFound();
    await recordAuditEvent({ actor: userActor(req.user!), action: 'dossier.download', subject: { type: 'dossier', id: dossier.ref }, details: { file: name } });
    const ext = name.split('.').pop() ?? '';
    res.setHeader('Content-Type', TYPES[ext] ?? 'application/octet-stream');
    const inline = ['pdf', 'html', 'css'].includes(ext);
    res.setHeader('Content-Disposition', contentDisposition(`${dossier.ref}-${name}`, inline));
    res.send(data);
  });

  return router;
}

