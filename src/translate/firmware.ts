// hw_firmware_type + os_secure_boot / os:secure_boot + hw_machine_type → domain.firmware, features.smm,
// machine. Secure boot is decided per guest from its own properties: unlike tools that switch it off for
// every UEFI guest, a guest that required it keeps it (with SMM, which KubeVirt needs for it).
import type { PlanConfig } from './model.js';
import { type ServerFacts, prop, propAttr, spec, specAttr } from './server-facts.js';

export interface FirmwareResult {
  firmware?: { bootloader: { bios: Record<string, never> } | { efi: { secureBoot: boolean; persistent?: boolean } } };
  smm?: boolean;
  machineType?: string;
  efi: boolean;
}

const FW = 'spec.template.spec.domain.firmware.bootloader';

export function translateFirmware(facts: ServerFacts, config: Pick<PlanConfig, 'persistentEfi' | 'novaMachineType'>): FirmwareResult {
  const { findings } = facts;
  const result: FirmwareResult = { efi: false };
  const type = prop(facts, 'hw_firmware_type');
  const imageSb = prop(facts, 'os_secure_boot');
  const flavorSb = spec(facts, 'os:secure_boot');
  // hw_firmware_stateless (Nova 2023.2+) asks for an EFI without persistent NVRAM.
  const stateless = prop(facts, 'hw_firmware_stateless');

  let secureBoot = flavorSb ?? imageSb;
  const sbAttr = flavorSb !== undefined ? specAttr('os:secure_boot') : propAttr(facts, 'os_secure_boot');
  if (flavorSb !== undefined && imageSb !== undefined && flavorSb !== imageSb) {
    // nova/virt/hardware.py _get_unique_flavor_image_meta: both must agree.
    findings.blocker(propAttr(facts, 'os_secure_boot'), `the image says "${imageSb}" and the flavor "${flavorSb}"; Nova requires them to agree`);
    secureBoot = flavorSb;
  }

  if (type === undefined || type === 'bios') {
    if (type === 'bios') {
      result.firmware = { bootloader: { bios: {} } };
      findings.exact(propAttr(facts, 'hw_firmware_type'), `${FW}.bios`, 'BIOS firmware');
    }
    if (secureBoot === 'required') {
      // Turning a BIOS guest into a UEFI one would not boot its disk; keep BIOS and say so.
      findings.lost(sbAttr, 'secure boot requires UEFI firmware but the guest boots with BIOS; kept BIOS without secure boot');
    } else if (secureBoot !== undefined) {
      findings.exact(sbAttr, `${FW}.bios`, `${secureBoot}: no secure boot with BIOS firmware`);
    }
  } else if (type === 'uefi') {
    result.efi = true;
    const efi: { secureBoot: boolean; persistent?: boolean } = { secureBoot: false };
    if (secureBoot === 'required') {
      efi.secureBoot = true;
      result.smm = true;
      findings.exact(sbAttr, `${FW}.efi.secureBoot`, 'secure boot kept, with SMM enabled as KubeVirt requires');
    } else if (secureBoot === 'optional') {
      // "optional" enables secure boot only when the Nova host supports it; turning it off can never stop
      // the guest from booting, turning it on could.
      findings.approximate(
        sbAttr,
        `${FW}.efi.secureBoot`,
        'optional: Nova enabled secure boot only where the host supported it; planned with secure boot off, which always boots',
      );
    } else if (secureBoot === 'disabled' || secureBoot === undefined) {
      if (secureBoot !== undefined) findings.exact(sbAttr, `${FW}.efi.secureBoot`, 'secure boot off');
    } else {
      findings.blocker(sbAttr, `unknown secure boot value "${secureBoot}" (Nova accepts required, disabled, optional)`);
    }
    const wantsStateless = stateless !== undefined && ['true', 'yes', '1'].includes(stateless.toLowerCase());
    if (config.persistentEfi && !wantsStateless) efi.persistent = true;
    result.firmware = { bootloader: { efi } };
    findings.approximate(
      propAttr(facts, 'hw_firmware_type'),
      `${FW}.efi`,
      `UEFI firmware${efi.persistent ? ' with persistent EFI variables (needs the VMPersistentState feature gate)' : ''}; the NVRAM of the Nova host (boot entries, enrolled keys) is not copied, so the guest boots through the removable-media path (\\EFI\\BOOT\\BOOTX64.EFI)`,
      'info',
    );
    if (stateless !== undefined) {
      findings.exact(
        propAttr(facts, 'hw_firmware_stateless'),
        `${FW}.efi.persistent`,
        wantsStateless ? 'stateless firmware: no persistent NVRAM' : 'stateful firmware',
      );
    }
  } else {
    findings.blocker(propAttr(facts, 'hw_firmware_type'), `unknown firmware type "${type}" (Nova accepts bios, uefi)`);
  }

  const machine = prop(facts, 'hw_machine_type');
  const machineAttr = propAttr(facts, 'hw_machine_type');
  if (machine === undefined) {
    // Nova used the cloud's default (nova.conf [libvirt]hw_machine_type; Nova's own for x86_64 is pc); the
    // VM gets the cluster's default, q35 in a stock KubeVirt.
    result.machineType = undefined;
    const cloud = config.novaMachineType;
    const attr = `${machineAttr} (unset)`;
    if (cloud === 'q35') findings.exact(attr, 'spec.template.spec.domain.machine.type', 'the cloud default q35 → the cluster default (q35)');
    else if (/^pc-q35-/.test(cloud))
      findings.approximate(
        attr,
        'spec.template.spec.domain.machine.type',
        `the cloud default ${cloud} → the cluster default q35 (same chipset, newer device defaults)`,
        'info',
      );
    else
      findings.approximate(
        attr,
        'spec.template.spec.domain.machine.type',
        `Nova gave this guest the cloud's default machine type, ${cloud}${cloud === 'pc' ? " (Nova's own default; state another with --nova-machine-type)" : ''}: it moves from i440fx to the cluster default q35, so PCIe and AHCI instead of PCI and IDE, which older guests may need drivers for`,
      );
  } else if (machine === 'q35') {
    result.machineType = 'q35';
    findings.exact(machineAttr, 'spec.template.spec.domain.machine.type', 'q35');
  } else if (/^pc-q35-/.test(machine)) {
    // A versioned q35 may not exist in the cluster's QEMU; the alias picks its newest q35.
    result.machineType = 'q35';
    findings.approximate(
      machineAttr,
      'spec.template.spec.domain.machine.type',
      `${machine} → q35 (the newest q35 of the cluster's QEMU; same chipset, newer device defaults)`,
      'info',
    );
  } else if (machine === 'pc' || /^pc-i440fx-/.test(machine) || /^pc-\d/.test(machine)) {
    result.machineType = 'q35';
    findings.approximate(
      machineAttr,
      'spec.template.spec.domain.machine.type',
      `${machine} (i440fx) is rejected by KubeVirt; the guest moves to q35: PCIe and AHCI instead of PCI and IDE, which older guests may need drivers for`,
    );
  } else {
    result.machineType = 'q35';
    findings.blocker(machineAttr, `machine type "${machine}" is not an x86_64 machine KubeVirt accepts (q35* by default)`);
  }
  return result;
}
