import { describe, expect, it } from 'vitest';
import type { Cpu } from '../../../src/kube-types/index.js';
import { resolveTopology } from '../../../src/translate/cpu.js';
import { outcomeOf, translateRow } from '../../support/vm-fixture.js';
import { must } from '../../support/must.js';

type Specs = Record<string, string>;
const flavorSpec = (key: string) => `flavor.extra_specs.${key}`;

// Nova's own topology choice (nova/virt/hardware.py) for flavor/image preferences and maxima.
describe('CPU topology (Nova precedence) → domain.cpu.{sockets,cores,threads}', () => {
  // [name, vCPUs, flavor extra specs, image properties, [sockets, cores, threads] or a blocker]
  it.each<[string, number, Specs, Specs, [number, number, number] | 'blocker']>([
    ['no preference: all sockets', 4, {}, {}, [4, 1, 1]],
    ['flavor sockets=2', 8, { 'hw:cpu_sockets': '2' }, {}, [2, 4, 1]],
    ['flavor sockets=1 cores=2 threads=2', 4, { 'hw:cpu_sockets': '1', 'hw:cpu_cores': '2', 'hw:cpu_threads': '2' }, {}, [1, 2, 2]],
    ['flavor threads=2 only', 8, { 'hw:cpu_threads': '2' }, {}, [4, 1, 2]],
    ['flavor max sockets=1', 4, { 'hw:cpu_max_sockets': '1' }, {}, [1, 4, 1]],
    ['flavor max sockets=2 max cores=1 → threads', 8, { 'hw:cpu_max_sockets': '2', 'hw:cpu_max_cores': '1' }, {}, [2, 1, 4]],
    ['image triple replaces the flavor one', 8, { 'hw:cpu_sockets': '4' }, { hw_cpu_sockets: '1', hw_cpu_threads: '2' }, [1, 4, 2]],
    ['flavor preference above the maximum is discarded', 4, { 'hw:cpu_sockets': '4', 'hw:cpu_max_sockets': '2' }, {}, [2, 2, 1]],
    ['image max below flavor max applies', 4, { 'hw:cpu_max_sockets': '4' }, { hw_cpu_max_sockets: '1' }, [1, 4, 1]],
    ['image max above flavor max → error', 4, { 'hw:cpu_max_sockets': '2' }, { hw_cpu_max_sockets: '4' }, 'blocker'],
    ['image preference above the maximum → error', 4, { 'hw:cpu_max_sockets': '2' }, { hw_cpu_sockets: '4' }, 'blocker'],
    ['no topology fits the maxima → error', 6, { 'hw:cpu_max_sockets': '1', 'hw:cpu_max_cores': '2', 'hw:cpu_max_threads': '2' }, {}, 'blocker'],
    ['thread policy isolate forbids threads', 4, { 'hw:cpu_threads': '2', 'hw:cpu_thread_policy': 'isolate' }, {}, [4, 1, 1]],
    [
      'dedicated with 4 threads folds into cores (KubeVirt allows ≤2)',
      8,
      { 'hw:cpu_policy': 'dedicated', 'hw:cpu_sockets': '1', 'hw:cpu_cores': '2', 'hw:cpu_threads': '4' },
      {},
      [1, 8, 1],
    ],
    ['dedicated with 2 threads kept', 8, { 'hw:cpu_policy': 'dedicated', 'hw:cpu_sockets': '1', 'hw:cpu_threads': '2' }, {}, [1, 4, 2]],
  ])('%s', (_name, vcpus, specs, props, expected) => {
    const r = translateRow({ flavor: { vcpus }, extraSpecs: specs, imageProperties: props });
    expect(r.schemaErrors).toEqual([]);
    if (expected === 'blocker') {
      expect(outcomeOf(r.findings, 'flavor.vcpus')).toBe('blocker');
    } else {
      const { sockets, cores, threads } = must(r.d.cpu, 'domain.cpu');
      expect([sockets, cores, threads]).toEqual(expected);
      expect((sockets ?? 0) * (cores ?? 0) * (threads ?? 0)).toBe(vcpus); // an absent count fails: vcpus > 0
      expect(outcomeOf(r.findings, 'flavor.vcpus')).not.toBe('blocker');
    }
  });

  it('resolveTopology reports why no topology fits', () => {
    const out = resolveTopology({ vcpus: 3, flavor: { maxSockets: 1, maxCores: 1, maxThreads: 1 }, image: {}, allowThreads: true });
    expect(out.ok).toBe(false);
  });
});

describe('CPU policy, emulator threads, realtime, NUMA, quota', () => {
  const dedicated = { 'hw:cpu_policy': 'dedicated' };
  // [name, flavor extra specs, image properties, expected domain.cpu fields, the finding's attribute, its outcome]
  it.each<[string, Specs, Specs, Cpu, string, string]>([
    ['hw:cpu_policy=dedicated', dedicated, {}, { dedicatedCpuPlacement: true }, flavorSpec('hw:cpu_policy'), 'exact'],
    ['hw:cpu_policy=shared', { 'hw:cpu_policy': 'shared' }, {}, { dedicatedCpuPlacement: undefined }, flavorSpec('hw:cpu_policy'), 'exact'],
    ['hw:cpu_policy=mixed is lost', { 'hw:cpu_policy': 'mixed' }, {}, { dedicatedCpuPlacement: undefined }, flavorSpec('hw:cpu_policy'), 'lost'],
    [
      'image hw_cpu_policy=dedicated applies when the flavor is silent',
      {},
      { hw_cpu_policy: 'dedicated' },
      { dedicatedCpuPlacement: true },
      'image.hw_cpu_policy',
      'exact',
    ],
    [
      'flavor shared + image dedicated → error',
      { 'hw:cpu_policy': 'shared' },
      { hw_cpu_policy: 'dedicated' },
      { dedicatedCpuPlacement: undefined },
      'image.hw_cpu_policy',
      'blocker',
    ],
    [
      'emulator threads isolate with dedicated',
      { ...dedicated, 'hw:emulator_threads_policy': 'isolate' },
      {},
      { isolateEmulatorThread: true },
      flavorSpec('hw:emulator_threads_policy'),
      'exact',
    ],
    [
      'emulator threads isolate without dedicated is lost',
      { 'hw:emulator_threads_policy': 'isolate' },
      {},
      { isolateEmulatorThread: undefined },
      flavorSpec('hw:emulator_threads_policy'),
      'lost',
    ],
    [
      'realtime mask ^0 becomes 0-N,^0',
      { ...dedicated, 'hw:cpu_realtime': 'yes', 'hw:cpu_realtime_mask': '^0' },
      {},
      { realtime: { mask: '0-1,^0' } },
      flavorSpec('hw:cpu_realtime_mask'),
      'exact',
    ],
    [
      'realtime without dedicated is lost',
      { 'hw:cpu_realtime': 'yes', 'hw:cpu_realtime_mask': '^0' },
      {},
      { realtime: undefined },
      flavorSpec('hw:cpu_realtime_mask'),
      'lost',
    ],
    [
      'NUMA nodes with dedicated + hugepages → passthrough',
      { ...dedicated, 'hw:mem_page_size': '2MB', 'hw:numa_nodes': '2' },
      {},
      { numa: { guestMappingPassthrough: {} } },
      flavorSpec('hw:numa_nodes'),
      'approximate',
    ],
    ['NUMA nodes without hugepages → lost', { ...dedicated, 'hw:numa_nodes': '2' }, {}, { numa: undefined }, flavorSpec('hw:numa_nodes'), 'lost'],
    [
      'explicit NUMA pinning blocks',
      { 'hw:numa_nodes': '2', 'hw:numa_cpus.0': '0', 'hw:numa_cpus.1': '1', 'hw:numa_mem.0': '1024', 'hw:numa_mem.1': '1024' },
      {},
      { numa: undefined },
      ['hw:numa_cpus.0', 'hw:numa_cpus.1', 'hw:numa_mem.0', 'hw:numa_mem.1'].map(flavorSpec).join(', '),
      'blocker',
    ],
  ])('%s', (_name, specs, props, cpu, attr, outcome) => {
    const r = translateRow({ extraSpecs: specs, imageProperties: props });
    expect(r.schemaErrors).toEqual([]);
    for (const [k, v] of Object.entries(cpu)) expect(must(r.d.cpu, 'domain.cpu')[k as keyof Cpu]).toEqual(v);
    expect(outcomeOf(r.findings, attr)).toBe(outcome);
  });

  it('quota:cpu_quota/cpu_period → a pod CPU limit for all vCPUs (approximate)', () => {
    const r = translateRow({ flavor: { vcpus: 4 }, extraSpecs: { 'quota:cpu_quota': '50000', 'quota:cpu_period': '100000' } });
    expect(r.schemaErrors).toEqual([]);
    expect(r.d.resources).toEqual({ limits: { cpu: '2000m' } });
    expect(outcomeOf(r.findings, 'flavor.extra_specs.quota:cpu_quota')).toBe('approximate');
  });
  it('other quota:* specs are lost, never silent', () => {
    const r = translateRow({ extraSpecs: { 'quota:disk_read_iops_sec': '500', 'quota:cpu_shares': '2048' } });
    expect(outcomeOf(r.findings, 'flavor.extra_specs.quota:disk_read_iops_sec')).toBe('lost');
    expect(outcomeOf(r.findings, 'flavor.extra_specs.quota:cpu_shares')).toBe('lost');
  });
});
