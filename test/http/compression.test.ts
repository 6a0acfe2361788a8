import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { agent, closeApps, makeApp } from '../helpers/app.js';
import { createIncident, signedInAs } from '../helpers/factories.js';

describe('compressed answers (gzip, Brotli) and BREACH', () => {
  afterEach(closeApps);

  it('when a client accepts gzip or Brotli, then maps, pages, CSS and CSV come compressed (a map to less than half); a page holding a CSRF token never does', async () => {
    const { app } = makeApp();
    await createIncident({ status: 'verified', title: 'Compressed case', extra: { countries: ['EG'] } });
    const plain = await agent(app).get('/charts/global/all/targets-map.svg').set('Accept-Encoding', 'identity').buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(plain.headers['content-encoding']).to.equal(undefined);
    const size = (plain.body as Buffer).length;
    const gz = await agent(app).get('/charts/global/all/targets-map.svg').set('Accept-Encoding', 'gzip').buffer(true).parse((res, cb) => {
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('end', () => cb(null, n));
    });
    expect(gz.headers['content-encoding']).to.equal('gzip');
    expect(gz.headers.vary).to.match(/Accept-Encoding/i);
    for (const url of ['/incidents', '/css/site.css', '/incidents.csv', '/methodology']) {
      expect((await agent(app).get(url).set('Accept-Encoding', 'br')).headers['content-encoding'], url).to.equal('br');
    }
    // Pages with a form token: uncompressed, for visitors and signed-in users alike.
    expect((await agent(app).get('/login').set('Accept-Encoding', 'gzip, br')).headers['content-encoding']).to.equal(undefined);
    const staff = await signedInAs(app, ['reviewer']);
    expect((await staff.get('/review').set('Accept-Encoding', 'gzip, br')).headers['content-encoding']).to.equal(undefined);
    // What it saves on the wire (a world map): less than half.
    expect(size).to.be.greaterThan(50_000);
    expect(gzipSync(plain.body as Buffer).length).to.be.lessThan(size / 2);
  });
});
