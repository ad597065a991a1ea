// Root disk, attached volumes, ephemeral and swap disks of a server → standalone CDI DataVolumes plus the
// VM's disks/volumes that refer to them.
//
// Why standalone DataVolumes rather than spec.dataVolumeTemplates:
// - `import` fills and watches each disk before the VM exists or while it is halted, disk by disk, and can
//   recreate one that failed without touching the VM;
// - a DataVolume made from a template is owned by the VM (ownerReference) and deleted with it, so a
//   rollback that removes the new VM would also throw away hours of copied data;
// - the VM refers to them by name (volumes[].dataVolume.name), exactly as it would to template ones.
//
// Why `spec.source.upload: {}` for disks whose bytes come from OpenStack:
// - the bytes are not known when planning: `backup` first makes a new Glance image of the server's disk
//   (createImage, or Cinder upload-to-image for a volume), whose id and download URL only exist then,
//   and the import needs a short-lived token Secret. CDI rejects changes to a DataVolume's spec, so the
//   plan cannot write an http source to be "filled in later";
// - an upload source is the one source that never produces data by itself: applied as is, the DataVolume
//   waits in UploadReady and a VM using it does not start, whereas `blank` would give the guest an empty
//   root disk that boots nothing;
// - `import` replaces a DataVolume that is still in the planned phase (nothing was written to it) by one
//   with the http source of the backup image (secretExtraHeaders, certConfigMap, checksum), keeping its
//   name, size, class and annotations, or streams the image through the upload proxy.
// The disk's origin is declared in annotations (server, volume or image id, disk role, device).
// Ephemeral and swap disks have no copyable content in Nova's APIs, so they are `blank` DataVolumes.
import type { Volume } from '../inventory/types.js';
import type { PlanContext } from './context.js';
import type { DataVolume, DataVolumeSource, DataVolumeStorage, Volume as KubeVirtVolume } from '../kube-types/index.js';
import { ANNOTATIONS, LABELS, MANAGER, shortHash } from './naming.js';
import type { CdromBus, DiskBus } from './devices.js';
import type { ServerFacts } from './server-facts.js';

export type DiskRole = 'root' | 'volume' | 'ephemeral' | 'swap';

/** KubeVirt's limit on disks (and volumes) per VM (vmi-create-admitter.go arrayLenMax). */
export const MAX_DISKS = 256;
/** CDI rejects DataVolume names longer than a DNS label. */
const MAX_DV_NAME = 63;
export const PHASE_PLANNED = 'planned';
/** Bind the PVC without waiting for a consumer (WaitForFirstConsumer classes) so import runs while the VM is halted. */
export const BIND_IMMEDIATE = 'cdi.kubevirt.io/storage.bind.immediate.requested';

export interface VmDisk {
  name: string;
  disk?: { bus: DiskBus };
  cdrom?: { bus: CdromBus; readonly?: boolean };
  bootOrder?: number;
}
export type VmVolume = KubeVirtVolume & { dataVolume: { name: string } };

export interface DisksResult {
  disks: VmDisk[];
  volumes: VmVolume[];
  dataVolumes: DataVolume[];
}

/** A child object name of a VM (≤63 chars): "<vm>-<suffix>", shortening the VM part with a hash when needed. */
export function childName(vmName: string, suffix: string, max = MAX_DV_NAME): string {
  const full = `${vmName}-${suffix}`;
  if (full.length <= max) return full;
  const hash = shortHash(vmName);
  const room = max - suffix.length - hash.length - 2;
  const stem = vmName.slice(0, Math.max(1, room)).replace(/-+$/g, '');
  return `${stem}-${hash}-${suffix}`;
}

const GIB = 1024 ** 3;

/** Natural order of device names so that /dev/vdb < /dev/vdc < /dev/vdaa. */
function deviceKey(device: string | undefined): [number, string] {
  if (!device) return [Number.MAX_SAFE_INTEGER, ''];
  const letters = device.replace(/^\/dev\//, '').replace(/^(x?v|s|h)d/, '');
  return [letters.length, letters];
}

export interface DiskInput {
  ctx: PlanContext;
  facts: ServerFacts;
  vmName: string;
  namespace: string;
  diskBus: DiskBus;
  cdromBus: CdromBus;
}

export function translateDisks(input: DiskInput): DisksResult {
  const { ctx, facts, vmName, namespace, diskBus, cdromBus } = input;
  const { server, flavor, findings, image } = facts;
  const disks: VmDisk[] = [];
  const volumes: VmVolume[] = [];
  const dataVolumes: DataVolume[] = [];

  const addDisk = (diskName: string, dvName: string, asCdrom: boolean, bootOrder?: number) => {
    const disk: VmDisk = { name: diskName };
    if (asCdrom) disk.cdrom = { bus: cdromBus, readonly: true };
    else disk.disk = { bus: diskBus };
    if (bootOrder !== undefined) disk.bootOrder = bootOrder;
    disks.push(disk);
    volumes.push({ name: diskName, dataVolume: { name: dvName } });
  };
  const storageClassFor = (volume?: Volume): string | undefined =>
    (volume?.volumeType ? ctx.config.volumeTypeStorageClasses[volume.volumeType] : undefined) ?? ctx.config.storageClassName;

  const dataVolume = (
    dvName: string,
    role: DiskRole,
    size: string,
    source: DataVolumeSource,
    origin: DiskOrigin,
    storageClass: string | undefined,
  ): DataVolume => {
    const storage: DataVolumeStorage = { resources: { requests: { storage: size } } };
    // Empty access modes / volume mode: CDI's storage API takes them from the StorageProfile.
    if (ctx.config.accessModes.length > 0) storage.accessModes = [...ctx.config.accessModes];
    if (ctx.config.volumeMode) storage.volumeMode = ctx.config.volumeMode;
    if (storageClass) storage.storageClassName = storageClass;
    return {
      apiVersion: 'cdi.kubevirt.io/v1beta1',
      kind: 'DataVolume',
      metadata: {
        name: dvName,
        namespace,
        labels: {
          [LABELS.managedBy]: MANAGER,
          [LABELS.serverId]: server.id,
          [LABELS.planId]: ctx.planId,
          [LABELS.component]: 'disk',
        },
        annotations: diskAnnotations(server.id, role, origin),
      },
      spec: { source, storage },
    };
  };

  // Root disk: the boot volume (boot index 0), else the image disk sized like Nova sizes it.
  const bootDevice = server.blockDevices.find((bd) => bd.bootIndex === 0);
  const rootDv = childName(vmName, 'root');
  if (bootDevice) {
    const volume = ctx.index.volumes.get(bootDevice.volumeId);
    if (!volume) {
      findings.blocker('server.block_device_mapping[boot_index=0]', `boot volume ${bootDevice.volumeId} is not in the inventory`);
    } else {
      checkVolume(facts, volume);
      dataVolumes.push(
        dataVolume(rootDv, 'root', `${volume.size}Gi`, { upload: {} }, { volumeId: volume.id, deviceName: bootDevice.device }, storageClassFor(volume)),
      );
      addDisk('root', rootDv, false, 1);
      findings.exact(
        `volume/${volume.id}.size`,
        `DataVolume ${rootDv}`,
        `boot volume "${volume.name}": ${volume.size}Gi, copied by backup/import${storageClassFor(volume) ? `, storage class ${storageClassFor(volume)}` : ''}`,
      );
    }
  } else if (server.imageId) {
    const virtualGiB = image?.virtualSize ? Math.ceil(image.virtualSize / GIB) : 0;
    const sizeGiB = Math.max(flavor.disk, image?.minDisk ?? 0, virtualGiB, flavor.disk === 0 && image?.size ? Math.ceil(image.size / GIB) : 0);
    if (sizeGiB <= 0) {
      findings.blocker('flavor.disk', `root disk size unknown: the flavor has disk=0 and image ${server.imageId} has no size`);
    } else {
      const iso = image?.diskFormat === 'iso';
      dataVolumes.push(dataVolume(rootDv, 'root', `${sizeGiB}Gi`, { upload: {} }, { imageId: server.imageId }, ctx.config.storageClassName));
      addDisk('root', rootDv, iso, 1);
      const why =
        sizeGiB > flavor.disk ? ` (max of flavor disk ${flavor.disk}, image min_disk ${image?.minDisk ?? 0}, image virtual size ${virtualGiB} GiB)` : '';
      findings.exact('flavor.disk', `DataVolume ${rootDv}`, `root disk ${sizeGiB}Gi${why}; its current content is copied by backup/import`);
      if (iso) findings.exact('image.disk_format', `${rootDv} as cdrom`, 'an ISO image boots as a CD-ROM, as in Nova');
      if (image?.diskFormat && ['ami', 'aki', 'ari'].includes(image.diskFormat)) {
        findings.blocker('image.disk_format', `${image.diskFormat} (separate kernel/ramdisk images) cannot be imported by CDI`);
      }
    }
  } else {
    findings.blocker('server.image', 'the server has neither an image nor a boot volume: no root disk');
  }

  // Nova lays out ephemeral then swap right after the root disk (disk.local = vdb, disk.swap = vdc).
  if (flavor.ephemeral > 0) {
    const dvName = childName(vmName, 'ephemeral0');
    dataVolumes.push(dataVolume(dvName, 'ephemeral', `${flavor.ephemeral}Gi`, { blank: {} }, {}, ctx.config.storageClassName));
    addDisk('ephemeral0', dvName, false);
    findings.approximate(
      'flavor.ephemeral',
      `DataVolume ${dvName}`,
      `a blank ${flavor.ephemeral}Gi disk that persists like Nova's ephemeral disk, but its content is not copied (Nova has no API to export it) and it is unformatted: the guest must recreate the filesystem its fstab expects`,
    );
  }
  if (flavor.swap > 0) {
    const dvName = childName(vmName, 'swap');
    dataVolumes.push(dataVolume(dvName, 'swap', `${flavor.swap}Mi`, { blank: {} }, {}, ctx.config.storageClassName));
    addDisk('swap', dvName, false);
    findings.approximate(
      'flavor.swap',
      `DataVolume ${dvName}`,
      `a blank ${flavor.swap}Mi disk in the swap position; it has no swap signature, so the guest must run mkswap once (or cloud-init's mounts module does it) before swapon`,
    );
  }

  const others = server.blockDevices
    .filter((bd) => bd !== bootDevice)
    .map((bd, i) => ({ bd, i }))
    .sort((a, b) => {
      const ai = a.bd.bootIndex ?? Number.MAX_SAFE_INTEGER;
      const bi = b.bd.bootIndex ?? Number.MAX_SAFE_INTEGER;
      if (ai !== bi) return ai - bi;
      const [al, as] = deviceKey(a.bd.device);
      const [bl, bs] = deviceKey(b.bd.device);
      return al - bl || (as < bs ? -1 : as > bs ? 1 : 0) || a.i - b.i;
    });
  for (const { bd } of others) {
    const volume = ctx.index.volumes.get(bd.volumeId);
    const attr = `server.volumes_attached[${bd.volumeId}]`;
    if (!volume) {
      findings.blocker(attr, `volume ${bd.volumeId} is not in the inventory`);
      continue;
    }
    checkVolume(facts, volume);
    const suffix = `vol-${
      volume.id
        .replace(/[^a-z0-9]/gi, '')
        .slice(0, 8)
        .toLowerCase() || shortHash(volume.id)
    }`;
    const dvName = childName(vmName, suffix);
    const diskName = suffix;
    const storageClass = storageClassFor(volume);
    dataVolumes.push(dataVolume(dvName, 'volume', `${volume.size}Gi`, { upload: {} }, { volumeId: volume.id, deviceName: bd.device }, storageClass));
    addDisk(diskName, dvName, false, bd.bootIndex !== undefined && bd.bootIndex > 0 ? bd.bootIndex + 1 : undefined);
    findings.exact(
      `volume/${volume.id}.size`,
      `DataVolume ${dvName}`,
      `volume "${volume.name}"${bd.device ? ` (${bd.device})` : ''}: ${volume.size}Gi${storageClass ? `, storage class ${storageClass}` : ''}`,
    );
    if (
      volume.volumeType &&
      ctx.config.volumeTypeStorageClasses[volume.volumeType] === undefined &&
      Object.keys(ctx.config.volumeTypeStorageClasses).length > 0
    ) {
      findings.approximate(
        `volume/${volume.id}.volume_type`,
        `DataVolume ${dvName}`,
        `volume type ${volume.volumeType} has no storage class in the plan's mapping; ${ctx.config.storageClassName ?? 'the cluster default class'} is used`,
        'info',
      );
    }
  }

  if (disks.length + 1 > MAX_DISKS) {
    findings.blocker('server.volumes_attached', `${disks.length} disks (plus the cloud-init disk) exceed KubeVirt's limit of ${MAX_DISKS} per VM`);
  }
  return { disks, volumes, dataVolumes };
}

/** Where a disk's content comes from, as its DataVolume's annotations say. */
export interface DiskOrigin {
  volumeId?: string;
  deviceName?: string;
  imageId?: string;
}

/**
 * A DataVolume's annotations, written in code-unit key order (what sortKeys would give: "cdi.kubevirt.io/"
 * sorts before "openstack-migrate.io/", then device-name < disk-role < image-id < phase < server-id <
 * volume-id; test/unit/translate/disks.test.ts checks it). Sorting a built map re-inserted every key
 * through one keyed store site shared by all shapes, the plan's costliest few lines (~140 ms of 10,000
 * servers' DataVolumes); a fixed order adds each key at its own site.
 */
export function diskAnnotations(serverId: string, role: DiskRole, origin: DiskOrigin): Record<string, string> {
  const annotations: Record<string, string> = { [BIND_IMMEDIATE]: 'true' };
  if (origin.deviceName) annotations[ANNOTATIONS.deviceName] = origin.deviceName;
  annotations[ANNOTATIONS.diskRole] = role;
  if (origin.imageId !== undefined) annotations[ANNOTATIONS.imageId] = origin.imageId;
  annotations[ANNOTATIONS.phase] = PHASE_PLANNED;
  annotations[ANNOTATIONS.serverId] = serverId;
  if (origin.volumeId !== undefined) annotations[ANNOTATIONS.volumeId] = origin.volumeId;
  return annotations;
}

function checkVolume(facts: ServerFacts, volume: Volume): void {
  const attr = `volume/${volume.id}`;
  if (volume.multiattach || volume.attachments.length > 1) {
    facts.findings.blocker(
      `${attr}.multiattach`,
      `volume "${volume.name}" is shared by ${volume.attachments.length} servers; copying it per VM would split one disk into several`,
    );
  }
  if (volume.encrypted) {
    facts.findings.blocker(
      `${attr}.encrypted`,
      `volume "${volume.name}" is LUKS-encrypted with a key held by OpenStack (Barbican); its copy would be unreadable by the guest`,
    );
  }
  if (volume.status && !['in-use', 'available'].includes(volume.status)) {
    facts.findings.add(`${attr}.status`, 'approximate', 'warning', `volume "${volume.name}" is ${volume.status}; Cinder may refuse to snapshot or upload it`);
  }
}

export function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  // An insertion sort (code-unit order, as Array#sort): these maps have a handful of keys, and the
  // general sort's set-up cost showed on large plans, where this runs several times per VM.
  const keys = Object.keys(record);
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    while (j >= 0) {
      const prev = keys[j] as string;
      if (!(prev > key)) break;
      keys[j + 1] = prev;
      j--;
    }
    keys[j + 1] = key;
  }
  const out: Record<string, T> = {};
  for (const key of keys) out[key] = record[key] as T;
  return out;
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * sortKeys({ ...a, ...b, ...c }) without the spreads: the keys of all records in code-unit order, each
 * with the value of the last record that has it. A VM's labels differ from server to server (one key per
 * security group), and spreading objects of ever-new shapes runs V8's slow copy path (a micro-benchmark
 * of 40,000 such label pairs: 0.80 s with spreads + sortKeys, 0.17 s merged once like this).
 */
export function sortedUnion<T>(...records: Record<string, T>[]): Record<string, T> {
  const keys: string[] = [];
  for (const record of records) {
    for (const key of Object.keys(record)) {
      // Insertion into the sorted list, skipping a key that is there already.
      let j = keys.length - 1;
      while (j >= 0 && (keys[j] as string) > key) j--;
      if (j >= 0 && keys[j] === key) continue;
      keys.splice(j + 1, 0, key);
    }
  }
  const out: Record<string, T> = {};
  for (const key of keys) {
    let i = records.length - 1;
    while (!hasOwn.call(records[i], key)) i--; // some record has it: its key is in the list
    out[key] = (records[i] as Record<string, T>)[key] as T;
  }
  return out;
}
