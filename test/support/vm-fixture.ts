// One server through translateServer, for table-driven VM tests: returns the VM, its DataVolumes and
// Secrets, the findings, and the schema errors of every object produced.
import type { Flavor, Image, Inventory, Server } from '../../src/inventory/types.js';
import type {
  DataVolume,
  Devices,
  Disk,
  DomainSpec,
  Interface,
  Network,
  PlanObject,
  Secret,
  VirtualMachine,
  VirtualMachineInstanceSpec,
  Volume,
} from '../../src/kube-types/index.js';
import type { Finding, PlanConfig } from '../../src/translate/model.js';
import { translateServer } from '../../src/translate/vm.js';
import { at, must } from './must.js';
import { addFlavor, addImage, addServer, contextFor, emptyInventory } from './inventory-builder.js';
import { validateObjects } from './schema-validate.js';

export interface VmRow {
  /** Table rows may leave a key out in some rows (its type then says `?: undefined`): undefined values are dropped. */
  extraSpecs?: Record<string, string | undefined>;
  imageProperties?: Record<string, string | undefined>;
  flavor?: Partial<Flavor>;
  image?: Partial<Image>;
  server?: Partial<Server>;
  config?: Partial<PlanConfig>;
  /** Extra setup on the inventory before translation (networks, volumes...). */
  setup?: (inv: Inventory, server: Server) => void;
}

/** spec.template.spec.domain as translateServer writes it: the disk and interface lists are always set (maybe empty). */
export type TranslatedDomain = DomainSpec & { devices: Devices & { disks: Disk[]; interfaces: Interface[] } };
/** spec.template.spec as translateServer writes it: the volume and network lists are always set (maybe empty). */
export type TranslatedTemplateSpec = VirtualMachineInstanceSpec & { domain: TranslatedDomain; volumes: Volume[]; networks: Network[] };

export interface VmResult {
  vm: VirtualMachine;
  /** spec.template.spec */
  t: TranslatedTemplateSpec;
  /** spec.template.spec.domain */
  d: TranslatedDomain;
  objects: PlanObject[];
  dataVolumes: DataVolume[];
  secrets: (Secret & { data: Record<string, string> })[];
  findings: Finding[];
  schemaErrors: string[];
  inventory: Inventory;
  server: Server;
}

function defined(record: Record<string, string | undefined> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(record ?? {}).filter((e): e is [string, string] => e[1] !== undefined));
}

export function translateRow(row: VmRow): VmResult {
  const inv = emptyInventory();
  const flavor = addFlavor(inv, { ...row.flavor, extraSpecs: { ...(row.flavor?.extraSpecs ?? {}), ...defined(row.extraSpecs) } });
  const image = addImage(inv, { ...row.image, properties: { ...(row.image?.properties ?? {}), ...defined(row.imageProperties) } });
  const server = addServer(inv, { flavor, image, ...row.server });
  row.setup?.(inv, server);
  const ctx = contextFor(inv, row.config);
  const { objects, findings } = translateServer(ctx, server);
  const vm = must(
    objects.find((o): o is VirtualMachine => o.kind === 'VirtualMachine'),
    `a VirtualMachine from translateServer (findings: ${JSON.stringify(findings)})`,
  );
  const dataVolumes = objects.filter((o): o is DataVolume => o.kind === 'DataVolume');
  const secrets = objects.filter((o): o is Secret => o.kind === 'Secret').filter(hasData);
  // Every object (VM, DataVolumes, Secrets): upstream schemas with unknown fields as errors, plus names,
  // label and annotation rules (test/support/schema-validate.ts).
  const schemaErrors = validateObjects(objects as unknown as Record<string, unknown>[]);
  return {
    vm,
    t: translatedTemplateSpec(vm),
    d: translatedTemplateSpec(vm).domain,
    objects,
    dataVolumes,
    secrets,
    findings,
    schemaErrors,
    inventory: inv,
    server,
  };
}

/** The translator writes Secrets with `data` (base64), never `stringData`. */
function hasData(secret: Secret): secret is VmResult['secrets'][number] {
  if (secret.data === undefined) throw new Error(`Secret ${secret.metadata.name} has no data`);
  return true;
}

/** The VM's spec.template.spec, checked to have the lists translateServer always writes. */
export function translatedTemplateSpec(vm: VirtualMachine): TranslatedTemplateSpec {
  const t = must(vm.spec.template?.spec, 'spec.template.spec of the VirtualMachine');
  const { devices } = t.domain;
  const lists = { volumes: t.volumes, networks: t.networks, 'domain.devices.disks': devices.disks, 'domain.devices.interfaces': devices.interfaces };
  for (const [name, list] of Object.entries(lists)) if (!Array.isArray(list)) throw new Error(`spec.template.spec.${name} of the VirtualMachine is not a list`);
  return t as TranslatedTemplateSpec;
}

/** The findings about one attribute (exact match, or prefix match when it ends with '*'). */
export function findingsFor(findings: Finding[], attribute: string): Finding[] {
  return attribute.endsWith('*') ? findings.filter((f) => f.attribute.startsWith(attribute.slice(0, -1))) : findings.filter((f) => f.attribute === attribute);
}

export function outcomeOf(findings: Finding[], attribute: string): string | undefined {
  const list = findingsFor(findings, attribute);
  if (list.length === 0) return undefined;
  // 'error' (invalid input: plan refuses to write) and 'blocker' outrank the outcome in table rows.
  const f = list.find((x) => x.severity === 'error') ?? list.find((x) => x.severity === 'blocker') ?? at(list, 0, 'finding');
  return f.severity === 'error' || f.severity === 'blocker' ? f.severity : f.outcome;
}

/** The VirtualMachine among `objects` (the one named `name` when given), or a thrown Error saying so. */
export function vmIn(objects: readonly PlanObject[], name?: string): VirtualMachine {
  return must(
    objects.find((o): o is VirtualMachine => o.kind === 'VirtualMachine' && (name === undefined || o.metadata.name === name)),
    name === undefined ? 'a VirtualMachine' : `the VirtualMachine ${name}`,
  );
}
