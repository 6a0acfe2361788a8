import { listingRoutes } from './listings/routes.js';
import path from 'node:path';
import express, { type Express } from 'express';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import { adminRoutes } from './admin/routes.js';
import { configurePassport, sessionUser } from './auth/passport.js';
import { authRoutes } from './auth/routes.js';
import { healthRoutes } from './health/routes.js';
import { storageProbe } from './health/storage.js';
import { chartRoutes } from './charts/routes.js';
import { homeRoutes } from './home/routes.js';
import { publicAccess } from './http/access.js';
import { exposeCsrfToken, verifyCsrf } from './http/csrf.js';
import { errorHandler, notFoundHandler } from './http/errors.js';
import { formLimits } from './http/rate-limit.js';
import { parseQueryString, urlencodedForm } from './http/form-fields.js';
import { takeFlash } from './http/flash.js';
import { noticeCounts, viewLocals } from './http/locals.js';
import { compressResponses } from './http/compress.js';
import { notificationRoutes } from './notifications/routes.js';
import { configureMail } from './notifications/service.js';
import { configureLicence, dataLicence } from './about/licence.js';
import { formKeyLocals } from './http/once.js';
import { requestLog } from './http/request-log.js';
import { routersByFirstSegment } from './http/routers.js';
import { API_PAGES, PUBLIC_PAGES, pageCache, weakEntityTag } from './http/page-cache.js';
import { useViews } from './http/views.js';
import { noStore, securityHeaders, strictTransportSecurity } from './http/security.js';
import { configurePublicUrl } from './http/download.js';
import { absoluteLifetime, saveBeforeRedirect, sessions, startSessionSweep } from './http/session.js';
import { i18nMiddleware, rememberLanguageChoice } from './i18n/index.js';
import { configureTotpRoles } from './policies/index.js';
import { incidentRoutes } from './incidents/routes.js';
import { incidentImportRoutes } from './incidents/import-routes.js';
import { searchRoutes } from './search/routes.js';
import { profileRoutes } from './profiles/routes.js';
import { methodologyRoutes } from './methodology/routes.js';
import { aboutRoutes } from './about/routes.js';
import { reportRoutes } from './reports/routes.js';
import { reviewRoutes } from './review/routes.js';
import { configureVault } from './vault/index.js';
import type { Signer } from './signing/index.js';
import { evidenceRoutes } from './evidence/routes.js';
import { stixRoutes } from './stix/routes.js';
import { dossierRoutes } from './dossiers/routes.js';
import { apiRoutes } from './api/routes.js';
import { apiTokenRoutes } from './api/token-routes.js';
import { SealedFileStore } from './storage/sealed-files.js';
import { actionAdminRoutes, actionImportRoutes, governmentAdminRoutes, productAdminRoutes, vendorAdminRoutes } from './reference/sections.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  sessionSecret: string;
  /** IDENTITY_KEYS spec ("id:base64,…") for the vault that seals protected identities. */
  identityKeys: string;
  /** The site's Ed25519 signer (audit checkpoints; its public key is published). */
  signer: Signer;
  /** Encrypted evidence files (DATA_DIR/evidence). */
  evidenceStore: SealedFileStore;
  /** Whether the database engine process is up (always true for an external MONGODB_URI). */
  engineUp: () => boolean;
}

const root = path.resolve(import.meta.dirname, '..');

/** Builds the Express application; never listens (server.ts does, tests drive it in-process). */
export function createApp(deps: AppDeps): { app: Express; close: () => Promise<void> } {
  const { config, logger } = deps;
  configureTotpRoles(config.REQUIRE_TOTP_ROLES);
  configureMail(config);
  configureLicence(config.DATA_LICENCE);
  configureVault(deps.identityKeys);
  configurePublicUrl(config.PUBLIC_URL);
  const app = express();
  // Every view can state the data licence (how to cite, methodology).
  app.locals.dataLicence = dataLicence();
  // Citations print the site's public address when it is configured (the page cache serves every host the same page).
  app.locals.siteUrl = config.PUBLIC_URL ?? '';
  app.disable('x-powered-by');
  // No ETag hashed from every answer's body: see http/page-cache.ts entityTag.
  app.set('etag', false);
  app.set('trust proxy', config.TRUST_PROXY);
  useViews(app, config.NODE_ENV !== 'development');
  // Express reads process.env.NODE_ENV by itself; the validated configuration decides instead.
  app.set('env', config.NODE_ENV === 'development' ? 'development' : 'production');
  // Flat, bounded query strings (http/form-fields.ts): more than 100 keys is a 400.
  app.set('query parser', parseQueryString);

  app.use(requestLog(logger));
  app.use(securityHeaders);
  app.use(strictTransportSecurity(config.PUBLIC_URL));
  // Anonymous visitors' public pages (http/page-cache.ts): before any session is read, and before the
  // static-file handlers, so that a cached page costs no file-system lookup. A kept page is answered
  // before compression (it holds its compressed copies); one to be made is kept after it, because
  // compression must wrap a response before the cache keeps a copy of what it writes.
  const pages = pageCache(config.PAGE_CACHE_MB * 1024 * 1024);
  app.use(pages.hits(PUBLIC_PAGES));
  // The JSON API needs no session: it is mounted before it (tokens, not cookies), and before
  // compression, which its router sets up after its rate limit and its cached answers.
  app.use('/api/v1', apiRoutes({ anonymous: config.API_REQUESTS_PER_MINUTE, token: config.API_TOKEN_REQUESTS_PER_MINUTE }, { hits: pages.hits(API_PAGES, { perOrigin: true }), serve: pages.serve(API_PAGES, { perOrigin: true }) }));
  app.use(compressResponses);
  app.use(pages.serve(PUBLIC_PAGES));
  // Only for what public/ holds: any other path would cost every page a file-system lookup.
  const staticFiles = express.static(path.join(root, 'public'), { index: false, maxAge: '1h', fallthrough: true });
  app.use((req, res, next) => (/^\/(css|schemas)\/|^\/favicon\.svg$/.test(req.path) ? staticFiles(req, res, next) : next()));
  app.use(
    '/fonts/noto-naskh-arabic',
    express.static(path.join(root, 'node_modules/@fontsource/noto-naskh-arabic/files'), { index: false, maxAge: '7d' }),
  );
  // Browsers ask for /favicon.ico by themselves, in parallel with the page: answer it here, before
  // the session, so it never touches a session that the page's own request is changing.
  app.get('/favicon.ico', publicAccess, (_req, res) => {
    res.redirect(301, '/favicon.svg');
  });
  const signingKeyTag = weakEntityTag(deps.signer.publicKeyPem);
  app.get('/.well-known/tracker-signing-key.pem', publicAccess, (_req, res) => {
    res.type('application/x-pem-file').setHeader('Cache-Control', 'public, max-age=3600');
    res.setHeader('ETag', signingKeyTag);
    res.send(deps.signer.publicKeyPem);
  });
  // The health check and the charts need no session; every other request passes them without entering.
  app.use(routersByFirstSegment([healthRoutes(deps.engineUp, storageProbe(config.DATA_DIR, config.HEALTH_MIN_FREE_MB * 1024 * 1024)), chartRoutes()]));

  // Form rate limits that can be decided from the address alone refuse here: before the session
  // is read and before any body is parsed.
  const limits = formLimits(config);
  app.use(limits.early);
  app.use(noStore);
  const { middleware: sessionMiddleware } = sessions(config, deps.sessionSecret);
  const stopSessionSweep = startSessionSweep(config.SESSION_SWEEP_SECONDS, logger);
  app.use(sessionMiddleware);
  app.use(absoluteLifetime(config));
  const passport = configurePassport(config);
  app.use(sessionUser(app, passport));
  app.use(saveBeforeRedirect(app));
  app.use(i18nMiddleware);
  app.use(rememberLanguageChoice);
  app.use(urlencodedForm);
  app.use(express.json({ limit: '100kb' }));
  app.use(verifyCsrf);
  app.use(exposeCsrfToken);
  app.use(takeFlash);
  app.use(viewLocals);
  app.use(noticeCounts);
  app.use(formKeyLocals);

  // Each request enters only the routers with a route under its path's first segment (http/routers.ts).
  app.use(
    routersByFirstSegment([
      homeRoutes(),
      authRoutes(config, limits),
      notificationRoutes(),
      methodologyRoutes(),
      aboutRoutes(config),
      reportRoutes(config, deps.evidenceStore, limits),
      reviewRoutes(),
      searchRoutes(),
      listingRoutes(),
      profileRoutes(),
      incidentImportRoutes(logger),
      incidentRoutes(),
      evidenceRoutes(deps.evidenceStore, { maxFileBytes: config.EVIDENCE_MAX_FILE_MB * 1024 * 1024, maxFiles: config.EVIDENCE_MAX_FILES }),
      stixRoutes(),
      apiTokenRoutes(),
      dossierRoutes(config, new SealedFileStore(path.join(config.DATA_DIR, 'dossiers')), deps.signer, limits),
      adminRoutes(deps.signer),
      vendorAdminRoutes(),
      actionImportRoutes(logger),
      actionAdminRoutes(),
      productAdminRoutes(),
      governmentAdminRoutes(),
    ]),
  );

  app.use(notFoundHandler);
  app.use(errorHandler(logger, config.NODE_ENV === 'development'));

  return {
    app,
    close: async () => {
      // MongoStore.close() would also close the shared Mongoose client; only stop our sweep.
      stopSessionSweep();
      await Promise.resolve();
    },
  };
}
