// Which security groups apply to which NIC of a VM, and the labels its virt-launcher pod carries for them.
//
// Neutron applies security groups per port; Kubernetes selects policies by pod labels, one set per pod.
// So the labels are split by network:
// - the port that becomes the pod-network NIC gives the plain membership labels
//   (sg.openstack-migrate.io/<group>), which NetworkPolicies (pod network only) select;
// - a port on a secondary (Multus) network gives per-network labels
//   (<nad>.<nad-namespace>.sg.openstack-migrate.io/<group>), which the MultiNetworkPolicies of that NAD select;
// - a port with port security disabled gives no label at all: nothing filters it, as in Neutron;
// - the pod-network NIC's addresses give one label per rule prefix that contains them
//   (prefix.openstack-migrate.io/<net>_<len>, prefix-labels.ts): address rules that meant "the VMs on that
//   subnet" select the migrated VMs by it (address-peers.ts).
import type { Port, SecurityGroup, Server } from '../inventory/types.js';
import type { PlanContext } from './context.js';
import { PREFIX, SECURITY_GROUP_LABEL_VALUE, securityGroupLabelKey } from './naming.js';
import { coveringPrefixLabels } from './prefix-labels.js';
import { type ResolvedTarget, resolveTarget } from './server-networks.js';
import type { ServerFindings } from './server-facts.js';

/** One NIC of a server with the port behind it and where it lands. */
export interface NicSecurity {
  index: number;
  port?: Port;
  target: ResolvedTarget;
  /** Groups Neutron applied to the port ([] when port security is off). */
  groupIds: string[];
  /** False when port security is disabled on the port: Neutron filtered nothing. */
  portSecurity: boolean;
  /** "namespace/name" of the NAD, for secondary NICs. */
  nadKey?: string;
}

const nicCache = new WeakMap<PlanContext, Map<string, NicSecurity[]>>();

/** The security facts of each NIC of a server, computed once per plan. */
export function nicSecurityOf(ctx: PlanContext, srv: Server): NicSecurity[] {
  let cache = nicCache.get(ctx);
  if (!cache) {
    cache = new Map();
    nicCache.set(ctx, cache);
  }
  let nics = cache.get(srv.id);
  if (nics) return nics;
  const namespace = ctx.namespaceByProject.get(srv.projectId) ?? '';
  let podSeen = false;
  nics = srv.interfaces.map((iface, index) => {
    const port = iface.portId ? ctx.index.ports.get(iface.portId) : undefined;
    let target = resolveTarget(ctx, namespace, iface, index);
    // KubeVirt takes one pod interface; a second one is a blocker reported by server-networks.ts.
    if (target.type === 'pod') {
      if (podSeen) target = { type: 'multus', namespace, name: '', generate: false };
      podSeen = true;
    }
    const portSecurity = port?.portSecurityEnabled !== false;
    // A NIC whose port is not in the inventory keeps the server's groups (what Nova lists for it).
    const groupIds = !portSecurity ? [] : port ? port.securityGroupIds : srv.securityGroupIds;
    const nic: NicSecurity = { index, target, groupIds, portSecurity };
    if (port) nic.port = port;
    if (target.type === 'multus') nic.nadKey = `${target.namespace}/${target.name}`;
    return nic;
  });
  cache.set(srv.id, nics);
  return nics;
}

/** The NIC that lands on the pod network, if any. */
export function podNic(ctx: PlanContext, srv: Server): NicSecurity | undefined {
  return nicSecurityOf(ctx, srv).find((n) => n.target.type === 'pod');
}

const groupKeyCache = new WeakMap<object, string>();

/** securityGroupLabelKey, once per group object (it normalizes Unicode, which is not free). */
function groupKey(group: { id: string; name: string }): string {
  let key = groupKeyCache.get(group);
  if (key === undefined) {
    key = securityGroupLabelKey(group);
    groupKeyCache.set(group, key);
  }
  return key;
}

/** Label key of "member of this group on this secondary network". */
export function secondaryGroupLabelKey(group: { id: string; name: string }, nadKey: string): string {
  const [namespace, name] = nadKey.split('/');
  const stem = groupKey(group).split('/')[1];
  // DNS-subdomain prefix: the NAD name and namespace are DNS labels already.
  return `${name}.${namespace}.sg.${PREFIX}/${stem}`;
}

export interface TemplateSecurityLabels {
  labels: Record<string, string>;
  /** Groups of the pod NIC found in the inventory, and ids that were not. */
  podGroups: SecurityGroup[];
  missingGroupIds: string[];
  podNic?: NicSecurity;
}

/** The labels of the VM template (copied to the virt-launcher pod) that the network policies select. */
export function templateSecurityLabels(ctx: PlanContext, srv: Server): TemplateSecurityLabels {
  const labels: Record<string, string> = {};
  const podGroups: SecurityGroup[] = [];
  const missingGroupIds: string[] = [];
  const nics = nicSecurityOf(ctx, srv);
  const pod = nics.find((n) => n.target.type === 'pod');
  for (const nic of nics) {
    for (const groupId of nic.groupIds) {
      const group = ctx.index.securityGroups.get(groupId);
      if (!group) {
        if (!missingGroupIds.includes(groupId)) missingGroupIds.push(groupId);
        continue;
      }
      if (nic === pod) {
        labels[groupKey(group)] = SECURITY_GROUP_LABEL_VALUE;
        podGroups.push(group);
      } else if (nic.nadKey && ctx.config.multiNetworkPolicy && nic.target.type === 'multus' && nic.target.name) {
        labels[secondaryGroupLabelKey(group, nic.nadKey)] = SECURITY_GROUP_LABEL_VALUE;
      }
    }
  }
  const podAddresses = (pod?.port?.fixedIps ?? srv.interfaces[pod?.index ?? -1]?.fixedIps ?? []).map((ip) => ip.ipAddress);
  for (const key of coveringPrefixLabels(ctx, podAddresses)) labels[key] = SECURITY_GROUP_LABEL_VALUE;
  const result: TemplateSecurityLabels = { labels, podGroups, missingGroupIds };
  if (pod) result.podNic = pod;
  return result;
}

/** The labels of the VM template, with a finding for each group and for a pod port without port security. */
export function securityLabelsWithFindings(ctx: PlanContext, srv: Server, findings: ServerFindings): Record<string, string> {
  const result = templateSecurityLabels(ctx, srv);
  for (const id of result.missingGroupIds) {
    findings.lost(`server.security_groups[${id}]`, `security group ${id} is not in the inventory; no policy will select this VM for it`);
  }
  const nic = result.podNic;
  for (const group of result.podGroups) {
    findings.exact(
      `server.security_groups[${group.id}]`,
      `spec.template.metadata.labels.${groupKey(group)}`,
      `member of security group "${group.name}" on NIC ${nic?.index ?? 0} (the pod-network interface): its NetworkPolicies select this label`,
    );
  }
  if (nic && !nic.portSecurity) {
    findings.approximate(
      `server.interfaces[${nic.index}].port_security_enabled`,
      'NetworkPolicy (none selects the VM)',
      "port security is disabled on the pod-network NIC's port: no security group applies and no policy selects the VM, so all traffic passes, as in OpenStack; OpenStack also let the guest send from any address (no anti-spoofing), which the pod network does not",
    );
  }
  return result.labels;
}
