// What each NIC of the guest is configured with after the move (addresses, routes, DNS, MTU), decided once
// per server, and its two renderings: cloud-init network config v2 (what a NoCloud seed's network-config
// holds) and OpenStack's network_data.json (what a config drive holds: KubeVirt writes our string verbatim to
// openstack/latest/network_data.json, and cloud-init's ConfigDrive datasource reads only that format).
//
// Rules (issue 9 item 5, issue 10 item 2):
// - the pod NIC takes its address, default route, DNS and MTU from KubeVirt's masquerade DHCP;
// - the default route stays on the pod NIC; a secondary NIC gets a default route only when the server has no
//   pod NIC (then through the first subnet gateway, as Neutron's DHCP would have given it);
// - a subnet's host_routes go with the NIC on that subnet; on the pod NIC masquerade owns routing (lost);
// - a subnet's dns_nameservers are kept, except addresses inside the subnet that no migrated port holds: those
//   are Neutron's own DHCP/DNS ports (the inventory leaves network:* ports out), which do not exist after the move;
// - the Neutron network's MTU is set on secondary NICs (the NAD carries it too).
import type { Server, Subnet } from '../inventory/types.js';
import type { PlanContext } from './context.js';
import type { ServerFindings } from './server-facts.js';

export interface GuestAddress {
  address: string;
  prefix: number;
  family: 4 | 6;
}
export interface GuestRoute {
  /** Destination as a CIDR. */
  to: string;
  via: string;
}
export interface GuestNic {
  /** The VM interface name (nic0, nic1...). */
  name: string;
  mac: string;
  networkId: string;
  portId?: string;
  /** The pod NIC: everything comes from the masquerade DHCP. */
  dhcp4: boolean;
  addresses: GuestAddress[];
  routes: GuestRoute[];
  nameservers: string[];
  mtu?: number;
}
/** Static guest network configuration: present only when at least one NIC needs more than DHCP. */
export interface GuestNetwork {
  nics: GuestNic[];
}

function prefixOf(cidr: string, family: 4 | 6): number {
  const p = cidr.split('/')[1];
  return p !== undefined ? Number(p) : family === 4 ? 32 : 128;
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!/^\d+$/.test(p) || v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

function ipv6ToBigInt(ip: string): bigint | undefined {
  if (!ip.includes(':')) return undefined;
  const [head, tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined ? (tail ? tail.split(':') : []) : [];
  const groups = tail !== undefined ? [...h, ...new Array(8 - h.length - t.length).fill('0'), ...t] : h;
  if (groups.length !== 8) return undefined;
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    n = (n << 16n) + BigInt(parseInt(g, 16));
  }
  return n;
}

/** True when ip lies in cidr (same family). */
export function inCidr(ip: string, cidr: string): boolean {
  const [net = '', len] = cidr.split('/');
  if (ip.includes(':') !== net.includes(':')) return false;
  if (!ip.includes(':')) {
    const a = ipv4ToInt(ip);
    const b = ipv4ToInt(net);
    if (a === undefined || b === undefined) return false;
    const bits = Number(len ?? 32);
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return (a & mask) >>> 0 === (b & mask) >>> 0;
  }
  const a = ipv6ToBigInt(ip);
  const b = ipv6ToBigInt(net);
  if (a === undefined || b === undefined) return false;
  const bits = BigInt(Number(len ?? 128));
  const mask = ((1n << 128n) - 1n) ^ ((1n << (128n - bits)) - 1n);
  return (a & mask) === (b & mask);
}

/** Dotted (v4) or colon (v6) netmask of a prefix length, as network_data.json writes it. */
export function netmaskOf(prefix: number, family: 4 | 6): string {
  if (family === 4) {
    const m = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    return [24, 16, 8, 0].map((s) => (m >>> s) & 255).join('.');
  }
  const m = ((1n << 128n) - 1n) ^ ((1n << (128n - BigInt(prefix))) - 1n);
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((m >> BigInt(i * 16)) & 0xffffn).toString(16));
  // Compress the trailing zero groups (the only run a netmask has).
  const first = groups.indexOf('0');
  return first === -1 ? groups.join(':') : `${groups.slice(0, first).join(':')}::`;
}

const addressHolders = new WeakMap<object, Set<string>>();

/** Every fixed IP held by a port or server NIC in the inventory (Neutron's network:* ports are not there). */
function heldAddresses(ctx: PlanContext): Set<string> {
  let held = addressHolders.get(ctx.inventory);
  if (!held) {
    held = new Set();
    for (const port of ctx.inventory.ports) for (const ip of port.fixedIps) held.add(ip.ipAddress);
    for (const server of ctx.inventory.servers) for (const nic of server.interfaces) for (const ip of nic.fixedIps) held.add(ip.ipAddress);
    addressHolders.set(ctx.inventory, held);
  }
  return held;
}

/**
 * What the guest keeps. Booted with its own instance-id (firmware.uuid = server id), cloud-init takes the guest for
 * the instance it knows: it keeps its cached Nova datasource (the SMBIOS UUID still matches) and applies no new
 * network configuration (network config is written for a new instance only, unless the guest enables
 * `updates: network: when: [boot]`). Measured by booting (test/integration/guest-boot.test.ts). So each NIC
 * keeps what Nova's network_data.json gave it: DHCP where the subnet had DHCP, else the static Neutron address.
 */
function reportKeptConfiguration(ctx: PlanContext, server: Server, onPod: boolean[], findings: ServerFindings): void {
  server.interfaces.forEach((nic, i) => {
    const attr = `server.interfaces[${i}] (guest network configuration)`;
    const v4 = nic.fixedIps.map((ip) => (ip.subnetId ? ctx.index.subnets.get(ip.subnetId) : undefined)).find((s) => s?.ipVersion === 4);
    if (!v4) return;
    const address = nic.fixedIps.find((ip) => ip.subnetId === v4.id)?.ipAddress;
    const keeps =
      'cloud-init keeps the network configuration it wrote on Nova, because the guest keeps its instance-id (no network data is applied to a known instance)';
    if (onPod[i]) {
      if (v4.enableDhcp)
        findings.exact(attr, 'pod network (masquerade DHCP)', "the guest asks for DHCP on this NIC, as on Nova, and masquerade's DHCP answers");
      else
        findings.lost(
          attr,
          `${keeps}: this NIC keeps the static ${address} of a subnet without DHCP, but the pod network needs DHCP (masquerade); switch it to DHCP in the guest before the move`,
        );
    } else if (v4.enableDhcp) {
      findings.lost(
        attr,
        `${keeps}: this NIC keeps asking for DHCP (Neutron's DHCP served ${address}) and no DHCP server answers on the Multus network, so it gets no IPv4 address; configure ${address} statically in the guest (the seed's network data has it, for a new instance)`,
      );
    } else {
      findings.approximate(
        attr,
        'guest configuration (kept from Nova)',
        `${keeps}: this NIC keeps its static ${address}${v4.gatewayIp ? `, and Nova's default route via ${v4.gatewayIp} on it, which competes with the pod NIC's` : ''}`,
      );
    }
  });
}

/**
 * The guest network of one server. `onPod[i]` says whether NIC i is the pod (masquerade) NIC. Returns
 * undefined when every NIC is a DHCP NIC (cloud-init's fallback does the same: DHCP on the first NIC).
 */
export function guestNetworkOf(ctx: PlanContext, server: Server, onPod: boolean[], findings: ServerFindings): GuestNetwork | undefined {
  reportKeptConfiguration(ctx, server, onPod, findings);
  const hasPodNic = onPod.some(Boolean);
  const defaultRoute = { 4: hasPodNic, 6: hasPodNic };
  const held = heldAddresses(ctx);
  const nics: GuestNic[] = [];
  let staticConfig = false;

  server.interfaces.forEach((nic, i) => {
    const attr = `server.interfaces[${i}]`;
    const network = ctx.index.networks.get(nic.networkId);
    const guest: GuestNic = {
      name: `nic${i}`,
      mac: nic.macAddress.toLowerCase(),
      networkId: nic.networkId,
      dhcp4: onPod[i]!,
      addresses: [],
      routes: [],
      nameservers: [],
    }; // onPod: one entry per interface
    if (nic.portId) guest.portId = nic.portId;
    nics.push(guest);
    const subnets = nic.fixedIps.map((ip) => (ip.subnetId ? ctx.index.subnets.get(ip.subnetId) : undefined));

    if (onPod[i]) {
      // Masquerade: KubeVirt's DHCP gives address, default route, DNS (the pod's resolv.conf) and MTU.
      const routes = subnets.flatMap((s) => s?.hostRoutes ?? []);
      if (routes.length > 0) {
        findings.lost(
          `${attr}.host_routes`,
          `${routes.map((r) => `${r.destination} via ${r.nexthop}`).join(', ')}: the pod NIC is routed by masquerade (KubeVirt's DHCP gives only its own default route), and the next hop is not on the pod network`,
        );
      }
      if (network?.mtu) {
        findings.approximate(
          `${attr}.mtu`,
          'pod network (masquerade DHCP)',
          `MTU ${network.mtu} of ${network.name} is not carried: the guest gets the pod network's MTU from KubeVirt's DHCP`,
          'info',
        );
      }
      return;
    }

    const nameservers = new Set<string>();
    const dropped = new Set<string>();
    let dhcpDns = false;
    nic.fixedIps.forEach((ip, k) => {
      const subnet: Subnet | undefined = subnets[k];
      const family: 4 | 6 = ip.ipAddress.includes(':') ? 6 : 4;
      if (!subnet) {
        findings.approximate(
          `${attr}.fixed_ips`,
          'cloud-init network data',
          `${ip.ipAddress}: subnet unknown, so the prefix length is guessed as a host address`,
        );
        guest.addresses.push({ address: ip.ipAddress, prefix: family === 4 ? 32 : 128, family });
        return;
      }
      guest.addresses.push({ address: ip.ipAddress, prefix: prefixOf(subnet.cidr, family), family });
      if (subnet.gatewayIp) {
        if (!defaultRoute[family]) {
          // No pod NIC: the first gateway is the default route, as Neutron's DHCP would have given it.
          defaultRoute[family] = true;
          guest.routes.push({ to: family === 4 ? '0.0.0.0/0' : '::/0', via: subnet.gatewayIp });
          findings.approximate(
            `${attr}.gateway_ip`,
            'cloud-init network data (default route)',
            `the server has no pod NIC: default route via ${subnet.gatewayIp}, which must exist on the target network (the Neutron router does not move)`,
          );
        } else if (hasPodNic) {
          findings.approximate(
            `${attr}.gateway_ip`,
            'cloud-init network data',
            `no default route via ${subnet.gatewayIp} (${subnet.name || subnet.id}): the default route stays on the pod NIC, and Neutron's router does not move`,
            'info',
          );
        }
      }
      for (const route of subnet.hostRoutes ?? []) {
        if (route.destination === '0.0.0.0/0' || route.destination === '::/0') {
          findings.lost(
            `${attr}.host_routes`,
            `${route.destination} via ${route.nexthop}: a default route in host_routes would compete with the pod NIC's; not configured`,
          );
          continue;
        }
        guest.routes.push({ to: route.destination, via: route.nexthop });
      }
      for (const ns of subnet.dnsNameservers ?? []) {
        // An address of this subnet that no port in the inventory holds is one of Neutron's own ports (the
        // DHCP port's dnsmasq serves DNS); it does not exist after the move.
        if (inCidr(ns, subnet.cidr) && !held.has(ns) && ns !== subnet.gatewayIp) dropped.add(ns);
        else nameservers.add(ns);
      }
      if ((subnet.dnsNameservers ?? []).length === 0 && subnet.enableDhcp) dhcpDns = true;
    });
    guest.nameservers = [...nameservers];
    if (network?.mtu) guest.mtu = network.mtu;
    if (guest.addresses.length === 0) {
      guest.dhcp4 = true;
      return;
    }
    staticConfig = true;
    findings.exact(
      `${attr}.fixed_ips`,
      'cloud-init network data',
      `${nic.fixedIps.map((ip) => ip.ipAddress).join(', ')} kept as static configuration in the seed's network data, which cloud-init applies to a new instance (the Multus network must reach the same L2 segment)`,
    );
    const hostRoutes = guest.routes.filter((r) => r.to !== '0.0.0.0/0' && r.to !== '::/0');
    if (hostRoutes.length > 0) {
      findings.exact(
        `${attr}.host_routes`,
        'cloud-init network data (routes)',
        `${hostRoutes.map((r) => `${r.to} via ${r.via}`).join(', ')} on this NIC (the next hops must be on the same L2 segment)`,
      );
    }
    if (dropped.size > 0) {
      findings.lost(
        `${attr}.dns_nameservers`,
        `${[...dropped].join(', ')}: an address of the subnet held by no migrated port, i.e. Neutron's DHCP/DNS port, which does not exist after the move${nameservers.size > 0 ? `; kept: ${[...nameservers].join(', ')}` : '; DNS comes from the pod NIC'}`,
      );
    } else if (dhcpDns && nameservers.size === 0) {
      findings.lost(
        `${attr}.dns_nameservers`,
        "the subnet has no dns_nameservers: Neutron's DHCP port served DNS, which does not exist after the move; DNS comes from the pod NIC",
        'info',
      );
    }
    if (nameservers.size > 0) findings.exact(`${attr}.dns_nameservers`, 'cloud-init network data (nameservers)', [...nameservers].join(', '));
    if (guest.mtu) findings.exact(`${attr}.mtu`, 'cloud-init network data (mtu)', `MTU ${guest.mtu} of ${network?.name ?? nic.networkId}`);
  });

  return staticConfig ? { nics } : undefined;
}

/** cloud-init network config version 2 (NoCloud network-config). */
export function toNetplanV2(g: GuestNetwork): { version: 2; ethernets: Record<string, Record<string, unknown>> } {
  const ethernets: Record<string, Record<string, unknown>> = {};
  for (const nic of g.nics) {
    const eth: Record<string, unknown> = { match: { macaddress: nic.mac } };
    if (nic.dhcp4) {
      eth.dhcp4 = true;
    } else {
      eth.addresses = nic.addresses.map((a) => `${a.address}/${a.prefix}`);
      if (nic.routes.length > 0) eth.routes = nic.routes.map((r) => ({ to: r.to, via: r.via }));
      if (nic.nameservers.length > 0) eth.nameservers = { addresses: nic.nameservers };
    }
    if (nic.mtu && !nic.dhcp4) eth.mtu = nic.mtu;
    ethernets[nic.name] = eth;
  }
  return { version: 2, ethernets };
}

/** OpenStack network_data.json (links / networks / services), as Nova writes it (nova/virt/netutils.py). */
export function toOpenStackNetworkData(g: GuestNetwork): { links: unknown[]; networks: unknown[]; services: unknown[] } {
  const links: unknown[] = [];
  const networks: unknown[] = [];
  let n = 0;
  for (const nic of g.nics) {
    const link: Record<string, unknown> = { id: nic.name, type: 'phy', ethernet_mac_address: nic.mac, mtu: nic.dhcp4 ? null : (nic.mtu ?? null) };
    if (nic.portId) link.vif_id = nic.portId;
    links.push(link);
    if (nic.dhcp4) {
      networks.push({ id: `network${n++}`, link: nic.name, type: 'ipv4_dhcp', network_id: nic.networkId });
      continue;
    }
    nic.addresses.forEach((a, k) => {
      const routes = nic.routes
        .filter((r) => r.to.includes(':') === (a.family === 6))
        .map((r) => {
          const [net, len] = r.to.split('/');
          return { network: net, netmask: netmaskOf(Number(len ?? (a.family === 4 ? 32 : 128)), a.family), gateway: r.via };
        });
      const net: Record<string, unknown> = {
        id: `network${n++}`,
        link: nic.name,
        type: a.family === 4 ? 'ipv4' : 'ipv6',
        ip_address: a.address,
        netmask: netmaskOf(a.prefix, a.family),
        routes,
        network_id: nic.networkId,
      };
      if (k === 0 && nic.nameservers.length > 0) {
        // Nova's per-network services, plus dns_nameservers, the key cloud-init 22.4 reads per subnet (it
        // takes only the top-level services, which would make them every NIC's).
        net.services = nic.nameservers.map((address) => ({ type: 'dns', address }));
        net.dns_nameservers = nic.nameservers;
      }
      networks.push(net);
    });
  }
  // No global services: a secondary NIC's DNS servers stay with its networks, the pod NIC's come by DHCP.
  return { links, networks, services: [] };
}
