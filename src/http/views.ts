import path from 'node:path';
import ejs from 'ejs';
import type { Express } from 'express';

const VIEWS = path.resolve(import.meta.dirname, '../../views');

/**
 * The app's views: EJS under views/, compiled once when `cache` (production). Views include each
 * other by paths from views/ ('/partials/head'), which EJS resolves without a file-system lookup,
 * where a relative include costs one on every render. EJS 7 takes no options from Express's settings
 * but `views` and `view cache`, so they are given to it here.
 */
export function useViews(app: Express, cache: boolean): void {
  app.set('views', VIEWS);
  app.set('view engine', 'ejs');
  app.set('view cache', cache);
  app.engine('ejs', (file: string, data: object, done: (err: Error | null, html?: string) => void) => {
    ejs.renderFile(file, data as ejs.Data, { root: VIEWS, views: [VIEWS], cache }, (err, html) => done(err, html));
  });
}
