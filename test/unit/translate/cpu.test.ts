import { describe, expect, it } from 'vitest';
import type { Cpu } from '../../../src/kube-types/index.js';
import { resolveTopology } from '../../../src/translate/cpu.js';
import { outcomeOf, translateRow } from '../../support/vm-fixture.js';
import { must } from '../../support/must.js';

// Nova's own topology choice (nova/virt/hardware.py) for flavor/image preferences and maxima.
describe('CPU topology (Nova precedence) → domain.cpu.{sockets,cores,threads}', () => {
  const rows: {
    name: string;
    vcpus: number;
    specs?: Record<string, string>;
    props?: Record<string, string>;
    expected: [number, number, number] | 'blocker';
  }[] = [
    { name: 'no preference: all sockets', vcpus: 4, expected: [4, 1, 1] },
    { name: 'flavor sockets=2', vcpus: 8, specs: { 'hw:cpu_sockets': '2' }, expected: [2, 4, 1] },
    { name: 'flavor sockets=1 cores=2 threads=2', vcpus: 4, specs: { 'hw:cpu_sockets': '1', 'hw:cpu_cores': '2', 'hw:cpu_threads': '2' }, expected: [1, 2, 2] },
    { name: 'flavor threads=2 only', vcpus: 8, specs: { 'hw:cpu_threads': '2' }, expected: [4, 1, 2] },
    { name: 'flavor max sockets=1', vcpus: 4, specs: { 'hw:cpu_max_sockets': '1' }, expected: [1, 4, 1] },
    { name: 'flavor max sockets=2 max cores=1 → threads', vcpus: 8, specs: { 'hw:cpu_max_sockets': '2', 'hw:cpu_max_cores': '1' }, expected: [2, 1, 4] },
    {
      name: 'image triple replaces the flavor one',
      vcpus: 8,
      specs: { 'hw:cpu_sockets': '4' },
      props: { hw_cpu_sockets: '1', hw_cpu_threads: '2' },
      expected: [1, 4, 2],
    },
    { name: 'flavor preference above the maximum is discarded', vcpus: 4, specs: { 'hw:cpu_sockets': '4', 'hw:cpu_max_sockets': '2' }, expected: [2, 2, 1] },
    { name: 'image max below flavor max applies', vcpus: 4, specs: { 'hw:cpu_max_sockets': '4' }, props: { hw_cpu_max_sockets: '1' }, expected: [1, 4, 1] },
    { name: 'image max above flavor max → error', vcpus: 4, specs: { 'hw:cpu_max_sockets': '2' }, props: { hw_cpu_max_sockets: '4' }, expected: 'blocker' },
    { name: 'image preference above the maximum → error', vcpus: 4, specs: { 'hw:cpu_max_sockets': '2' }, props: { hw_cpu_sockets: '4' }, expected: 'blocker' },
    {
      name: 'no topology fits the maxima → error',
      vcpus: 6,
      specs: { 'hw:cpu_max_sockets': '1', 'hw:cpu_max_cores': '2', 'hw:cpu_max_threads': '2' },
      expected: 'blocker',
    },
    { name: 'thread policy isolate forbids threads', vcpus: 4, specs: { 'hw:cpu_threads': '2', 'hw:cpu_thread_policy': 'isolate' }, expected: [4, 1, 1] },
    {
      name: 'dedicated with 4 threads folds into cores (KubeVirt allows ≤2)',
      vcpus: 8,
      specs: { 'hw:cpu_policy': 'dedicated', 'hw:cpu_sockets': '1', 'hw:cpu_cores': '2', 'hw:cpu_threads': '4' },
      expected: [1, 8, 1],
    },
    {
      name: 'dedicated with 2 threads kept',
      vcpus: 8,
      specs: { 'hw:cpu_policy': 'dedicated', 'hw:cpu_sockets': '1', 'hw:cpu_threads': '2' },
      expected: [1, 4, 2],
    },
  ];
  it.each(rows)('$name', ({ vcpus, specs, props, expected }) => {
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
  const rows: {
    name: string;
    specs?: Record<string, string>;
    props?: Record<string, string>;
    cpu: Cpu;
    attr: string;
    outcome: string;
    memory?: Record<string, unknown>;
  }[] = [
    {
      name: 'hw:cpu_policy=dedicated',
      specs: { 'hw:cpu_policy': 'dedicated' },
      cpu: { dedicatedCpuPlacement: true },
      attr: 'flavor.extra_specs.hw:cpu_policy',
      outcome: 'exact',
    },
    {
      name: 'hw:cpu_policy=shared',
      specs: { 'hw:cpu_policy': 'shared' },
      cpu: { dedicatedCpuPlacement: undefined },
      attr: 'flavor.extra_specs.hw:cpu_policy',
      outcome: 'exact',
    },
    {
      name: 'hw:cpu_policy=mixed is lost',
      specs: { 'hw:cpu_policy': 'mixed' },
      cpu: { dedicatedCpuPlacement: undefined },
      attr: 'flavor.extra_specs.hw:cpu_policy',
      outcome: 'lost',
    },
    {
      name: 'image hw_cpu_policy=dedicated applies when the flavor is silent',
      props: { hw_cpu_policy: 'dedicated' },
      cpu: { dedicatedCpuPlacement: true },
      attr: 'image.hw_cpu_policy',
      outcome: 'exact',
    },
    {
      name: 'flavor shared + image dedicated → error',
      specs: { 'hw:cpu_policy': 'shared' },
      props: { hw_cpu_policy: 'dedicated' },
      cpu: { dedicatedCpuPlacement: undefined },
      attr: 'image.hw_cpu_policy',
      outcome: 'blocker',
    },
    {
      name: 'emulator threads isolate with dedicated',
      specs: { 'hw:cpu_policy': 'dedicated', 'hw:emulator_threads_policy': 'isolate' },
      cpu: { isolateEmulatorThread: true },
      attr: 'flavor.extra_specs.hw:emulator_threads_policy',
      outcome: 'exact',
    },
    {
      name: 'emulator threads isolate without dedicated is lost',
      specs: { 'hw:emulator_threads_policy': 'isolate' },
      cpu: { isolateEmulatorThread: undefined },
      attr: 'flavor.extra_specs.hw:emulator_threads_policy',
      outcome: 'lost',
    },
    {
      name: 'realtime mask ^0 becomes 0-N,^0',
      specs: { 'hw:cpu_policy': 'dedicated', 'hw:cpu_realtime': 'yes', 'hw:cpu_realtime_mask': '^0' },
      cpu: { realtime: { mask: '0-1,^0' } },
      attr: 'flavor.extra_specs.hw:cpu_realtime_mask',
      outcome: 'exact',
    },
    {
      name: 'realtime without dedicated is lost',
      specs: { 'hw:cpu_realtime': 'yes', 'hw:cpu_realtime_mask': '^0' },
      cpu: { realtime: undefined },
      attr: 'flavor.extra_specs.hw:cpu_realtime_mask',
      outcome: 'lost',
    },
    {
      name: 'NUMA nodes with dedicated + hugepages → passthrough',
      specs: { 'hw:cpu_policy': 'dedicated', 'hw:mem_page_size': '2MB', 'hw:numa_nodes': '2' },
      cpu: { numa: { guestMappingPassthrough: {} } },
      attr: 'flavor.extra_specs.hw:numa_nodes',
      outcome: 'approximate',
    },
    {
      name: 'NUMA nodes without hugepages → lost',
      specs: { 'hw:cpu_policy': 'dedicated', 'hw:numa_nodes': '2' },
      cpu: { numa: undefined },
      attr: 'flavor.extra_specs.hw:numa_nodes',
      outcome: 'lost',
    },
    {
      name: 'explicit NUMA pinning blocks',
      specs: { 'hw:numa_nodes': '2', 'hw:numa_cpus.0': '0', 'hw:numa_cpus.1': '1', 'hw:numa_mem.0': '1024', 'hw:numa_mem.1': '1024' },
      cpu: { numa: undefined },
      attr: 'flavor.extra_specs.hw:numa_cpus.0, flavor.extra_specs.hw:numa_cpus.1, flavor.extra_specs.hw:numa_mem.0, flavor.extra_specs.hw:numa_mem.1',
      outcome: 'blocker',
    },
  ];
  it.each(rows)('$name', ({ specs, props, cpu, attr, outcome }) => {
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
