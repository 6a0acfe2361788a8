import { readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import ejs from 'ejs';
import express from 'express';
import supertest from 'supertest';
import { compiledView, escapeHtml, freeNames, localNamedLikeGlobal, renderView, useViews } from '../../src/http/views.js';

const VIEWS = path.resolve(import.meta.dirname, '../../views');

/** An app that renders one view made for the test (under views/, removed afterwards). */
function viewApp(production: boolean, name: string, locals: () => object) {
  const app = express();
  useViews(app, production);
  app.get('/', (_req, res) => res.render(name, locals()));
  return app;
}

describe('views compiled without `with`', () => {
  it('when a view uses locals, its own variables, nested functions and globals, then only the locals are its free names', () => {
    const text = `<%= t('x') %><% var a = 1; %><%= a + b %><%= Math.max(1, 2) %>
      <% rows.forEach(function (row) { var label = row.label; %><%= label %><% }) %>
      <% if (typeof optional !== 'undefined') { %><%= optional %><% } %><%- include('/partials/csrf') %><%= locals.title %>`;
    expect(freeNames(text)).to.deep.equal(['b', 'optional', 'rows', 't']);
  });

  it('when a value is written with <%=, then it is escaped exactly as EJS escapes it', () => {
    const values: unknown[] = ['plain', '', '<script>alert("x")</script>', "it's & <b>", '&amp;', 'الحكومة <ب>', 42, 0, -1.5, true, null, undefined, { toString: () => '<o>' }, ['a<', 'b&']];
    for (const value of values) expect(escapeHtml(value), String(value)).to.equal(ejs.escapeXML(value));
  });

  it('when every view under views/ is compiled, then each compiles (a view EJS could not compile would be a 500 on its page)', () => {
    const files = readdirSync(VIEWS, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ejs'));
    expect(files.length).to.be.greaterThan(50);
    // Compiled as a production app compiles them.
    useViews(express(), true);
    for (const file of files) expect(compiledView(path.join(VIEWS, file)), file).to.be.a('function');
  });

  it('when a render is given a local named like a JavaScript global, then it is refused (the view would read the global)', async () => {
    expect(localNamedLikeGlobal({ title: 'x', URL: 'https://example.org' })).to.equal('URL');
    expect(localNamedLikeGlobal({ title: 'x', t: () => '' })).to.equal(undefined);
    const name = `zz-views-test-${process.pid}-global`;
    const file = path.join(VIEWS, `${name}.ejs`);
    writeFileSync(file, '<%= typeof URL %>');
    try {
      const errors: Error[] = [];
      const app = viewApp(true, name, () => ({ URL: 'https://example.org' }));
      app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        errors.push(err);
        res.status(500).send('refused');
      });
      const res = await supertest(app).get('/');
      expect(res.status).to.equal(500);
      expect(errors[0]?.message).to.include('named like the JavaScript global URL');
      // Outside a request (the dossier document) too, and a view given proper locals reads them.
      expect(() => renderView(name, { URL: 'https://example.org' })).to.throw('named like the JavaScript global URL');
      writeFileSync(path.join(VIEWS, `${name}-document.ejs`), '<%= title %>|<%= typeof URL %>');
      expect(renderView(`${name}-document`, { title: 'D-2026-00001' })).to.equal('D-2026-00001|function');
    } finally {
      rmSync(file, { force: true });
      rmSync(path.join(VIEWS, `${name}-document.ejs`), { force: true });
    }
  });

  it('when a view reads a local it was not given, or assigns to one, then it gets undefined and later includes still see the original', async () => {
    const name = `zz-views-test-${process.pid}-locals`;
    const file = path.join(VIEWS, `${name}.ejs`);
    const partial = path.join(VIEWS, `${name}-partial.ejs`);
    writeFileSync(file, `[<%= typeof missing %>]<% title = 'changed'; %>[<%= title %>]<%- include('/${name}-partial') %><%- include('/${name}-partial', { title: 'own', more: 'x' }) %>`);
    // An include sees its includer's locals and its own; an include of an include, all of them.
    writeFileSync(partial, "[<%= title %>]<% if (typeof more !== 'undefined') { %><%- include('/" + name + "-partial', { more: undefined, title: title + '+' + more + '+' + other }) %><% } %>");
    try {
      const res = await supertest(viewApp(true, name, () => ({ title: 'original', other: 'o' }))).get('/');
      expect(res.status).to.equal(200);
      expect(res.text).to.equal('[undefined][changed][original][own][own+x+o]');
    } finally {
      rmSync(file, { force: true });
      rmSync(partial, { force: true });
    }
  });

  it('when a view fails, then in development its error names the view file and line, and in production it is the plain error', async () => {
    const name = `zz-views-test-${process.pid}-fails`;
    const file = path.join(VIEWS, `${name}.ejs`);
    writeFileSync(file, 'line one\n<%= title %>\n<%= missing.field %>\n');
    try {
      for (const production of [false, true]) {
        const errors: Error[] = [];
        const app = viewApp(production, name, () => ({ title: 'x' }));
        app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
          errors.push(err);
          res.status(500).send('failed');
        });
        expect((await supertest(app).get('/')).status).to.equal(500);
        if (production) expect(errors[0]?.message).to.match(/^Cannot read properties of undefined/);
        else expect(errors[0]?.message).to.equal(`${file}:3: Cannot read properties of undefined (reading 'field')`);
      }
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('when a view file changes, then development shows the change at once and production keeps what it compiled', async () => {
    const name = `zz-views-test-${process.pid}-reload`;
    const file = path.join(VIEWS, `${name}.ejs`);
    const write = (text: string, seconds: number) => {
      writeFileSync(file, text);
      utimesSync(file, seconds, seconds);
    };
    try {
      write('one <%= word %>', 1_000_000);
      const development = viewApp(false, name, () => ({ word: 'a' }));
      expect((await supertest(development).get('/')).text).to.equal('one a');
      write('two <%= word %>', 2_000_000);
      expect((await supertest(development).get('/')).text).to.equal('two a');

      const production = viewApp(true, name, () => ({ word: 'b' }));
      expect((await supertest(production).get('/')).text).to.equal('two b');
      write('three <%= word %>', 3_000_000);
      expect((await supertest(production).get('/')).text).to.equal('two b');
    } finally {
      rmSync(file, { force: true });
    }
  });
});
