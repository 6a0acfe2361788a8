import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Request, Response } from 'express';
import { stringify } from 'csv-stringify/sync';
import { HttpError } from './errors.js';

/** RFC 6266/5987: an ASCII fallback and the exact UTF-8 name; `inline` for what a browser may show. */
export function contentDisposition(name: string, inline = false): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

let publicUrl: string | undefined;

/** PUBLIC_URL from the configuration (createApp sets it once). */
export function configurePublicUrl(url: string | undefined): void {
  publicUrl = url;
}

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/**
 * The site's origin for links written into files and JSON: PUBLIC_URL when set. Otherwise the
 * request's, but only a scheme of http/https and a Host that is a plain host name or address:
 * a forged `X-Forwarded-Proto: javascript` or Host header must not end up in a link.
 */
export function siteOrigin(req: Request): string {
  if (publicUrl) return publicUrl;
  const scheme = req.protocol === 'https' ? 'https' : 'http';
  const host = req.get('host') ?? '';
  if (!HOST.test(host)) throw new HttpError(400, 'errors.badHost');
  return `${scheme}://${host}`;
}

/** Rows per written chunk of a streamed CSV. */
const CSV_CHUNK_ROWS = 500;

/**
 * A CSV file written as its rows are made (UTF-8 with a BOM for spreadsheets): the first bytes leave
 * at once, memory holds one chunk of rows, other requests are served between chunks, a slow reader
 * holds the writing back (`drain`), and a reader who leaves stops it. The bytes are those of the
 * whole file stringified at once.
 */
export async function streamCsv(res: Response, name: string, header: readonly string[], batches: Iterable<readonly (readonly string[])[]> | AsyncIterable<readonly (readonly string[])[]>): Promise<void> {
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', contentDisposition(name));
  let batch: (readonly string[])[] = [];
  const drained = drainWaiter(res);
  const flush = async (text: string) => {
    batch = [];
    if (!res.write(text)) await drained();
    await nextTurn();
  };
  await flush(`\uFEFF${stringify([header])}`);
  // Rows come in batches (as the read model reads them): one await per batch, not per row.
  for await (const rows of batches) {
    for (const row of rows) {
      if (res.destroyed) return;
      batch.push(row);
      if (batch.length >= CSV_CHUNK_ROWS) await flush(stringify(batch));
    }
  }
  if (res.destroyed) return;
  if (batch.length) await flush(stringify(batch));
  res.end();
}

/**
 * Waits for `drain` (or for the reader to leave), with one listener each for the whole response:
 * the compression middleware hands `drain` listeners to its compressor stream, where `res.off` does
 * not reach them, so a listener per wait stayed behind (Node warned of eleven on one brotli stream,
 * an uncached CSV under load).
 */
function drainWaiter(res: Response): () => Promise<void> {
  let waiting: (() => void) | undefined;
  const wake = () => {
    const resolve = waiting;
    waiting = undefined;
    resolve?.();
  };
  res.on('drain', wake);
  res.on('close', wake);
  return () => (res.destroyed ? Promise.resolve() : new Promise<void>((resolve) => (waiting = resolve)));
}
