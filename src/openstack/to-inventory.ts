// Pure mapping from the API responses (RawCloud) to the Inventory, and the slicing by --project/--domain/
// --server. No I/O. Decisions worth knowing:
// - Server.interfaces: one per Neutron port whose device_id is the server. Ordered by the first appearance of
//   the port's MAC in the server's `addresses`: Nova builds `addresses` from its network info cache, which
//   lists the VIFs in the order they were plugged — the guest's NIC order (eth0, eth1, ...). Ports Nova does not
//   show (cache not yet refreshed) follow, by port creation time, then id.
// - Server.flavorId: the flavor of the list whose name is the embedded flavor's original_name and whose sizes
//   and extra specs equal the embedded ones. Otherwise (flavor deleted, or edited since boot) a flavor
//   "embedded:<server-id>" is synthesized from the embedded copy: that copy is what the guest really has.
// - Server.blockDevices: Nova's volumes_attached (its order), with the device name from Cinder's attachment;
//   for a boot-from-volume server (image "") the volume on the root device (else the first bootable one)
//   gets bootIndex 0 and comes first.
// - Ports owned by Neutron itself (network:router_interface, :dhcp, :floatingip, ...) are left out: they are
//   not migrated and no server or floating IP of the inventory refers to them.
import type {
  BlockDevice,
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
  RoleAssignment,
  SecurityGroup,
  SecurityGroupRule,
  Server,
  ServerGroup,
  ServerGroupPolicy,
  ServerInterface,
  Subnet,
  User,
  Volume,
  VolumeType,
} from '../inventory/types.js';
import { INVENTORY_API_VERSION, INVENTORY_KIND, INVENTORY_SCHEMA_VERSION } from '../inventory/types.js';
import type { CinderVolume, GlanceImage, NeutronPort, NovaEmbeddedFlavor, NovaFlavor, NovaServer, RawCloud } from './api-types.js';

/** Glance image fields that are not properties. */
const IMAGE_CORE = new Set([
  'id',
  'name',
  'status',
  'owner',
  'visibility',
  'disk_format',
  'container_format',
  'size',
  'virtual_size',
  'min_disk',
  'min_ram',
  'checksum',
  'os_hash_algo',
  'os_hash_value',
  'tags',
  'created_at',
  'updated_at',
  'self',
  'file',
  'schema',
  'protected',
  'os_hidden',
  'stores',
  'locations',
  'direct_url',
]);

const VISIBILITIES = new Set(['public', 'private', 'shared', 'community']);
const POLICIES = new Set<ServerGroupPolicy>(['affinity', 'anti-affinity', 'soft-affinity', 'soft-anti-affinity']);

function asString(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function stringMap(obj: Record<string, unknown> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj ?? {})) if (v !== null && v !== undefined) out[k] = asString(v);
  return out;
}

function num(v: unknown, fallback = 0): number {
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) && v !== '' ? n : fallback;
}

function dropUndefined<T extends object>(obj: T): T {
  for (const key of Object.keys(obj) as (keyof T)[]) if (obj[key] === undefined) delete obj[key];
  return obj;
}

function sameSpecs(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ak = Object.keys(a ?? {});
  if (ak.length !== Object.keys(b ?? {}).length) return false;
  return ak.every((k) => (a ?? {})[k] === (b ?? {})[k]);
}

function mapFlavor(f: NovaFlavor, access: string[] | undefined): Flavor {
  return dropUndefined({
    id: f.id,
    name: f.name,
    vcpus: num(f.vcpus),
    ram: num(f.ram),
    disk: num(f.disk),
    ephemeral: num(f['OS-FLV-EXT-DATA:ephemeral']),
    swap: num(f.swap),
    isPublic: f['os-flavor-access:is_public'],
    extraSpecs: stringMap(f.extra_specs),
    projectIds: f['os-flavor-access:is_public'] === false ? [...(access ?? [])].sort() : undefined,
  });
}

function embeddedMatches(e: NovaEmbeddedFlavor, f: Flavor): boolean {
  return (
    e.original_name === f.name &&
    num(e.vcpus) === f.vcpus &&
    num(e.ram) === f.ram &&
    num(e.disk) === f.disk &&
    num(e.ephemeral) === f.ephemeral &&
    num(e.swap) === f.swap &&
    (e.extra_specs === undefined || sameSpecs(stringMap(e.extra_specs), f.extraSpecs))
  );
}

function mapImage(i: GlanceImage): Image {
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(i)) if (!IMAGE_CORE.has(k) && v !== null && v !== undefined) properties[k] = asString(v);
  return dropUndefined({
    id: i.id,
    name: i.name ?? '',
    status: i.status,
    ownerProjectId: i.owner ?? undefined,
    visibility: i.visibility && VISIBILITIES.has(i.visibility) ? (i.visibility as Image['visibility']) : undefined,
    diskFormat: i.disk_format ?? undefined,
    containerFormat: i.container_format ?? undefined,
    size: i.size ?? undefined,
    virtualSize: i.virtual_size ?? undefined,
    minDisk: i.min_disk,
    minRam: i.min_ram,
    checksum: i.checksum ?? undefined,
    osHashAlgo: i.os_hash_algo ?? undefined,
    osHashValue: i.os_hash_value ?? undefined,
    tags: i.tags ?? [],
    properties,
  });
}

function mapPort(p: NeutronPort): Port {
  return dropUndefined({
    id: p.id,
    name: p.name || undefined,
    networkId: p.network_id,
    projectId: p.project_id ?? p.tenant_id ?? undefined,
    macAddress: p.mac_address,
    fixedIps: (p.fixed_ips ?? []).map((ip) => dropUndefined({ ipAddress: ip.ip_address, subnetId: ip.subnet_id })),
    deviceId: p.device_id || undefined,
    deviceOwner: p.device_owner || undefined,
    securityGroupIds: [...(p.security_groups ?? [])],
    portSecurityEnabled: p.port_security_enabled,
    allowedAddressPairs: (p.allowed_address_pairs ?? []).map((a) => dropUndefined({ ipAddress: a.ip_address, macAddress: a.mac_address })),
  });
}

/** Ports a server's NICs are made of, in the guest's NIC order (see the header comment). */
export function orderServerPorts(server: NovaServer, ports: NeutronPort[]): NeutronPort[] {
  const macOrder = new Map<string, number>();
  for (const addrs of Object.values(server.addresses ?? {})) {
    for (const a of addrs) {
      const mac = a['OS-EXT-IPS-MAC:mac_addr']?.toLowerCase();
      if (mac && !macOrder.has(mac)) macOrder.set(mac, macOrder.size);
    }
  }
  const rank = (p: NeutronPort) => macOrder.get(p.mac_address.toLowerCase()) ?? Number.MAX_SAFE_INTEGER;
  return [...ports].sort((a, b) => rank(a) - rank(b) || (a.created_at ?? '').localeCompare(b.created_at ?? '') || a.id.localeCompare(b.id));
}

function blockDevicesOf(
  server: NovaServer,
  attachmentsByServer: Map<string, Map<string, string | undefined>>,
  volumesById: Map<string, CinderVolume>,
): BlockDevice[] {
  const devices = attachmentsByServer.get(server.id) ?? new Map<string, string | undefined>();
  const list: BlockDevice[] = (server['os-extended-volumes:volumes_attached'] ?? []).map((v) =>
    dropUndefined({
      volumeId: v.id,
      device: devices.get(v.id) ?? undefined,
      deleteOnTermination: v.delete_on_termination,
    }),
  );
  if (server.image === '' || server.image === null) {
    const root = server['OS-EXT-SRV-ATTR:root_device_name'];
    let boot = root ? list.find((d) => d.device === root) : undefined;
    const isBootable = (d: BlockDevice) => {
      const b = volumesById.get(d.volumeId)?.bootable;
      return b === true || b === 'true';
    };
    boot ??= [...list].filter(isBootable).sort((a, b) => (a.device ?? '~').localeCompare(b.device ?? '~'))[0];
    boot ??= list[0];
    if (boot) {
      boot.bootIndex = 0;
      list.splice(list.indexOf(boot), 1);
      list.unshift(boot);
    }
  }
  return list;
}

/** Maps everything read from a cloud to the Inventory. Deterministic: lists are sorted by id. */
export function toInventory(raw: RawCloud, collectedAt?: string): Inventory {
  const byId = <T extends { id: string }>(a: T, b: T) => a.id.localeCompare(b.id);
  const flavors = raw.flavors.map((f) => mapFlavor(f, raw.flavorAccess[f.id]));
  const flavorsByName = new Map<string, Flavor[]>();
  for (const f of flavors) flavorsByName.set(f.name, [...(flavorsByName.get(f.name) ?? []), f]);

  const volumesById = new Map(raw.volumes.map((v) => [v.id, v]));
  const attachmentsByServer = new Map<string, Map<string, string | undefined>>();
  for (const v of raw.volumes) {
    for (const a of v.attachments ?? []) {
      const m = attachmentsByServer.get(a.server_id) ?? new Map<string, string | undefined>();
      m.set(v.id, a.device ?? undefined);
      attachmentsByServer.set(a.server_id, m);
    }
  }
  const portsByDevice = new Map<string, NeutronPort[]>();
  for (const p of raw.ports) if (p.device_id) portsByDevice.set(p.device_id, [...(portsByDevice.get(p.device_id) ?? []), p]);
  const groupOfServer = new Map<string, string>();
  for (const g of raw.serverGroups) for (const m of g.members ?? []) groupOfServer.set(m, g.id);
  const projectOfScope = raw.scopeProjectIds.length === 1 ? raw.scopeProjectIds[0] : undefined;

  // keyName only when the key itself is in the inventory: an unreadable or deleted keypair was reported as a
  // warning by the reader, and a dangling name would make the inventory invalid.
  const keypairKeys = new Set(raw.keypairs.map((k) => `${k.user_id}/${k.name}`));
  const keypairNameCount = new Map<string, number>();
  for (const k of raw.keypairs) keypairNameCount.set(k.name, (keypairNameCount.get(k.name) ?? 0) + 1);
  const hasKeypair = (s: NovaServer) => !!s.key_name && (keypairKeys.has(`${s.user_id}/${s.key_name}`) || keypairNameCount.get(s.key_name) === 1);
  const synthesized: Flavor[] = [];
  const servers: Server[] = raw.servers.map((s) => {
    const e = s.flavor ?? {};
    let flavorId = e.id ?? '';
    if (!flavorId) {
      const match = (flavorsByName.get(e.original_name ?? '') ?? []).find((f) => embeddedMatches(e, f));
      if (match) flavorId = match.id;
      else {
        flavorId = `embedded:${s.id}`;
        synthesized.push({
          id: flavorId,
          name: e.original_name ?? flavorId,
          vcpus: num(e.vcpus),
          ram: num(e.ram),
          disk: num(e.disk),
          ephemeral: num(e.ephemeral),
          swap: num(e.swap),
          isPublic: false,
          extraSpecs: stringMap(e.extra_specs),
        });
      }
    }
    const ports = orderServerPorts(s, portsByDevice.get(s.id) ?? []);
    const interfaces: ServerInterface[] = ports.map((p) => ({
      portId: p.id,
      networkId: p.network_id,
      macAddress: p.mac_address,
      fixedIps: (p.fixed_ips ?? []).map((ip) => dropUndefined({ ipAddress: ip.ip_address, subnetId: ip.subnet_id })),
    }));
    const securityGroupIds = [...new Set(ports.flatMap((p) => p.security_groups ?? []))];
    const configDrive = s.config_drive === true || (typeof s.config_drive === 'string' && /^true$/i.test(s.config_drive));
    return dropUndefined({
      id: s.id,
      name: s.name,
      projectId: s.tenant_id,
      userId: s.user_id,
      status: s.status,
      powerState: s['OS-EXT-STS:power_state'],
      flavorId,
      imageId: s.image && typeof s.image === 'object' ? s.image.id : undefined,
      blockDevices: blockDevicesOf(s, attachmentsByServer, volumesById),
      interfaces,
      securityGroupIds,
      keyName: hasKeypair(s) ? (s.key_name as string) : undefined,
      metadata: stringMap(s.metadata),
      tags: s.tags,
      userData: s['OS-EXT-SRV-ATTR:user_data'] || undefined,
      configDrive,
      serverGroupId: groupOfServer.get(s.id),
      availabilityZone: s['OS-EXT-AZ:availability_zone'] || undefined,
      hostname: s['OS-EXT-SRV-ATTR:hostname'] || undefined,
      description: s.description || undefined,
    });
  });

  const keypairs: Keypair[] = raw.keypairs.map((k) =>
    dropUndefined({
      name: k.name,
      userId: k.user_id,
      type: k.type === 'x509' ? 'x509' : 'ssh',
      publicKey: k.public_key,
      fingerprint: k.fingerprint,
    } as Keypair),
  );

  const serverGroups: ServerGroup[] = raw.serverGroups.map((g) => {
    const policy = (g.policy ?? g.policies?.[0]) as ServerGroupPolicy;
    return dropUndefined({
      id: g.id,
      name: g.name,
      projectId: g.project_id,
      policy: POLICIES.has(policy) ? policy : 'soft-anti-affinity',
      rules: g.rules?.max_server_per_host !== undefined ? { maxServerPerHost: g.rules.max_server_per_host } : undefined,
      members: [...(g.members ?? [])],
    });
  });

  const volumes: Volume[] = raw.volumes.map((v) =>
    dropUndefined({
      id: v.id,
      name: v.name ?? '',
      projectId: v['os-vol-tenant-attr:tenant_id'] ?? projectOfScope ?? '',
      size: num(v.size),
      volumeType: v.volume_type ?? undefined,
      status: v.status,
      bootable: v.bootable === true || v.bootable === 'true',
      multiattach: v.multiattach,
      encrypted: v.encrypted,
      availabilityZone: v.availability_zone ?? undefined,
      volumeImageMetadata: v.volume_image_metadata ? stringMap(v.volume_image_metadata) : undefined,
      attachments: (v.attachments ?? []).map((a) => dropUndefined({ serverId: a.server_id, device: a.device ?? undefined, attachmentId: a.attachment_id })),
    }),
  );

  const networks: Network[] = raw.networks.map((n) =>
    dropUndefined({
      id: n.id,
      name: n.name,
      projectId: n.project_id ?? n.tenant_id ?? '',
      shared: n.shared,
      external: n['router:external'],
      mtu: n.mtu,
      providerNetworkType: n['provider:network_type'] ?? undefined,
      providerSegmentationId: n['provider:segmentation_id'] ?? undefined,
      subnetIds: n.subnets ? [...n.subnets].sort() : undefined,
    }),
  );

  const subnets: Subnet[] = raw.subnets.map((s) =>
    dropUndefined({
      id: s.id,
      name: s.name,
      networkId: s.network_id,
      projectId: s.project_id,
      ipVersion: s.ip_version,
      cidr: s.cidr,
      gatewayIp: s.gateway_ip,
      enableDhcp: s.enable_dhcp,
      dnsNameservers: s.dns_nameservers,
      hostRoutes: s.host_routes,
      ipv6AddressMode: s.ipv6_address_mode,
      ipv6RaMode: s.ipv6_ra_mode,
    }),
  );

  const ports = raw.ports.filter((p) => !p.device_owner || !p.device_owner.startsWith('network:')).map(mapPort);

  const securityGroups: SecurityGroup[] = raw.securityGroups.map((g) =>
    dropUndefined({
      id: g.id,
      name: g.name,
      projectId: g.project_id ?? g.tenant_id ?? '',
      description: g.description || undefined,
      stateful: g.stateful,
      rules: (g.security_group_rules ?? [])
        .map(
          (r): SecurityGroupRule =>
            dropUndefined({
              id: r.id,
              direction: r.direction,
              ethertype: r.ethertype,
              protocol: r.protocol ?? null,
              portRangeMin: r.port_range_min ?? null,
              portRangeMax: r.port_range_max ?? null,
              remoteIpPrefix: r.remote_ip_prefix ?? null,
              remoteGroupId: r.remote_group_id ?? null,
              remoteAddressGroupId: r.remote_address_group_id ?? null,
              description: r.description || undefined,
            }),
        )
        .sort(byId),
    }),
  );

  const floatingIps: FloatingIp[] = raw.floatingIps.map((f) =>
    dropUndefined({
      id: f.id,
      floatingIpAddress: f.floating_ip_address,
      floatingNetworkId: f.floating_network_id,
      projectId: f.project_id ?? f.tenant_id ?? '',
      portId: f.port_id ?? null,
      fixedIpAddress: f.fixed_ip_address ?? null,
      status: f.status,
      description: f.description || undefined,
    }),
  );

  const roleAssignments: RoleAssignment[] = raw.roleAssignments
    .filter((a) => (a.user || a.group) && (a.scope.project || a.scope.domain))
    .map((a) =>
      dropUndefined({
        roleId: a.role.id,
        userId: a.user?.id,
        groupId: a.group?.id,
        projectId: a.scope.project?.id,
        domainId: a.scope.domain?.id,
        inherited: a.scope['OS-INHERIT:inherited_to'] ? true : undefined,
      }),
    );

  const inv: Inventory = {
    apiVersion: INVENTORY_API_VERSION,
    kind: INVENTORY_KIND,
    schemaVersion: INVENTORY_SCHEMA_VERSION,
    metadata: dropUndefined({
      cloud: raw.cloud,
      region: raw.region,
      authUrl: raw.authUrl,
      collectedAt,
      warnings: raw.warnings.length ? [...raw.warnings] : undefined,
    }),
    domains: raw.domains.map((d): Domain => dropUndefined({ id: d.id, name: d.name, enabled: d.enabled, description: d.description || undefined })).sort(byId),
    projects: raw.projects
      .filter((p) => !p.is_domain)
      .map(
        (p): Project =>
          dropUndefined({ id: p.id, name: p.name, domainId: p.domain_id, enabled: p.enabled, description: p.description || undefined, tags: p.tags }),
      )
      .sort(byId),
    users: raw.users.map((u): User => dropUndefined({ id: u.id, name: u.name, domainId: u.domain_id, enabled: u.enabled })).sort(byId),
    groups: raw.groups.map((g): Group => ({ id: g.id, name: g.name, domainId: g.domain_id, members: [...(raw.groupMembers[g.id] ?? [])].sort() })).sort(byId),
    roles: raw.roles.map((r): Role => ({ id: r.id, name: r.name })).sort(byId),
    roleAssignments,
    flavors: [...flavors, ...synthesized].sort(byId),
    images: raw.images.map(mapImage).sort(byId),
    keypairs: keypairs.sort((a, b) => `${a.userId}/${a.name}`.localeCompare(`${b.userId}/${b.name}`)),
    serverGroups: serverGroups.sort(byId),
    servers: servers.sort(byId),
    volumeTypes: raw.volumeTypes
      .map((t): VolumeType => dropUndefined({ id: t.id, name: t.name, extraSpecs: t.extra_specs ? stringMap(t.extra_specs) : undefined }))
      .sort(byId),
    volumes: volumes.sort(byId),
    networks: networks.sort(byId),
    subnets: subnets.sort(byId),
    ports: ports.sort(byId),
    securityGroups: securityGroups.sort(byId),
    floatingIps: floatingIps.sort(byId),
  };
  return inv;
}

/** The --project / --domain / --server filters, each entry a name or an id. */
export interface InventoryFilter {
  projects?: string[];
  domains?: string[];
  servers?: string[];
}

export class FilterMatchError extends Error {}

/**
 * The slice of an inventory that a set of projects (or servers) needs: their projects and domains, servers,
 * volumes, ports, security groups (and the groups their rules point at), floating IPs, keypairs and server
 * groups, plus the shared objects they use (flavors, images, networks and subnets, volume types), and the
 * identity objects bound to those projects or domains. Returns the names of filter entries that matched nothing.
 */
export function sliceInventory(inv: Inventory, filter: InventoryFilter): { inventory: Inventory; unmatched: string[] } {
  const unmatched: string[] = [];
  const matchAll = <T extends { id: string; name: string }>(items: T[], wanted: string[] | undefined): T[] | undefined => {
    if (!wanted?.length) return undefined;
    const out: T[] = [];
    for (const w of wanted) {
      const hits = items.filter((i) => i.id === w || i.name === w);
      if (!hits.length) unmatched.push(w);
      out.push(...hits);
    }
    return out;
  };
  const domainHits = matchAll(inv.domains, filter.domains);
  const projectHits = matchAll(inv.projects, filter.projects);
  const serverHits = matchAll(inv.servers, filter.servers);
  if (!domainHits && !projectHits && !serverHits) return { inventory: inv, unmatched };

  let projectIds: Set<string> | undefined;
  const intersect = (ids: Set<string>) => {
    projectIds = projectIds ? new Set([...projectIds].filter((id) => ids.has(id))) : ids;
  };
  if (domainHits) {
    const d = new Set(domainHits.map((x) => x.id));
    intersect(new Set(inv.projects.filter((p) => d.has(p.domainId)).map((p) => p.id)));
  }
  if (projectHits) intersect(new Set(projectHits.map((p) => p.id)));
  const serverIdSet = serverHits ? new Set(serverHits.map((s) => s.id)) : undefined;
  const servers = inv.servers.filter((s) => (!serverIdSet || serverIdSet.has(s.id)) && (!projectIds || projectIds.has(s.projectId)));
  if (serverIdSet && !projectIds) projectIds = new Set(servers.map((s) => s.projectId));
  const pids = projectIds as Set<string>;
  const inScope = (projectId: string | undefined) => projectId !== undefined && pids.has(projectId);
  const keepServerIds = new Set(servers.map((s) => s.id));
  // With --server, only what those servers use; otherwise everything the projects own.
  const ownsAll = !serverIdSet;

  const volumeIds = new Set(servers.flatMap((s) => s.blockDevices.map((b) => b.volumeId)));
  const volumes = inv.volumes.filter((v) => volumeIds.has(v.id) || (ownsAll && inScope(v.projectId)));
  const portIds = new Set(servers.flatMap((s) => s.interfaces.map((i) => i.portId).filter((x): x is string => !!x)));
  const ports = inv.ports.filter((p) => portIds.has(p.id) || (ownsAll && inScope(p.projectId)));
  const keptPortIds = new Set(ports.map((p) => p.id));
  const floatingIps = inv.floatingIps.filter((f) => (f.portId && keptPortIds.has(f.portId)) || (ownsAll && inScope(f.projectId)));
  const sgIds = new Set([...servers.flatMap((s) => s.securityGroupIds), ...ports.flatMap((p) => p.securityGroupIds)]);
  if (ownsAll) for (const g of inv.securityGroups) if (inScope(g.projectId)) sgIds.add(g.id);
  for (const g of inv.securityGroups) if (sgIds.has(g.id)) for (const r of g.rules) if (r.remoteGroupId) sgIds.add(r.remoteGroupId);
  const networkIds = new Set([...ports.map((p) => p.networkId), ...floatingIps.map((f) => f.floatingNetworkId)]);
  if (ownsAll) for (const n of inv.networks) if (inScope(n.projectId)) networkIds.add(n.id);
  const flavorIds = new Set(servers.map((s) => s.flavorId));
  const imageIds = new Set([
    ...servers.map((s) => s.imageId).filter((x): x is string => !!x),
    ...volumes.map((v) => v.volumeImageMetadata?.image_id).filter((x): x is string => !!x),
  ]);
  const keyNames = new Set(servers.filter((s) => s.keyName).map((s) => `${s.userId}/${s.keyName}`));
  const projects = inv.projects.filter((p) => pids.has(p.id));
  const projectDomainIds = new Set(projects.map((p) => p.domainId));
  const roleAssignments = inv.roleAssignments.filter((a) => (a.projectId && pids.has(a.projectId)) || (a.domainId && projectDomainIds.has(a.domainId)));
  const groupIds = new Set(roleAssignments.map((a) => a.groupId).filter((x): x is string => !!x));
  const groups = inv.groups.filter((g) => groupIds.has(g.id));
  const userIds = new Set(
    [...roleAssignments.map((a) => a.userId), ...groups.flatMap((g) => g.members), ...servers.map((s) => s.userId)].filter((x): x is string => !!x),
  );
  const users = inv.users.filter((u) => userIds.has(u.id));
  // Users and groups may live in other domains than the projects they have roles on.
  const domainIds = new Set([...projectDomainIds, ...users.map((u) => u.domainId), ...groups.map((g) => g.domainId)]);
  const roleIds = new Set(roleAssignments.map((a) => a.roleId));
  const volumeTypeNames = new Set(volumes.map((v) => v.volumeType));

  return {
    unmatched,
    inventory: {
      ...inv,
      domains: inv.domains.filter((d) => domainIds.has(d.id)),
      projects,
      users,
      groups,
      roles: inv.roles.filter((r) => roleIds.has(r.id)),
      roleAssignments,
      flavors: inv.flavors.filter((f) => flavorIds.has(f.id)).map((f) => (f.projectIds ? { ...f, projectIds: f.projectIds.filter((p) => pids.has(p)) } : f)),
      images: inv.images.filter((i) => imageIds.has(i.id) || (ownsAll && inScope(i.ownerProjectId))),
      keypairs: inv.keypairs.filter((k) => keyNames.has(`${k.userId}/${k.name}`)),
      serverGroups: inv.serverGroups
        .filter((g) => g.members.some((m) => keepServerIds.has(m)) || (ownsAll && inScope(g.projectId)))
        .map((g) => (serverIdSet ? { ...g, members: g.members.filter((m) => keepServerIds.has(m)) } : g)),
      servers,
      volumeTypes: inv.volumeTypes.filter((t) => volumeTypeNames.has(t.name) || volumeTypeNames.has(t.id)),
      volumes,
      networks: inv.networks.filter((n) => networkIds.has(n.id)),
      subnets: inv.subnets.filter((s) => networkIds.has(s.networkId)),
      ports,
      securityGroups: inv.securityGroups.filter((g) => sgIds.has(g.id)),
      floatingIps,
    },
  };
}
