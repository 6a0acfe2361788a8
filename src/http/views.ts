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
  // EJS copies a view's locals into an object without a prototype before it runs the view, and
  // again for each include, after the include's own copy: two copies of some forty locals per
  // include were a tenth of a staff page's time. The copy is made here, once, without a prototype;
  // `unsafePrototypeLocals` then only tells EJS to use the locals it is given, which are always such
  // a copy (this one, or the one each include makes), so no view ever sees Object.prototype.
  // (EJS 7's types do not list the option; ejs.js reads it.)
  // `compileDebug` (a view's line number kept as it runs, for error messages) only in development:
  // each line of a view set it through the view's `with` scope, a lookup the engine cannot cache.
  const options = { root: VIEWS, views: [VIEWS], cache, unsafePrototypeLocals: true, compileDebug: !cache };
  app.engine('ejs', (file: string, data: object, done: (err: Error | null, html?: string) => void) => {
    const locals = Object.assign(Object.create(null) as ejs.Data, data);
    ejs.renderFile(file, locals, options, (err, html) => done(err, html));
  });
}
