// Small, explicit inventories for the tenancy / RBAC / security-group / floating-IP tests: every test
// states the objects it needs; the builder only fills in the fields nobody looks at.
import { emptyInventory as emptySkeleton } from '../../scripts/generate-inventory.mjs';
import type { FloatingIp, Inventory, Port, Project, SecurityGroup, SecurityGroupRule, Server, ServerInterface } from '../../src/inventory/types.js';
import { indexInventory } from '../../src/inventory/index.js';
import type { PlanContext } from '../../src/translate/context.js';
import type { PlanConfig } from '../../src/translate/model.js';
import { defaultPlanConfig } from '../../src/translate/defaults.js';
import { assignNamespaces } from '../../src/translate/tenancy.js';

/** An inventory with no objects at all (the skeleton of scripts/generate-inventory.mjs). */
export function emptyInventory(): Inventory {
  return emptySkeleton({ cloud: 'test' });
}

export function inventoryWith(parts: Partial<Inventory>): Inventory {
  return { ...emptyInventory(), ...parts };
}

/** A PlanContext over an inventory, with namespaces decided by the real tenancy module. */
export function contextFor(inventory: Inventory, config: Partial<PlanConfig> = {}, planId = 'plan-test'): PlanContext {
  const merged: PlanConfig = { ...defaultPlanConfig(), ...config };
  const { namespaceByProject } = assignNamespaces(inventory, merged, planId);
  const vmNameByServer = new Map(inventory.servers.map((s) => [s.id, s.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-')]));
  return { inventory, index: indexInventory(inventory), config: merged, planId, namespaceByProject, vmNameByServer };
}

let ruleCounter = 0;
/** A security-group rule; ethertype IPv4 and ingress unless stated. */
export function rule(fields: Partial<SecurityGroupRule>): SecurityGroupRule {
  ruleCounter += 1;
  return { id: fields.id ?? `r${String(ruleCounter).padStart(4, '0')}`, direction: 'ingress', ethertype: 'IPv4', ...fields };
}

export function securityGroup(id: string, name: string, projectId: string, rules: SecurityGroupRule[], extra: Partial<SecurityGroup> = {}): SecurityGroup {
  return { id, name, projectId, rules, ...extra };
}

/** A server with one NIC per given network id; port ids are "<server>-p<n>", MACs derived from the index. */
export function server(id: string, projectId: string, securityGroupIds: string[], networkIds: string[] = ['net-1'], extra: Partial<Server> = {}): Server {
  const interfaces: ServerInterface[] = networkIds.map((networkId, n) => ({
    portId: `${id}-p${n}`,
    networkId,
    macAddress: `fa:16:3e:00:00:${String(n).padStart(2, '0')}`,
    fixedIps: [{ ipAddress: `10.0.${n}.${10 + n}` }],
  }));
  return {
    id,
    name: id,
    projectId,
    status: 'ACTIVE',
    powerState: 1,
    flavorId: 'f1',
    imageId: 'img1',
    blockDevices: [],
    interfaces,
    securityGroupIds,
    metadata: {},
    ...extra,
  };
}

/** The Neutron ports of a server, as its interfaces describe them, all carrying the given groups. */
export function portsOf(srv: Server, securityGroupIds: string[] = srv.securityGroupIds): Port[] {
  return srv.interfaces.map((iface) => ({
    id: iface.portId!,
    networkId: iface.networkId,
    projectId: srv.projectId,
    macAddress: iface.macAddress,
    fixedIps: iface.fixedIps,
    deviceId: srv.id,
    deviceOwner: 'compute:nova',
    securityGroupIds,
    portSecurityEnabled: true,
  }));
}

export function floatingIp(id: string, address: string, projectId: string, portId: string | null, fixedIpAddress?: string): FloatingIp {
  return {
    id,
    floatingIpAddress: address,
    floatingNetworkId: 'ext-net',
    projectId,
    portId,
    fixedIpAddress: fixedIpAddress ?? null,
    status: portId ? 'ACTIVE' : 'DOWN',
  };
}

export function project(id: string, name: string, domainId: string, extra: Partial<Project> = {}): Project {
  return { id, name, domainId, enabled: true, ...extra };
}
