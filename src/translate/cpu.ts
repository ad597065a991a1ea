// Flavor vcpus + hw:cpu_* extra specs + image hw_cpu_* properties → spec.template.spec.domain.cpu.
// Topology follows Nova's own resolution (nova/virt/hardware.py get_cpu_topology_constraints and
// _get_desirable_cpu_topologies) so that the guest sees the sockets/cores/threads it saw on Nova.
import { type ServerFacts, positiveInt, prop, propAttr, spec, specAttr } from './server-facts.js';

export interface CpuTopology {
  sockets: number;
  cores: number;
  threads: number;
}

export interface CpuSpec extends Partial<CpuTopology> {
  dedicatedCpuPlacement?: boolean;
  isolateEmulatorThread?: boolean;
  realtime?: { mask?: string };
  numa?: { guestMappingPassthrough: Record<string, never> };
}

export interface CpuResult {
  cpu: CpuSpec;
  dedicated: boolean;
  /** spec.template.spec.domain.resources.limits.cpu, when quota:cpu_quota/cpu_period cap the CPU. */
  cpuLimit?: string;
}

const NOVA_MAX = 65536;
const TARGET = 'spec.template.spec.domain.cpu';

export interface TopologyInput {
  vcpus: number;
  flavor: { sockets?: number; cores?: number; threads?: number; maxSockets?: number; maxCores?: number; maxThreads?: number };
  image: { sockets?: number; cores?: number; threads?: number; maxSockets?: number; maxCores?: number; maxThreads?: number };
  allowThreads: boolean;
}

export type TopologyOutcome = { ok: true; topology: CpuTopology; discardedFlavorPreference: boolean } | { ok: false; reason: string };

/** Nova's topology choice for `vcpus`, given flavor and image preferences and maxima. */
export function resolveTopology(input: TopologyInput): TopologyOutcome {
  const { flavor, image, vcpus } = input;
  const axes = ['Sockets', 'Cores', 'Threads'] as const;
  const max: Record<(typeof axes)[number], number> = { Sockets: NOVA_MAX, Cores: NOVA_MAX, Threads: NOVA_MAX };
  for (const axis of axes) {
    const flavorMax = flavor[`max${axis}`] ?? NOVA_MAX;
    const imageMax = image[`max${axis}`];
    if (imageMax !== undefined && imageMax > flavorMax) {
      return { ok: false, reason: `image hw_cpu_max_${axis.toLowerCase()}=${imageMax} exceeds the flavor maximum ${flavorMax}; Nova refuses this combination` };
    }
    max[axis] = imageMax ?? flavorMax;
  }
  let preferred = { sockets: flavor.sockets ?? -1, cores: flavor.cores ?? -1, threads: flavor.threads ?? -1 };
  let discardedFlavorPreference = false;
  if (preferred.sockets > max.Sockets || preferred.cores > max.Cores || preferred.threads > max.Threads) {
    preferred = { sockets: -1, cores: -1, threads: -1 };
    discardedFlavorPreference = true;
  }
  const imageWants = { sockets: image.sockets ?? -1, cores: image.cores ?? -1, threads: image.threads ?? -1 };
  if (imageWants.sockets > max.Sockets || imageWants.cores > max.Cores || imageWants.threads > max.Threads) {
    return {
      ok: false,
      reason: `image CPU topology ${JSON.stringify(image)} exceeds the maximum sockets=${max.Sockets} cores=${max.Cores} threads=${max.Threads}; Nova refuses it`,
    };
  }
  if (imageWants.sockets > 0 || imageWants.cores > 0 || imageWants.threads > 0) preferred = imageWants;

  const maxThreads = input.allowThreads ? max.Threads : 1;
  const possible: CpuTopology[] = [];
  for (let s = 1; s <= Math.min(vcpus, max.Sockets); s++) {
    if (vcpus % s) continue;
    for (let c = 1; c <= Math.min(vcpus, max.Cores); c++) {
      if (vcpus % (s * c)) continue;
      const t = vcpus / (s * c);
      if (t <= maxThreads) possible.push({ sockets: s, cores: c, threads: t });
    }
  }
  if (possible.length === 0) {
    return { ok: false, reason: `no sockets×cores×threads = ${vcpus} fits the maxima sockets=${max.Sockets} cores=${max.Cores} threads=${maxThreads}` };
  }
  // Nova: fewest threads first (largest sockets*cores), then most sockets; then the best match with the
  // preferred values, keeping that order inside each score.
  possible.sort((a, b) => b.sockets * b.cores - a.sockets * a.cores || b.sockets - a.sockets || b.threads - a.threads);
  const score = (t: CpuTopology) =>
    (preferred.sockets > 0 && t.sockets === preferred.sockets ? 1 : 0) +
    (preferred.cores > 0 && t.cores === preferred.cores ? 1 : 0) +
    (preferred.threads > 0 && t.threads === preferred.threads ? 1 : 0);
  let best: CpuTopology | undefined;
  for (const t of possible) if (best === undefined || score(t) > score(best)) best = t;
  if (best === undefined) throw new Error('unreachable: possible is not empty');
  return { ok: true, topology: best, discardedFlavorPreference };
}

function intSpec(facts: ServerFacts, key: string): number | undefined {
  const v = positiveInt(spec(facts, key));
  if (Number.isNaN(v)) {
    facts.findings.blocker(specAttr(key), `"${facts.flavor.extraSpecs[key]}" is not a positive integer`);
    return undefined;
  }
  return v;
}
function intProp(facts: ServerFacts, key: string): number | undefined {
  const v = positiveInt(prop(facts, key));
  if (Number.isNaN(v)) {
    facts.findings.blocker(propAttr(facts, key), `"${facts.imageProperties[key]}" is not a positive integer`);
    return undefined;
  }
  return v;
}

/** Nova's CPU policy precedence (hardware.py get_cpu_policy_constraint). */
function resolvePolicy(facts: ServerFacts): string | undefined {
  const flavorPolicy = spec(facts, 'hw:cpu_policy');
  const imagePolicy = prop(facts, 'hw_cpu_policy');
  if (flavorPolicy === 'dedicated') return 'dedicated';
  if (flavorPolicy === 'shared' && (imagePolicy === 'dedicated' || imagePolicy === 'mixed')) {
    facts.findings.blocker(propAttr(facts, 'hw_cpu_policy'), `image asks for "${imagePolicy}" but the flavor says "shared"; Nova refuses this combination`);
    return 'shared';
  }
  if (flavorPolicy === 'mixed' && imagePolicy === 'dedicated') {
    facts.findings.blocker(propAttr(facts, 'hw_cpu_policy'), 'image asks for "dedicated" but the flavor says "mixed"; Nova refuses this combination');
    return 'mixed';
  }
  return flavorPolicy ?? imagePolicy;
}

export function translateCpu(facts: ServerFacts): CpuResult {
  const { findings, flavor } = facts;
  const cpu: CpuSpec = {};
  const vcpus = flavor.vcpus;

  const policy = resolvePolicy(facts);
  const policyAttr = facts.flavor.extraSpecs['hw:cpu_policy'] !== undefined ? specAttr('hw:cpu_policy') : propAttr(facts, 'hw_cpu_policy');
  const dedicated = policy === 'dedicated';
  if (policy === 'dedicated') {
    cpu.dedicatedCpuPlacement = true;
    findings.exact(
      policyAttr,
      `${TARGET}.dedicatedCpuPlacement`,
      'dedicated: each vCPU pinned to a host CPU (needs the CPU manager static policy on the node)',
    );
  } else if (policy === 'shared') {
    findings.exact(policyAttr, TARGET, "shared: KubeVirt vCPUs float on the pod's CPUs by default");
  } else if (policy === 'mixed') {
    findings.lost(policyAttr, 'mixed (some vCPUs pinned, others floating) has no KubeVirt equivalent; all vCPUs float', 'warning');
  } else if (policy !== undefined) {
    findings.blocker(policyAttr, `unknown CPU policy "${policy}" (Nova accepts dedicated, shared, mixed)`);
  }

  const threadPolicyFlavor = spec(facts, 'hw:cpu_thread_policy');
  const threadPolicyImage = prop(facts, 'hw_cpu_thread_policy');
  let threadPolicy = threadPolicyFlavor;
  if (threadPolicyImage !== undefined) {
    if (threadPolicyFlavor === undefined || threadPolicyFlavor === 'prefer') threadPolicy = threadPolicyImage;
    else if (threadPolicyImage !== threadPolicyFlavor) {
      findings.blocker(
        propAttr(facts, 'hw_cpu_thread_policy'),
        `image asks for "${threadPolicyImage}" but the flavor says "${threadPolicyFlavor}"; Nova refuses this combination`,
      );
    }
  }
  if (threadPolicy !== undefined) {
    const attr = threadPolicyFlavor !== undefined ? specAttr('hw:cpu_thread_policy') : propAttr(facts, 'hw_cpu_thread_policy');
    if (threadPolicy === 'isolate') {
      findings.approximate(
        attr,
        `${TARGET}.threads`,
        'isolate: the guest gets no SMT threads (threads=1), but KubeVirt cannot keep the sibling host threads idle',
      );
    } else {
      findings.lost(
        attr,
        `${threadPolicy}: KubeVirt has no host thread-sibling policy; the guest topology is kept, host placement is left to the CPU manager`,
        'info',
      );
    }
  }

  const topo = resolveTopology({
    vcpus,
    flavor: {
      sockets: intSpec(facts, 'hw:cpu_sockets'),
      cores: intSpec(facts, 'hw:cpu_cores'),
      threads: intSpec(facts, 'hw:cpu_threads'),
      maxSockets: intSpec(facts, 'hw:cpu_max_sockets'),
      maxCores: intSpec(facts, 'hw:cpu_max_cores'),
      maxThreads: intSpec(facts, 'hw:cpu_max_threads'),
    },
    image: {
      sockets: intProp(facts, 'hw_cpu_sockets'),
      cores: intProp(facts, 'hw_cpu_cores'),
      threads: intProp(facts, 'hw_cpu_threads'),
      maxSockets: intProp(facts, 'hw_cpu_max_sockets'),
      maxCores: intProp(facts, 'hw_cpu_max_cores'),
      maxThreads: intProp(facts, 'hw_cpu_max_threads'),
    },
    allowThreads: threadPolicy !== 'isolate',
  });
  if (!topo.ok) {
    findings.blocker('flavor.vcpus', topo.reason, TARGET);
    // Still produce a valid VM (all sockets, Nova's default) so the rest of the plan can be reviewed.
    Object.assign(cpu, { sockets: vcpus, cores: 1, threads: 1 });
  } else {
    let { sockets, cores, threads } = topo.topology;
    if (dedicated && threads > 2) {
      // KubeVirt rejects more than 2 threads per core with dedicated placement
      // (validateThreadCountOnDedicatedCPUPlacement): fold the threads into cores, same vCPU count.
      findings.approximate(
        'flavor.vcpus',
        `${TARGET}.threads`,
        `Nova topology ${sockets}×${cores}×${threads} has more than 2 threads per core, which KubeVirt rejects with dedicated CPUs; the guest gets ${sockets}×${cores * threads}×1`,
      );
      cores *= threads;
      threads = 1;
    } else {
      const why = topo.discardedFlavorPreference ? ' (the flavor preference exceeded the maximum, so Nova ignored it, as here)' : '';
      findings.exact(
        'flavor.vcpus',
        `${TARGET}.{sockets,cores,threads}`,
        `${vcpus} vCPUs as ${sockets} sockets × ${cores} cores × ${threads} threads, Nova's own choice${why}`,
      );
    }
    Object.assign(cpu, { sockets, cores, threads });
  }

  const emulator = spec(facts, 'hw:emulator_threads_policy');
  if (emulator !== undefined) {
    const attr = specAttr('hw:emulator_threads_policy');
    if (emulator === 'isolate' && dedicated) {
      cpu.isolateEmulatorThread = true;
      findings.exact(attr, `${TARGET}.isolateEmulatorThread`, 'emulator threads on their own host CPU');
    } else if (emulator === 'share' && dedicated) {
      findings.approximate(attr, undefined, "share: Nova runs emulator threads on a shared host CPU pool; KubeVirt runs them on the pod's CPUs", 'info');
    } else {
      findings.lost(attr, `${emulator} needs a dedicated CPU policy in KubeVirt (isolateEmulatorThread is only valid with dedicatedCpuPlacement)`);
    }
  }

  const realtime = spec(facts, 'hw:cpu_realtime') ?? prop(facts, 'hw_cpu_realtime');
  const mask = spec(facts, 'hw:cpu_realtime_mask') ?? prop(facts, 'hw_cpu_realtime_mask');
  if (realtime !== undefined || mask !== undefined) {
    const attr = specAttr(mask !== undefined ? 'hw:cpu_realtime_mask' : 'hw:cpu_realtime');
    const on = realtime === undefined ? mask !== undefined : ['yes', 'true', '1'].includes(realtime.toLowerCase());
    if (!on) {
      findings.exact(attr, TARGET, 'realtime disabled');
    } else if (!dedicated) {
      findings.lost(attr, 'realtime vCPUs need dedicated CPU placement in KubeVirt (validateRealtime)');
    } else {
      // Nova masks list the vCPUs that are NOT realtime ("^0-1"); libvirt/KubeVirt masks list the realtime
      // ones with exclusions, so an exclusion-only Nova mask needs the full vCPU range in front.
      const kvMask = mask === undefined ? undefined : /^\s*\^/.test(mask) ? `0-${vcpus - 1},${mask}` : mask;
      cpu.realtime = kvMask === undefined ? {} : { mask: kvMask };
      findings.exact(attr, `${TARGET}.realtime`, kvMask ? `realtime vCPUs ${kvMask}` : 'all vCPUs realtime');
    }
  }

  // quota:cpu_quota is per vCPU per period in libvirt (<cputune><quota>), so the whole guest may use
  // vcpus × quota/period CPUs: the closest Kubernetes expression is a CPU limit on the pod.
  let cpuLimit: string | undefined;
  const quota = spec(facts, 'quota:cpu_quota');
  const period = spec(facts, 'quota:cpu_period');
  if (quota !== undefined) {
    const q = Number(quota);
    const p = period !== undefined ? Number(period) : 100000; // libvirt's default period, µs
    if (dedicated) {
      findings.lost(specAttr('quota:cpu_quota'), 'a CPU cap cannot be combined with dedicated CPUs in KubeVirt (requests must equal limits)');
    } else if (q > 0 && p > 0) {
      const millis = Math.max(1, Math.round((vcpus * q * 1000) / p));
      cpuLimit = `${millis}m`;
      findings.approximate(
        specAttr('quota:cpu_quota'),
        'spec.template.spec.domain.resources.limits.cpu',
        `a per-vCPU CFS quota of ${q}/${p} µs becomes a pod CPU limit of ${cpuLimit} for all vCPUs together`,
      );
    } else {
      findings.lost(specAttr('quota:cpu_quota'), `"${quota}" is not a positive quota (-1 means unlimited)`, 'info');
    }
  }
  return { cpu, dedicated, cpuLimit };
}

/**
 * hw:numa_nodes → guestMappingPassthrough, only where KubeVirt accepts it (dedicated CPUs and hugepages,
 * validateNUMA); explicit hw:numa_cpus.N / hw:numa_mem.N pinning has no equivalent and blocks.
 */
export function translateNuma(facts: ServerFacts, cpu: CpuSpec, hugepages: boolean): void {
  const { findings } = facts;
  const nodes = spec(facts, 'hw:numa_nodes') ?? prop(facts, 'hw_numa_nodes');
  const pinning = [
    ...Object.keys(facts.flavor.extraSpecs)
      .filter((k) => /^hw:numa_(cpus|mem)\.\d+$/.test(k))
      .map((k) => {
        spec(facts, k);
        return specAttr(k);
      }),
    ...Object.keys(facts.imageProperties)
      .filter((k) => /^hw_numa_(cpus|mem)\.\d+$/.test(k))
      .map((k) => {
        prop(facts, k);
        return propAttr(facts, k);
      }),
  ].sort();
  if (pinning.length > 0) {
    findings.blocker(
      pinning.join(', '),
      'explicit guest NUMA cell layout (which vCPUs and how much memory per node) cannot be expressed; KubeVirt can only mirror the host NUMA layout of the pinned CPUs',
    );
  }
  if (nodes === undefined) return;
  const attr = facts.flavor.extraSpecs['hw:numa_nodes'] !== undefined ? specAttr('hw:numa_nodes') : propAttr(facts, 'hw_numa_nodes');
  if (cpu.dedicatedCpuPlacement && hugepages) {
    cpu.numa = { guestMappingPassthrough: {} };
    findings.approximate(
      attr,
      `${TARGET}.numa.guestMappingPassthrough`,
      `the guest gets the NUMA layout of its pinned host CPUs, not exactly ${nodes} node(s); needs the NUMA feature gate`,
    );
  } else {
    findings.lost(
      attr,
      `${nodes} guest NUMA node(s): KubeVirt's NUMA passthrough requires dedicated CPUs and hugepages, which this flavor does not ask for; the guest sees one node`,
    );
  }
}
