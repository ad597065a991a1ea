import { describe, expect, it } from 'vitest';
import { outcomeOf, translateRow } from '../../support/vm-fixture.js';

describe('firmware and secure boot → domain.firmware / features.smm', () => {
  const rows: { name: string; props?: Record<string, string>; specs?: Record<string, string>; persistentEfi?: boolean; firmware: unknown; smm?: unknown; attr: string; outcome: string }[] = [
    { name: 'no firmware property → KubeVirt default (BIOS)', firmware: undefined, attr: 'image.hw_firmware_type', outcome: undefined as unknown as string },
    { name: 'bios', props: { hw_firmware_type: 'bios' }, firmware: { bootloader: { bios: {} } }, attr: 'image.hw_firmware_type', outcome: 'exact' },
    { name: 'uefi without secure boot', props: { hw_firmware_type: 'uefi' }, firmware: { bootloader: { efi: { secureBoot: false, persistent: true } } }, attr: 'image.hw_firmware_type', outcome: 'approximate' },
    { name: 'uefi + os_secure_boot=required → secure boot, SMM, persistent NVRAM', props: { hw_firmware_type: 'uefi', os_secure_boot: 'required' }, firmware: { bootloader: { efi: { secureBoot: true, persistent: true } } }, smm: { enabled: true }, attr: 'image.os_secure_boot', outcome: 'exact' },
    { name: 'uefi + flavor os:secure_boot=required', props: { hw_firmware_type: 'uefi' }, specs: { 'os:secure_boot': 'required' }, firmware: { bootloader: { efi: { secureBoot: true, persistent: true } } }, smm: { enabled: true }, attr: 'flavor.extra_specs.os:secure_boot', outcome: 'exact' },
    { name: 'uefi + secure boot disabled', props: { hw_firmware_type: 'uefi', os_secure_boot: 'disabled' }, firmware: { bootloader: { efi: { secureBoot: false, persistent: true } } }, attr: 'image.os_secure_boot', outcome: 'exact' },
    { name: 'uefi + secure boot optional → off (approximate)', props: { hw_firmware_type: 'uefi', os_secure_boot: 'optional' }, firmware: { bootloader: { efi: { secureBoot: false, persistent: true } } }, attr: 'image.os_secure_boot', outcome: 'approximate' },
    { name: 'uefi without persistent EFI when the plan says so', props: { hw_firmware_type: 'uefi', os_secure_boot: 'required' }, persistentEfi: false, firmware: { bootloader: { efi: { secureBoot: true } } }, smm: { enabled: true }, attr: 'image.os_secure_boot', outcome: 'exact' },
    { name: 'BIOS guest asking for secure boot stays BIOS (lost)', props: { hw_firmware_type: 'bios', os_secure_boot: 'required' }, firmware: { bootloader: { bios: {} } }, attr: 'image.os_secure_boot', outcome: 'lost' },
    { name: 'flavor and image disagree → error', props: { hw_firmware_type: 'uefi', os_secure_boot: 'disabled' }, specs: { 'os:secure_boot': 'required' }, firmware: { bootloader: { efi: { secureBoot: true, persistent: true } } }, smm: { enabled: true }, attr: 'image.os_secure_boot', outcome: 'blocker' },
    { name: 'unknown firmware type → error', props: { hw_firmware_type: 'coreboot' }, firmware: undefined, attr: 'image.hw_firmware_type', outcome: 'blocker' },
  ];
  it.each(rows)('$name', ({ props, specs, persistentEfi, firmware, smm, attr, outcome }) => {
    const r = translateRow({ imageProperties: props, extraSpecs: specs, config: persistentEfi === undefined ? {} : { persistentEfi } });
    expect(r.schemaErrors).toEqual([]);
    expect(r.d.firmware).toEqual(firmware);
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
  it('absent → no machine field (cluster default)', () => {
    expect(translateRow({}).d.machine).toBeUndefined();
  });
});
