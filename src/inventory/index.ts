// Lookup tables over an inventory, built once per plan (O(n)), so translation never scans lists.
import type {
  Domain,
  Flavor,
  FloatingIp,
  Group,
  Image,
  Inventory,
  Keypair,
  Network,
  Port,
  Project,
  Role,
  SecurityGroup,
  Server,
  ServerGroup,
  Subnet,
  User,
  Volume,
} from './types.js';

export interface InventoryIndex {
  domains: Map<string, Domain>;
  projects: Map<string, Project>;
  users: Map<string, User>;
  groups: Map<string, Group>;
  roles: Map<string, Role>;
  flavors: Map<string, Flavor>;
  images: Map<string, Image>;
  servers: Map<string, Server>;
  volumes: Map<string, Volume>;
  networks: Map<string, Network>;
  subnets: Map<string, Subnet>;
  ports: Map<string, Port>;
  securityGroups: Map<string, SecurityGroup>;
  serverGroups: Map<string, ServerGroup>;
  floatingIps: Map<string, FloatingIp>;
  /** Floating IPs by the port they are associated with. */
  floatingIpsByPort: Map<string, FloatingIp[]>;
  /** Keypairs by "<userId>/<name>" and by "<name>" (the latter only when the name is unique). */
  keypairs: Map<string, Keypair>;
  /** Server group id by member server id. */
  serverGroupOfServer: Map<string, ServerGroup>;
  /** Servers that carry each security group. */
  serversBySecurityGroup: Map<string, Server[]>;
}

function byId<T extends { id: string }>(items: T[]): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of items) map.set(item.id, item);
  return map;
}

export function indexInventory(inv: Inventory): InventoryIndex {
  const keypairs = new Map<string, Keypair>();
  const nameCount = new Map<string, number>();
  for (const kp of inv.keypairs) nameCount.set(kp.name, (nameCount.get(kp.name) ?? 0) + 1);
  for (const kp of inv.keypairs) {
    if (kp.userId) keypairs.set(`${kp.userId}/${kp.name}`, kp);
    if (nameCount.get(kp.name) === 1) keypairs.set(kp.name, kp);
  }
  const floatingIpsByPort = new Map<string, FloatingIp[]>();
  for (const fip of inv.floatingIps) {
    if (!fip.portId) continue;
    const list = floatingIpsByPort.get(fip.portId) ?? [];
    list.push(fip);
    floatingIpsByPort.set(fip.portId, list);
  }
  const serverGroupOfServer = new Map<string, ServerGroup>();
  for (const group of inv.serverGroups) for (const member of group.members) serverGroupOfServer.set(member, group);
  const serversBySecurityGroup = new Map<string, Server[]>();
  for (const server of inv.servers) {
    for (const sgId of server.securityGroupIds) {
      const list = serversBySecurityGroup.get(sgId) ?? [];
      list.push(server);
      serversBySecurityGroup.set(sgId, list);
    }
  }
  return {
    domains: byId(inv.domains),
    projects: byId(inv.projects),
    users: byId(inv.users),
    groups: byId(inv.groups),
    roles: byId(inv.roles),
    flavors: byId(inv.flavors),
    images: byId(inv.images),
    servers: byId(inv.servers),
    volumes: byId(inv.volumes),
    networks: byId(inv.networks),
    subnets: byId(inv.subnets),
    ports: byId(inv.ports),
    securityGroups: byId(inv.securityGroups),
    serverGroups: byId(inv.serverGroups),
    floatingIps: byId(inv.floatingIps),
    floatingIpsByPort,
    keypairs,
    serverGroupOfServer,
    serversBySecurityGroup,
  };
}

/** The keypair a server was booted with: the owner's keypair of that name, else the only one of that name. */
export function keypairOfServer(index: InventoryIndex, server: Server): Keypair | undefined {
  if (!server.keyName) return undefined;
  return (server.userId && index.keypairs.get(`${server.userId}/${server.keyName}`)) || index.keypairs.get(server.keyName);
}
