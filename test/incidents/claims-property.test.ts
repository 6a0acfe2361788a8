import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { expect } from 'chai';
import { countryName } from '../../src/countries/index.js';
import { Government } from '../../src/governments/model.js';
import { Product } from '../../src/products/model.js';
import { Vendor } from '../../src/vendors/model.js';
import { agent, closeApps, makeApp, type Agent } from '../helpers/app.js';
import { createIncident, signedInAs } from '../helpers/factories.js';
import { buildAndDownload } from '../dossiers/helpers.js';

/**
 * The claims property (issue 11): random incidents with several products, vendors and operators at
 * random confidences are published, and every surface that names a pair or a count is checked
 * against the claims alone — no pair that no claim states, no lead counted, every finding counted
 * exactly once. The seed is in every message; CLAIMS_SEED=n replays one world.
 */

const CONFIDENCES = ['low', 'medium', 'high', 'confirmed'] as const;
type Confidence = (typeof CONFIDENCES)[number];
const finding = (c: Confidence) => c !== 'low';
const STIX_CONFIDENCE: Record<Confidence, number> = { low: 15, medium: 50, high: 85, confirmed: 100 };

/** mulberry32: a small seeded generator, so a failing world can be replayed. */
function generator(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]) => xs[int(xs.length)]!;
  const some = <T>(xs: readonly T[], min: number, max: number) => [...xs].sort(() => next() - 0.5).slice(0, min + int(max - min + 1));
  return { next, int, pick, some };
}

interface Entity { id: string; slug: string; name: string }
interface ClaimSpec { kind: 'product' | 'vendor' | 'government'; entity: Entity; confidence: Confidence; operated?: { kind: 'product' | 'vendor'; entity: Entity } }
interface IncidentSpec { ref: string; year: number; country: string; claims: ClaimSpec[] }

const WORDS = ['amber', 'basalt', 'cobalt', 'dune', 'ember', 'fjord', 'garnet', 'harbor', 'indigo', 'jasper', 'kelp', 'lumen', 'marble', 'nimbus'];
const OPERATOR_COUNTRIES = ['MA', 'EG', 'SA', 'AE', 'RW'];

async function buildWorld(seed: number) {
  const r = generator(seed);
  const tag = `s${seed}`;
  const words = r.some(WORDS, WORDS.length, WORDS.length);
  const vendors: Entity[] = [];
  const vendorOf = new Map<string, Entity>();
  for (let n = 0; n < 3; n++) {
    const v = await Vendor.create({ slug: `${words[n]}-${tag}`, name: `${words[n]}vend${tag}`, hqCountry: 'IL' });
    vendors.push({ id: String(v._id), slug: v.slug, name: v.name });
  }
  const products: Entity[] = [];
  for (let n = 0; n < 5; n++) {
    const vendor = n < 3 ? vendors[n]! : r.pick(vendors);
    const p = await Product.create({ slug: `${words[3 + n]}-${tag}`, name: `${words[3 + n]}spy${tag}`, vendor: vendor.id, category: 'spyware' });
    products.push({ id: String(p._id), slug: p.slug, name: p.name });
    vendorOf.set(String(p._id), vendor);
  }
  const governments: Entity[] = [];
  for (let n = 0; n < 4; n++) {
    const g = await Government.create({ slug: `${words[8 + n]}-${tag}`, name: `Government of ${words[8 + n]}land${tag}`, country: OPERATOR_COUNTRIES[n]! });
    governments.push({ id: String(g._id), slug: g.slug, name: g.name });
  }
  const incidents: IncidentSpec[] = [];
  for (let n = 0; n < 12; n++) {
    const claims: ClaimSpec[] = [];
    const identified = r.some(products, n === 0 ? 2 : 0, 3);
    for (const p of identified) claims.push({ kind: 'product', entity: p, confidence: r.pick(CONFIDENCES) });
    if (!identified.length || r.next() < 0.25) claims.push({ kind: 'vendor', entity: r.pick(vendors), confidence: r.pick(CONFIDENCES) });
    for (const g of r.some(governments, n === 0 ? 2 : 0, 3)) {
      const roll = r.next();
      // Mostly a product of this incident; sometimes another one, a vendor, or nothing (an unlinked claim).
      const operated = roll < 0.5 && identified.length ? { kind: 'product' as const, entity: r.pick(identified) } : roll < 0.6 ? { kind: 'product' as const, entity: r.pick(products) } : roll < 0.75 ? { kind: 'vendor' as const, entity: r.pick(vendors) } : undefined;
      claims.push({ kind: 'government', entity: g, confidence: r.pick(CONFIDENCES), ...(operated ? { operated } : {}) });
    }
    // The first incident is the crossed case: two products, two operators, each linked to one.
    if (n === 0) {
      const [a, b] = identified as [Entity, Entity];
      const ops = claims.filter((c) => c.kind === 'government');
      ops[0]!.operated = { kind: 'product', entity: a };
      ops[0]!.confidence = 'high';
      ops[1]!.operated = { kind: 'product', entity: b };
      ops[1]!.confidence = 'medium';
      for (const c of claims.filter((x) => x.kind === 'product')) c.confidence = 'high';
    }
    const year = 2016 + r.int(8);
    const country = r.pick(['MX', 'IN', 'HU', 'TG']);
    const doc = await createIncident({
      status: 'verified',
      title: `Incident ${n} of world ${seed}`,
      extra: {
        dates: { from: { y: year }, start: new Date(Date.UTC(year, 0, 1)), end: new Date(Date.UTC(year, 11, 31, 23, 59, 59)) },
        year,
        countries: [country],
        attributions: claims.map((c) => ({
          kind: c.kind,
          [c.kind]: c.entity.id,
          ...(c.operated ? { [c.operated.kind]: c.operated.entity.id } : {}),
          confidence: c.confidence,
          basis: `Claim ${c.kind} ${c.entity.name}.`,
          sources: [0],
        })),
      },
    });
    incidents.push({ ref: doc.ref, year, country, claims });
  }
  return { seed, vendors, products, governments, vendorOf, incidents, byId: new Map([...vendors, ...products, ...governments].map((e) => [e.id, e])) };
}

type World = Awaited<ReturnType<typeof buildWorld>>;

/** What the claims alone say: the expected model every surface is checked against. */
function expectation(w: World) {
  const findingsOf = new Map<string, Set<string>>(); // entity id → refs with a finding naming it
  const leadsOf = new Map<string, Set<string>>(); // entity id → refs naming it only in leads
  const pairs = new Map<string, Set<string>>(); // `${government}|${product or vendor}` → refs (operator findings)
  const add = (m: Map<string, Set<string>>, k: string, ref: string) => m.set(k, (m.get(k) ?? new Set()).add(ref));
  const perIncident = new Map<string, { products: Set<string>; vendors: Set<string>; governments: Set<string>; leads: Set<string> }>();
  for (const i of w.incidents) {
    const products = new Set<string>();
    const vendors = new Set<string>();
    const governments = new Set<string>();
    for (const c of i.claims.filter((x) => finding(x.confidence))) {
      if (c.kind === 'product') products.add(c.entity.id);
      if (c.kind === 'vendor') vendors.add(c.entity.id);
      if (c.kind === 'government') {
        governments.add(c.entity.id);
        if (c.operated?.kind === 'product') {
          products.add(c.operated.entity.id);
          add(pairs, `${c.entity.id}|${c.operated.entity.id}`, i.ref);
          add(pairs, `${c.entity.id}|${w.vendorOf.get(c.operated.entity.id)!.id}`, i.ref);
        }
        if (c.operated?.kind === 'vendor') {
          vendors.add(c.operated.entity.id);
          add(pairs, `${c.entity.id}|${c.operated.entity.id}`, i.ref);
        }
      }
    }
    for (const p of products) vendors.add(w.vendorOf.get(p)!.id);
    const found = new Set([...products, ...vendors, ...governments]);
    const leads = new Set<string>();
    for (const c of i.claims.filter((x) => !finding(x.confidence))) {
      leads.add(c.entity.id);
      if (c.kind === 'product') leads.add(w.vendorOf.get(c.entity.id)!.id);
    }
    for (const id of found) {
      leads.delete(id);
      add(findingsOf, id, i.ref);
    }
    for (const id of leads) add(leadsOf, id, i.ref);
    perIncident.set(i.ref, { products, vendors, governments, leads });
  }
  const refs = (id: string) => [...(findingsOf.get(id) ?? [])].sort();
  /** Operators counted on a vendor's or product's profile: incidents in its findings where an operator finding names it. */
  const operatorsFor = (id: string) => {
    const out = new Map<string, number>();
    for (const g of w.governments) {
      const n = (pairs.get(`${g.id}|${id}`) ?? new Set()).size;
      if (n) out.set(g.slug, n);
    }
    return out;
  };
  /** What a government's operator findings name, with the number of incidents. */
  const operatedBy = (government: string, kind: 'product' | 'vendor') => {
    const out = new Map<string, number>();
    for (const e of kind === 'product' ? w.products : w.vendors) {
      const n = (pairs.get(`${government}|${e.id}`) ?? new Set()).size;
      if (n) out.set(e.slug, n);
    }
    return out;
  };
  return { refs, leads: (id: string) => [...(leadsOf.get(id) ?? [])].sort(), pairs, perIncident, operatorsFor, operatedBy };
}

const refsIn = (html: string) => [...new Set([...html.matchAll(/\/incidents\/(I-\d{4}-\d{5})/g)].map((m) => m[1]!))].sort();
const panel = (html: string, id: string) => {
  const at = html.indexOf(`id="${id}"`);
  return at === -1 ? '' : html.slice(at, html.indexOf('</section>', at));
};
const counted = (html: string, base: string) =>
  new Map([...html.matchAll(new RegExp(`href="/${base}/([a-z0-9-]+)"><bdi>[^<]*</bdi></a> (?:<span class="count">|— )(\\d+)`, 'g'))].map((m) => [m[1]!, Number(m[2])]));
const csvRows = (text: string) => parse<Record<string, string>>(text.replace(/^\uFEFF/, ''), { columns: true });
const names = (w: World, ids: Iterable<string>) => [...ids].map((id) => w.byId.get(id)!.name).sort();
const split = (cell: string | undefined) => (cell ? cell.split(';').filter(Boolean).sort() : []);

async function checkPages(w: World, visitor: Agent) {
  const x = expectation(w);
  const at = `(world ${w.seed})`;

  // Profiles: headline figure, incident list, leads, operators and what each government operated.
  for (const [kind, list] of [['vendors', w.vendors], ['products', w.products], ['governments', w.governments]] as const) {
    for (const e of list) {
      const html = (await visitor.get(`/${kind}/${e.slug}`).expect(200)).text;
      const evidence = panel(html, 'evidence-heading');
      const leadsPanel = panel(html, 'leads-heading');
      const listed = refsIn(html.replace(leadsPanel, ''));
      expect(listed, `${at} incidents listed on /${kind}/${e.slug}`).to.deep.equal(x.refs(e.id));
      expect(refsIn(leadsPanel), `${at} leads on /${kind}/${e.slug}`).to.deep.equal(x.leads(e.id));
      if (x.refs(e.id).length) {
        expect(/<dd><a href="[^"]*">(\d+)<\/a><\/dd>/.exec(evidence)?.[1], `${at} headline figure of /${kind}/${e.slug}`).to.equal(String(x.refs(e.id).length));
        const years = [...evidence.matchAll(/(\d{4}): (\d+)/g)].reduce((sum, m) => sum + Number(m[2]), 0);
        expect(years, `${at} per-year chart alternative of /${kind}/${e.slug}`).to.equal(x.refs(e.id).length);
      }
      if (kind !== 'governments') {
        const operators = counted(evidence, 'governments');
        expect(Object.fromEntries(operators), `${at} operators on /${kind}/${e.slug}`).to.deep.equal(Object.fromEntries(x.operatorsFor(e.id)));
        // The operators map's text alternative: the operator countries with their counts.
        const perCountry = new Map<string, Set<string>>();
        for (const [key, refs] of x.pairs) {
          const [g, what] = key.split('|') as [string, string];
          if (what !== e.id) continue;
          const country = OPERATOR_COUNTRIES[w.governments.findIndex((y) => y.id === g)]!;
          for (const ref of refs) perCountry.set(country, (perCountry.get(country) ?? new Set()).add(ref));
        }
        for (const [code, refs] of perCountry) expect(evidence, `${at} operators map of /${kind}/${e.slug}`).to.include(`${countryName(code, 'en')} ${refs.size}`);
      } else {
        expect(Object.fromEntries(counted(panel(html, 'vendors-operated') || html.slice(html.indexOf('Vendors attributed'), html.indexOf('Products attributed')), 'vendors')), `${at} vendors on /governments/${e.slug}`).to.deep.equal(Object.fromEntries(x.operatedBy(e.id, 'vendor')));
        expect(Object.fromEntries(counted(html.slice(html.indexOf('Products attributed')), 'products')), `${at} products on /governments/${e.slug}`).to.deep.equal(Object.fromEntries(x.operatedBy(e.id, 'product')));
      }
    }
  }

  // /incidents: facets count findings, and following one gives exactly those incidents.
  const browse = (await visitor.get('/incidents').expect(200)).text;
  for (const [key, list] of [['vendor', w.vendors], ['product', w.products], ['government', w.governments]] as const) {
    const facet = new Map([...browse.matchAll(new RegExp(`[?&;]${key}=([a-z0-9-]+)"><bdi>[^<]*</bdi></a> <span class="count">(\\d+)`, 'g'))].map((m) => [m[1]!, Number(m[2])]));
    for (const e of list) {
      expect(facet.get(e.slug) ?? 0, `${at} facet ${key}=${e.slug}`).to.equal(x.refs(e.id).length);
      const filtered = (await visitor.get(`/incidents?${key}=${e.slug}`).expect(200)).text;
      expect(refsIn(filtered.slice(filtered.indexOf('<table'))), `${at} /incidents?${key}=${e.slug}`).to.deep.equal(x.refs(e.id));
    }
  }

  // Home: how many governments and vendors have a finding, and the most implicated vendors.
  const home = (await visitor.get('/').expect(200)).text;
  expect(/href="\/governments">(\d+)</.exec(home)?.[1], `${at} governments on /`).to.equal(String(w.governments.filter((g) => x.refs(g.id).length).length));
  expect(/href="\/vendors">(\d+)</.exec(home)?.[1], `${at} vendors on /`).to.equal(String(w.vendors.filter((v) => x.refs(v.id).length).length));
  for (const [slug, n] of counted(home, 'vendors')) expect(n, `${at} top vendor ${slug} on /`).to.equal(x.refs(w.vendors.find((v) => v.slug === slug)!.id).length);

  // /incidents.csv: products, vendors and operators from findings; leads apart.
  for (const row of csvRows((await visitor.get('/incidents.csv').expect(200)).text)) {
    const want = x.perIncident.get(row['ref']!)!;
    expect(split(row['products']), `${at} ${row['ref']} products column`).to.deep.equal(names(w, want.products));
    expect(split(row['vendors']), `${at} ${row['ref']} vendors column`).to.deep.equal(names(w, want.vendors));
    expect(split(row['operators']), `${at} ${row['ref']} operators column`).to.deep.equal(names(w, want.governments));
    expect(split(row['leads']), `${at} ${row['ref']} leads column`).to.deep.equal(names(w, want.leads));
  }
  // /claims.csv: one row per claim, each saying what it links.
  const claimRows = csvRows((await visitor.get('/claims.csv').expect(200)).text);
  const stated = w.incidents.flatMap((i) => i.claims.map((c) => [i.ref, c.kind === 'government' ? 'operator' : c.kind, c.kind === 'product' ? c.entity.name : c.operated?.kind === 'product' ? c.operated.entity.name : '', c.kind === 'government' ? c.entity.name : '', c.confidence, finding(c.confidence) ? 'finding' : 'lead'].join('|')));
  expect(claimRows.map((r) => [r['incident'], r['kind'], r['product'], r['operator'], r['confidence'], r['finding_or_lead']].join('|')).sort(), `${at} /claims.csv`).to.deep.equal(stated.sort());

  // The API: aggregates count findings, leads apart; each claim's finding flag and link.
  for (const [kind, list] of [['vendors', w.vendors], ['products', w.products], ['governments', w.governments]] as const) {
    for (const e of list) {
      const data = ((await visitor.get(`/api/v1/${kind}/${e.slug}`).expect(200)).body as { data: { incidents: number; leads: number } }).data;
      expect([data.incidents, data.leads], `${at} API ${kind}/${e.slug}`).to.deep.equal([x.refs(e.id).length, x.leads(e.id).length]);
    }
  }
  for (const i of w.incidents) {
    const claims = ((await visitor.get(`/api/v1/incidents/${i.ref}`).expect(200)).body as { data: { attributions: { kind: string; slug: string; finding: boolean; operated?: { product: string | null; vendor: string | null } | null }[] } }).data.attributions;
    expect(claims.map((c) => [c.kind, c.slug, c.finding, c.operated?.product ?? null]), `${at} API ${i.ref}`).to.deep.equal(i.claims.map((c) => [c.kind, c.entity.slug, finding(c.confidence), c.operated?.kind === 'product' ? c.operated.entity.slug : null]));
  }

  // STIX per product: one 'uses' per operator claim naming it (leads at 15), one sighting per identification.
  for (const p of w.products) {
    const bundle = (await visitor.get(`/products/${p.slug}/claims.stix2`).expect(200)).body as { objects: { type: string; id: string; name?: string; relationship_type?: string; source_ref?: string; confidence?: number; external_references?: { external_id?: string }[] }[] };
    const actors = new Map(bundle.objects.filter((o) => o.type === 'threat-actor').map((o) => [o.id, o.name!]));
    const uses = bundle.objects.filter((o) => o.relationship_type === 'uses').map((o) => `${o.external_references![0]!.external_id}|${actors.get(o.source_ref!)}|${o.confidence}`).sort();
    const want = w.incidents.flatMap((i) => i.claims.filter((c) => c.kind === 'government' && c.operated?.entity.id === p.id).map((c) => `${i.ref}|${c.entity.name}|${STIX_CONFIDENCE[c.confidence]}`)).sort();
    expect(uses, `${at} STIX uses of ${p.slug}`).to.deep.equal(want);
    const sightings = bundle.objects.filter((o) => o.type === 'sighting').map((o) => `${o.external_references![0]!.external_id}|${o.confidence}`).sort();
    expect(sightings, `${at} STIX sightings of ${p.slug}`).to.deep.equal(w.incidents.flatMap((i) => i.claims.filter((c) => c.kind === 'product' && c.entity.id === p.id).map((c) => `${i.ref}|${STIX_CONFIDENCE[c.confidence]}`)).sort());
  }
}

async function checkDossier(w: World, a: Agent) {
  const x = expectation(w);
  const at = `(world ${w.seed})`;
  const { files } = await buildAndDownload(a, { subject: 'filter', filter: 'target=journalist' });
  type Chain = { product: string; vendor: string; operator: string };
  const json = JSON.parse(files.get('dossier.json')!.toString()) as { incidents: { ref: string; chains: Chain[] }[]; summary: { operators: { slug: string; n: number }[] } };
  const government = (name: string) => w.governments.find((g) => g.name === name)!;
  const product = (name: string) => w.products.find((p) => p.name === name)!;
  for (const i of json.incidents) {
    const linked = new Set<string>();
    for (const chain of i.chains) {
      for (const op of chain.operator.split('; ').filter(Boolean)) {
        const key = `${government(op).id}|${chain.product ? product(chain.product).id : w.vendors.find((v) => v.name === chain.vendor)!.id}`;
        expect(x.pairs.get(key)?.has(i.ref), `${at} dossier chain ${chain.product || chain.vendor} → ${op} in ${i.ref}`).to.equal(true);
        linked.add(key);
      }
    }
    // Every product an operator finding names is in a chain with that operator.
    for (const [key, refs] of x.pairs) if (refs.has(i.ref) && w.products.some((p) => key.endsWith(`|${p.id}`))) expect(linked.has(key), `${at} dossier ${i.ref} misses ${key}`).to.equal(true);
  }
  for (const g of w.governments) expect(json.summary.operators.find((o) => o.slug === g.slug)?.n ?? 0, `${at} dossier operator count ${g.slug}`).to.equal(x.refs(g.id).length);
  // The dossier's STIX: a 'uses' only for a pair an operator finding states.
  const stix = JSON.parse(files.get('dossier.stix.json')!.toString()) as { objects: { type: string; id: string; name?: string; relationship_type?: string; source_ref?: string; target_ref?: string; description?: string }[] };
  const nameOf = new Map(stix.objects.map((o) => [o.id, o.name]));
  for (const o of stix.objects.filter((y) => y.relationship_type === 'uses')) {
    const ref = o.description!.split(':')[0]!;
    expect(x.pairs.get(`${government(nameOf.get(o.source_ref!)!).id}|${product(nameOf.get(o.target_ref!)!).id}`)?.has(ref), `${at} dossier STIX uses ${o.description}`).to.equal(true);
  }
  // The PDF as a reader's tool extracts it: each chain line (with its arrow) names only stated pairs.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'claims-property-'));
  writeFileSync(path.join(dir, 'd.pdf'), files.get('dossier.pdf')!);
  const text = execFileSync('pdftotext', ['-enc', 'UTF-8', '-layout', path.join(dir, 'd.pdf'), '-'], { encoding: 'utf8' });
  const stated = new Set([...x.pairs.keys()]);
  for (const line of text.split('\n').filter((l) => l.includes('→'))) {
    for (const p of w.products.filter((y) => line.includes(y.name))) {
      for (const g of w.governments.filter((y) => line.includes(y.name))) expect(stated.has(`${g.id}|${p.id}`), `${at} PDF line "${line.trim()}"`).to.equal(true);
    }
  }
}

describe('attribution claims: a property over random incidents, on every surface', () => {
  afterEach(closeApps);
  const replay = process.env.CLAIMS_SEED ? [Number(process.env.CLAIMS_SEED)] : [];
  const seeds = replay.length ? replay : [11, 2026, Math.floor(Math.random() * 1e9)];

  for (const seed of seeds) {
    it(`when random incidents (world ${seed}) are published, then pages, facets, charts, CSV, API and STIX state only what the claims state and count each finding once`, async function () {
      this.timeout(180_000);
      const { app } = makeApp();
      const w = await buildWorld(seed);
      await checkPages(w, agent(app));
    });
  }

  it('when a dossier is built from random incidents, then its chains, operator counts, STIX and PDF state only pairs an operator finding states', async function () {
    this.timeout(180_000);
    const { app } = makeApp();
    const w = await buildWorld(replay[0] ?? 7);
    await checkDossier(w, await signedInAs(app, ['policymaker']));
  });
});
