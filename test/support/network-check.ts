// The per-port comparison of issue 9 as one call: plan an inventory with a known pod/service CIDR, read the
// endpoints from the generated VMs, and compare OpenStack's verdict with the cluster's for every pair.
import type { Inventory } from '../../src/inventory/types.js';
import { buildPlan, type Plan } from '../../src/plan/build.js';
import { defaultPlanConfig } from '../../src/translate/defaults.js';
import type { PlanConfig } from '../../src/translate/model.js';
import { compareAllPairs, endpointsOf, type Endpoint, type PortPacket } from './policy-evaluator.js';

export const CLUSTER: Partial<PlanConfig> = { podCidrs: ['10.244.0.0/16'], serviceCidrs: ['10.96.0.0/12'] };

/**
 * A mismatch the plan reports: a non-TCP/UDP/SCTP packet OpenStack allowed on a secondary NIC, where one of
 * the port's groups has a rule reported lost for MultiNetworkPolicy (ICMP, VRRP, GRE... cannot be said there).
 */
export function explainedBy(plan: Plan, inv: Inventory) {
  const lostGroups = new Set(plan.findings.filter((f) => f.outcome === 'lost' && f.target === 'MultiNetworkPolicy' && f.source.startsWith('securityGroup/')).map((f) => f.source.slice('securityGroup/'.length)));
  return (target: Endpoint, p: PortPacket, neutron: boolean) => neutron && target.network !== 'pod' && ![6, 17, 132].includes(p.protocol)
    && (inv.ports.find((port) => port.id === target.portId)?.securityGroupIds ?? []).some((g) => lostGroups.has(g));
}

export function checkCloud(inv: Inventory, config: Partial<PlanConfig> = {}) {
  const plan = buildPlan(inv, { ...defaultPlanConfig(), ...CLUSTER, ...config });
  const endpoints = endpointsOf(inv, plan.objects);
  return { plan, endpoints, comparison: compareAllPairs(inv, plan.objects, endpoints, { explained: explainedBy(plan, inv) }) };
}

