import { describe, expect, it } from 'vitest';
import { outcomeOf, translateRow } from '../../support/vm-fixture.js';
import { must } from '../../support/must.js';

describe('firmware and secure boot → domain.firmware / features.smm', () => {
  const rows: {
    name: string;
    props?: Record<string, string>;
    specs?: Record<string, string>;
    persistentEfi?: boolean;
    firmware: unknown;
    smm?: unknown;
    attr: string;
    outcome: string;
  }[] = [
    { name: 'no firmware property → KubeVirt default (BIOS)', firmware: undefined, attr: 'image.hw_firmware_type', outcome: undefined as unknown as string },
    { name: 'bios', props: { hw_firmware_type: 'bios' }, firmware: { bootloader: { bios: {} } }, attr: 'image.hw_firmware_type', outcome: 'exact' },
    {
      name: 'uefi without secure boot',
      props: { hw_firmware_type: 'uefi' },
      firmware: { bootloader: { efi: { secureBoot: false, persistent: true } } },
      attr: 'image.hw_firmware_type',
      outcome: 'approximate',
    },
    {
      name: 'uefi + os_secure_boot=required → secure boot, SMM, persistent NVRAM',
      props: { hw_firmware_type: 'uefi', os_secure_boot: 'required' },
      firmware: { bootloader: { efi: { secureBoot: true, persistent: true } } },
      smm: { enabled: true },
      attr: 'image.os_secure_boot',
      outcome: 'exact',
    },
    {
      name: 'uefi + flavor os:secure_boot=required',
      props: { hw_firmware_type: 'uefi' },
      specs: { 'os:secure_boot': 'required' },
      firmware: { bootloader: { efi: { secureBoot: true, persistent: true } } },
      smm: { enabled: true },
      attr: 'flavor.extra_specs.os:secure_boot',
      outcome: 'exact',
    },
    {
      name: 'uefi + secure boot disabled',
      props: { hw_firmware_type: 'uefi', os_secure_boot: 'disabled' },
      firmware: { bootloader: { efi: { secureBoot: false, persistent: true } } },
      attr: 'image.os_secure_boot',
      outcome: 'exact',
    },
    {
      name: 'uefi + secure boot optional → off (approximate)',
      props: { hw_firmware_type: 'uefi', os_secure_boot: 'optional' },
      firmware: { bootloader: { efi: { secureBoot: false, persistent: true } } },
      attr: 'image.os_secure_boot',
      outcome: 'approximate',
    },
    {
      name: 'uefi without persistent EFI when the plan says so',
      props: { hw_firmware_type: 'uefi', os_secure_boot: 'required' },
      persistentEfi: false,
      firmware: { bootloader: { efi: { secureBoot: true } } },
      smm: { enabled: true },
      attr: 'image.os_secure_boot',
      outcome: 'exact',
    },
    {
      name: 'BIOS guest asking for secure boot stays BIOS (lost)',
      props: { hw_firmware_type: 'bios', os_secure_boot: 'required' },
      firmware: { bootloader: { bios: {} } },
      attr: 'image.os_secure_boot',
      outcome: 'lost',
    },
    {
      name: 'flavor and image disagree → error',
      props: { hw_firmware_type: 'uefi', os_secure_boot: 'disabled' },
      specs: { 'os:secure_boot': 'required' },
      firmware: { bootloader: { efi: { secureBoot: true, persistent: true } } },
      smm: { enabled: true },
      attr: 'image.os_secure_boot',
      outcome: 'blocker',
    },
    { name: 'unknown firmware type → error', props: { hw_firmware_type: 'coreboot' }, firmware: undefined, attr: 'image.hw_firmware_type', outcome: 'blocker' },
  ];
  it.each(rows)('$name', ({ props, specs, persistentEfi, firmware, smm, attr, outcome }) => {
    const r = translateRow({ imageProperties: props, extraSpecs: specs, config: persistentEfi === undefined ? {} : { persistentEfi } });
    expect(r.schemaErrors).toEqual([]);
    // Every VM keeps the Nova server id as SMBIOS UUID and serial (the guest's identity); the rest is the bootloader.
    const { uuid, serial, ...bootloader } = must(r.d.firmware, 'domain.firmware');
    expect([uuid, serial]).toEqual([r.server.id, r.server.id]);
    expect(Object.keys(bootloader).length > 0 ? bootloader : undefined).toEqual(firmware);
    expect(r.d.features?.smm).toEqual(smm);
    expect(outcomeOf(r.findings, attr)).toBe(outcome);
  });
});

describe('hw_machine_type → domain.machine.type', () => {
  it.each([
    { value: 'q35', type: 'q35', outcome: 'exact' },
    { value: 'pc-q35-6.2', type: 'q35', outcome: 'approximate' },
    { value: 'pc', type: 'q35', outcome: 'approximate' },
    { value: 'pc-i440fx-2.11', type: 'q35', outcome: 'approximate' },
    { value: 'virt', type: 'q35', outcome: 'blocker' },
  ])('$value → $type ($outcome)', ({ value, type, outcome }) => {
    const r = translateRow({ imageProperties: { hw_machine_type: value } });
    expect(r.schemaErrors).toEqual([]);
    expect(r.d.machine).toEqual({ type });
    expect(outcomeOf(r.findings, 'image.hw_machine_type')).toBe(outcome);
  });
  it.each([
    { config: {}, outcome: 'approximate', reason: /pc.*i440fx to the cluster default q35/ },
    { config: { novaMachineType: 'pc-i440fx-rhel7.6.0' }, outcome: 'approximate', reason: /pc-i440fx-rhel7.6.0/ },
    { config: { novaMachineType: 'q35' }, outcome: 'exact', reason: /q35/ },
    { config: { novaMachineType: 'pc-q35-rhel8.6.0' }, outcome: 'approximate', reason: /same chipset/ },
  ])('absent → no machine field (cluster default), reported against the cloud default $config', ({ config, outcome, reason }) => {
    const r = translateRow({ config });
    expect(r.d.machine).toBeUndefined();
    const f = r.findings.find((x) => x.attribute === 'image.hw_machine_type (unset)')!;
    expect(f.outcome).toBe(outcome);
    expect(f.reason).toMatch(reason);
  });
});
