import { describe, expect, it } from 'vitest';
import type { Inventory, Server } from '../../../src/inventory/types.js';
import { addNetwork } from '../../support/inventory-builder.js';
import { outcomeOf, translateRow } from '../../support/vm-fixture.js';
import { at } from '../../support/must.js';

const withNic = {
  setup: (inv: Inventory, server: Server) => {
    const n = addNetwork(inv, {}, {});
    server.interfaces.push({ networkId: n.id, macAddress: 'fa:16:3e:aa:bb:cc', fixedIps: [] });
  },
};

describe('hw_disk_bus → disks[].disk.bus', () => {
  it.each([
    { value: undefined, bus: 'virtio', outcome: undefined },
    { value: 'virtio', bus: 'virtio', outcome: 'exact' },
    { value: 'sata', bus: 'sata', outcome: 'exact' },
    { value: 'scsi', bus: 'scsi', outcome: 'exact' },
    { value: 'usb', bus: 'usb', outcome: 'exact' },
    { value: 'ide', bus: 'sata', outcome: 'approximate' },
    { value: 'floppy', bus: 'virtio', outcome: 'error' },
  ])('$value → $bus', ({ value, bus, outcome }) => {
    const r = translateRow({ imageProperties: value ? { hw_disk_bus: value } : {}, flavor: { ephemeral: 5 } });
    expect(r.schemaErrors).toEqual([]);
    for (const disk of r.d.devices.disks.filter((d) => d.name !== 'cloudinit')) expect(disk.disk?.bus).toBe(bus);
    expect(outcomeOf(r.findings, 'image.hw_disk_bus')).toBe(outcome);
  });
});

describe('hw_scsi_model, hw_cdrom_bus', () => {
  it.each([
    { value: 'virtio-scsi', outcome: 'exact' },
    { value: 'lsilogic', outcome: 'lost' },
    { value: 'buslogic', outcome: 'lost' },
  ])('hw_scsi_model=$value → $outcome', ({ value, outcome }) => {
    const r = translateRow({ imageProperties: { hw_scsi_model: value, hw_disk_bus: 'scsi' } });
    expect(r.schemaErrors).toEqual([]);
    expect(outcomeOf(r.findings, 'image.hw_scsi_model')).toBe(outcome);
  });
  it.each([
    { value: 'sata', bus: 'sata', outcome: 'exact' },
    { value: 'scsi', bus: 'scsi', outcome: 'exact' },
    { value: 'ide', bus: 'sata', outcome: 'approximate' },
    { value: 'virtio', bus: 'sata', outcome: 'approximate' },
    { value: 'fdc', bus: 'sata', outcome: 'error' },
  ])('hw_cdrom_bus=$value → CD-ROM bus $bus', ({ value, bus, outcome }) => {
    const r = translateRow({ image: { diskFormat: 'iso' }, imageProperties: { hw_cdrom_bus: value } });
    expect(r.schemaErrors).toEqual([]);
    expect(r.d.devices.disks.find((d) => d.name === 'root')?.cdrom?.bus).toBe(bus);
    expect(outcomeOf(r.findings, 'image.hw_cdrom_bus')).toBe(outcome);
  });
  it('an ISO image boots as a CD-ROM on hw_cdrom_bus', () => {
    const r = translateRow({ image: { diskFormat: 'iso' }, imageProperties: { hw_cdrom_bus: 'scsi' } });
    expect(r.schemaErrors).toEqual([]);
    expect(r.d.devices.disks[0]).toEqual({ name: 'root', cdrom: { bus: 'scsi', readonly: true }, bootOrder: 1 });
  });
});

describe('hw_vif_model, multiqueue → interfaces[].model, networkInterfaceMultiqueue', () => {
  it.each([
    { value: 'virtio', model: 'virtio', outcome: 'exact' },
    { value: 'e1000', model: 'e1000', outcome: 'exact' },
    { value: 'e1000e', model: 'e1000e', outcome: 'exact' },
    { value: 'rtl8139', model: 'rtl8139', outcome: 'exact' },
    { value: 'ne2k_pci', model: 'ne2k_pci', outcome: 'exact' },
    { value: 'pcnet', model: 'pcnet', outcome: 'exact' },
    { value: 'vmxnet3', model: 'virtio', outcome: 'approximate' },
    { value: 'netfront', model: 'virtio', outcome: 'approximate' },
    { value: 'bogus', model: undefined, outcome: 'error' },
  ])('$value → $model', ({ value, model, outcome }) => {
    const r = translateRow({ imageProperties: { hw_vif_model: value }, ...withNic });
    expect(r.schemaErrors).toEqual([]);
    expect(at(r.d.devices.interfaces, 0, 'interface').model).toBe(model);
    expect(outcomeOf(r.findings, 'image.hw_vif_model')).toBe(outcome);
  });
  it.each([
    { specs: { 'hw:vif_multiqueue_enabled': 'true' }, props: {}, value: true, attr: 'flavor.extra_specs.hw:vif_multiqueue_enabled', outcome: 'exact' },
    { specs: {}, props: { hw_vif_multiqueue_enabled: 'true' }, value: true, attr: 'image.hw_vif_multiqueue_enabled', outcome: 'exact' },
    { specs: { 'hw:vif_multiqueue_enabled': 'false' }, props: {}, value: undefined, attr: 'flavor.extra_specs.hw:vif_multiqueue_enabled', outcome: 'exact' },
    {
      specs: { 'hw:vif_multiqueue_enabled': 'false' },
      props: { hw_vif_multiqueue_enabled: 'true' },
      value: undefined,
      attr: 'image.hw_vif_multiqueue_enabled',
      outcome: 'blocker',
    },
  ])('multiqueue $specs $props → $value', ({ specs, props, value, attr, outcome }) => {
    const r = translateRow({ extraSpecs: specs, imageProperties: props, ...withNic });
    expect(r.schemaErrors).toEqual([]);
    expect(r.d.devices.networkInterfaceMultiqueue).toBe(value);
    expect(outcomeOf(r.findings, attr)).toBe(outcome);
  });
});

describe('hw_video_model → devices.video / autoattachGraphicsDevice', () => {
  it.each([
    { value: 'vga', video: { type: 'vga' }, auto: undefined, outcome: 'exact' },
    { value: 'virtio', video: { type: 'virtio' }, auto: undefined, outcome: 'exact' },
    { value: 'cirrus', video: { type: 'cirrus' }, auto: undefined, outcome: 'exact' },
    { value: 'bochs', video: { type: 'bochs' }, auto: undefined, outcome: 'exact' },
    { value: 'qxl', video: { type: 'vga' }, auto: undefined, outcome: 'approximate' },
    { value: 'vmvga', video: { type: 'vga' }, auto: undefined, outcome: 'approximate' },
    { value: 'gop', video: { type: 'bochs' }, auto: undefined, outcome: 'approximate' },
    { value: 'none', video: undefined, auto: false, outcome: 'exact' },
  ])('$value → $video', ({ value, video, auto, outcome }) => {
    const r = translateRow({ imageProperties: { hw_video_model: value } });
    expect(r.schemaErrors).toEqual([]);
    expect(r.d.devices.video).toEqual(video);
    expect(r.d.devices.autoattachGraphicsDevice).toBe(auto);
    expect(outcomeOf(r.findings, 'image.hw_video_model')).toBe(outcome);
  });
  it('video RAM is reported lost', () => {
    const r = translateRow({ imageProperties: { hw_video_ram: '64' }, extraSpecs: { 'hw_video:ram_max_mb': '64' } });
    expect(outcomeOf(r.findings, 'image.hw_video_ram')).toBe('lost');
    expect(outcomeOf(r.findings, 'flavor.extra_specs.hw_video:ram_max_mb')).toBe('lost');
  });
});

describe('RNG, watchdog, TPM, guest agent, boot menu, pointer', () => {
  it.each([
    { props: { hw_rng_model: 'virtio' }, specs: {}, rng: {}, attr: 'image.hw_rng_model', outcome: 'exact' },
    { props: { hw_rng_model: 'virtio' }, specs: { 'hw_rng:allowed': 'False' }, rng: undefined, attr: 'image.hw_rng_model', outcome: 'exact' },
    { props: {}, specs: { 'hw_rng:rate_bytes': '1024' }, rng: undefined, attr: 'flavor.extra_specs.hw_rng:rate_bytes', outcome: 'lost' },
    { props: { hw_rng_model: 'egd' }, specs: {}, rng: undefined, attr: 'image.hw_rng_model', outcome: 'lost' },
  ])('rng $props $specs', ({ props, specs, rng, attr, outcome }) => {
    const r = translateRow({ imageProperties: props, extraSpecs: specs });
    expect(r.schemaErrors).toEqual([]);
    expect(r.d.devices.rng).toEqual(rng);
    expect(outcomeOf(r.findings, attr)).toBe(outcome);
  });
  it.each([
    {
      props: { hw_watchdog_action: 'reset' },
      specs: {},
      watchdog: { name: 'watchdog', i6300esb: { action: 'reset' } },
      attr: 'image.hw_watchdog_action',
      outcome: 'exact',
    },
    {
      props: { hw_watchdog_action: 'poweroff' },
      specs: {},
      watchdog: { name: 'watchdog', i6300esb: { action: 'poweroff' } },
      attr: 'image.hw_watchdog_action',
      outcome: 'exact',
    },
    {
      props: {},
      specs: { 'hw:watchdog_action': 'reset' },
      watchdog: { name: 'watchdog', i6300esb: { action: 'reset' } },
      attr: 'flavor.extra_specs.hw:watchdog_action',
      outcome: 'exact',
    },
    {
      props: { hw_watchdog_action: 'poweroff' },
      specs: { 'hw:watchdog_action': 'reset' },
      watchdog: { name: 'watchdog', i6300esb: { action: 'poweroff' } },
      attr: 'image.hw_watchdog_action',
      outcome: 'exact',
    },
    { props: { hw_watchdog_action: 'pause' }, specs: {}, watchdog: undefined, attr: 'image.hw_watchdog_action', outcome: 'lost' },
    { props: { hw_watchdog_action: 'none' }, specs: {}, watchdog: undefined, attr: 'image.hw_watchdog_action', outcome: 'lost' },
    { props: { hw_watchdog_action: 'disabled' }, specs: {}, watchdog: undefined, attr: 'image.hw_watchdog_action', outcome: 'exact' },
  ])('watchdog $props $specs', ({ props, specs, watchdog, attr, outcome }) => {
    const r = translateRow({ imageProperties: props, extraSpecs: specs });
    expect(r.schemaErrors).toEqual([]);
    expect(r.d.devices.watchdog).toEqual(watchdog);
    expect(outcomeOf(r.findings, attr)).toBe(outcome);
  });
  it.each([
    { props: { hw_tpm_version: '2.0' }, specs: {}, tpm: { persistent: true }, attr: 'image.hw_tpm_version', outcome: 'approximate' },
    {
      props: {},
      specs: { 'hw:tpm_version': '2.0', 'hw:tpm_model': 'tpm-crb' },
      tpm: { persistent: true },
      attr: 'flavor.extra_specs.hw:tpm_model',
      outcome: 'exact',
    },
    { props: { hw_tpm_version: '1.2' }, specs: {}, tpm: undefined, attr: 'image.hw_tpm_version', outcome: 'lost' },
    { props: { hw_tpm_version: '1.2' }, specs: { 'hw:tpm_version': '2.0' }, tpm: { persistent: true }, attr: 'image.hw_tpm_version', outcome: 'blocker' },
  ])('tpm $props $specs', ({ props, specs, tpm, attr, outcome }) => {
    const r = translateRow({ imageProperties: props, extraSpecs: specs });
    expect(r.schemaErrors).toEqual([]);
    expect(r.d.devices.tpm).toEqual(tpm);
    expect(outcomeOf(r.findings, attr)).toBe(outcome);
  });
  it.each([
    { value: 'yes', outcome: 'exact' },
    { value: 'no', outcome: 'approximate' },
  ])('hw_qemu_guest_agent=$value → $outcome (channel always present)', ({ value, outcome }) => {
    const r = translateRow({ imageProperties: { hw_qemu_guest_agent: value } });
    expect(outcomeOf(r.findings, 'image.hw_qemu_guest_agent')).toBe(outcome);
  });
  it('boot menu is lost, from flavor or image', () => {
    const r = translateRow({ imageProperties: { hw_boot_menu: 'true' }, extraSpecs: { 'hw:boot_menu': 'true' } });
    expect(outcomeOf(r.findings, 'image.hw_boot_menu')).toBe('lost');
    expect(outcomeOf(r.findings, 'flavor.extra_specs.hw:boot_menu')).toBe('lost');
  });
  it.each([
    { props: { hw_pointer_model: 'usbtablet' }, inputs: [{ name: 'tablet', type: 'tablet', bus: 'usb' }], attr: 'image.hw_pointer_model', outcome: 'exact' },
    {
      props: { hw_pointer_model: 'usbtablet', hw_input_bus: 'virtio' },
      inputs: [{ name: 'tablet', type: 'tablet', bus: 'virtio' }],
      attr: 'image.hw_input_bus',
      outcome: 'exact',
    },
    { props: { hw_pointer_model: 'ps2mouse' }, inputs: undefined, attr: 'image.hw_pointer_model', outcome: 'lost' },
  ])('pointer $props', ({ props, inputs, attr, outcome }) => {
    const r = translateRow({ imageProperties: props });
    expect(r.schemaErrors).toEqual([]);
    expect(r.d.devices.inputs).toEqual(inputs);
    expect(outcomeOf(r.findings, attr)).toBe(outcome);
  });
});

describe('os_type, hw_time_hpet, architecture', () => {
  it('os_type=windows → Hyper-V enlightenments and the Hyper-V clock', () => {
    const r = translateRow({ imageProperties: { os_type: 'windows' } });
    expect(r.schemaErrors).toEqual([]);
    expect(r.d.features?.hyperv).toEqual({ relaxed: {}, vapic: {}, spinlocks: { spinlocks: 8191 } });
    expect(r.d.clock).toEqual({ utc: {}, timer: { hyperv: {} } });
    expect(outcomeOf(r.findings, 'image.os_type')).toBe('exact');
    expect(outcomeOf(r.findings, 'image.os_type (clock offset)')).toBe('approximate');
  });
  it('os_type=linux adds nothing', () => {
    const r = translateRow({ imageProperties: { os_type: 'linux' } });
    expect(r.d.features).toBeUndefined();
    expect(r.d.clock).toBeUndefined();
  });
  it.each([
    { value: 'true', present: true },
    { value: 'false', present: false },
  ])('hw_time_hpet=$value → clock.timer.hpet.present $present', ({ value, present }) => {
    const r = translateRow({ imageProperties: { hw_time_hpet: value } });
    expect(r.schemaErrors).toEqual([]);
    expect(r.d.clock?.timer?.hpet).toEqual({ present });
  });
  it.each([
    { value: 'x86_64', arch: undefined, outcome: 'exact' },
    { value: 'aarch64', arch: 'arm64', outcome: 'exact' },
    { value: 'ppc64le', arch: undefined, outcome: 'blocker' },
  ])('architecture=$value → $arch', ({ value, arch, outcome }) => {
    const r = translateRow({ imageProperties: { architecture: value } });
    expect(r.schemaErrors).toEqual([]);
    expect(r.t.architecture).toBe(arch);
    expect(outcomeOf(r.findings, 'image.architecture')).toBe(outcome);
  });
});
