// What the target refuses, checked over the objects the translation built (a step of its own, after the
// translate modules): values a real kube-apiserver or KubeVirt rejects are not written; each is reported
// per server as lost, with the reason. The limits are the apiserver's own (proven against it in
// test/integration/plan-limits.test.ts):
// - all annotations of an object: 256 KiB (apimachinery TotalAnnotationSizeLimitB; keys + values);
// - a Secret's data: 1 MiB (core/v1 validation MaxSecretSize, decoded bytes of every value);
// - resource quantities: Kubernetes' quantity syntax, within what an int64 of bytes can hold;
// - CPU topology: whole numbers from 1 to 2^32-1 (KubeVirt's sockets/cores/threads are uint32).
import type { Finding, KubeObject, PlanObject, Translation } from '../translate/model.js';
import { MigrateError } from '../errors.js';

export const MAX_ANNOTATIONS_BYTES = 256 * 1024;
export const MAX_SECRET_BYTES = 1024 * 1024;
/** The largest quantity of bytes an int64 holds (8 EiB - 1). */
const MAX_QUANTITY_BYTES = 2n ** 63n - 1n;
const MAX_UINT32 = 2 ** 32 - 1;

/** Kubernetes' quantity grammar (resource.Quantity): a number and one suffix. */
const QUANTITY = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$/;
const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };

/** Is `q` a quantity of bytes the apiserver takes and a uint64/int64 holds? */
export function validByteQuantity(q: unknown): boolean {
  if (typeof q === 'number') return Number.isSafeInteger(q) && q >= 0;
  if (typeof q !== 'string' || !QUANTITY.test(q)) return false;
  const m = /^([0-9.]+)(Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(q);
  if (!m) return true; // decimal suffixes and exponents are rare here; the grammar is what the apiserver checks
  const [, digits = '', suffix] = m; // group 1 is not optional: it always matched
  const [whole] = digits.split('.');
  return BigInt(whole || '0') * (suffix ? BINARY[suffix]! : 1n) <= MAX_QUANTITY_BYTES; // the pattern only takes BINARY's suffixes
}

function annotationBytes(annotations: Record<string, string>): number {
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) total += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  return total;
}

const hasOwn = Object.prototype.hasOwnProperty;

// Counting exact bytes (UTF-8 lengths, base64 decoding) for every object of a large plan cost ~2 % of
// its CPU, although nearly every object is a thousand times below the limits. An upper bound from the
// string lengths settles those: a UTF-16 code unit is at most 3 bytes of UTF-8, and 4 base64
// characters decode to at most 3 bytes (Node's decoder skips characters that are not base64).

/** The annotations are within the limit by an upper bound of their size (false: count them). */
function annotationsSurelyFit(annotations: Record<string, string>): boolean {
  let units = 0;
  for (const key in annotations) {
    if (!hasOwn.call(annotations, key)) continue;
    const value = annotations[key];
    if (typeof value !== 'string') return false;
    units += key.length + value.length;
  }
  return units * 3 <= MAX_ANNOTATIONS_BYTES;
}

/** The Secret's data is within the limit by an upper bound of its size (false: count it). */
function secretSurelyFits(secret: KubeObject): boolean {
  const { data, stringData } = secret as { data?: Record<string, unknown>; stringData?: Record<string, unknown> };
  let bound = 0;
  for (const v of Object.values(data ?? {})) {
    if (typeof v !== 'string') return false;
    bound += Math.ceil((v.length * 3) / 4);
  }
  for (const v of Object.values(stringData ?? {})) {
    if (typeof v !== 'string') return false;
    bound += v.length * 3;
  }
  return bound <= MAX_SECRET_BYTES;
}

function secretBytes(secret: KubeObject): number {
  let total = 0;
  for (const v of Object.values((secret as { data?: Record<string, string> }).data ?? {})) total += Buffer.from(v, 'base64').length;
  for (const v of Object.values((secret as { stringData?: Record<string, string> }).stringData ?? {})) total += Buffer.byteLength(v);
  return total;
}

type FindingOf = (attribute: string, reason: string, severity?: Finding['severity']) => Finding;

/** Drop annotations, largest first, until the object's total is within the limit. */
function fitAnnotations(object: KubeObject, lost: FindingOf, findings: Finding[]): void {
  const annotations = object.metadata.annotations;
  if (!annotations || annotationsSurelyFit(annotations)) return;
  let total = annotationBytes(annotations);
  if (total <= MAX_ANNOTATIONS_BYTES) return;
  const bySize = Object.entries(annotations).sort((a, b) => Buffer.byteLength(b[1]) - Buffer.byteLength(a[1]));
  for (const [key, value] of bySize) {
    if (total <= MAX_ANNOTATIONS_BYTES) break;
    const size = Buffer.byteLength(key) + Buffer.byteLength(value);
    delete annotations[key];
    total -= size;
    findings.push(
      lost(
        `${object.kind}/${object.metadata.name}.metadata.annotations.${key}`,
        `${size} bytes: Kubernetes allows ${MAX_ANNOTATIONS_BYTES / 1024} KiB for all annotations of an object; this one is not written`,
      ),
    );
  }
}

/** The sizes of a VM's domain as written, before anyone vouched for them: any JSON value may be there. */
interface WrittenSizes {
  memory?: { guest?: unknown };
  resources?: { requests?: { memory?: unknown }; limits?: { memory?: unknown } };
  cpu?: Partial<Record<'sockets' | 'cores' | 'threads', unknown>>;
}

function vmDomain(vm: KubeObject): WrittenSizes | undefined {
  return (vm as { spec?: { template?: { spec?: { domain?: WrittenSizes } } } }).spec?.template?.spec?.domain;
}

/** Why the VM's sizes cannot be written, or undefined when the apiserver and KubeVirt take them. */
function badVmSizes(vm: KubeObject): string[] {
  const domain = vmDomain(vm);
  if (!domain) return [];
  const problems: string[] = [];
  for (const [path, q] of [
    ['memory.guest', domain.memory?.guest],
    ['resources.requests.memory', domain.resources?.requests?.memory],
    ['resources.limits.memory', domain.resources?.limits?.memory],
  ] as const) {
    if (q !== undefined && !validByteQuantity(q)) problems.push(`${path} "${String(q)}" is not a size Kubernetes can hold (a quantity of at most 8 EiB)`);
  }
  for (const part of ['sockets', 'cores', 'threads'] as const) {
    const n = domain.cpu?.[part];
    if (n !== undefined && !(typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_UINT32))
      problems.push(`cpu.${part} ${String(n)} is not a whole number from 1 to ${MAX_UINT32}`);
  }
  return problems;
}

/**
 * Check one server's translation against the target's limits, in place: oversized annotations dropped,
 * an oversized Secret and a VM with sizes the target refuses not written; each a finding of the server.
 */
export function enforceServerLimits(translation: Translation, server: { id: string; name: string }): Translation {
  const source = `server/${server.id}`;
  const finding: FindingOf = (attribute, reason, severity = 'warning') => ({
    source,
    sourceName: server.name,
    serverId: server.id,
    attribute,
    outcome: 'lost',
    severity,
    reason,
  });
  const added: Finding[] = [];
  const kept: PlanObject[] = [];
  let droppedVm = false;
  const droppedSecrets: string[] = [];
  for (const object of translation.objects) {
    fitAnnotations(object, finding, added);
    if (object.kind === 'Secret' && !secretSurelyFits(object) && secretBytes(object) > MAX_SECRET_BYTES) {
      droppedSecrets.push(`Secret ${object.metadata.name}`);
      added.push(
        finding(
          `Secret/${object.metadata.name}`,
          `${secretBytes(object)} bytes of data: a Secret holds at most 1 MiB, so it is not written; the VM refers to it and cannot start until it exists (give the guest this data another way)`,
          'blocker',
        ),
      );
      continue;
    }
    if (object.kind === 'VirtualMachine') {
      const problems = badVmSizes(object);
      if (problems.length) {
        droppedVm = true;
        added.push(finding(`VirtualMachine/${object.metadata.name}`, `not written: ${problems.join('; ')}`, 'blocker'));
        continue;
      }
    }
    kept.push(object);
  }
  if (!added.length) return translation;
  // The findings that called the refused sizes exact would now be wrong: they go.
  // So do those that said a dropped Secret keeps its data ("user data kept byte for byte").
  const findings = translation.findings.filter(
    (f) =>
      !(droppedVm && f.outcome === 'exact' && /^spec\.template\.spec\.domain\.(memory|cpu)/.test(f.target ?? '')) &&
      !droppedSecrets.some((s) => f.target?.startsWith(s)),
  );
  return { objects: kept, findings: [...findings, ...added] };
}

/** Shared objects (namespaces, policies): only annotations can overflow; the finding names the object. */
export function enforceSharedLimits(translation: Translation): void {
  for (const object of translation.objects) {
    const annotations = object.metadata.annotations;
    if (!annotations || annotationsSurelyFit(annotations) || annotationBytes(annotations) <= MAX_ANNOTATIONS_BYTES) continue;
    const source = `${object.kind.toLowerCase()}/${object.metadata.name}`;
    fitAnnotations(
      object,
      (attribute, reason) => ({ source, sourceName: object.metadata.name, attribute, outcome: 'lost', severity: 'warning', reason }),
      translation.findings,
    );
  }
}

const ACCESS_MODES = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'];
/** A StorageClass name: a DNS subdomain (what the apiserver checks of a PVC's storageClassName). */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Refuse (usage error) plan options the apiserver would reject on every DataVolume. */
export function checkStorageOptions(options: { storageClass?: string; accessModes?: string[] }): void {
  const sc = options.storageClass;
  if (sc !== undefined && sc !== '' && !(sc.length <= 253 && DNS_SUBDOMAIN.test(sc))) {
    throw new MigrateError('usage', `--storage-class "${sc}" is not a StorageClass name (lowercase letters, digits, '-' and '.', at most 253 characters)`);
  }
  for (const mode of options.accessModes ?? []) {
    if (!ACCESS_MODES.includes(mode)) throw new MigrateError('usage', `--access-mode "${mode}" is not an access mode; use ${ACCESS_MODES.join(', ')}`);
  }
}
