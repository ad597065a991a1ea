// Image properties / flavor extra specs about emulated devices → spec.template.spec.domain.devices.
// Each function reads its keys once and adds one finding per key it met.
import { type ServerFacts, novaBool, prop, propAttr, spec, specAttr } from './server-facts.js';

const DEV = 'spec.template.spec.domain.devices';

export type DiskBus = 'virtio' | 'sata' | 'scsi' | 'usb';
export type CdromBus = 'sata' | 'scsi';

/** hw_disk_bus → disks[].disk.bus (KubeVirt accepts virtio, sata, scsi, usb: pkg/storage/admitters/disks.go). */
export function translateDiskBus(facts: ServerFacts): DiskBus {
  const value = prop(facts, 'hw_disk_bus');
  const attr = propAttr(facts, 'hw_disk_bus');
  if (value === undefined) return 'virtio';
  switch (value) {
    case 'virtio':
    case 'sata':
    case 'scsi':
    case 'usb':
      facts.findings.exact(attr, `${DEV}.disks[].disk.bus`, value);
      return value;
    case 'ide':
      facts.findings.approximate(
        attr,
        `${DEV}.disks[].disk.bus`,
        'KubeVirt rejects ide; sata (AHCI) instead, which guests address by the same /dev/sdX names but need an AHCI driver for',
      );
      return 'sata';
    default:
      facts.findings.invalid(attr, `disk bus "${value}" is not one KubeVirt accepts (virtio, sata, scsi, usb)`);
      return 'virtio';
  }
}

/** hw_scsi_model: KubeVirt's scsi controller is always virtio-scsi. */
export function translateScsiModel(facts: ServerFacts): void {
  const value = prop(facts, 'hw_scsi_model');
  if (value === undefined) return;
  const attr = propAttr(facts, 'hw_scsi_model');
  if (value === 'virtio-scsi') facts.findings.exact(attr, `${DEV}.disks[].disk.bus`, "KubeVirt's scsi bus is virtio-scsi");
  else facts.findings.lost(attr, `${value}: KubeVirt only emulates virtio-scsi; the guest needs a virtio-scsi driver`);
}

/** hw_cdrom_bus → disks[].cdrom.bus; KubeVirt accepts sata and scsi for CD-ROMs. */
export function translateCdromBus(facts: ServerFacts): CdromBus {
  const value = prop(facts, 'hw_cdrom_bus');
  const attr = propAttr(facts, 'hw_cdrom_bus');
  if (value === undefined) return 'sata';
  if (value === 'sata' || value === 'scsi') {
    facts.findings.exact(attr, `${DEV}.disks[].cdrom.bus`, value);
    return value;
  }
  if (value === 'ide' || value === 'virtio' || value === 'usb') {
    facts.findings.approximate(attr, `${DEV}.disks[].cdrom.bus`, `KubeVirt rejects ${value} CD-ROMs; sata instead`);
    return 'sata';
  }
  facts.findings.invalid(attr, `CD-ROM bus "${value}" is not one KubeVirt accepts (sata, scsi)`);
  return 'sata';
}

const KV_NIC_MODELS = new Set(['e1000', 'e1000e', 'igb', 'ne2k_pci', 'pcnet', 'rtl8139', 'virtio']);
const NOVA_NIC_MODELS = new Set(['vmxnet', 'vmxnet3', 'netfront', 'spapr-vlan', 'lan9118', 'smc91c111', 'xen']);

/** hw_vif_model → interfaces[].model (pkg/network/admitter/netiface.go). */
export function translateNicModel(facts: ServerFacts): string | undefined {
  const value = prop(facts, 'hw_vif_model');
  if (value === undefined) return undefined;
  const attr = propAttr(facts, 'hw_vif_model');
  const lowered = value.toLowerCase();
  if (KV_NIC_MODELS.has(lowered)) {
    facts.findings.exact(attr, `${DEV}.interfaces[].model`, lowered);
    return lowered;
  }
  if (NOVA_NIC_MODELS.has(lowered)) {
    facts.findings.approximate(
      attr,
      `${DEV}.interfaces[].model`,
      `KubeVirt cannot emulate ${value}; virtio instead (the guest needs virtio-net drivers, and sees a new NIC)`,
    );
    return 'virtio';
  }
  facts.findings.invalid(attr, `NIC model "${value}" is unknown to Nova and KubeVirt`);
  return undefined;
}

/** hw:vif_multiqueue_enabled / hw_vif_multiqueue_enabled → devices.networkInterfaceMultiqueue. */
export function translateMultiqueue(facts: ServerFacts): boolean | undefined {
  const flavorRaw = spec(facts, 'hw:vif_multiqueue_enabled');
  const imageRaw = prop(facts, 'hw_vif_multiqueue_enabled');
  if (flavorRaw === undefined && imageRaw === undefined) return undefined;
  const flavorValue = novaBool(flavorRaw);
  const imageValue = novaBool(imageRaw);
  const attr = flavorRaw !== undefined ? specAttr('hw:vif_multiqueue_enabled') : propAttr(facts, 'hw_vif_multiqueue_enabled');
  if (flavorValue !== undefined && imageValue !== undefined && flavorValue !== imageValue) {
    facts.findings.blocker(
      propAttr(facts, 'hw_vif_multiqueue_enabled'),
      `the image says ${imageRaw} and the flavor ${flavorRaw}; Nova refuses conflicting values`,
    );
  }
  const value = flavorValue ?? imageValue;
  if (value === undefined) {
    facts.findings.blocker(attr, `"${flavorRaw ?? imageRaw}" is not a boolean`);
    return undefined;
  }
  facts.findings.exact(attr, `${DEV}.networkInterfaceMultiqueue`, value ? 'one queue per vCPU on virtio NICs' : 'single-queue NICs');
  return value ? true : undefined;
}

export interface VideoResult {
  video?: { type: string };
  autoattachGraphicsDevice?: boolean;
}

/** hw_video_model → devices.video.type (amd64: vga, cirrus, virtio, ramfb, bochs) or no graphics. */
export function translateVideo(facts: ServerFacts, efi: boolean): VideoResult {
  const value = prop(facts, 'hw_video_model');
  for (const key of ['hw_video_ram']) {
    if (prop(facts, key) !== undefined) facts.findings.lost(propAttr(facts, key), 'video RAM size cannot be set in KubeVirt', 'info');
  }
  if (spec(facts, 'hw_video:ram_max_mb') !== undefined)
    facts.findings.lost(specAttr('hw_video:ram_max_mb'), 'video RAM size cannot be set in KubeVirt', 'info');
  if (value === undefined) return {};
  const attr = propAttr(facts, 'hw_video_model');
  const target = `${DEV}.video.type`;
  switch (value) {
    case 'vga':
    case 'cirrus':
    case 'virtio':
    case 'bochs':
      facts.findings.exact(attr, target, value);
      return { video: { type: value } };
    case 'none':
      // A video block together with autoattachGraphicsDevice=false is rejected (validateVideoConfig).
      facts.findings.exact(attr, `${DEV}.autoattachGraphicsDevice`, 'no graphics device');
      return { autoattachGraphicsDevice: false };
    case 'qxl':
    case 'vmvga':
    case 'xen':
    case 'gop': {
      // bochs-display is the EFI-friendly framebuffer (what KubeVirt picks for EFI guests), vga for BIOS.
      const type = value === 'gop' || efi ? 'bochs' : 'vga';
      facts.findings.approximate(attr, target, `KubeVirt cannot emulate ${value}; ${type} instead (no 2D acceleration/SPICE features)`, 'info');
      return { video: { type } };
    }
    default:
      facts.findings.lost(attr, `unknown video model "${value}"; KubeVirt's default video device is used`);
      return {};
  }
}

/** hw_rng_model=virtio (allowed by the flavor's hw_rng:allowed, default true) → devices.rng. */
export function translateRng(facts: ServerFacts): boolean {
  const model = prop(facts, 'hw_rng_model');
  const allowedRaw = spec(facts, 'hw_rng:allowed');
  for (const key of ['hw_rng:rate_bytes', 'hw_rng:rate_period']) {
    if (spec(facts, key) !== undefined) facts.findings.lost(specAttr(key), 'KubeVirt does not rate-limit the virtio RNG', 'info');
  }
  const allowed = novaBool(allowedRaw) ?? true;
  if (model === undefined) {
    if (allowedRaw !== undefined) facts.findings.exact(specAttr('hw_rng:allowed'), `${DEV}.rng`, 'no RNG requested by the image, none added');
    return false;
  }
  const attr = propAttr(facts, 'hw_rng_model');
  if (!allowed) {
    facts.findings.exact(attr, `${DEV}.rng`, 'the flavor forbids an RNG (hw_rng:allowed=false), as Nova did: none added');
    return false;
  }
  if (model === 'virtio') {
    facts.findings.exact(attr, `${DEV}.rng`, 'virtio RNG fed by the host');
    return true;
  }
  facts.findings.lost(attr, `RNG model "${model}" does not exist in KubeVirt (only virtio)`);
  return false;
}

/** hw_watchdog_action (image wins) / hw:watchdog_action → devices.watchdog (i6300esb). */
export function translateWatchdog(facts: ServerFacts): { name: string; i6300esb: { action: string } } | undefined {
  const flavorValue = spec(facts, 'hw:watchdog_action');
  const imageValue = prop(facts, 'hw_watchdog_action');
  const value = imageValue ?? flavorValue;
  if (value === undefined) return undefined;
  const attr = imageValue !== undefined ? propAttr(facts, 'hw_watchdog_action') : specAttr('hw:watchdog_action');
  const target = `${DEV}.watchdog.i6300esb.action`;
  switch (value) {
    case 'poweroff':
    case 'reset':
      facts.findings.exact(attr, target, `i6300esb watchdog, action ${value}`);
      return { name: 'watchdog', i6300esb: { action: value } };
    case 'disabled':
      facts.findings.exact(attr, `${DEV}.watchdog`, 'no watchdog');
      return undefined;
    case 'pause':
    case 'none':
      facts.findings.lost(attr, `watchdog action "${value}" is not available in KubeVirt (poweroff, reset, shutdown); no watchdog device is added`);
      return undefined;
    default:
      facts.findings.invalid(attr, `unknown watchdog action "${value}"`);
      return undefined;
  }
}

/** hw:tpm_version / hw_tpm_version (+ model) → devices.tpm. KubeVirt emulates TPM 2.0 only. */
export function translateTpm(facts: ServerFacts): { persistent: boolean } | undefined {
  const flavorVersion = spec(facts, 'hw:tpm_version');
  const imageVersion = prop(facts, 'hw_tpm_version');
  const flavorModel = spec(facts, 'hw:tpm_model');
  const imageModel = prop(facts, 'hw_tpm_model');
  if (flavorVersion !== undefined && imageVersion !== undefined && flavorVersion !== imageVersion) {
    facts.findings.blocker(propAttr(facts, 'hw_tpm_version'), `the image says ${imageVersion} and the flavor ${flavorVersion}; Nova requires them to agree`);
  }
  const version = flavorVersion ?? imageVersion;
  const model = flavorModel ?? imageModel;
  if (version === undefined) {
    if (model !== undefined)
      facts.findings.lost(
        flavorModel !== undefined ? specAttr('hw:tpm_model') : propAttr(facts, 'hw_tpm_model'),
        'a TPM model without a TPM version adds no TPM in Nova either',
        'info',
      );
    return undefined;
  }
  const attr = flavorVersion !== undefined ? specAttr('hw:tpm_version') : propAttr(facts, 'hw_tpm_version');
  if (version === '1.2') {
    facts.findings.lost(attr, 'TPM 1.2 cannot be emulated by KubeVirt (TPM 2.0 only); the guest gets no TPM');
    return undefined;
  }
  if (version !== '2.0') {
    facts.findings.invalid(attr, `unknown TPM version "${version}" (Nova accepts 1.2, 2.0)`);
    return undefined;
  }
  // Nova keeps the vTPM state for the life of the server, so the TPM must persist across restarts;
  // KubeVirt then exposes it as tpm-crb.
  facts.findings.approximate(
    attr,
    `${DEV}.tpm.persistent`,
    'TPM 2.0 with persistent state (needs the VMPersistentState feature gate); the Nova vTPM contents (sealed keys, e.g. BitLocker) are not copied',
    'warning',
  );
  if (model !== undefined) {
    const modelAttr = flavorModel !== undefined ? specAttr('hw:tpm_model') : propAttr(facts, 'hw_tpm_model');
    if (model === 'tpm-crb') facts.findings.exact(modelAttr, `${DEV}.tpm.persistent`, 'KubeVirt uses tpm-crb for a persistent TPM');
    else facts.findings.approximate(modelAttr, `${DEV}.tpm.persistent`, `${model} becomes tpm-crb, the interface KubeVirt uses for a persistent TPM`, 'info');
  }
  return { persistent: true };
}

/** hw_qemu_guest_agent: KubeVirt always adds the guest agent channel. */
export function translateGuestAgent(facts: ServerFacts): void {
  const value = prop(facts, 'hw_qemu_guest_agent');
  if (value === undefined) return;
  const attr = propAttr(facts, 'hw_qemu_guest_agent');
  if (novaBool(value)) facts.findings.exact(attr, `${DEV} (guest agent channel)`, 'KubeVirt always adds the QEMU guest agent channel');
  else
    facts.findings.approximate(
      attr,
      `${DEV} (guest agent channel)`,
      'KubeVirt always adds the guest agent channel; it stays unused when no agent runs',
      'info',
    );
}

/** hw:boot_menu / hw_boot_menu: no KubeVirt field. */
export function translateBootMenu(facts: ServerFacts): void {
  const flavorValue = spec(facts, 'hw:boot_menu');
  const imageValue = prop(facts, 'hw_boot_menu');
  if (flavorValue !== undefined) facts.findings.lost(specAttr('hw:boot_menu'), 'KubeVirt has no boot menu setting', novaBool(flavorValue) ? 'warning' : 'info');
  if (imageValue !== undefined)
    facts.findings.lost(propAttr(facts, 'hw_boot_menu'), 'KubeVirt has no boot menu setting', novaBool(imageValue) ? 'warning' : 'info');
}

/** hw_pointer_model=usbtablet (+ hw_input_bus) → devices.inputs tablet. */
export function translatePointer(facts: ServerFacts): { name: string; type: 'tablet'; bus: 'usb' | 'virtio' }[] | undefined {
  const flavorModel = spec(facts, 'hw:pointer_model');
  const imageModel = prop(facts, 'hw_pointer_model');
  const bus = prop(facts, 'hw_input_bus');
  const model = imageModel ?? flavorModel;
  const attr = imageModel !== undefined ? propAttr(facts, 'hw_pointer_model') : specAttr('hw:pointer_model');
  if (model === undefined) {
    if (bus !== undefined) facts.findings.lost(propAttr(facts, 'hw_input_bus'), 'an input bus without a pointer model adds no device', 'info');
    return undefined;
  }
  if (model !== 'usbtablet') {
    facts.findings.lost(attr, `pointer model "${model}" has no KubeVirt equivalent (tablet only)`);
    return undefined;
  }
  let kvBus: 'usb' | 'virtio' = 'usb';
  if (bus !== undefined) {
    if (bus === 'usb' || bus === 'virtio') {
      kvBus = bus;
      facts.findings.exact(propAttr(facts, 'hw_input_bus'), `${DEV}.inputs[].bus`, bus);
    } else {
      facts.findings.approximate(propAttr(facts, 'hw_input_bus'), `${DEV}.inputs[].bus`, `input bus ${bus} is not available; usb instead`);
    }
  }
  facts.findings.exact(attr, `${DEV}.inputs`, `tablet on the ${kvBus} bus`);
  return [{ name: 'tablet', type: 'tablet', bus: kvBus }];
}
