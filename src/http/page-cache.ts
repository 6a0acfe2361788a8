import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Request, RequestHandler, Response } from 'express';
import { catalogue } from '../catalogue/index.js';
import { detectLanguage, languageCookie } from '../i18n/index.js';

/**
 * Rendered public pages (and the JSON API's public answers) for anonymous visitors, kept per (path + normalised query, language, data
 * version) and bounded in memory (least recently used out first, by bytes).
 *
 * What is never served from here, by construction:
 * - a request with any cookie but `lng` (a session: a signed-in user, a submitter, a flash message)
 *   or an `Authorization` header;
 * - any path not on the allow-list of public read pages (forms, accounts, review, dossiers and
 *   evidence are not on it; the API's public reads are a list of their own, served after its rate limit);
 * - a response that is not a 200, that sets a cookie, or whose body holds a form token (`_csrf`):
 *   such a response is not stored, whatever the path.
 *
 * The data version is the read model's own (a new catalogue, or any incident or entity change): a
 * page rendered from older data is never served under a newer version. Responses say `public,
 * no-cache` with a strong ETag: a browser or proxy may keep a copy but must ask again each time,
 * and gets a 304 when nothing changed — never a retracted incident from a cache.
 */
export const PUBLIC_PAGES = [
  /^\/$/,
  /^\/methodology$/,
  /^\/incidents$/,
  /^\/incidents\.csv$/,
  /^\/claims\.csv$/,
  /^\/incidents\/I-\d{4}-\d{5}$/,
  /^\/(vendors|governments)$/,
  /^\/(vendors|products|governments)\/[a-z0-9-]{1,80}$/,
];

/**
 * The anonymous JSON API's public reads. Served from inside the API's router, after its per-client
 * rate limit (a cached answer still counts), and keyed on the origin too, because the API writes
 * absolute links from the request's host when no PUBLIC_URL is set.
 */
export const API_PAGES = [/^\/$/, /^\/openapi\.json$/, /^\/(vendors|products|governments|incidents)$/, /^\/(vendors|products|governments)\/[a-z0-9-]{1,80}$/, /^\/incidents\/I-\d{4}-\d{5}$/];

const CACHE_CONTROL = 'public, no-cache';
const VARY = 'Accept-Language, Cookie, Accept-Encoding';

interface Page {
  type: string;
  disposition?: string;
  body: Buffer;
  etag: string;
  gzip?: Buffer;
  br?: Buffer;
}

class ByteLru {
  private readonly pages = new Map<string, Page>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string): Page | undefined {
    const page = this.pages.get(key);
    if (page) {
      this.pages.delete(key);
      this.pages.set(key, page);
    }
    return page;
  }

  set(key: string, page: Page): void {
    this.delete(key);
    if (sizeOf(page) > this.maxBytes / 4) return;
    this.pages.set(key, page);
    this.bytes += sizeOf(page);
    this.trim();
  }

  /** A stored page grew (a compressed variant was added to it). */
  grew(by: number): void {
    this.bytes += by;
    this.trim();
  }

  private delete(key: string): void {
    const old = this.pages.get(key);
    if (!old) return;
    this.pages.delete(key);
    this.bytes -= sizeOf(old);
  }

  private trim(): void {
    for (const key of this.pages.keys()) {
      if (this.bytes <= this.maxBytes) break;
      this.delete(key);
    }
  }
}

function sizeOf(page: Page): number {
  return page.body.length + (page.gzip?.length ?? 0) + (page.br?.length ?? 0) + 256;
}

/** Only an `lng` cookie, or none: anything else is a session or a choice this cache must not see. */
function anonymous(req: Request): boolean {
  if (req.headers.authorization) return false;
  const cookie = req.headers.cookie;
  if (!cookie) return true;
  return cookie.split(';').every((part) => part.trim() === '' || part.trim().startsWith('lng='));
}

/** A URL without a query and with nothing a URL parser would change: its own normalised form. */
const PLAIN_PATH = /^[\w/-]+$/;

function keyOf(req: Request, lng: string, version: string, perOrigin: boolean): string {
  const origin = perOrigin ? `${req.protocol}://${req.get('host') ?? ''}\n` : '';
  if (PLAIN_PATH.test(req.originalUrl)) return `${origin}${lng}\n${req.originalUrl}?\n${version}`;
  const url = new URL(req.originalUrl, 'http://x');
  const params = [...url.searchParams.entries()].filter(([k]) => k !== 'lng').sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  return `${origin}${lng}\n${url.pathname}?${new URLSearchParams(params).toString()}\n${version}`;
}

function encodingFor(req: Request): 'br' | 'gzip' | undefined {
  const accepted = String(req.headers['accept-encoding'] ?? '');
  if (/\bbr\b/.test(accepted)) return 'br';
  if (/\bgzip\b/.test(accepted)) return 'gzip';
  return undefined;
}

function sendPage(req: Request, res: Response, page: Page, cache: ByteLru, label: 'hit' | 'miss'): void {
  res.setHeader('Cache-Control', CACHE_CONTROL);
  res.setHeader('Vary', VARY);
  res.setHeader('ETag', page.etag);
  res.setHeader('X-Page-Cache', label);
  if (req.headers['if-none-match'] === page.etag) {
    res.status(304).end();
    return;
  }
  res.setHeader('Content-Type', page.type);
  if (page.disposition) res.setHeader('Content-Disposition', page.disposition);
  const encoding = encodingFor(req);
  let body = page.body;
  if (encoding === 'br') {
    if (!page.br) cache.grew((page.br = brotliCompressSync(page.body, { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } })).length);
    body = page.br;
  } else if (encoding === 'gzip') {
    if (!page.gzip) cache.grew((page.gzip = gzipSync(page.body, { level: 9 })).length);
    body = page.gzip;
  }
  if (encoding) res.setHeader('Content-Encoding', encoding);
  res.setHeader('Content-Length', body.length);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** What may be kept: a 200 HTML, CSV or JSON answer that sets no cookie (the body is checked for a form token too). */
function storable(res: Response, type: string): boolean {
  return res.statusCode === 200 && !res.getHeader('Set-Cookie') && /^(text\/(html|csv)|application\/json)/.test(type);
}

function pageOf(type: string, disposition: ReturnType<Response['getHeader']>, body: Buffer): Page {
  return { type, ...(typeof disposition === 'string' ? { disposition } : {}), body, etag: entityTag(body) };
}

/**
 * A strong ETag of a body. The app sets no ETag by itself (Express's default hashed every answer,
 * a staff page's 60 KB included, for answers that say `no-store`): kept pages get theirs here, and the
 * few public answers served outside the cache (charts, the feed, the signing key) set a weak one
 * (`weakEntityTag`: their compressed copies differ in bytes), so a browser can still ask for them
 * again with a 304.
 */
export function entityTag(body: string | Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

export function weakEntityTag(body: string | Buffer): string {
  return `W/${entityTag(body)}`;
}

/**
 * A streamed answer (`res.write`, e.g. a CSV written as its rows are made) goes out as it is written,
 * without an ETag; a copy is kept as it passes, and stored when it ended whole and storable (as a
 * sent page is, and at most `limit` bytes), so that the next reader gets it at once,
 * with its ETag. An answer that was cut short is not stored.
 */
function keepStreamed(res: Response, limit: number, store: (page: Page) => void): void {
  const write = res.write.bind(res) as (chunk: unknown, ...rest: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  let chunks: Buffer[] | undefined;
  let size = 0;
  let streamed = false;
  const bytes = (chunk: unknown) => (Buffer.isBuffer(chunk) ? chunk : typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : undefined);
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (!streamed) {
      streamed = true;
      if (storable(res, String(res.getHeader('Content-Type') ?? ''))) {
        chunks = [];
        res.setHeader('Cache-Control', CACHE_CONTROL);
        res.setHeader('Vary', VARY);
        res.setHeader('X-Page-Cache', 'miss');
      }
    }
    const b = chunks && bytes(chunk);
    if (chunks && b && (size += b.length) <= limit) chunks.push(b);
    else chunks = undefined;
    return write(chunk, ...rest);
  }) as Response['write'];
  res.end = ((...args: unknown[]) => {
    if (streamed && chunks && !res.destroyed) {
      const last = typeof args[0] === 'function' ? undefined : bytes(args[0]);
      if (last) chunks.push(last);
      const body = Buffer.concat(chunks);
      if (body.length <= limit && storable(res, String(res.getHeader('Content-Type'))) && !body.includes('_csrf')) store(pageOf(String(res.getHeader('Content-Type')), res.getHeader('Content-Disposition'), body));
    }
    return end(...args);
  }) as Response['end'];
}

/**
 * One cache (one memory bound) for the public pages and the API's public reads: `serve(paths)` gives
 * the handler for a set of paths (matched against the path its router sees), which answers from the
 * cache or keeps what the route makes; `hits(paths)` only answers from it, and goes before the
 * compression middleware (a kept page holds its own compressed copies), so a cached page costs no
 * compressor set up around it. `serve` must come after compression: a streamed answer is kept as it
 * is written, before it is compressed.
 */
export function pageCache(maxBytes: number): { serve(paths: readonly RegExp[], options?: { perOrigin?: boolean }): RequestHandler; hits(paths: readonly RegExp[], options?: { perOrigin?: boolean }): RequestHandler } {
  const cache = new ByteLru(maxBytes);
  /** Whether this cache may answer the request at all (decided before anything is awaited: most requests pass straight on). */
  const eligible = (req: Request, paths: readonly RegExp[]): boolean =>
    maxBytes > 0 &&
    (req.method === 'GET' || req.method === 'HEAD') &&
    anonymous(req) &&
    paths.some((p) => p.test(req.path)) &&
    // An explicit language change sets a cookie: that response is made, not served from here.
    !(typeof req.query.lng === 'string' && req.query.lng !== languageCookie(req.headers.cookie));
  /** The key a request's page is kept under: its path and query, language and the read model's version. */
  const keyFor = async (req: Request, perOrigin: boolean): Promise<string> => {
    const c = await catalogue();
    return keyOf(req, detectLanguage(req), `${c.generation}:${c.version}`, perOrigin);
  };
  const hits = (paths: readonly RegExp[], options: { perOrigin?: boolean } = {}): RequestHandler => (req, res, next) => {
    if (!eligible(req, paths)) return next();
    keyFor(req, options.perOrigin === true)
      .then((key) => {
        const page = cache.get(key);
        if (page) sendPage(req, res, page, cache, 'hit');
        else next();
      })
      .catch(next);
  };
  const serve = (paths: readonly RegExp[], options: { perOrigin?: boolean } = {}): RequestHandler => (req, res, next) => {
    if (!eligible(req, paths)) return next();
    keyFor(req, options.perOrigin === true)
      .then((key) => {
        const page = cache.get(key);
        if (page) return sendPage(req, res, page, cache, 'hit');
        keepStreamed(res, maxBytes / 4, (fresh) => cache.set(key, fresh));
        const send = res.send.bind(res);
        res.send = (body?: unknown) => {
          // res.render hands over the HTML before a type is set.
          const type = String(res.getHeader('Content-Type') ?? (typeof body === 'string' ? 'text/html; charset=utf-8' : ''));
          if (!storable(res, type) || !(typeof body === 'string' || Buffer.isBuffer(body)) || String(body).includes('_csrf')) return send(body);
          const buffer = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
          const disposition = res.getHeader('Content-Disposition');
          const fresh = pageOf(type, disposition, buffer);
          cache.set(key, fresh);
          sendPage(req, res, fresh, cache, 'miss');
          return res;
        };
        next();
      })
      .catch(next);
  };
  return { serve, hits };
}
