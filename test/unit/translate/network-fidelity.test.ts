// Issue 9: the same packets pass after the move. For every ordered pair of NICs that share a cluster network
// (and for outside addresses), OpenStack's verdict (the port's own groups) must equal the cluster's
// (NetworkPolicy + Calico on the pod network, MultiNetworkPolicy on secondary networks), packet by packet.
// The only differences allowed are the ones the plan reports as lost (ICMP / other protocols on a secondary
// network, where MultiNetworkPolicy cannot say them).
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadInventoryFile } from '../../../src/inventory/load.js';
import type { Inventory } from '../../../src/inventory/types.js';
import { buildPlan, type Plan } from '../../../src/plan/build.js';
import { defaultPlanConfig } from '../../../src/translate/defaults.js';
import type { PlanConfig } from '../../../src/translate/model.js';
import { compareAllPairs, endpointsOf, type Endpoint, type PortPacket } from '../../support/policy-evaluator.js';
import { validateObjects } from '../../support/schema-validate.js';

const EXAMPLE = join(import.meta.dirname, '../../../examples/cloud.yaml');
export const CLUSTER: Partial<PlanConfig> = { podCidrs: ['10.244.0.0/16'], serviceCidrs: ['10.96.0.0/12'] };

/** A mismatch the plan reports: a non-TCP/UDP/SCTP packet on a secondary network, with a lost MNP finding. */
export function explainedBy(plan: Plan) {
  const lostOnMnp = plan.findings.some((f) => f.outcome === 'lost' && f.target === 'MultiNetworkPolicy' && f.source.startsWith('securityGroup/'));
  return (target: Endpoint, p: PortPacket, neutron: boolean) => lostOnMnp && neutron && target.network !== 'pod' && ![6, 17, 132].includes(p.protocol);
}

export function checkCloud(inv: Inventory, config: Partial<PlanConfig> = {}) {
  const plan = buildPlan(inv, { ...defaultPlanConfig(), ...CLUSTER, ...config });
  const endpoints = endpointsOf(inv, plan.objects);
  return { plan, endpoints, comparison: compareAllPairs(inv, plan.objects, endpoints, { explained: explainedBy(plan) }) };
}

describe('example cloud: every server pair, OpenStack verdict = cluster verdict', () => {
  let inv: Inventory;
  let result: ReturnType<typeof checkCloud>;
  beforeAll(async () => {
    inv = await loadInventoryFile(EXAMPLE);
    result = checkCloud(inv);
  });

  it('0 mismatches', () => {
    expect(result.comparison.mismatches.slice(0, 20)).toEqual([]);
    expect(result.comparison.mismatches).toHaveLength(0);
    // Not vacuous: many packets, both verdicts present, secondary networks included.
    expect(result.comparison.packets).toBeGreaterThan(10000);
    expect(result.comparison.allowed).toBeGreaterThan(1000);
    expect(result.comparison.allowed).toBeLessThan(result.comparison.packets);
    expect(result.endpoints.some((e) => e.network !== 'pod')).toBe(true);
  });

  it('MultiNetworkPolicies and NADs validate against ../shared/schemas/multus', () => {
    const multus = result.plan.objects.filter((o) => o.apiVersion.startsWith('k8s.cni.cncf.io/'));
    expect(multus.some((o) => o.kind === 'MultiNetworkPolicy')).toBe(true);
    expect(multus.some((o) => o.kind === 'NetworkAttachmentDefinition')).toBe(true);
    expect(validateObjects(multus)).toEqual([]);
  });
});
