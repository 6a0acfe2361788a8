import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as acorn from 'acorn';
import ejs from 'ejs';
import { analyze } from 'eslint-scope';
import type { Express } from 'express';

const VIEWS = path.resolve(import.meta.dirname, '../../views');

/**
 * The app's views: EJS under views/, each compiled once (again when its file changes, in development),
 * as described below. Views include each other by paths from views/ ('/partials/head').
 */
export function useViews(app: Express, production: boolean): void {
  app.set('views', VIEWS);
  app.set('view engine', 'ejs');
  app.set('view cache', production);
  // `compileDebug` (a view's line number kept as it runs, for error messages) only in development.
  const options = viewOptions(production);
  useCompiledViews(options, !production);
  app.engine('ejs', (file: string, data: object, done: (err: Error | null, html?: string) => void) => {
    let html: string;
    try {
      html = compiledView(file)(viewLocals(file, data));
    } catch (err) {
      return done(err as Error);
    }
    done(null, html);
  });
}

function viewOptions(production: boolean) {
  return { compileDebug: !production };
}

/**
 * A view rendered outside a request (the dossier document, `name` from views/ without `.ejs`),
 * compiled as the app's views are; where no app has set the mode (the CLI, a benchmark), as in production.
 */
export function renderView(name: string, data: object): string {
  if (!mode) useCompiledViews(viewOptions(true), false);
  const file = path.join(VIEWS, `${name}.ejs`);
  return compiledView(file)(viewLocals(file, data));
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
 * generates) are read from its locals once, at its start. Names of JavaScript globals (`Math`,
 * `JSON`, `URL`) stay globals: no local may be named like one (`localNamedLikeGlobal` refuses such a
 * render).
 *
 * EJS writes each view's code (`generateSource`); the function around it is made here, with its own
 * `include`. EJS's include copies every local of the including view into a new object (and its
 * options too) before each include: some forty locals per include, 82 µs of a report page's 1,155
 * (V8 profile under load).
 * Here an included view's locals are a new object whose prototype is the including view's locals,
 * with the include's own locals on it; a view's locals never have Object.prototype at the root
 * (viewLocals), and what a view assigns to a local is its own variable, never its includes' (tested).
 *
 * Compiled views are kept here, each compiled on its first render (again when its file changes, in
 * development). One process has one such cache: an app made in another mode (tests make both)
 * starts it afresh.
 */
type View = (locals: ejs.Data) => string;
const compiled = new Map<string, { view: View; mtimeMs: number }>();
let mode: { options: ejs.Options; reloadChanged: boolean } | undefined;

function useCompiledViews(options: ejs.Options, reloadChanged: boolean): void {
  if (mode?.reloadChanged !== reloadChanged) compiled.clear();
  mode = { options, reloadChanged };
}

/** The compiled view of a file under views/ (compiled on its first use). */
export function compiledView(file: string): View {
  const { options, reloadChanged } = mode!;
  const mtimeMs = reloadChanged ? statSync(file).mtimeMs : 0;
  const held = compiled.get(file);
  if (held && held.mtimeMs === mtimeMs) return held.view;
  const view = compileView(file, options);
  compiled.set(file, { view, mtimeMs });
  return view;
}

/** One view compiled without `with`, with its own include (see above). */
function compileView(file: string, options: ejs.Options): View {
  const source = generatedSource(readFileSync(file, 'utf8'), { ...options, filename: file });
  const names = freeNamesOf(source);
  const body = [
    'let __output = "";',
    'function __append(s) { if (s !== undefined && s !== null) __output += s }',
    names.length ? `let ${names.map((name) => `${name} = locals.${name}`).join(', ')};` : '',
    // In development a failing view names its file and line (EJS's generated code keeps __line).
    options.compileDebug ? `let __line = 1;\ntry {\n${source}\n} catch (e) {\n  e.message = ${JSON.stringify(file)} + ':' + __line + ': ' + e.message;\n  throw e;\n}` : source,
    'return __output;',
  ].join('\n');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- a view's code, as EJS itself compiles it, from a file under views/
  const run = new Function('locals', 'escapeFn', 'include', body) as (locals: ejs.Data, escapeFn: (s: unknown) => string, include: (name: string, data?: object) => string) => string;
  return (locals) => run(locals, escapeHtml, (name, data) => compiledView(includeFile(name))(data ? includeLocals(locals, data) : locals));
}

const HTML_SPECIAL = /[&<>'"]/;
const HTML_SPECIALS = /[&<>'"]/g;
const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };

/**
 * What `<%=` writes: EJS's escapeXML, the same characters to the same entities (tested), but looking
 * for one before replacing any (most texts have none): half the time of EJS's on a staff page's
 * thousand-odd values.
 */
export function escapeHtml(value: unknown): string {
  if (value === undefined || value === null) return '';
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- as EJS does: any value as its String()
  const text = typeof value === 'string' ? value : String(value);
  return HTML_SPECIAL.test(text) ? text.replace(HTML_SPECIALS, (c) => HTML_ENTITIES[c]!) : text;
}

/** An included view's locals: the including view's, with the include's own on top (see above). */
function includeLocals(locals: ejs.Data, data: object): ejs.Data {
  const clash = localNamedLikeGlobal(data);
  if (clash) throw new Error(`include: a local is named like the JavaScript global ${clash}`);
  return Object.assign(Object.create(locals) as ejs.Data, data);
}

const includeFiles = new Map<string, string>();
/** An include's file: views name each other by paths from views/ ('/partials/head'), as EJS resolves them. */
function includeFile(name: string): string {
  let file = includeFiles.get(name);
  if (!file) {
    if (!name.startsWith('/')) throw new Error(`include('${name}'): views include each other by paths from views/, starting with /`);
    file = ejs.resolveInclude(name.replace(/^\/+/, ''), VIEWS, true);
    includeFiles.set(name, file);
  }
  return file;
}

/** What EJS's generated code has in scope besides the view's own declarations. */
const GENERATED = ['locals', 'escapeFn', 'include', '__output', '__append', '__line'];

/** The code EJS writes for a view (its text as `__append` calls), before any function is put around it. */
function generatedSource(text: string, options: ejs.Options): string {
  const template = new ejs.Template(text, options);
  // EJS's types do not list generateSource (the step of compile() that writes `source`).
  (template as unknown as { generateSource(): void }).generateSource();
  return template.source;
}

/** The names a view uses without declaring them (from the code EJS generates for it), JavaScript's globals aside. */
export function freeNames(text: string, options: ejs.Options = {}): string[] {
  return freeNamesOf(generatedSource(text, options));
}

function freeNamesOf(source: string): string[] {
  const program = acorn.parse(`(function (${GENERATED.join(', ')}) {\n${source}\n});`, { ecmaVersion: 'latest', sourceType: 'script', ranges: true });
  const scopes = analyze(program as never, { ecmaVersion: 2022, sourceType: 'script' });
  const names = new Set(scopes.globalScope!.through.map((ref) => ref.identifier.name));
  return [...names].filter((name) => !(name in globalThis)).sort();
}

/** A local named like a JavaScript global would not reach a view compiled without `with` (the view reads the global). */
export function localNamedLikeGlobal(locals: object): string | undefined {
  return Object.keys(locals).find((name) => name in globalThis);
}
