// Floating IPs → Services of type LoadBalancer that select the VM and ask for the same address.
//
// A floating IP is a 1:1 NAT of every port and protocol to one fixed IP; a Service forwards only the
// TCP/UDP/SCTP ports it lists. The ports are therefore taken from what the VM's security groups let in from
// outside (ingress, IPv4 — floating IPs are IPv4 — from a prefix or from anywhere; remote-group rules only
// admit other members, never a client coming through the floating IP). What a Service cannot forward is
// reported, never dropped silently.
import type { FloatingIp, Port, Server } from '../inventory/types.js';
import type { PlanContext } from './context.js';
import type { ServiceSpec } from '../kube-types/index.js';
import type { Finding, PlanObject, Translation } from './model.js';
import { ANNOTATIONS, LABELS, toDnsLabel, toLabelValue } from './naming.js';
import { podNetworkInterfaceIndex, rulePeer, rulePortRange, ruleProtocol, sortedRules } from './security-groups.js';
import { planLabels, sourceAnnotations } from './tenancy.js';

export const METALLB_IPS_ANNOTATION = 'metallb.io/loadBalancerIPs';

/** Port ranges up to this many ports become one Service port each; larger ones are not forwarded. */
export const MAX_EXPANDED_RANGE = 100;

/**
 * What a Service forwards when a rule opens every port (a floating IP forwarded all of them): the usual
 * remote-access and web ports, so the VM stays reachable for the common cases.
 */
export const WELL_KNOWN_PORTS: readonly { protocol: ServiceProtocol; port: number }[] = [
  { protocol: 'TCP', port: 22 },
  { protocol: 'TCP', port: 80 },
  { protocol: 'TCP', port: 443 },
  { protocol: 'TCP', port: 3389 },
];

type ServiceProtocol = 'TCP' | 'UDP' | 'SCTP';

interface ServicePort {
  name: string;
  protocol: ServiceProtocol;
  port: number;
  targetPort: number;
}

const PROTOCOL_ORDER: Record<ServiceProtocol, number> = { TCP: 0, UDP: 1, SCTP: 2 };

/** Service name: DNS-1035 label (starts with a letter), from the VM name and the address. */
export function floatingIpServiceName(vmName: string, address: string): string {
  const ip = toDnsLabel(address);
  const stem = toDnsLabel(vmName, 63 - ip.length - 5) || 'vm';
  const name = `${stem}-fip-${ip}`;
  return /^[a-z]/.test(name) ? name : `vm-${name}`.slice(0, 63).replace(/-+$/, '');
}

interface PortsResult {
  ports: ServicePort[];
  findings: Omit<Finding, 'source' | 'sourceName' | 'serverId'>[];
  restrictedSources: boolean;
}

/** The Service ports of a VM from the ingress rules of its groups, and what could not be carried. */
export function servicePortsFromGroups(ctx: PlanContext, groupIds: string[]): PortsResult {
  const wanted = new Map<string, { protocol: ServiceProtocol; port: number }>();
  const add = (protocol: ServiceProtocol, port: number) => wanted.set(`${protocol}/${port}`, { protocol, port });
  const findings: PortsResult['findings'] = [];
  let restrictedSources = false;
  let allPorts: string[] = [];
  const notForwarded = new Set<string>();

  for (const groupId of [...groupIds].sort()) {
    const group = ctx.index.securityGroups.get(groupId);
    if (!group) continue;
    for (const rule of sortedRules(group)) {
      if (rule.direction !== 'ingress' || rule.ethertype !== 'IPv4') continue;
      const peer = rulePeer(rule);
      if (peer.kind !== 'anyone' && peer.kind !== 'cidr') continue;
      const protocol = ruleProtocol(rule);
      const where = `securityGroup/${group.id} rule/${rule.id}`;
      if (protocol.kind === 'any') {
        allPorts.push(`${where} (any protocol)`);
        if (peer.kind === 'cidr') restrictedSources = true;
        continue;
      }
      if (protocol.kind === 'icmp' || protocol.kind === 'other') {
        notForwarded.add(protocol.kind === 'icmp' ? 'ICMP' : protocol.label);
        continue;
      }
      if (protocol.kind !== 'l4') continue;
      if (peer.kind === 'cidr') restrictedSources = true;
      const range = rulePortRange(rule);
      if (range === undefined) {
        allPorts.push(`${where} (${protocol.name} all ports)`);
        continue;
      }
      const size = range.max - range.min + 1;
      if (size > MAX_EXPANDED_RANGE) {
        findings.push({
          attribute: `${where}`,
          outcome: 'lost',
          severity: 'warning',
          target: 'Service.spec.ports',
          reason: `${protocol.name} ports ${range.min}-${range.max} (${size} ports): a Service lists ports one by one; ranges above ${MAX_EXPANDED_RANGE} ports are not forwarded`,
        });
        continue;
      }
      if (size > 1) {
        findings.push({
          attribute: `${where}`,
          outcome: 'exact',
          severity: 'info',
          target: 'Service.spec.ports',
          reason: `${protocol.name} ports ${range.min}-${range.max} expanded to ${size} Service ports`,
        });
      }
      for (let p = range.min; p <= range.max; p++) add(protocol.name, p);
    }
  }
  if (allPorts.length > 0) {
    allPorts = [...new Set(allPorts)];
    for (const w of WELL_KNOWN_PORTS) add(w.protocol, w.port);
    findings.push({
      attribute: 'ports',
      outcome: 'approximate',
      severity: 'warning',
      target: 'Service.spec.ports',
      reason: `${allPorts.join(', ')} open every port, which the floating IP forwarded; a Service forwards only listed ports: the explicit ports of the other rules plus ${WELL_KNOWN_PORTS.map((w) => `${w.protocol}/${w.port}`).join(', ')}`,
    });
  }
  if (notForwarded.size > 0) {
    findings.push({
      attribute: 'ports',
      outcome: 'lost',
      severity: 'info',
      target: 'Service',
      reason: `ingress rules for ${[...notForwarded].sort().join(', ')} reached the VM through the floating IP; a Service forwards only TCP, UDP and SCTP`,
    });
  }
  const ports = [...wanted.values()]
    .sort((a, b) => PROTOCOL_ORDER[a.protocol] - PROTOCOL_ORDER[b.protocol] || a.port - b.port)
    .map(({ protocol, port }) => ({ name: `${protocol.toLowerCase()}-${port}`, protocol, port, targetPort: port }));
  return { ports, findings, restrictedSources };
}

export function servicesFor(ctx: PlanContext): Translation {
  const objects: PlanObject[] = [];
  const findings: Finding[] = [];
  const { config } = ctx;

  // Which server NIC each port is.
  const nicOfPort = new Map<string, { server: Server; index: number }>();
  for (const srv of ctx.inventory.servers)
    srv.interfaces.forEach((iface, index) => {
      if (iface.portId) nicOfPort.set(iface.portId, { server: srv, index });
    });

  const fips = [...ctx.inventory.floatingIps].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const fip of fips) {
    const source = `floatingIp/${fip.id}`;
    const sourceName = fip.floatingIpAddress;
    if (!fip.portId) {
      const project = ctx.index.projects.get(fip.projectId);
      findings.push({
        source,
        sourceName,
        attribute: 'port_id',
        outcome: 'lost',
        severity: 'info',
        reason: `not associated with any port (project ${project?.name ?? fip.projectId}); no Service, the address is not reserved in the cluster`,
      });
      continue;
    }
    const port: Port | undefined = ctx.index.ports.get(fip.portId);
    let nic = nicOfPort.get(fip.portId);
    // A server whose interface list lacks the port id still owns it when the port names the server as its
    // device: find the NIC by MAC address.
    const owner = !nic && port?.deviceId ? ctx.index.servers.get(port.deviceId) : undefined;
    if (owner) {
      const index = owner.interfaces.findIndex((i) => i.macAddress.toLowerCase() === port!.macAddress.toLowerCase());
      if (index >= 0) nic = { server: owner, index };
    }
    if (!nic) {
      const holders = port ? vipHolders(ctx, port) : [];
      findings.push({
        source,
        sourceName,
        attribute: 'port_id',
        outcome: 'lost',
        severity: 'warning',
        reason:
          holders.length > 0
            ? `points at VIP ${port!.fixedIps.map((ip) => ip.ipAddress).join(', ')} (port ${fip.portId}), which ${holders.map((h) => h.name).join(', ')} claim through allowed_address_pairs (keepalived/VRRP); a Service selects pods, it cannot follow the VRRP master, so none is made: serve the address with a Service without selector whose EndpointSlice names the VIP on a secondary network, or a Service selecting all holders (load balancing instead of failover)`
            : `associated with port ${fip.portId}${port?.deviceOwner ? ` (device_owner ${port.deviceOwner})` : ''}, which is not a NIC of a migrated server (a router port?); no Service`,
      });
      continue;
    }
    const srv = nic.server;
    const namespace = ctx.namespaceByProject.get(srv.projectId);
    if (!namespace) continue;
    const f = (x: Omit<Finding, 'source' | 'sourceName' | 'serverId'>) => findings.push({ source, sourceName, serverId: srv.id, ...x });

    // Outbound identity: the floating IP was also the source of the VM's own connections (SNAT).
    f({
      attribute: 'outbound source address',
      outcome: 'lost',
      severity: 'warning',
      reason: `connections the VM opened left with source ${fip.floatingIpAddress} (the floating IP's SNAT); from the cluster they leave with a node's address (pod masquerade and node SNAT), so remote allow-lists naming ${fip.floatingIpAddress} no longer match (an egress gateway or EgressIP can restore it)`,
    });

    const podIndex = podNetworkInterfaceIndex(ctx, srv);
    if (nic.index !== podIndex) {
      const networkId = srv.interfaces[nic.index]!.networkId; // nic.index numbers one of srv's interfaces
      f({
        attribute: 'port_id',
        outcome: 'approximate',
        severity: 'warning',
        target: 'Service',
        reason: `the floating IP pointed at NIC ${nic.index} (network ${ctx.index.networks.get(networkId)?.name ?? networkId}), which is not on the pod network; the Service reaches the VM on its pod network interface${podIndex >= 0 ? ` (NIC ${podIndex})` : ', and this VM has none'}`,
      });
    }

    const groupIds = port ? port.securityGroupIds : srv.securityGroupIds;
    const portSecurityOff = port?.portSecurityEnabled === false;
    let result: PortsResult;
    if (portSecurityOff) {
      // No filtering on that port: everything the floating IP forwarded is open.
      result = {
        ports: WELL_KNOWN_PORTS.map((w) => ({ name: `${w.protocol.toLowerCase()}-${w.port}`, protocol: w.protocol, port: w.port, targetPort: w.port })),
        restrictedSources: false,
        findings: [
          {
            attribute: 'ports',
            outcome: 'approximate',
            severity: 'warning',
            target: 'Service.spec.ports',
            reason: `port security is off on the port: the floating IP forwarded every port; the Service forwards ${WELL_KNOWN_PORTS.map((w) => `${w.protocol}/${w.port}`).join(', ')}`,
          },
        ],
      };
    } else {
      result = servicePortsFromGroups(ctx, groupIds);
    }
    result.findings.forEach(f);

    if (result.ports.length === 0) {
      f({
        attribute: 'ports',
        outcome: 'lost',
        severity: 'warning',
        reason:
          'no TCP/UDP/SCTP port is open to outside clients in the security groups; a Service needs at least one port, so none is created and the address is not kept',
      });
      continue;
    }

    const vmName = ctx.vmNameByServer.get(srv.id) || toDnsLabel(srv.name) || 'vm';
    const annotations: Record<string, string> = {
      ...sourceAnnotations('floatingIp', fip.id, fip.floatingIpAddress),
      [ANNOTATIONS.serverId]: srv.id,
    };
    const spec: ServiceSpec = {
      type: 'LoadBalancer',
      selector: { [LABELS.serverId]: toLabelValue(srv.id) },
      ports: result.ports,
      externalTrafficPolicy: config.loadBalancer.externalTrafficPolicy,
    };
    if (config.loadBalancer.mode === 'metallb') {
      // MetalLB announces the address itself; node ports are not used, and hundreds of expanded ports would
      // otherwise each take one from the small node-port range.
      annotations[METALLB_IPS_ANNOTATION] = fip.floatingIpAddress;
      spec.allocateLoadBalancerNodePorts = false;
    } else if (config.loadBalancer.mode === 'spec') {
      spec.loadBalancerIP = fip.floatingIpAddress;
      f({
        attribute: 'floating_ip_address',
        outcome: 'exact',
        severity: 'info',
        target: 'Service.spec.loadBalancerIP',
        reason: 'requested through spec.loadBalancerIP, deprecated since Kubernetes 1.24 and ignored by some load balancers',
      });
    } else {
      f({
        attribute: 'floating_ip_address',
        outcome: 'lost',
        severity: 'warning',
        target: 'Service',
        reason: 'load balancer mode "none": the address is not requested; the load balancer assigns one and DNS or clients must follow',
      });
    }
    if (config.loadBalancer.externalTrafficPolicy === 'Cluster' && result.restrictedSources) {
      f({
        attribute: 'remote_ip_prefix',
        outcome: 'approximate',
        severity: 'warning',
        target: 'Service.spec.externalTrafficPolicy',
        reason:
          'externalTrafficPolicy Cluster replaces the client address with a node address, so rules that admit only some source prefixes no longer see the client; use Local to keep them',
      });
    }

    objects.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: floatingIpServiceName(vmName, fip.floatingIpAddress),
        namespace,
        labels: planLabels(ctx.planId, srv.projectId),
        annotations,
      },
      spec,
    });
  }
  return { objects, findings };
}

/** Floating IPs of a server (any NIC), for callers that report per VM. */
export function floatingIpsOfServer(ctx: PlanContext, srv: Server): FloatingIp[] {
  return srv.interfaces.flatMap((iface) => (iface.portId ? (ctx.index.floatingIpsByPort.get(iface.portId) ?? []) : []));
}

/** Migrated servers whose ports claim one of a port's fixed IPs through allowed_address_pairs (VIP holders). */
function vipHolders(ctx: PlanContext, vip: Port): Server[] {
  const addresses = new Set(vip.fixedIps.map((ip) => ip.ipAddress));
  return ctx.inventory.servers
    .filter((srv) =>
      srv.interfaces.some((iface) => {
        const port = iface.portId ? ctx.index.ports.get(iface.portId) : undefined;
        return port?.networkId === vip.networkId && (port.allowedAddressPairs ?? []).some((p) => addresses.has(p.ipAddress.split('/', 1)[0] ?? p.ipAddress));
      }),
    )
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
