// Small builders of realistic inventories for tests: start from emptyInventory() (one domain, one
// project), add what the test needs with add*(), then contextFor() gives a PlanContext. Shared by several
// test suites: only ever add to it.
import { indexInventory } from '../../src/inventory/index.js';
import { emptyInventory as emptySkeleton } from '../../scripts/generate-inventory.mjs';
import type { Flavor, Image, Inventory, Keypair, Network, Project, SecurityGroup, Server, ServerGroup, Subnet, Volume } from '../../src/inventory/types.js';
import type { PlanContext } from '../../src/translate/context.js';
import { defaultPlanConfig } from '../../src/translate/defaults.js';
import type { PlanConfig } from '../../src/translate/model.js';
import { toDnsLabel, uniqueDnsLabel } from '../../src/translate/naming.js';

export const DOMAIN_ID = 'd0000000000000000000000000000001';
export const PROJECT_ID = 'p0000000000000000000000000000001';

/** The skeleton of scripts/generate-inventory.mjs with one domain and one project. */
export function emptyInventory(): Inventory {
  return {
    ...emptySkeleton({ cloud: 'test-cloud', region: 'RegionOne' }),
    domains: [{ id: DOMAIN_ID, name: 'Default', enabled: true }],
    projects: [{ id: PROJECT_ID, name: 'web', domainId: DOMAIN_ID, enabled: true }],
  };
}

let counter = 0;
/** A UUID-shaped id, deterministic per process order and readable in failures. */
export function testId(kind: string): string {
  counter++;
  const hex = Buffer.from(kind).toString('hex').padEnd(8, '0').slice(0, 8);
  return `${hex}-0000-4000-8000-${String(counter).padStart(12, '0')}`;
}

export function addProject(inv: Inventory, p: Partial<Project> & { name: string }): Project {
  const project: Project = { id: testId('proj'), domainId: DOMAIN_ID, enabled: true, ...p };
  inv.projects.push(project);
  return project;
}

export function addFlavor(inv: Inventory, f: Partial<Flavor> = {}): Flavor {
  const flavor: Flavor = { id: testId('flav'), name: 'm1.small', vcpus: 2, ram: 2048, disk: 20, ephemeral: 0, swap: 0, isPublic: true, extraSpecs: {}, ...f };
  inv.flavors.push(flavor);
  return flavor;
}

export function addImage(inv: Inventory, i: Partial<Image> = {}): Image {
  const image: Image = {
    id: testId('imag'),
    name: 'ubuntu-22.04',
    status: 'active',
    visibility: 'public',
    diskFormat: 'qcow2',
    containerFormat: 'bare',
    size: 700 * 1024 ** 2,
    virtualSize: 2.2 * 1024 ** 3,
    minDisk: 0,
    minRam: 0,
    properties: {},
    ...i,
  };
  inv.images.push(image);
  return image;
}

export function addVolume(inv: Inventory, v: Partial<Volume> = {}): Volume {
  const volume: Volume = {
    id: testId('volu'),
    name: 'data',
    projectId: PROJECT_ID,
    size: 10,
    volumeType: '__DEFAULT__',
    status: 'in-use',
    bootable: false,
    attachments: [],
    ...v,
  };
  inv.volumes.push(volume);
  return volume;
}

export function addNetwork(inv: Inventory, n: Partial<Network> = {}, subnet?: Partial<Subnet>): Network {
  const network: Network = { id: testId('netw'), name: 'private', projectId: PROJECT_ID, mtu: 1450, ...n };
  inv.networks.push(network);
  if (subnet) {
    const s: Subnet = {
      id: testId('subn'),
      name: `${network.name}-subnet`,
      networkId: network.id,
      ipVersion: 4,
      cidr: '10.0.0.0/24',
      gatewayIp: '10.0.0.1',
      enableDhcp: true,
      ...subnet,
    };
    inv.subnets.push(s);
    network.subnetIds = [...(network.subnetIds ?? []), s.id];
  }
  return network;
}

export function subnetOf(inv: Inventory, network: Network): Subnet {
  const subnet = inv.subnets.find((s) => s.networkId === network.id);
  if (!subnet) throw new Error(`network ${network.name} has no subnet`);
  return subnet;
}

export function addKeypair(inv: Inventory, k: Partial<Keypair> = {}): Keypair {
  const keypair: Keypair = {
    name: 'alice-key',
    type: 'ssh',
    publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0 alice@laptop',
    ...k,
  };
  inv.keypairs.push(keypair);
  return keypair;
}

export function addSecurityGroup(inv: Inventory, g: Partial<SecurityGroup> = {}): SecurityGroup {
  const group: SecurityGroup = { id: testId('secg'), name: 'default', projectId: PROJECT_ID, stateful: true, rules: [], ...g };
  inv.securityGroups.push(group);
  return group;
}

export function addServerGroup(inv: Inventory, g: Partial<ServerGroup> & Pick<ServerGroup, 'policy'>): ServerGroup {
  const group: ServerGroup = { id: testId('srvg'), name: 'ha', projectId: PROJECT_ID, members: [], ...g };
  inv.serverGroups.push(group);
  return group;
}

/**
 * A server; flavor and image are created when not given. `network` adds one NIC with a fixed IP on that
 * network's first subnet.
 */
export function addServer(inv: Inventory, s: Partial<Server> & { flavor?: Flavor; image?: Image | null; network?: Network; ip?: string } = {}): Server {
  const { flavor: f, image: img, network, ip, ...rest } = s;
  const flavor = f ?? (rest.flavorId ? undefined : addFlavor(inv));
  const image = img === null ? undefined : (img ?? (rest.imageId || rest.blockDevices?.some((b) => b.bootIndex === 0) ? undefined : addImage(inv)));
  const server: Server = {
    id: testId('serv'),
    name: 'web-1',
    projectId: PROJECT_ID,
    status: 'ACTIVE',
    powerState: 1,
    flavorId: flavor?.id ?? rest.flavorId ?? 'missing',
    imageId: image?.id,
    blockDevices: [],
    interfaces: [],
    securityGroupIds: [],
    metadata: {},
    ...rest,
  };
  if (network) {
    const subnet = inv.subnets.find((sn) => sn.networkId === network.id);
    server.interfaces.push({
      portId: testId('port'),
      networkId: network.id,
      macAddress: `fa:16:3e:00:00:${String(server.interfaces.length + inv.servers.length)
        .padStart(2, '0')
        .slice(-2)}`,
      fixedIps: subnet ? [{ ipAddress: ip ?? subnet.cidr.replace(/0\/\d+$/, '10'), subnetId: subnet.id }] : [],
    });
  }
  inv.servers.push(server);
  return server;
}

/** Attach a volume to a server, on both sides, as Nova and Cinder record it. */
export function attachVolume(server: Server, volume: Volume, device: string, bootIndex?: number): void {
  server.blockDevices.push({ volumeId: volume.id, device, ...(bootIndex !== undefined ? { bootIndex } : {}) });
  volume.attachments.push({ serverId: server.id, device });
}

/** A PlanContext with namespaces = project names and VM names = server names, made DNS-safe and unique. */
export function contextFor(inv: Inventory, config: Partial<PlanConfig> = {}): PlanContext {
  const namespaceByProject = new Map<string, string>();
  for (const p of inv.projects) namespaceByProject.set(p.id, toDnsLabel(p.name) || 'project');
  const vmNameByServer = new Map<string, string>();
  const taken = new Map<string, Set<string>>();
  for (const s of inv.servers) {
    const ns = namespaceByProject.get(s.projectId) ?? '';
    const set = taken.get(ns) ?? new Set<string>();
    const name = uniqueDnsLabel(s.name, s.id, set);
    set.add(name);
    taken.set(ns, set);
    vmNameByServer.set(s.id, name);
  }
  return {
    inventory: inv,
    index: indexInventory(inv),
    config: { ...defaultPlanConfig(), ...config },
    planId: 'plan-test',
    namespaceByProject,
    vmNameByServer,
  };
}
