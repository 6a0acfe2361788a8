import { TARGET_CATEGORIES } from '../facts/model.js';
import { LANGUAGES } from '../i18n/index.js';
import { INDICATOR_TYPES } from '../facts/indicators.js';
import { PRODUCT_CATEGORIES } from '../products/model.js';
import { AGENCY_KINDS } from '../governments/model.js';
import { LISTING_STATUSES, REGIMES } from '../vendors/model.js';

/**
 * The OpenAPI 3.1 description of /api/v1: what is served, exactly (a test checks real responses
 * against these schemas, which are JSON Schema 2020-12).
 */
const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const count = { type: 'integer', minimum: 0 } as const;
const strings = { type: 'array', items: str } as const;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const object = (properties: Record<string, unknown>, required = Object.keys(properties)) => ({ type: 'object', additionalProperties: false, required, properties });
const date = { type: 'string', pattern: '^\\d{4}(-\\d{2}(-\\d{2})?)?$', description: 'a date to the precision known: YYYY, YYYY-MM or YYYY-MM-DD' } as const;
const confidence = { type: 'string', enum: ['confirmed', 'high', 'medium', 'low'] } as const;

const findings = { ...count, description: 'verified public incidents with a finding (a claim at medium confidence or above) naming it; leads are never counted here' };
const leads = { ...count, description: 'verified public incidents that name it only in leads (low-confidence claims)' };
const claimProperties = {
  kind: { type: 'string', enum: ['product', 'vendor', 'government'], description: 'product: the product was identified; vendor: a product of this vendor, not identified further; government: an operator claim' },
  slug: nullableStr,
  name: nullableStr,
  confidence,
  finding: { type: 'boolean', description: 'true from medium confidence up (counted); false for a lead (low; never counted)' },
  operated: {
    anyOf: [object({ product: nullableStr, vendor: nullableStr }), { type: 'null' }],
    description: 'operator claims only: the product (or the vendor of an unidentified product) the source says this government operated; null when the source links the operator to nothing, so no product → operator chain exists',
  },
};
const claimRequired = ['kind', 'slug', 'name', 'confidence', 'finding'];

const extend = (base: { properties: Record<string, unknown> }, extra: Record<string, unknown>) => object({ ...base.properties, ...extra });

const VendorSummary = object({
  slug: str,
  name: str,
  nameAr: nullableStr,
  aliases: strings,
  hqCountry: nullableStr,
  parent: { ...nullableStr, description: 'slug of the parent company' },
  listings: { type: 'array', items: ref('Listing') },
  incidents: { ...findings, description: 'verified public incidents with a finding naming the vendor, its subsidiaries or their products' },
  leads,
});
const ProductSummary = object({ slug: str, name: str, nameAr: nullableStr, aliases: strings, category: { type: 'string', enum: PRODUCT_CATEGORIES }, vendor: nullableStr, description: str, incidents: findings, leads });
const AttributionSummary = object(claimProperties, claimRequired);
const IncidentSummary = object({
  ref: { type: 'string', pattern: '^I-\\d{4}-\\d{5}$' },
  title: str,
  language: { type: 'string', enum: LANGUAGES, description: 'the language the title and summary are written in: the text the reviewers verified' },
  titles: { type: 'object', additionalProperties: false, properties: Object.fromEntries(LANGUAGES.map((l) => [l, str])), description: 'the title in each language it has: as written, and a translation where a reviewer added one' },
  visibility: { type: 'string', enum: ['public', 'restricted'], description: '"restricted" only for token holders' },
  dates: object({ from: date, to: { anyOf: [date, { type: 'null' }] } }),
  countries: { type: 'array', items: { type: 'string', pattern: '^[A-Z]{2}$' } },
  targetCategories: { type: 'array', items: { type: 'string', enum: TARGET_CATEGORIES } },
  attributions: { type: 'array', items: ref('AttributionSummary') },
  url: { ...nullableStr, description: 'the public page (null for restricted incidents)' },
});

const schemas = {
  Error: object({ error: object({ status: { type: 'integer' }, message: str }) }),
  Listing: object({ regime: { type: 'string', enum: REGIMES }, status: { type: 'string', enum: LISTING_STATUSES }, date: nullableStr, citation: nullableStr, url: nullableStr, action: { type: 'string', description: 'slug of the official action this status comes from' } }),
  VendorSummary,
  Vendor: extend(VendorSummary, {
    formerNames: { type: 'array', items: object({ name: str, from: nullableStr, to: nullableStr }) },
    website: nullableStr,
    summary: str,
    successor: { ...nullableStr, description: 'slug of the company it continued as after a rename' },
    subsidiaries: strings,
    products: strings,
  }),
  ProductSummary,
  Product: extend(ProductSummary, { indicators: { type: 'string', format: 'uri', description: "the product's indicators as a STIX 2.1 bundle (MVT --iocs)" }, claims: { type: 'string', format: 'uri', description: 'every claim about the product as a full STIX 2.1 bundle: sightings and operator relationships, each with its confidence (0–100)' } }),
  Government: object({ slug: str, name: str, nameAr: nullableStr, country: { type: 'string', pattern: '^[A-Z]{2}$' }, agencies: { type: 'array', items: object({ name: str, kind: { type: 'string', enum: AGENCY_KINDS } }) }, incidents: findings, leads }),
  AttributionSummary,
  IncidentSummary,
  Incident: extend(IncidentSummary, {
    summary: str,
    translation: {
      anyOf: [object({ language: { type: 'string', enum: LANGUAGES }, title: str, summary: str, updatedAt: { type: 'string', format: 'date-time' } }), { type: 'null' }],
      description: 'the title and summary translated into the other language by a reviewer: a rendering of the verified text, not reviewed itself',
    },
    verifiedAt: { type: ['string', 'null'], format: 'date-time' },
    targets: { type: 'array', items: object({ category: { type: 'string', enum: TARGET_CATEGORIES }, pseudonym: { ...nullableStr, description: 'only when the target consented to publication; identities are never served' } }) },
    attributions: {
      type: 'array',
      items: object({ ...claimProperties, agency: nullableStr, basis: str, sources: { type: 'array', items: { type: 'integer', minimum: 1 } } }, [...claimRequired, 'agency', 'basis', 'sources']),
    },
    sources: { type: 'array', items: object({ number: { type: 'integer', minimum: 1 }, kind: str, title: str, publisher: nullableStr, date: nullableStr, url: nullableStr }) },
    indicators: { type: 'array', items: object({ type: { type: 'string', enum: INDICATOR_TYPES }, value: str }) },
    responses: { ...str, description: 'vendor responses and counter-evidence recorded on the incident' },
  }),
  IncidentPage: object({
    data: { type: 'array', items: ref('IncidentSummary') },
    meta: object({ total: count, page: { type: 'integer', minimum: 1 }, pages: { type: 'integer', minimum: 1 }, first: count, last: count, includesRestricted: { type: 'boolean' } }),
    links: object({ self: str, next: nullableStr }),
  }),
};

const json = (schema: unknown, description = 'OK') => ({ description, content: { 'application/json': { schema } } });
const errors = {
  '400': json(ref('Error'), 'Unknown or repeated query parameter, or an invalid value'),
  '401': json(ref('Error'), 'The token is unknown or revoked'),
  '429': json(ref('Error'), 'Too many requests'),
};
const notFoundResponse = { '404': json(ref('Error'), 'No such record') };
const slugParam = { name: 'slug', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z0-9-]{1,80}$' } };
const q = (name: string, schema: unknown, description: string) => ({ name, in: 'query', required: false, schema, description });
const list = (item: string) => object({ data: { type: 'array', items: ref(item) } });
const one = (item: string) => object({ data: ref(item) });

export function openApiDocument(serverUrl: string) {
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Surveillance-misuse incident tracker API',
      version: '1.0.0',
      description:
        'Read-only. Without a token: verified public incidents and the reference data, as the public pages show them. With an API token (created by a policymaker in /account/tokens, sent as "Authorization: Bearer …"): also verified restricted incidents, marked as such; every such request is audited. No identity of a target is ever served. Rate-limited per token (600/min) and per client (120/min).',
    },
    servers: [{ url: serverUrl }],
    security: [{}, { token: [] }],
    components: {
      securitySchemes: { token: { type: 'http', scheme: 'bearer', description: 'An API token (sit_…), read-only.' } },
      schemas,
    },
    paths: {
      '/': { get: { summary: 'Links to the collections', responses: { '200': json({ type: 'object', additionalProperties: { type: 'string' } }), ...errors } } },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': json({ type: 'object' }) } } },
      '/vendors': { get: { summary: 'All vendors', responses: { '200': json(list('VendorSummary')), ...errors } } },
      '/vendors/{slug}': { get: { summary: 'A vendor, with its corporate graph and products', parameters: [slugParam], responses: { '200': json(one('Vendor')), ...notFoundResponse, ...errors } } },
      '/products': { get: { summary: 'All products', responses: { '200': json(list('ProductSummary')), ...errors } } },
      '/products/{slug}': { get: { summary: 'A product', parameters: [slugParam], responses: { '200': json(one('Product')), ...notFoundResponse, ...errors } } },
      '/governments': { get: { summary: 'All governments', responses: { '200': json(list('Government')), ...errors } } },
      '/governments/{slug}': { get: { summary: 'A government', parameters: [slugParam], responses: { '200': json(one('Government')), ...notFoundResponse, ...errors } } },
      '/incidents': {
        get: {
          summary: 'Verified incidents, newest first, 20 per page; the same filters as /incidents',
          parameters: [
            q('vendor', slugParam.schema, 'vendor slug (includes its subsidiaries)'),
            q('product', slugParam.schema, 'product slug'),
            q('government', slugParam.schema, 'operating government slug'),
            q('country', { type: 'string', pattern: '^[A-Za-z]{2}$' }, 'target country (ISO 3166-1 alpha-2)'),
            q('target', { type: 'string', enum: TARGET_CATEGORIES }, 'target category'),
            q('year', { type: 'integer' }, 'year of the incident'),
            q('from', { type: 'integer' }, 'from this year'),
            q('to', { type: 'integer' }, 'up to this year'),
            q('confidence', confidence, 'minimum confidence of an attribution'),
            q('listing', { type: 'string', enum: ['listed', 'not-listed', ...REGIMES] }, 'vendor listing status'),
            q('q', { type: 'string', maxLength: 200 }, 'text search (Arabic and Latin, accent- and case-insensitive)'),
            q('sort', { type: 'string', enum: ['newest', 'oldest'] }, 'order'),
            q('page', { type: 'integer', minimum: 1 }, 'page number'),
            q('after', { type: 'string' }, 'cursor from links.next (stable when incidents are added meanwhile)'),
          ],
          responses: { '200': json(ref('IncidentPage')), ...errors },
        },
      },
      '/incidents/{ref}': {
        get: {
          summary: 'A verified incident',
          parameters: [{ name: 'ref', in: 'path', required: true, schema: { type: 'string', pattern: '^I-\\d{4}-\\d{5}$' } }],
          responses: { '200': json(one('Incident')), ...notFoundResponse, ...errors },
        },
      },
    },
  };
}
