// os_type, hw_time_hpet, os_distro, architecture → clock, Hyper-V enlightenments, annotations.
import { type ServerFacts, novaBool, prop, propAttr } from './server-facts.js';

export interface OsHintsResult {
  clock?: { utc?: Record<string, never>; timer?: { hyperv?: Record<string, never>; hpet?: { present: boolean } } };
  hyperv?: { relaxed: Record<string, never>; vapic: Record<string, never>; spinlocks: { spinlocks: number } };
  osDistro?: string;
  /** spec.template.spec.architecture, when it is not the cluster's default (amd64). */
  architecture?: string;
}

const DOMAIN = 'spec.template.spec.domain';

export function translateOsHints(facts: ServerFacts): OsHintsResult {
  const result: OsHintsResult = {};
  const osType = prop(facts, 'os_type');
  if (osType !== undefined) {
    const attr = propAttr(facts, 'os_type');
    if (osType.toLowerCase() === 'windows') {
      // What Nova's libvirt driver gives Windows guests (_set_kvm_timers, _set_features): the hypervclock
      // timer and the relaxed/vapic/spinlocks enlightenments (spinlock retries 8191, as Nova sets).
      result.hyperv = { relaxed: {}, vapic: {}, spinlocks: { spinlocks: 8191 } };
      result.clock = { utc: {}, timer: { hyperv: {} } };
      facts.findings.exact(
        attr,
        `${DOMAIN}.features.hyperv, ${DOMAIN}.clock.timer.hyperv`,
        'Hyper-V enlightenments (relaxed, vapic, spinlocks) and the Hyper-V clock, as Nova sets them',
      );
      facts.findings.approximate(
        `${attr} (clock offset)`,
        `${DOMAIN}.clock.utc`,
        "Nova runs Windows guests with the RTC in the host's local time; that zone is unknown here, so the RTC is UTC: set clock.timezone to the old hosts' zone or make Windows treat the RTC as UTC (RealTimeIsUniversal)",
      );
    } else {
      facts.findings.exact(attr, DOMAIN, `${osType}: no guest-specific settings`);
    }
  }
  const hpet = prop(facts, 'hw_time_hpet');
  if (hpet !== undefined) {
    const present = novaBool(hpet);
    if (present === undefined) {
      facts.findings.blocker(propAttr(facts, 'hw_time_hpet'), `"${hpet}" is not a boolean`);
    } else {
      result.clock ??= { utc: {} };
      result.clock.timer = { ...(result.clock.timer ?? {}), hpet: { present } };
      facts.findings.exact(propAttr(facts, 'hw_time_hpet'), `${DOMAIN}.clock.timer.hpet.present`, present ? 'HPET present' : 'no HPET');
    }
  }
  const distro = prop(facts, 'os_distro');
  if (distro !== undefined) {
    result.osDistro = distro;
    facts.findings.exact(propAttr(facts, 'os_distro'), 'metadata.annotations', 'kept as an annotation (a hint to pick a VirtualMachinePreference)');
  }
  for (const key of ['os_version', 'os_admin_user', 'os_command_line', 'hypervisor_type', 'vm_mode', 'img_hv_type', 'img_linked_clone']) {
    if (prop(facts, key) !== undefined) facts.findings.lost(propAttr(facts, key), 'informational for Nova; no KubeVirt field', 'info');
  }
  const arch = prop(facts, 'architecture') ?? prop(facts, 'hw_architecture');
  if (arch !== undefined) {
    const attr = propAttr(facts, facts.imageProperties.architecture !== undefined ? 'architecture' : 'hw_architecture');
    if (arch === 'x86_64' || arch === 'i686') facts.findings.exact(attr, 'spec.template.spec.architecture', `${arch} runs on amd64 nodes`);
    else if (arch === 'aarch64') {
      result.architecture = 'arm64';
      facts.findings.exact(attr, 'spec.template.spec.architecture', 'arm64');
    } else if (arch === 's390x') {
      result.architecture = 's390x';
      facts.findings.exact(attr, 'spec.template.spec.architecture', 's390x');
    } else facts.findings.blocker(attr, `architecture ${arch} cannot run on KubeVirt (amd64, arm64, s390x)`);
  }
  return result;
}
