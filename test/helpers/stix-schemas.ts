import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/** The OASIS STIX 2.1 JSON Schemas, read from ../shared/data (never copied into this repository). */
export const STIX_SCHEMAS = path.resolve('../shared/data/stix2-json-schemas/schemas');
const BASE = 'http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/';

let ajv: Ajv2020 | undefined;

export function stixSchemasAvailable(): boolean {
  return existsSync(STIX_SCHEMAS);
}

function validator(): Ajv2020 {
  if (ajv) return ajv;
  ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true, unicodeRegExp: false });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  // Internationalised host names are allowed by the schemas; ajv-formats has no checker for them.
  ajv.addFormat('idn-hostname', true).addFormat('idn-email', true);
  for (const folder of ['common', 'observables', 'sdos', 'sros']) {
    for (const file of readdirSync(path.join(STIX_SCHEMAS, folder))) {
      ajv.addSchema(JSON.parse(readFileSync(path.join(STIX_SCHEMAS, folder, file), 'utf8')) as object);
    }
  }
  return ajv;
}

/**
 * The object types bundle.json enumerates. Its list omits `location` (and `grouping`, `note`,
 * `opinion`, `incident`), which STIX 2.1 defines as SDOs — the same kind of omission as upstream
 * issue oasis-open/cti-stix2-json-schemas#133 for `infrastructure` — so a bundle holding a valid
 * location fails bundle.json. Such objects are checked against their own schema only.
 */
function typesListedByBundle(): Set<string> {
  const bundle = readFileSync(path.join(STIX_SCHEMAS, 'common/bundle.json'), 'utf8');
  return new Set([...bundle.matchAll(/"\$ref": "\.\.\/(?:sdos|sros|observables|common)\/([a-z0-9-]+)\.json"/g)].map((m) => m[1]!));
}

/** Every object of a bundle against its type's schema, and the bundle itself: the list of problems. */
export function stixProblems(bundle: { objects: { type: string; id: string }[] }): string[] {
  const v = validator();
  const problems: string[] = [];
  const check = (ref: string, value: unknown, label: string) => {
    const validate = v.getSchema(BASE + ref);
    if (!validate) throw new Error(`no schema ${ref}`);
    if (!validate(value)) problems.push(`${label}: ${v.errorsText(validate.errors)}`);
  };
  const listed = typesListedByBundle();
  check('common/bundle.json', { ...bundle, objects: bundle.objects.filter((o) => listed.has(o.type)) }, 'bundle');
  for (const object of bundle.objects) {
    const folder = object.type === 'relationship' || object.type === 'sighting' ? 'sros' : object.type === 'language-content' || object.type === 'marking-definition' ? 'common' : 'sdos';
    check(`${folder}/${object.type}.json`, object, object.id);
  }
  return problems;
}
