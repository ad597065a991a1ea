// Checks of an inventory that a JSON Schema cannot make: duplicate ids, references between objects,
// and values that are well-typed but impossible. Pure: returns problems, throws nothing.
import type { InputProblem } from '../errors.js';
import type { Inventory } from './types.js';

type Ids = Set<string>;

function idsOf(items: { id: string }[], collection: string, problems: InputProblem[]): Ids {
  const ids = new Set<string>();
  items.forEach((item, i) => {
    if (ids.has(item.id)) problems.push({ path: `${collection}[${i}].id`, message: `duplicate id "${item.id}"` });
    ids.add(item.id);
  });
  return ids;
}

function label(item: { name?: string; id?: string }): string {
  return item.name ? ` (${item.name})` : '';
}

export function checkReferences(inv: Inventory): InputProblem[] {
  const problems: InputProblem[] = [];
  const domains = idsOf(inv.domains, 'domains', problems);
  const projects = idsOf(inv.projects, 'projects', problems);
  const users = idsOf(inv.users, 'users', problems);
  const groups = idsOf(inv.groups, 'groups', problems);
  const roles = idsOf(inv.roles, 'roles', problems);
  const flavors = idsOf(inv.flavors, 'flavors', problems);
  const images = idsOf(inv.images, 'images', problems);
  const servers = idsOf(inv.servers, 'servers', problems);
  const volumes = idsOf(inv.volumes, 'volumes', problems);
  const networks = idsOf(inv.networks, 'networks', problems);
  const subnets = idsOf(inv.subnets, 'subnets', problems);
  const ports = idsOf(inv.ports, 'ports', problems);
  const securityGroups = idsOf(inv.securityGroups, 'securityGroups', problems);
  const serverGroups = idsOf(inv.serverGroups, 'serverGroups', problems);
  idsOf(inv.floatingIps, 'floatingIps', problems);
  idsOf(inv.volumeTypes, 'volumeTypes', problems);

  const missing = (path: string, what: string, id: string) => problems.push({ path, message: `refers to ${what} "${id}", which is not in the inventory` });

  inv.projects.forEach((p, i) => {
    if (!domains.has(p.domainId)) missing(`projects[${i}]${label(p)}.domainId`, 'domain', p.domainId);
  });
  inv.users.forEach((u, i) => {
    if (!domains.has(u.domainId)) missing(`users[${i}]${label(u)}.domainId`, 'domain', u.domainId);
  });
  inv.groups.forEach((g, i) => {
    if (!domains.has(g.domainId)) missing(`groups[${i}]${label(g)}.domainId`, 'domain', g.domainId);
    g.members.forEach((m, j) => {
      if (!users.has(m)) missing(`groups[${i}]${label(g)}.members[${j}]`, 'user', m);
    });
  });
  inv.roleAssignments.forEach((a, i) => {
    const path = `roleAssignments[${i}]`;
    if (!roles.has(a.roleId)) missing(`${path}.roleId`, 'role', a.roleId);
    if (Boolean(a.userId) === Boolean(a.groupId)) problems.push({ path, message: 'needs exactly one of userId or groupId' });
    if (Boolean(a.projectId) === Boolean(a.domainId)) problems.push({ path, message: 'needs exactly one of projectId or domainId' });
    if (a.userId && !users.has(a.userId)) missing(`${path}.userId`, 'user', a.userId);
    if (a.groupId && !groups.has(a.groupId)) missing(`${path}.groupId`, 'group', a.groupId);
    if (a.projectId && !projects.has(a.projectId)) missing(`${path}.projectId`, 'project', a.projectId);
    if (a.domainId && !domains.has(a.domainId)) missing(`${path}.domainId`, 'domain', a.domainId);
  });
  inv.flavors.forEach((f, i) => {
    (f.projectIds ?? []).forEach((p, j) => {
      if (!projects.has(p)) missing(`flavors[${i}]${label(f)}.projectIds[${j}]`, 'project', p);
    });
  });
  inv.serverGroups.forEach((g, i) => {
    if (!projects.has(g.projectId)) missing(`serverGroups[${i}]${label(g)}.projectId`, 'project', g.projectId);
    g.members.forEach((m, j) => {
      if (!servers.has(m)) missing(`serverGroups[${i}]${label(g)}.members[${j}]`, 'server', m);
    });
  });

  const keypairNames = new Set(inv.keypairs.map((k) => k.name));
  inv.servers.forEach((s, i) => {
    const path = `servers[${i}]${label(s)}`;
    if (!projects.has(s.projectId)) missing(`${path}.projectId`, 'project', s.projectId);
    if (!flavors.has(s.flavorId)) missing(`${path}.flavorId`, 'flavor', s.flavorId);
    if (s.imageId && !images.has(s.imageId)) missing(`${path}.imageId`, 'image', s.imageId);
    if (!s.imageId && !s.blockDevices.some((b) => b.bootIndex === 0)) {
      problems.push({ path: `${path}.imageId`, message: 'has no image and no block device with bootIndex 0: the server has no root disk' });
    }
    s.blockDevices.forEach((b, j) => {
      if (!volumes.has(b.volumeId)) missing(`${path}.blockDevices[${j}].volumeId`, 'volume', b.volumeId);
    });
    s.interfaces.forEach((nic, j) => {
      if (!networks.has(nic.networkId)) missing(`${path}.interfaces[${j}].networkId`, 'network', nic.networkId);
      if (nic.portId && !ports.has(nic.portId)) missing(`${path}.interfaces[${j}].portId`, 'port', nic.portId);
      nic.fixedIps.forEach((ip, k) => {
        if (ip.subnetId && !subnets.has(ip.subnetId)) missing(`${path}.interfaces[${j}].fixedIps[${k}].subnetId`, 'subnet', ip.subnetId);
      });
    });
    s.securityGroupIds.forEach((g, j) => {
      if (!securityGroups.has(g)) missing(`${path}.securityGroupIds[${j}]`, 'security group', g);
    });
    if (s.keyName && !keypairNames.has(s.keyName)) missing(`${path}.keyName`, 'keypair', s.keyName);
    if (s.serverGroupId && !serverGroups.has(s.serverGroupId)) missing(`${path}.serverGroupId`, 'server group', s.serverGroupId);
    if (s.userData !== undefined && s.userData.replace(/\s/g, '').length % 4 !== 0) {
      problems.push({ path: `${path}.userData`, message: 'is not valid base64 (length is not a multiple of 4)' });
    }
  });
  inv.volumes.forEach((v, i) => {
    if (!projects.has(v.projectId)) missing(`volumes[${i}]${label(v)}.projectId`, 'project', v.projectId);
    v.attachments.forEach((a, j) => {
      if (!servers.has(a.serverId)) missing(`volumes[${i}]${label(v)}.attachments[${j}].serverId`, 'server', a.serverId);
    });
  });
  inv.subnets.forEach((s, i) => {
    if (!networks.has(s.networkId)) missing(`subnets[${i}]${label(s)}.networkId`, 'network', s.networkId);
  });
  inv.ports.forEach((p, i) => {
    if (!networks.has(p.networkId)) missing(`ports[${i}].networkId`, 'network', p.networkId);
    p.securityGroupIds.forEach((g, j) => {
      if (!securityGroups.has(g)) missing(`ports[${i}].securityGroupIds[${j}]`, 'security group', g);
    });
  });
  inv.securityGroups.forEach((g, i) => {
    g.rules.forEach((r, j) => {
      const path = `securityGroups[${i}]${label(g)}.rules[${j}]`;
      if (r.remoteGroupId && !securityGroups.has(r.remoteGroupId)) missing(`${path}.remoteGroupId`, 'security group', r.remoteGroupId);
      if (r.remoteIpPrefix && r.remoteGroupId) problems.push({ path, message: 'sets both remoteIpPrefix and remoteGroupId (Neutron allows only one)' });
      if (r.portRangeMin != null && r.portRangeMax != null && r.portRangeMin > r.portRangeMax) {
        const icmp = r.protocol === 'icmp' || r.protocol === 'ipv6-icmp' || r.protocol === '1' || r.protocol === '58';
        if (!icmp) problems.push({ path: `${path}.portRangeMin`, message: `is greater than portRangeMax (${r.portRangeMin} > ${r.portRangeMax})` });
      }
    });
  });
  inv.floatingIps.forEach((f, i) => {
    if (f.portId && !ports.has(f.portId)) missing(`floatingIps[${i}].portId`, 'port', f.portId);
  });
  return problems;
}
