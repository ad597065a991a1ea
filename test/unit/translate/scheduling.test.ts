import { describe, expect, it } from 'vitest';
import { LABELS } from '../../../src/translate/naming.js';
import { addServer, addServerGroup, contextFor } from '../../support/inventory-builder.js';
import { outcomeOf, translateRow, vmIn } from '../../support/vm-fixture.js';
import { translateServer } from '../../../src/translate/vm.js';
import { must } from '../../support/must.js';

describe('flavor extra specs → nodeSelector', () => {
  it.each([
    {
      specs: { 'aggregate_instance_extra_specs:ssd': 'true' },
      mapping: {},
      selector: { ssd: 'true' },
      attr: 'flavor.extra_specs.aggregate_instance_extra_specs:ssd',
      outcome: 'exact',
    },
    {
      specs: { 'hw:cpu_policy': 'dedicated' },
      mapping: { 'hw:cpu_policy=dedicated': { cpumanager: 'true' } },
      selector: { cpumanager: 'true' },
      attr: 'flavor.extra_specs.hw:cpu_policy',
      outcome: 'exact',
    },
    {
      specs: { 'custom:gold': 'yes' },
      mapping: { 'custom:gold': { 'example.com/tier': 'gold' } },
      selector: { 'example.com/tier': 'gold' },
      attr: 'flavor.extra_specs.custom:gold',
      outcome: 'exact',
    },
    {
      specs: { 'aggregate_instance_extra_specs:bad key': 'x' },
      mapping: {},
      selector: undefined,
      attr: 'flavor.extra_specs.aggregate_instance_extra_specs:bad key',
      outcome: 'lost',
    },
    { specs: { 'trait:HW_CPU_X86_AVX2': 'required' }, mapping: {}, selector: undefined, attr: 'flavor.extra_specs.trait:HW_CPU_X86_AVX2', outcome: 'lost' },
    { specs: { 'pci_passthrough:alias': 'a1:2' }, mapping: {}, selector: undefined, attr: 'flavor.extra_specs.pci_passthrough:alias', outcome: 'blocker' },
    { specs: { 'resources:VGPU': '1' }, mapping: {}, selector: undefined, attr: 'flavor.extra_specs.resources:VGPU', outcome: 'blocker' },
    { specs: { 'unknown:thing': '1' }, mapping: {}, selector: undefined, attr: 'flavor.extra_specs.unknown:thing', outcome: 'lost' },
  ])('$specs → $selector', ({ specs, mapping, selector, attr, outcome }) => {
    const r = translateRow({ extraSpecs: specs, config: { nodeSelectorMapping: mapping as Record<string, Record<string, string>> } });
    expect(r.schemaErrors).toEqual([]);
    expect(r.t.nodeSelector).toEqual(selector);
    expect(outcomeOf(r.findings, attr)).toBe(outcome);
  });
});

describe('availability zone → node affinity', () => {
  it.each([
    { az: 'az-1', label: 'topology.kubernetes.io/zone', affinity: true, outcome: 'exact' },
    { az: 'rack-b', label: 'example.com/rack', affinity: true, outcome: 'exact' },
    { az: 'nova', label: 'topology.kubernetes.io/zone', affinity: false, outcome: 'approximate' },
  ])('$az on $label', ({ az, label, affinity, outcome }) => {
    const r = translateRow({ server: { availabilityZone: az }, config: { availabilityZoneLabel: label } });
    expect(r.schemaErrors).toEqual([]);
    if (affinity) {
      expect(r.t.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
        { matchExpressions: [{ key: label, operator: 'In', values: [az] }] },
      ]);
    } else {
      expect(r.t.affinity).toBeUndefined();
    }
    expect(outcomeOf(r.findings, 'server.availability_zone')).toBe(outcome);
  });
});

describe('server group → pod (anti-)affinity on kubernetes.io/hostname', () => {
  it.each([
    { policy: 'anti-affinity' as const, kind: 'podAntiAffinity' as const, hard: true },
    { policy: 'affinity' as const, kind: 'podAffinity' as const, hard: true },
    { policy: 'soft-anti-affinity' as const, kind: 'podAntiAffinity' as const, hard: false },
    { policy: 'soft-affinity' as const, kind: 'podAffinity' as const, hard: false },
  ])('$policy → $kind (required: $hard)', ({ policy, kind, hard }) => {
    const r = translateRow({
      setup: (inv, server) => {
        const group = addServerGroup(inv, { policy, members: [server.id] });
        const peer = addServer(inv, { name: 'web-2', serverGroupId: group.id, flavor: inv.flavors[0], image: inv.images[0] });
        group.members.push(peer.id);
      },
    });
    expect(r.schemaErrors).toEqual([]);
    const group = r.inventory.serverGroups[0]!;
    const term = { labelSelector: { matchLabels: { [LABELS.serverGroup]: group.id } }, topologyKey: 'kubernetes.io/hostname' };
    const affinity = must(r.t.affinity, 'spec.template.spec.affinity')[kind];
    if (hard) expect(affinity).toEqual({ requiredDuringSchedulingIgnoredDuringExecution: [term] });
    else expect(affinity).toEqual({ preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] });
    // The selector must match the template labels of every member, this VM included.
    expect(r.vm.spec.template.metadata?.labels?.[LABELS.serverGroup]).toBe(group.id);
    const peerVm = vmIn(translateServer(contextFor(r.inventory), r.inventory.servers[1]!).objects);
    expect(peerVm.spec.template.metadata?.labels?.[LABELS.serverGroup]).toBe(group.id);
    expect(outcomeOf(r.findings, `serverGroup/${group.id}.policy`)).toBe('exact');
  });
  it('max_server_per_host > 1 is reported lost', () => {
    const r = translateRow({
      setup: (inv, server) => {
        addServerGroup(inv, { policy: 'anti-affinity', members: [server.id], rules: { maxServerPerHost: 2 } });
      },
    });
    expect(outcomeOf(r.findings, `serverGroup/${r.inventory.serverGroups[0]!.id}.rules.max_server_per_host`)).toBe('lost');
  });
});

describe('status and power state → runStrategy and blockers', () => {
  it.each([
    { status: 'ACTIVE', powerState: 1, run: 'RerunOnFailure', blocker: false },
    { status: 'SHUTOFF', powerState: 4, run: 'Halted', blocker: false },
    { status: 'ERROR', powerState: 0, run: 'Halted', blocker: true },
    { status: 'PAUSED', powerState: 3, run: 'Halted', blocker: true },
    { status: 'SHELVED_OFFLOADED', powerState: 4, run: 'Halted', blocker: true },
  ])('$status / $powerState → $run', ({ status, powerState, run, blocker }) => {
    const r = translateRow({ server: { status, powerState } });
    expect(r.schemaErrors).toEqual([]);
    expect(r.vm.spec.runStrategy).toBe(run);
    expect(outcomeOf(r.findings, 'server.status') === 'blocker').toBe(blocker);
  });
});
