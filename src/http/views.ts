import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as acorn from 'acorn';
import ejs from 'ejs';
import { analyze } from 'eslint-scope';
import type { Express } from 'express';

const VIEWS = path.resolve(import.meta.dirname, '../../views');

/**
 * The app's views: EJS under views/, each compiled once (again when its file changes, in development).
 * Views include each other by paths from views/ ('/partials/head'), which EJS resolves without a
 * file-system lookup, where a relative include costs one on every render. EJS 7 takes no options
 * from Express's settings but `views` and `view cache`, so they are given to it here.
 */
export function useViews(app: Express, production: boolean): void {
  app.set('views', VIEWS);
  app.set('view engine', 'ejs');
  app.set('view cache', production);
  // EJS copies a view's locals into an object without a prototype before it runs the view, and
  // again for each include, after the include's own copy: two copies of some forty locals per
  // include were a tenth of a staff page's time. The copy is made here, once, without a prototype;
  // `unsafePrototypeLocals` then only tells EJS to use the locals it is given, which are always such
  // a copy (this one, or the one each include makes), so no view ever sees Object.prototype.
  // (EJS 7's types do not list the option; ejs.js reads it.)
  // `compileDebug` (a view's line number kept as it runs, for error messages) only in development.
  const options = viewOptions(production);
  useCompiledViews(options, !production);
  app.engine('ejs', (file: string, data: object, done: (err: Error | null, html?: string) => void) => {
    let locals: ejs.Data;
    try {
      locals = viewLocals(file, data);
    } catch (err) {
      return done(err as Error);
    }
    ejs.renderFile(file, locals, options, (err, html) => done(err, html));
  });
}

function viewOptions(production: boolean) {
  return { root: VIEWS, views: [VIEWS], cache: true, unsafePrototypeLocals: true, compileDebug: !production };
}

/**
 * A view rendered outside a request (the dossier document, `name` from views/ without `.ejs`),
 * compiled as the app's views are; where no app has set the mode (the CLI, a benchmark), as in production.
 */
export function renderView(name: string, data: object): string {
  if (!mode) useCompiledViews(viewOptions(true), false);
  const file = path.join(VIEWS, `${name}.ejs`);
  return viewCache.get(file)!(viewLocals(file, data));
}

/** A view's locals: a copy without a prototype, refused if one is named like a JavaScript global (below). */
function viewLocals(file: string, data: object): ejs.Data {
  const locals = Object.assign(Object.create(null) as ejs.Data, data);
  const clash = localNamedLikeGlobal(locals);
  if (clash) throw new Error(`view ${file}: a local is named like the JavaScript global ${clash}`);
  return locals;
}

/**
 * EJS runs a view inside `with (locals)`: every name the view reads, its locals and `t` and `Math`
 * alike, is then a lookup through that scope, which the JavaScript engine cannot cache (a page's
 * fifty table rows, each calling `t` twice, were a fifth of its time). Here each view is compiled
 * without `with`: its free names (those it uses and does not declare, found by parsing the code EJS
 * generates) are read from its locals once, at its start (EJS's `destructuredLocals`). Names of
 * JavaScript globals (`Math`, `JSON`, `URL`) stay globals: no local may be named like one
 * (`localNamedLikeGlobal` refuses such a render).
 *
 * EJS finds compiled views, for a render and for each include, in `ejs.cache` (its documented place
 * for a cache of one's own); this one compiles on a miss, so every view and include is compiled so.
 * One process has one such cache: an app made in another mode (tests make both) starts it afresh.
 */
const compiled = new Map<string, { fn: ejs.TemplateFunction; mtimeMs: number }>();
let mode: { options: ejs.Options; reloadChanged: boolean } | undefined;

function useCompiledViews(options: ejs.Options, reloadChanged: boolean): void {
  if (mode?.reloadChanged !== reloadChanged) compiled.clear();
  mode = { options, reloadChanged };
  (ejs as { cache: ejs.Cache }).cache = viewCache;
}

const viewCache: ejs.Cache = {
  get(file: string) {
    const { options, reloadChanged } = mode!;
    const mtimeMs = reloadChanged ? statSync(file).mtimeMs : 0;
    const held = compiled.get(file);
    if (held && held.mtimeMs === mtimeMs) return held.fn;
    const fn = compileView(file, options);
    compiled.set(file, { fn, mtimeMs });
    return fn;
  },
  set() {
    // Never asked: `get` always answers.
  },
  reset() {
    compiled.clear();
  },
};

/** One view compiled without `with` (see above). */
function compileView(file: string, options: ejs.Options): ejs.TemplateFunction {
  const text = readFileSync(file, 'utf8');
  const destructuredLocals = freeNames(text, { ...options, filename: file });
  return ejs.compile(text, { ...options, filename: file, _with: false, destructuredLocals }) as ejs.TemplateFunction;
}

/** What EJS's generated code has in scope besides the view's own declarations. */
const GENERATED = ['locals', 'escapeFn', 'include', 'rethrow', '__output', '__append', '__line', '__lines', '__filename'];

/** The names a view uses without declaring them (from the code EJS generates for it), JavaScript's globals aside. */
export function freeNames(text: string, options: ejs.Options = {}): string[] {
  const template = new ejs.Template(text, options);
  // EJS's types do not list generateSource (the step of compile() that writes `source`).
  (template as unknown as { generateSource(): void }).generateSource();
  const program = acorn.parse(`(function (${GENERATED.join(', ')}) {\n${template.source}\n});`, { ecmaVersion: 'latest', sourceType: 'script', ranges: true });
  const scopes = analyze(program as never, { ecmaVersion: 2022, sourceType: 'script' });
  const names = new Set(scopes.globalScope!.through.map((ref) => ref.identifier.name));
  return [...names].filter((name) => !(name in globalThis)).sort();
}

/** A local named like a JavaScript global would not reach a view compiled without `with` (the view reads the global). */
export function localNamedLikeGlobal(locals: object): string | undefined {
  return Object.keys(locals).find((name) => name in globalThis);
}
