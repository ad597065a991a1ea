// One Nova server → a kubevirt.io/v1 VirtualMachine, its DataVolumes, its cloud-init Secrets, and a
// finding for every attribute that was considered. The concept modules (cpu, memory, firmware, devices,
// os-hints, scheduling, disks, server-networks, cloud-init) each own their attributes; this file puts
// their results together and reports what none of them knew.
import type { Server } from '../inventory/types.js';
import type { PlanContext } from './context.js';
import type { Devices, DomainSpec, Features, VirtualMachine, VirtualMachineInstanceSpec } from '../kube-types/index.js';
import type { Finding, PlanObject, Translation } from './model.js';
import { ANNOTATIONS, LABELS, MANAGER, isDnsLabel, shortHash, toDnsLabel, toLabelValue } from './naming.js';
import { translateCloudInit } from './cloud-init.js';
import { translateCpu, translateNuma } from './cpu.js';
import {
  translateBootMenu,
  translateCdromBus,
  translateDiskBus,
  translateGuestAgent,
  translateMultiqueue,
  translateNicModel,
  translatePointer,
  translateRng,
  translateScsiModel,
  translateTpm,
  translateVideo,
  translateWatchdog,
} from './devices.js';
import { sortKeys, sortedUnion, translateDisks } from './disks.js';
import { translateFirmware } from './firmware.js';
import { translateMemory } from './memory.js';
import { translateOsHints } from './os-hints.js';
import { translateScheduling, wasRunning } from './scheduling.js';
import { type ServerFacts, ServerFindings, newServerFacts } from './server-facts.js';
import { translateServerNetworks } from './server-networks.js';
import { securityLabelsWithFindings } from './security-labels.js';

/** Nova states a cold migration can start from. */
const MIGRATABLE_STATUSES = new Set(['ACTIVE', 'SHUTOFF']);
/** Image properties with these prefixes change the guest's hardware; unknown ones are reported as lost. */
const HARDWARE_PROPERTY = /^(hw_|os_)/;
const VM_COMPONENT_LABEL: Record<string, string> = { [LABELS.component]: 'vm' };
const ANNOTATION_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Metadata keys repeat from server to server (env, role, ...): each is made valid once per process. */
const metadataKeys = new Map<string, { key: string; changed: boolean }>();

/** The annotation key that keeps one Nova metadata key: openstack-migrate.io/metadata.<key>, made valid. */
export function metadataAnnotationKey(key: string): { key: string; changed: boolean } {
  let known = metadataKeys.get(key);
  if (known === undefined) {
    known = Object.freeze(validMetadataAnnotationKey(key)); // shared by every caller
    if (metadataKeys.size >= 10_000) metadataKeys.clear();
    metadataKeys.set(key, known);
  }
  return known;
}

function validMetadataAnnotationKey(key: string): { key: string; changed: boolean } {
  const prefix = ANNOTATIONS.metadataPrefix; // "<PREFIX>/metadata."
  const [domain, namePrefix = ''] = prefix.split('/');
  const name = `${namePrefix}${key}`;
  if (name.length <= 63 && ANNOTATION_NAME.test(name)) return { key: `${domain}/${name}`, changed: false };
  const hash = shortHash(key, 8);
  const cleaned = key.replace(/[^-A-Za-z0-9_.]+/g, '-');
  const room = 63 - namePrefix.length - hash.length - 1;
  const stem = cleaned.slice(0, room).replace(/[^A-Za-z0-9]+$/g, '');
  return { key: `${domain}/${namePrefix}${stem ? `${stem}-` : ''}${hash}`, changed: true };
}

/** What a flavor + image (or boot volume) pair gives every server that uses it. */
interface Hardware {
  cpu: ReturnType<typeof translateCpu>;
  memory: ReturnType<typeof translateMemory>;
  firmware: ReturnType<typeof translateFirmware>;
  diskBus: ReturnType<typeof translateDiskBus>;
  cdromBus: ReturnType<typeof translateCdromBus>;
  nicModel: ReturnType<typeof translateNicModel>;
  multiqueue: ReturnType<typeof translateMultiqueue>;
  video: ReturnType<typeof translateVideo>;
  rng: ReturnType<typeof translateRng>;
  watchdog: ReturnType<typeof translateWatchdog>;
  tpm: ReturnType<typeof translateTpm>;
  inputs: ReturnType<typeof translatePointer>;
  os: ReturnType<typeof translateOsHints>;
}

interface HardwareProfile {
  hardware: Hardware;
  findings: ServerFindings['items'];
  consumedSpecs: Set<string>;
  consumedProps: Set<string>;
}

/** A copy of plain data (objects, arrays, scalars): each VM gets its own objects, free to change. */
function copyData<T>(value: T): T {
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyData(value[i]);
    return out as T;
  }
  if (value && typeof value === 'object' && !(value instanceof Set)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) out[k] = copyData((value as Record<string, unknown>)[k]);
    return out as T;
  }
  return value;
}

/** Plain data frozen all the way down (once: a frozen object's parts are frozen already). */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof Set) && !Object.isFrozen(value)) {
    for (const k of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[k]);
    Object.freeze(value);
  }
  return value;
}

/** Per plan: flavor id → image id (or, booted from a volume, its image metadata) → profile. */
interface ProfileCache {
  byImage: Map<string, Map<string, HardwareProfile>>;
  byVolumeMetadata: Map<string, Map<string, HardwareProfile>>;
}
const profiles = new WeakMap<PlanContext, ProfileCache>();

/**
 * The profiles of a server's flavor, and the key of its disk among them. What the hardware modules read
 * besides the flavor is the image properties in effect, their attribute prefix and the image (min_ram):
 * for an image-backed server all follow from the image id (the plan's index is fixed); for a volume-backed
 * one from the volume's volume_image_metadata (as JSON: same keys in the same order) and the image id,
 * never from the volume itself. Keying by the volume id made one profile per volume-backed server
 * (1,845 profiles for 244 distinct ones in the 10,000-server benchmark inventory).
 */
function profilesOf(ctx: PlanContext, facts: ServerFacts): { byDisk: Map<string, HardwareProfile>; disk: string } {
  let cache = profiles.get(ctx);
  if (!cache) profiles.set(ctx, (cache = { byImage: new Map(), byVolumeMetadata: new Map() }));
  const { bootVolume, server, flavor } = facts;
  const byFlavor = bootVolume ? cache.byVolumeMetadata : cache.byImage;
  let byDisk = byFlavor.get(flavor.id);
  if (!byDisk) byFlavor.set(flavor.id, (byDisk = new Map()));
  const disk = bootVolume ? `${server.imageId ?? ''}\u0000${JSON.stringify(bootVolume.volumeImageMetadata ?? {})}` : (server.imageId ?? '');
  return { byDisk, disk };
}

/**
 * The virtual hardware (CPU, memory, firmware, devices, OS hints) depends only on the flavor and the image
 * properties in effect, never on the server itself, and a cloud has far fewer flavor × image pairs than
 * servers. It is translated once per pair, and each server gets a copy of the result (so no VM shares
 * objects with another) and a replay of its findings. With ctx.shareHardware (a plan whose objects are
 * written out as soon as they are made: plan/stream.ts), every server gets the same objects instead,
 * frozen so that a change to one VM's CPU or firmware throws rather than changing them all: the copies
 * were ~10 % of a large plan's CPU, and their garbage. The VM's own objects (domain, devices, firmware
 * with its serial) are made per server either way.
 */
function hardwareFor(ctx: PlanContext, facts: ServerFacts): Hardware {
  const { byDisk, disk } = profilesOf(ctx, facts);
  let profile = byDisk.get(disk);
  if (!profile) {
    const p = newServerFacts({ ...facts.server, id: '', name: '' }, facts.flavor, facts.image, facts.bootVolume);
    const cpu = translateCpu(p);
    const memory = translateMemory(p);
    translateNuma(p, cpu.cpu, memory.hugepages !== undefined);
    const firmware = translateFirmware(p, ctx.config);
    const diskBus = translateDiskBus(p);
    translateScsiModel(p);
    const cdromBus = translateCdromBus(p);
    const nicModel = translateNicModel(p);
    const multiqueue = translateMultiqueue(p);
    const video = translateVideo(p, firmware.efi);
    const rng = translateRng(p);
    const watchdog = translateWatchdog(p);
    const tpm = translateTpm(p);
    translateGuestAgent(p);
    translateBootMenu(p);
    const inputs = translatePointer(p);
    const os = translateOsHints(p);
    profile = {
      hardware: { cpu, memory, firmware, diskBus, cdromBus, nicModel, multiqueue, video, rng, watchdog, tpm, inputs, os },
      findings: p.findings.items,
      consumedSpecs: p.consumedSpecs,
      consumedProps: p.consumedProps,
    };
    byDisk.set(disk, profile);
  }
  const source = facts.findings.source;
  const items = facts.findings.items;
  for (const f of profile.findings) {
    // Same fields in the same order as ServerFindings.add makes them (target last, when there is one).
    items.push(
      f.target !== undefined
        ? {
            source,
            sourceName: facts.server.name,
            serverId: facts.server.id,
            attribute: f.attribute,
            outcome: f.outcome,
            severity: f.severity,
            reason: f.reason,
            target: f.target,
          }
        : {
            source,
            sourceName: facts.server.name,
            serverId: facts.server.id,
            attribute: f.attribute,
            outcome: f.outcome,
            severity: f.severity,
            reason: f.reason,
          },
    );
  }
  for (const k of profile.consumedSpecs) facts.consumedSpecs.add(k);
  for (const k of profile.consumedProps) facts.consumedProps.add(k);
  return ctx.shareHardware ? deepFreeze(profile.hardware) : copyData(profile.hardware);
}

export function translateServer(ctx: PlanContext, server: Server): Translation {
  const vmName = ctx.vmNameByServer.get(server.id);
  const namespace = ctx.namespaceByProject.get(server.projectId);
  const flavor = ctx.index.flavors.get(server.flavorId);
  if (!vmName || !namespace || !flavor) {
    const findings = new ServerFindings(server);
    if (!vmName) findings.blocker('server.name', 'no VirtualMachine name was decided for this server');
    if (!namespace) findings.blocker('server.tenant_id', `project ${server.projectId} has no namespace`);
    if (!flavor) findings.blocker('server.flavor', `flavor ${server.flavorId} is not in the inventory`);
    return { objects: [], findings: findings.items };
  }

  const bootDevice = server.blockDevices.find((bd) => bd.bootIndex === 0);
  const bootVolume = bootDevice ? ctx.index.volumes.get(bootDevice.volumeId) : undefined;
  const image = server.imageId ? ctx.index.images.get(server.imageId) : undefined;
  const facts = newServerFacts(server, flavor, image, bootVolume);
  const { findings } = facts;

  checkServer(facts, vmName);
  if (server.imageId && !image && !bootDevice) {
    findings.approximate(
      'server.image',
      undefined,
      `image ${server.imageId} is no longer in Glance: its hardware properties (bus, firmware, models) are unknown and KubeVirt defaults apply`,
    );
  }

  const { cpu, memory, firmware, diskBus, cdromBus, nicModel, multiqueue, video, rng, watchdog, tpm, inputs, os } = hardwareFor(ctx, facts);
  const group = ctx.index.serverGroupOfServer.get(server.id);
  const scheduling = translateScheduling(facts, ctx.config, group);
  const disks = translateDisks({ ctx, facts, vmName, namespace, diskBus, cdromBus });
  const nets = translateServerNetworks(ctx, server, namespace, nicModel, findings);
  const cloudInit = translateCloudInit({ ctx, facts, vmName, namespace, networkData: nets.networkData, diskBus });
  reportUnconsidered(facts);

  // Labels: what NetworkPolicies, Services and server-group terms select sits on the template (copied to
  // the virt-launcher pod); the VM itself carries the plugin's bookkeeping labels.
  const baseLabels = {
    [LABELS.managedBy]: MANAGER,
    [LABELS.serverId]: toLabelValue(server.id),
    [LABELS.planId]: toLabelValue(ctx.planId),
  };
  // Per port: the pod-network NIC's groups, per-network labels of secondary NICs (security-labels.ts).
  const groupLabels = securityLabelsWithFindings(ctx, server, findings);
  const vmLabels = sortedUnion(baseLabels, VM_COMPONENT_LABEL, groupLabels);
  const templateLabels = sortedUnion(baseLabels, groupLabels, scheduling.templateLabels);

  const annotations = vmAnnotations(ctx, facts, os.osDistro);

  const devices: Devices = {
    disks: [...disks.disks, ...(cloudInit.disk ? [cloudInit.disk] : [])],
    interfaces: nets.interfaces,
  };
  if (nets.noNics) devices.autoattachPodInterface = false;
  if (multiqueue) devices.networkInterfaceMultiqueue = true;
  if (video.autoattachGraphicsDevice === false) devices.autoattachGraphicsDevice = false;
  if (video.video) devices.video = video.video;
  if (rng) devices.rng = {};
  if (watchdog) devices.watchdog = watchdog;
  if (tpm) devices.tpm = tpm;
  if (inputs) devices.inputs = inputs;

  const domain = { cpu: cpu.cpu, memory } as DomainSpec;
  if (cpu.cpuLimit) domain.resources = { limits: { cpu: cpu.cpuLimit } };
  // The Nova server id as SMBIOS UUID and serial: cloud-init's instance-id (ConfigDrive uuid, NoCloud
  // instance-id) comes from firmware.uuid, and Nova's default sysinfo_serial=unique made the serial the id too.
  domain.firmware = { ...firmware.firmware, serial: server.id, uuid: server.id };
  reportIdentity(facts);
  if (firmware.machineType) domain.machine = { type: firmware.machineType };
  const features: Features = {};
  if (firmware.smm) features.smm = { enabled: true };
  if (os.hyperv) features.hyperv = os.hyperv;
  if (Object.keys(features).length > 0) domain.features = features;
  if (os.clock) domain.clock = os.clock;
  domain.devices = devices;

  const templateSpec = {} as VirtualMachineInstanceSpec;
  if (os.architecture) templateSpec.architecture = os.architecture;
  templateSpec.hostname = guestHostname(facts);
  templateSpec.domain = domain;
  if (scheduling.nodeSelector) templateSpec.nodeSelector = sortKeys(scheduling.nodeSelector);
  if (scheduling.affinity) templateSpec.affinity = scheduling.affinity;
  if (cloudInit.accessCredentials) templateSpec.accessCredentials = cloudInit.accessCredentials;
  templateSpec.networks = nets.networks;
  templateSpec.volumes = [...disks.volumes, ...(cloudInit.volume ? [cloudInit.volume] : [])];

  const runStrategy = translatePowerBehaviour(facts);

  const vm: VirtualMachine = {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: { name: vmName, namespace, labels: vmLabels, annotations },
    spec: {
      runStrategy,
      template: { metadata: { labels: templateLabels }, spec: templateSpec },
    },
  };
  return { objects: [...cloudInit.secrets, ...disks.dataVolumes, vm], findings: findings.items };
}

function reportIdentity(facts: ServerFacts): void {
  const { server, findings } = facts;
  findings.exact(
    'server.id',
    'spec.template.spec.domain.firmware.uuid',
    `SMBIOS UUID, and cloud-init's instance-id, stay ${server.id} (KubeVirt would pick a random one): cloud-init sees the same instance, so it keeps the SSH host keys and does not run per-instance modules again`,
  );
  findings.approximate(
    'server (SMBIOS system information)',
    'spec.template.spec.domain.firmware.serial',
    'serial kept (the server id, as Nova\'s default sysinfo_serial=unique); manufacturer "OpenStack Foundation", product "OpenStack Nova" and family "Virtual Machine" become KubeVirt\'s "KubeVirt", "None" and "KubeVirt" (cluster-wide: smbios in the KubeVirt CR); cloud-init and tools that detect OpenStack by DMI no longer do',
    'info',
  );
}

/**
 * Nova never starts a guest by itself: one that powers itself off (shutdown, a watchdog poweroff) or dies
 * stays SHUTOFF, also after a host reboot (resume_guests_state_on_host_boot is off by default).
 * RerunOnFailure is the closest: it starts the VM, leaves it stopped after a shutdown from inside, and
 * restarts it only after a failure. Stopped sources stay Halted.
 */
function translatePowerBehaviour(facts: ServerFacts): 'RerunOnFailure' | 'Halted' {
  const { server, findings } = facts;
  if (!wasRunning(server)) {
    findings.exact(
      'server.power_state',
      'spec.runStrategy',
      "stopped in OpenStack → Halted: it stays stopped until started (`virtctl start` then switches the VM to runStrategy Always, which restarts a guest that shuts itself down; patch it to RerunOnFailure to keep Nova's behaviour)",
    );
    return 'Halted';
  }
  findings.approximate(
    'server.power_state',
    'spec.runStrategy',
    'running in OpenStack → RerunOnFailure: started once its disks are imported and left stopped when the guest powers itself off, as in Nova; unlike Nova, a VM that crashes or whose node fails is started again (Nova left it SHUTOFF)',
    'info',
  );
  return 'RerunOnFailure';
}

function checkServer(facts: ServerFacts, vmName: string): void {
  const { server, findings } = facts;
  const status = server.status.toUpperCase();
  if (!MIGRATABLE_STATUSES.has(status)) {
    findings.blocker('server.status', `the server is ${server.status}; only ACTIVE or SHUTOFF servers can be stopped and copied`);
  }
  // A changed name is reported where names are decided (plan/build.ts assignVmNames), which knows
  // whether it was sanitized or taken by a same-named server.
  if (vmName === server.name) findings.exact('server.name', 'metadata.name', vmName);
  if (facts.flavor.vcpus < 1) findings.blocker('flavor.vcpus', `${facts.flavor.vcpus} vCPUs is impossible`);
  if (facts.flavor.ram < 1) findings.blocker('flavor.ram', `${facts.flavor.ram} MiB of RAM is impossible`);
}

/** The guest hostname: Nova's hostname (or the server name) as the DNS label KubeVirt requires. */
function guestHostname(facts: ServerFacts): string {
  const original = facts.server.hostname ?? facts.server.name;
  const label = toDnsLabel(original) || `vm-${shortHash(facts.server.id)}`;
  const attr = facts.server.hostname !== undefined ? 'server.hostname' : 'server.name (hostname)';
  if (isDnsLabel(original)) facts.findings.exact(attr, 'spec.template.spec.hostname', original);
  else facts.findings.approximate(attr, 'spec.template.spec.hostname', `"${original}" is not a DNS label; the guest is told "${label}"`);
  return label;
}

/**
 * The VM's annotations, added in code-unit key order (what sortKeys would give) rather than sorted
 * afterwards: re-inserting every key through sortKeys' one keyed store site, shared by all the plan's
 * shapes, was ~240 ms of a 10,000-server plan. All keys are "<PREFIX>/<name>"; by name: description <
 * domain-name < flavor-id < flavor-name < image-id < metadata.* < os-distro < phase < project-name <
 * server-id < source-id < source-kind < source-name < tags (test/unit/translate/vm.test.ts checks it).
 */
function vmAnnotations(ctx: PlanContext, facts: ServerFacts, osDistro: string | undefined): Record<string, string> {
  const { server, flavor, findings } = facts;
  const project = ctx.index.projects.get(server.projectId);
  const domain = project ? ctx.index.domains.get(project.domainId) : undefined;
  const tags = server.tags && server.tags.length > 0 ? server.tags : undefined;
  if (tags) findings.exact('server.tags', `metadata.annotations.${ANNOTATIONS.tags}`, tags.join(', '));
  const metadata: [annotation: string, value: string][] = [];
  for (const key of Object.keys(server.metadata).sort()) {
    const { key: annotation, changed } = metadataAnnotationKey(key);
    metadata.push([annotation, String(server.metadata[key])]);
    const attr = `server.metadata.${key}`;
    if (changed)
      findings.approximate(
        attr,
        `metadata.annotations.${annotation}`,
        `the key is not a valid annotation name (or too long); stored under ${annotation}. The guest no longer sees it through the metadata service`,
        'info',
      );
    else
      findings.approximate(
        attr,
        `metadata.annotations.${annotation}`,
        'kept as an annotation; the guest no longer sees it through the metadata service',
        'info',
      );
  }
  // By annotation key (a changed key need not sort where its Nova key did); the sort is stable, so of two
  // keys that became the same annotation the later one's value is kept, as plain assignment did.
  if (metadata.length > 1) metadata.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

  const annotations: Record<string, string> = {};
  if (server.description) annotations[ANNOTATIONS.description] = server.description;
  if (domain) annotations[ANNOTATIONS.domainName] = domain.name;
  annotations[ANNOTATIONS.flavorId] = flavor.id;
  annotations[ANNOTATIONS.flavorName] = flavor.name;
  if (server.imageId) annotations[ANNOTATIONS.imageId] = server.imageId;
  for (const [annotation, value] of metadata) annotations[annotation] = value;
  if (osDistro) annotations[ANNOTATIONS.osDistro] = osDistro;
  annotations[ANNOTATIONS.phase] = 'planned';
  if (project) annotations[ANNOTATIONS.projectName] = project.name;
  annotations[ANNOTATIONS.serverId] = server.id;
  annotations[ANNOTATIONS.sourceId] = server.id;
  annotations[ANNOTATIONS.sourceKind] = 'server';
  annotations[ANNOTATIONS.sourceName] = server.name;
  if (tags) annotations[ANNOTATIONS.tags] = tags.join(',');
  return annotations;
}

/** Every flavor extra spec and hardware image property that no module read is reported as lost. */
function reportUnconsidered(facts: ServerFacts): void {
  for (const key of Object.keys(facts.flavor.extraSpecs).sort()) {
    if (facts.consumedSpecs.has(key)) continue;
    facts.findings.lost(`flavor.extra_specs.${key}`, `"${facts.flavor.extraSpecs[key]}" has no KubeVirt equivalent known to this tool`);
  }
  const informational: string[] = [];
  for (const key of Object.keys(facts.imageProperties).sort()) {
    if (facts.consumedProps.has(key)) continue;
    if (HARDWARE_PROPERTY.test(key))
      facts.findings.lost(`${facts.imageAttributePrefix}.${key}`, `"${facts.imageProperties[key]}" has no KubeVirt equivalent known to this tool`);
    else informational.push(key);
  }
  if (informational.length > 0) {
    facts.findings.lost(
      `${facts.imageAttributePrefix}.{${informational.join(',')}}`,
      'image metadata that does not shape the guest (Glance bookkeeping or custom keys); not carried to the VM',
      'info',
    );
  }
}
