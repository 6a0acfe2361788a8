import type { Router } from 'express';
import type { Logger } from '../log.js';
import { spreadsheetImportRoutes } from '../http/import-routes.js';
import { IMPORT_COLUMNS, MAX_IMPORT_ROWS, importIncidents, importTemplate } from './csv-import.js';

/** Reviewers bring incidents in from a spreadsheet: they arrive as drafts, to be verified as usual. */
export function incidentImportRoutes(logger: Pick<Logger, 'error'>): Router {
  return spreadsheetImportRoutes({
    path: '/review/import',
    action: 'incidents.edit',
    view: 'incidents/import',
    columns: IMPORT_COLUMNS,
    maxRows: MAX_IMPORT_ROWS,
    maxFileBytes: 5 * 1024 * 1024,
    logger,
    templateName: 'incidents-template',
    template: importTemplate,
    run: async (actor, file, progress) => {
      const result = await importIncidents(actor, file, progress);
      return result.ok ? { ok: true, created: result.refs, rows: result.rows } : result;
    },
  });
}
