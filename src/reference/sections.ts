import type { Logger } from '../log.js';
import { countryName, countryOptions } from '../countries/index.js';
import { Government, AGENCY_KINDS, type GovernmentDocument } from '../governments/model.js';
import { governmentSchema, type GovernmentInput } from '../governments/schema.js';
import { createGovernment, listGovernments, updateGovernment } from '../governments/service.js';
import { PRODUCT_CATEGORIES, Product, type ProductDocument } from '../products/model.js';
import { productSchema, type ProductInput } from '../products/schema.js';
import { createProduct, listProducts, updateProduct } from '../products/service.js';
import { catalogue } from '../catalogue/index.js';
import { ACTION_KINDS, OfficialAction, type ActionDocument } from '../listings/model.js';
import { actionSchema, type ActionInput } from '../listings/schema.js';
import { ACTION_COLUMNS, actionTemplate, importActions, MAX_ACTION_ROWS } from '../listings/csv-import.js';
import { spreadsheetImportRoutes } from '../http/import-routes.js';
import { createAction, listActions, updateAction } from '../listings/service.js';
import { REGIMES, Vendor, type VendorDocument } from '../vendors/model.js';
import { vendorSchema, type VendorInput } from '../vendors/schema.js';
import { createVendor, listVendors, updateVendor } from '../vendors/service.js';
import { displayName, idString, isoDay } from './presenter.js';
import { referenceRoutes } from './routes.js';
import { findBySlug } from './slugs.js';

async function vendorOptions(lng: string) {
  return (await listVendors()).map((v) => ({ id: v.id, name: displayName(v, lng) }));
}

export function vendorAdminRoutes() {
  return referenceRoutes<VendorDocument, VendorInput>({
    path: '/admin/vendors',
    views: { list: 'vendors/admin-list', form: 'vendors/form' },
    schema: vendorSchema,
    list: listVendors,
    find: (slug) => findBySlug(Vendor as never, slug) as never,
    create: createVendor,
    update: updateVendor,
    presentList: async (docs, lng) => {
      const c = await catalogue();
      return docs.map((v) => ({
        slug: v.slug,
        name: displayName(v, lng),
        country: v.hqCountry ? countryName(v.hqCountry, lng) : '',
        listed: c.entities.listingsOf(v.id).filter((l) => l.status === 'listed').map((l) => l.regime),
      }));
    },
    formValues: (v) => ({
      slug: v.slug,
      name: v.name,
      nameAr: v.nameAr,
      aliases: v.aliases.join('\n'),
      hqCountry: v.hqCountry ?? '',
      parent: idString(v.parent),
      successor: idString(v.successor),
      website: v.website ?? '',
      summary: v.summary,
      summaryAr: v.summaryAr ?? '',
      formerNames: v.formerNames.map((f) => ({ name: f.name, from: isoDay(f.from), to: isoDay(f.to) })),
    }),
    formLocals: async (lng) => ({ countries: countryOptions(lng), vendors: await vendorOptions(lng) }),
    messages: { created: 'reference.created', updated: 'reference.updated' },
  });
}

export function productAdminRoutes() {
  return referenceRoutes<ProductDocument, ProductInput>({
    path: '/admin/products',
    views: { list: 'products/admin-list', form: 'products/form' },
    schema: productSchema,
    list: listProducts,
    find: (slug) => findBySlug(Product as never, slug) as never,
    create: createProduct,
    update: updateProduct,
    presentList: async (docs, lng) => {
      const vendors = new Map((await listVendors()).map((v) => [v.id, displayName(v, lng)]));
      return docs.map((p) => ({ slug: p.slug, name: displayName(p, lng), category: p.category, vendor: vendors.get(idString(p.vendor)) ?? '' }));
    },
    formValues: (p) => ({
      slug: p.slug,
      name: p.name,
      nameAr: p.nameAr,
      aliases: p.aliases.join('\n'),
      vendor: idString(p.vendor),
      formerVendors: p.formerVendors.map((f) => ({ vendor: idString(f.vendor), until: isoDay(f.until) })),
      category: p.category,
      description: p.description,
      descriptionAr: p.descriptionAr ?? '',
    }),
    formLocals: async (lng) => ({ vendors: await vendorOptions(lng), categories: PRODUCT_CATEGORIES }),
    messages: { created: 'reference.created', updated: 'reference.updated' },
  });
}

export function governmentAdminRoutes() {
  return referenceRoutes<GovernmentDocument, GovernmentInput>({
    path: '/admin/governments',
    views: { list: 'governments/admin-list', form: 'governments/form' },
    schema: governmentSchema,
    list: listGovernments,
    find: (slug) => findBySlug(Government as never, slug) as never,
    create: createGovernment,
    update: updateGovernment,
    presentList: (docs, lng) => docs.map((g) => ({ slug: g.slug, name: displayName(g, lng), country: countryName(g.country, lng), agencies: g.agencies.length })),
    formValues: (g) => ({ slug: g.slug, country: g.country, name: g.name, nameAr: g.nameAr, summary: g.summary ?? '', summaryAr: g.summaryAr ?? '', agencies: g.agencies.map((a) => ({ name: a.name, kind: a.kind })) }),
    formLocals: (lng) => Promise.resolve({ countries: countryOptions(lng), kinds: AGENCY_KINDS }),
    messages: { created: 'reference.created', updated: 'reference.updated' },
  });
}

/** Official actions (listings, amendments, removals, proposals): entered by reviewers, as the other reference records. */
export function actionAdminRoutes() {
  return referenceRoutes<ActionDocument, ActionInput>({
    path: '/admin/actions',
    views: { list: 'listings/admin-list', form: 'listings/form' },
    schema: actionSchema,
    list: listActions,
    find: (slug) => findBySlug(OfficialAction as never, slug) as never,
    create: createAction,
    update: updateAction,
    presentList: async (docs, lng) => {
      const c = await catalogue();
      return docs.map((a) => ({
        slug: a.slug,
        regime: a.regime,
        kind: a.kind,
        date: isoDay(a.date),
        names: a.entities.map((e) => c.entities.byId.get(String(e.vendor))).filter((v) => v !== undefined).map((v) => displayName(v, lng)),
      }));
    },
    formValues: (a) => ({
      slug: a.slug,
      regime: a.regime,
      kind: a.kind,
      date: isoDay(a.date),
      citation: a.citation,
      url: a.url ?? '',
      entities: a.entities.map((e) => ({ vendor: idString(e.vendor), asNamed: e.asNamed ?? '' })),
      basis: a.basis ?? '',
      basisAr: a.basisAr ?? '',
    }),
    formLocals: async (lng) => ({ vendors: await vendorOptions(lng), regimes: REGIMES, kinds: ACTION_KINDS }),
    messages: { created: 'reference.created', updated: 'reference.updated' },
  });
}

/** Official actions from a spreadsheet: registered before /admin/actions/:slug (app.ts). */
export function actionImportRoutes(logger: Pick<Logger, 'error'>) {
  return spreadsheetImportRoutes({
    path: '/admin/actions/import',
    action: 'reference.manage',
    view: 'listings/import',
    columns: ACTION_COLUMNS,
    maxRows: MAX_ACTION_ROWS,
    maxFileBytes: 2 * 1024 * 1024,
    logger,
    templateName: 'official-actions-template',
    template: actionTemplate,
    run: async (actor, file, progress) => {
      const result = await importActions(actor, file);
      if (result.ok) await progress(result.slugs.length, result.slugs.length);
      return result.ok ? { ok: true, created: result.slugs } : result;
    },
  });
}
