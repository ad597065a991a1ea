// Reading and writing inventory files. YAML or JSON (JSON is YAML); validated on load with errors that
// name the file, the path in it, and the problem.
import { readFile, stat } from 'node:fs/promises';
import yaml from 'js-yaml';
import { Ajv, type ErrorObject } from 'ajv';
import { InvalidInputError, MigrateError, describeSystemError, type InputProblem } from '../errors.js';
import { COLLECTIONS, inventorySchema } from './schema.js';
import { INVENTORY_API_VERSION, INVENTORY_KIND, INVENTORY_SCHEMA_VERSION, type Inventory, type InventoryFile } from './types.js';
import { checkReferences } from './validate.js';
import { validate as precompiledValidate } from './validator.generated.js';
import { writeInventoryText } from './save.js';

// The schema check of every run is the precompiled validator (scripts/generate-inventory-validator.ts),
// which stops at the first error: the common, valid case on large clouds. Only a file that failed is
// validated again by a validator that collects every error, compiled then (once) to explain it.
const isInventoryFile = precompiledValidate as (data: unknown) => data is InventoryFile;
let allErrors: ReturnType<Ajv['compile']> | undefined;
function explainingValidator() {
  return (allErrors ??= new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(inventorySchema));
}

/**
 * js-yaml's default schema without its implicit timestamps: an unquoted `2024-01-01` in an inventory (a
 * Nova metadata value, an image property) is the string it is in OpenStack, not a Date that the schema
 * check then rejects ("must be string"). Trying every plain scalar as a timestamp was also a tenth of
 * js-yaml's load of a large inventory (10,000 servers: 1.25 → 1.11 s). Merge keys (`<<`) stay, and an
 * explicit `!!timestamp` is still read. Files written by `inventory` read the same either way: js-yaml's
 * dump quotes every string that looks like a timestamp.
 */
// js-yaml exports its built-in types as `types`; @types/js-yaml does not declare it.
const yamlTypes = (yaml as unknown as { types: Record<'merge' | 'timestamp' | 'binary' | 'omap' | 'pairs' | 'set', yaml.Type> }).types;
const INVENTORY_YAML_SCHEMA = yaml.CORE_SCHEMA.extend({
  implicit: [yamlTypes.merge],
  explicit: [yamlTypes.timestamp, yamlTypes.binary, yamlTypes.omap, yamlTypes.pairs, yamlTypes.set],
});

/** The loaded form: omitted collections become [] (appended, as the keys of the file keep their order). */
function withAllCollections(file: InventoryFile): Inventory {
  return {
    ...file,
    domains: file.domains ?? [],
    projects: file.projects ?? [],
    users: file.users ?? [],
    groups: file.groups ?? [],
    roles: file.roles ?? [],
    roleAssignments: file.roleAssignments ?? [],
    flavors: file.flavors ?? [],
    images: file.images ?? [],
    keypairs: file.keypairs ?? [],
    serverGroups: file.serverGroups ?? [],
    volumeTypes: file.volumeTypes ?? [],
    volumes: file.volumes ?? [],
    networks: file.networks ?? [],
    subnets: file.subnets ?? [],
    ports: file.ports ?? [],
    securityGroups: file.securityGroups ?? [],
    floatingIps: file.floatingIps ?? [],
  };
}

/** /servers/3/flavorId → servers[3].flavorId */
function toPath(instancePath: string): string {
  return (
    instancePath
      .split('/')
      .slice(1)
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '') || '(top level)'
  );
}

function describe(error: ErrorObject): InputProblem {
  const path = toPath(error.instancePath);
  switch (error.keyword) {
    case 'additionalProperties':
      return { path, message: `unknown field "${(error.params as { additionalProperty: string }).additionalProperty}"` };
    case 'required':
      return { path, message: `missing required field "${(error.params as { missingProperty: string }).missingProperty}"` };
    case 'const':
      return { path, message: `must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}` };
    case 'enum':
      return { path, message: `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}` };
    default:
      return { path, message: error.message ?? error.keyword };
  }
}

/**
 * Validate parsed data as an inventory. `source` names the file in errors.
 * Throws InvalidInputError listing every problem found.
 */
export function parseInventory(data: unknown, source: string): Inventory {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InvalidInputError(source, [{ path: '(top level)', message: 'must be a mapping with apiVersion, kind, schemaVersion' }]);
  }
  const record = data as Record<string, unknown>;
  // Version first: a file of another version gets one clear message, not a cascade of shape errors.
  if (record.apiVersion !== INVENTORY_API_VERSION || record.kind !== INVENTORY_KIND) {
    throw new InvalidInputError(source, [
      {
        path: 'apiVersion',
        message: `expected apiVersion ${INVENTORY_API_VERSION} and kind ${INVENTORY_KIND}, got ${String(record.apiVersion)} ${String(record.kind)}`,
      },
    ]);
  }
  if (typeof record.schemaVersion === 'string' && Number(record.schemaVersion) === INVENTORY_SCHEMA_VERSION) {
    throw new InvalidInputError(source, [
      {
        path: 'schemaVersion',
        message: `must be the number ${INVENTORY_SCHEMA_VERSION}, not the string ${JSON.stringify(record.schemaVersion)} (remove the quotes)`,
      },
    ]);
  }
  if (record.schemaVersion !== INVENTORY_SCHEMA_VERSION) {
    throw new InvalidInputError(source, [
      {
        path: 'schemaVersion',
        message: `schemaVersion ${JSON.stringify(record.schemaVersion)} is not supported by this version of the plugin (it reads ${INVENTORY_SCHEMA_VERSION}); re-run \`inventory\` with this plugin version`,
      },
    ]);
  }
  // Collections may be omitted, except servers (docs/inventory-format.md): an inventory without them is
  // most likely not an inventory at all, and planning it would write an empty plan with exit 0.
  if (!('servers' in record))
    throw new InvalidInputError(source, [{ path: 'servers', message: 'missing required field "servers" (an inventory with no servers says servers: [])' }]);
  for (const collection of COLLECTIONS) record[collection] ??= [];
  if (!isInventoryFile(record)) {
    const validate = explainingValidator();
    validate(record);
    throw new InvalidInputError(source, (validate.errors ?? []).map(describe));
  }
  const inventory = withAllCollections(record);
  const problems = checkReferences(inventory);
  if (problems.length) throw new InvalidInputError(source, problems);
  return inventory;
}

/** A flow-style YAML mapping also starts with '{': fall back to YAML when it is not strict JSON. */
function parseJsonOrYaml(text: string, source: string): { data: unknown; json: boolean } {
  try {
    return { data: JSON.parse(text), json: true };
  } catch {
    return { data: yaml.load(text, { filename: source, schema: INVENTORY_YAML_SCHEMA }), json: false };
  }
}

/** Largest inventory file read (a 10,000-server inventory is about 100 MB); far above, it is not ours. */
export const MAX_INVENTORY_BYTES = 512 << 20;

/**
 * YAML aliases (`*a`) are shared references after parsing, so a 1 MB file can stand for gigabytes once
 * anything walks or writes it (a 1 MiB string aliased 2,000 times: 2 GB, then out of memory). The
 * inventory's size with every alias expanded may not exceed twice the file plus 16 MiB: an inventory this
 * tool writes has no aliases at all, and a hand-written one that shares a few flavors stays far below.
 * Counting stops as soon as the bound is passed, so this costs at most the bound, never the expansion.
 */
function checkAliasExpansion(data: unknown, text: string, source: string): void {
  const limit = 2 * text.length + (16 << 20);
  let size = 0;
  const stack: unknown[] = [data];
  while (stack.length) {
    const value = stack.pop();
    size += 8;
    if (typeof value === 'string') size += value.length;
    else if (Array.isArray(value)) for (let i = value.length - 1; i >= 0; i--) stack.push(value[i]);
    else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) {
        size += k.length;
        stack.push(v);
      }
    }
    if (size > limit) {
      throw new InvalidInputError(source, [
        {
          path: '(file)',
          message: `its YAML aliases expand to more than ${Math.round(limit / 2 ** 20)} MiB (an alias bomb?); write the values out instead of aliasing them`,
        },
      ]);
    }
  }
}

/**
 * js-yaml returns each string of 13 characters or more as a slice of the file's text (V8 keeps such a
 * substring as a pointer into its parent string), so while any id of the inventory lives (the plan keeps
 * every server's id to the end) the whole file's text lives too: 30 MB for a 10,000-server inventory.
 * Each distinct long string is replaced by its own copy instead (a copy shared by its repetitions: ids
 * recur across servers, ports and rules), after which the text can be freed: the parsed inventory of that
 * file went from 78 to 47 MB of live heap, for ~0.2 s. `(" " + s).slice(1)`: the concatenation is made
 * flat (a fresh string) when it is sliced, and the slice then points into that fresh string.
 */
function detachFromSourceText(data: unknown): void {
  const copies = new Map<string, string>();
  const copy = (s: string): string => {
    let c = copies.get(s);
    if (c === undefined) copies.set(s, (c = (' ' + s).slice(1)));
    return c;
  };
  const stack: unknown[] = [data];
  while (stack.length) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (typeof item === 'string') {
          if (item.length >= 13) value[i] = copy(item);
        } else if (typeof item === 'object' && item !== null) stack.push(item);
      }
    } else if (typeof value === 'object' && value !== null) {
      const record = value as Record<string, unknown>;
      for (const key in record) {
        const item = record[key];
        if (typeof item === 'string') {
          if (item.length >= 13) record[key] = copy(item);
        } else if (typeof item === 'object' && item !== null) stack.push(item);
      }
    }
  }
}

/** Does the text have a YAML alias (`*name` in a value position)? JSON and alias-free YAML skip the walk. */
const YAML_ALIAS = /(?:^|[\s,[{:-])\*[^\s,[\]{}]+/m;

export function parseInventoryText(text: string, source: string): Inventory {
  let data: unknown;
  let parsedAsJson = false;
  try {
    // JSON is YAML, but JSON.parse reads it an order of magnitude faster: large inventories are JSON.
    if (text.trimStart().startsWith('{')) {
      const parsed = parseJsonOrYaml(text, source);
      data = parsed.data;
      parsedAsJson = parsed.json;
    } else data = yaml.load(text, { filename: source, schema: INVENTORY_YAML_SCHEMA });
  } catch (e) {
    // A stack overflow is what a parser meets in a file nested thousands of levels deep.
    const reason =
      e instanceof yaml.YAMLException
        ? e.message.split('\n')[0]
        : e instanceof SyntaxError
          ? e.message
          : e instanceof RangeError
            ? 'it is nested too deeply to read'
            : String(e);
    throw new InvalidInputError(source, [{ path: '(file)', message: `is not valid YAML/JSON: ${reason}` }]);
  }
  if (YAML_ALIAS.test(text)) checkAliasExpansion(data, text, source);
  if (!parsedAsJson) detachFromSourceText(data);
  return parseInventory(data, source);
}

export async function loadInventoryFile(file: string): Promise<Inventory> {
  let text: string;
  try {
    const size = (await stat(file)).size;
    if (size > MAX_INVENTORY_BYTES) {
      throw new MigrateError(
        'invalid-input',
        `inventory ${file} is ${Math.round(size / 2 ** 20)} MiB, more than the ${MAX_INVENTORY_BYTES >> 20} MiB an inventory can be; is it the right file?`,
        { where: file },
      );
    }
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (e instanceof MigrateError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new MigrateError(
      'invalid-input',
      code === 'ENOENT' ? `cannot read inventory ${file}: no such file` : describeSystemError(e as NodeJS.ErrnoException, file, 'read inventory'),
      { where: file },
    );
  }
  return parseInventoryText(text, file);
}

/** Serialize deterministically: same inventory, same bytes. */
export function formatInventory(inventory: Inventory, format: 'yaml' | 'json'): string {
  if (format === 'json') return `${JSON.stringify(inventory, null, 2)}\n`;
  return yaml.dump(inventory, { noRefs: true, lineWidth: -1, sortKeys: false });
}

/** Write atomically (temp file + rename, see save.ts), so a killed run never leaves half an inventory. */
export async function saveInventoryFile(inventory: Inventory, file: string): Promise<void> {
  const format = /\.json$/i.test(file) ? 'json' : 'yaml';
  await writeInventoryText(formatInventory(inventory, format), file);
}

export { checkInventoryTarget } from './save.js';
