// The security-group rules a Kubernetes NetworkPolicy cannot say — ICMP / ICMPv6 (with type and code) and
// other IP protocols (VRRP, GRE, ESP, ...) — as Calico NetworkPolicies (projectcalico.org/v3).
//
// Why the union of both kinds of policy is exactly the group:
// - Calico turns every Kubernetes NetworkPolicy into a policy of its `default` tier (order 1000). Within a
//   tier, the policies that select an endpoint are evaluated in order and the first rule whose action is
//   Allow or Deny decides; when the tier selects the endpoint but no rule matched, the packet is dropped
//   (end-of-tier deny).
// - Every rule we generate, in both kinds of policy, is an Allow: no rule ever Denies or Passes. So the
//   order does not matter and a packet passes exactly when one of the rules allows it: the union of the
//   NetworkPolicy rules and the Calico rules, which is the union of the group's rules.
// - The NetworkPolicy of security-groups.ts is emitted for every placed group (even when all of its rules
//   are ICMP) and lists both policyTypes: the VM is isolated in both directions, so what no rule allows is
//   denied by the end of the tier, as Neutron denies what no rule allows.
// - Without Calico as the CNI these policies are ignored: the packets they allow are then denied (the
//   NetworkPolicy isolation stays), which fails closed.
import type { SecurityGroupRule } from '../inventory/types.js';
import type { PlanContext } from './context.js';
import type { CalicoNetworkPolicySpec } from '../kube-types/index.js';
import type { Finding, PlanObject, Translation } from './model.js';
import { SECURITY_GROUP_LABEL_VALUE } from './naming.js';
import {
  NAMESPACE_NAME_LABEL,
  describeRule,
  groupLabelKey,
  groupPlacements,
  labelKeyOf,
  memberNamespaces,
  ruleProtocol,
  rulePeer,
  securityGroupPolicyName,
  sortedRules,
} from './security-groups.js';
import { resolveCidr } from './address-peers.js';
import { planLabels, sourceAnnotations } from './tenancy.js';

export interface CalicoEntityRule {
  nets?: string[];
  notNets?: string[];
  selector?: string;
  namespaceSelector?: string;
}

export interface CalicoRule {
  action: 'Allow';
  protocol: 'ICMP' | 'ICMPv6' | number;
  ipVersion: 4 | 6;
  icmp?: { type: number; code?: number };
  source?: CalicoEntityRule;
  destination?: CalicoEntityRule;
}

/** Calico selector for "carries label key = value". */
export function labelEquals(key: string, value: string): string {
  return `${key} == '${value}'`;
}

type RuleTranslation = { rules: CalicoRule[] } | { lost: string } | { notCalico: true };

/** One security-group rule as a Calico rule, for a policy in `namespace`. */
export function calicoRule(ctx: PlanContext, rule: SecurityGroupRule, namespace: string): RuleTranslation {
  const protocol = ruleProtocol(rule);
  if (protocol.kind !== 'icmp' && protocol.kind !== 'other') return { notCalico: true };
  const peer = rulePeer(rule);
  // Invalid peers are reported by security-groups.ts, once per rule.
  if (peer.kind === 'invalid') return { notCalico: true };
  const ipVersion: 4 | 6 = rule.ethertype === 'IPv6' ? 6 : 4;
  const out: CalicoRule = { action: 'Allow', protocol: 0, ipVersion };
  if (protocol.kind === 'icmp') {
    out.protocol = protocol.ipVersion === 4 ? 'ICMP' : 'ICMPv6';
    // For ICMP, Neutron's port_range_min is the type and port_range_max the code.
    const type = rule.portRangeMin ?? undefined;
    const code = rule.portRangeMax ?? undefined;
    if (type === undefined && code !== undefined) return { lost: 'an ICMP code without a type' };
    if (type !== undefined) {
      if (type > 254) return { lost: `ICMP type ${type}: Calico accepts types 0-254` };
      if (code !== undefined && code > 255) return { lost: `ICMP code ${code} is out of range` };
      out.icmp = code === undefined ? { type } : { type, code };
    }
  } else {
    if (rule.portRangeMin != null || rule.portRangeMax != null) {
      // Calico matches ports only for TCP, UDP and SCTP; dropping the ports would widen the rule.
      return { lost: `ports on protocol ${protocol.label} (${protocol.number}): Calico matches ports only for TCP, UDP and SCTP` };
    }
    out.protocol = protocol.number;
  }
  const entity: CalicoEntityRule = {};
  const side = rule.direction === 'ingress' ? 'source' : 'destination';
  if (peer.kind === 'cidr') {
    // As for NetworkPolicy (address-peers.ts): the migrated VMs inside the prefix by label, the prefix
    // itself without the cluster's pod/service CIDRs. Each is its own Allow rule (entity fields are ANDed).
    const r = resolveCidr(ctx, peer.cidr);
    const rules: CalicoRule[] = [];
    if (r.ipBlock) rules.push({ ...out, [side]: r.ipBlock.except ? { nets: [peer.cidr], notNets: r.ipBlock.except } : { nets: [peer.cidr] } });
    if (r.labelKey) rules.push({ ...out, [side]: { selector: labelEquals(r.labelKey, SECURITY_GROUP_LABEL_VALUE), namespaceSelector: 'all()' } });
    return { rules };
  }
  if (peer.kind === 'group') {
    entity.selector = labelEquals(groupLabelKey(ctx, peer.groupId), SECURITY_GROUP_LABEL_VALUE);
    const namespaces = memberNamespaces(ctx, peer.groupId);
    // Without namespaceSelector, a selector in a namespaced Calico policy matches that namespace only.
    if (namespaces.some((ns) => ns !== namespace)) {
      entity.namespaceSelector = `${NAMESPACE_NAME_LABEL} in { ${namespaces.map((ns) => `'${ns}'`).join(', ')} }`;
    }
  }
  // "anyone" of the rule's family: ipVersion alone says it, for cluster and outside addresses alike.
  if (Object.keys(entity).length > 0) out[side] = entity;
  return { rules: [out] };
}

export function calicoPoliciesFor(ctx: PlanContext): Translation {
  const objects: PlanObject[] = [];
  const findings: Finding[] = [];
  const reported = new Set<string>();
  for (const { group, namespace, projectId } of groupPlacements(ctx)) {
    const first = !reported.has(group.id);
    reported.add(group.id);
    const rules = { ingress: new Map<string, CalicoRule>(), egress: new Map<string, CalicoRule>() };
    for (const rule of sortedRules(group)) {
      const t = calicoRule(ctx, rule, namespace);
      if ('notCalico' in t) continue;
      if ('lost' in t) {
        if (first) {
          findings.push({
            source: `securityGroup/${group.id}`,
            sourceName: group.name,
            attribute: `rule/${rule.id}`,
            outcome: 'lost',
            severity: 'warning',
            reason: `${describeRule(rule)}: ${t.lost}; not carried over (denied)`,
          });
        }
        continue;
      }
      for (const r of t.rules) rules[rule.direction].set(JSON.stringify(r), r);
    }
    if (rules.ingress.size + rules.egress.size === 0) continue;
    const name = `${securityGroupPolicyName(group)}-calico`;
    const spec: CalicoNetworkPolicySpec = {
      selector: labelEquals(labelKeyOf(group), SECURITY_GROUP_LABEL_VALUE),
      types: ['Ingress', 'Egress'],
    };
    if (rules.ingress.size > 0) spec.ingress = [...rules.ingress.values()];
    if (rules.egress.size > 0) spec.egress = [...rules.egress.values()];
    objects.push({
      apiVersion: ctx.config.calicoApiVersion,
      kind: 'NetworkPolicy',
      metadata: { name, namespace, labels: planLabels(ctx.planId, projectId), annotations: sourceAnnotations('securityGroup', group.id, group.name) },
      spec,
    });
    if (first) {
      findings.push({
        source: `securityGroup/${group.id}`,
        sourceName: group.name,
        attribute: 'rules (ICMP / other protocols)',
        outcome: 'exact',
        severity: 'info',
        target: `${ctx.config.calicoApiVersion} NetworkPolicy/${name}`,
        reason: `${rules.ingress.size + rules.egress.size} rule(s) need Calico as the cluster's network plugin; without it they are ignored and that traffic is denied`,
      });
    }
  }
  return { objects, findings };
}
