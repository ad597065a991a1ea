// A synthetic cloud of any size for the benchmark, built from the recorded objects (so every object keeps
// the recorded shape) with new ids: N servers, one port each, a volume on every other server, a floating
// IP on every tenth, spread over projects that each have a network, subnet and security group.
import { must } from '../must.js';
import { fixtureCloud, FIXTURE_IDS, TEST_PASSWORD, type ServedCloud } from './data.js';

const uuid = (kind: number, n: number) => `${kind.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

export interface SyntheticSize {
  servers: number;
  projects?: number;
}

export function syntheticCloud(size: SyntheticSize): ServedCloud {
  const base = fixtureCloud();
  const projectCount = size.projects ?? 50;
  const tpl = {
    server: base.servers.find((s) => s.name === 'web-1')!,
    port: base.ports.find((p) => p.device_owner?.startsWith('compute:'))!,
    network: base.networks.find((n) => n.name === 'prod-net')!,
    subnet: base.subnets.find((s) => s.ip_version === 4)!,
    sg: base.securityGroups.find((g) => g.name === 'web')!,
    volume: base.volumes.find((v) => v.attachments?.length)!,
    fip: base.floatingIps.find((f) => f.port_id)!,
  };
  const projects = Array.from({ length: projectCount }, (_, i) => ({
    ...base.projects[1],
    id: uuid(1, i).replace(/-/g, ''),
    name: `project-${i}`,
    domain_id: 'default',
  }));
  const networks = projects.map((p, i) => ({ ...tpl.network, id: uuid(2, i), name: `net-${i}`, project_id: p.id, tenant_id: p.id, subnets: [uuid(3, i)] }));
  const subnets = projects.map((p, i) => ({
    ...tpl.subnet,
    id: uuid(3, i),
    name: `subnet-${i}`,
    network_id: uuid(2, i),
    project_id: p.id,
    tenant_id: p.id,
    cidr: `10.${Math.floor(i / 256)}.${i % 256}.0/24`,
  }));
  const securityGroups = projects.map((p, i) => ({
    ...tpl.sg,
    id: uuid(4, i),
    name: `sg-${i}`,
    project_id: p.id,
    tenant_id: p.id,
    security_group_rules: tpl.sg.security_group_rules.map((r: Record<string, unknown>, j: number) => ({
      ...r,
      id: uuid(5, i * 100 + j),
      security_group_id: uuid(4, i),
      remote_group_id: null,
    })),
  }));
  const servers = [];
  const ports = [];
  const volumes = [];
  const floatingIps = [];
  for (let i = 0; i < size.servers; i += 1) {
    const p = i % projectCount;
    const project = must(projects[p], `project ${p}`);
    const id = uuid(6, i);
    const mac = `fa:16:3e:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
    const ip = `10.${Math.floor(p / 256)}.${p % 256}.${(i % 250) + 2}`;
    const withVolume = i % 2 === 0;
    servers.push({
      ...tpl.server,
      id,
      name: `vm-${i}`,
      tenant_id: project.id,
      user_id: FIXTURE_IDS.alice,
      addresses: { [`net-${p}`]: [{ version: 4, addr: ip, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': mac }] },
      'os-extended-volumes:volumes_attached': withVolume ? [{ id: uuid(7, i), delete_on_termination: false }] : [],
      key_name: 'alice-key',
    });
    ports.push({
      ...tpl.port,
      id: uuid(8, i),
      name: '',
      network_id: uuid(2, p),
      project_id: project.id,
      tenant_id: project.id,
      mac_address: mac,
      device_id: id,
      fixed_ips: [{ subnet_id: uuid(3, p), ip_address: ip }],
      security_groups: [uuid(4, p)],
      allowed_address_pairs: [],
    });
    if (withVolume) {
      volumes.push({
        ...tpl.volume,
        id: uuid(7, i),
        name: `vol-${i}`,
        'os-vol-tenant-attr:tenant_id': project.id,
        attachments: [{ ...tpl.volume.attachments[0], id: uuid(7, i), volume_id: uuid(7, i), attachment_id: uuid(9, i), server_id: id, device: '/dev/vdb' }],
      });
    }
    if (i % 10 === 0) {
      floatingIps.push({
        ...tpl.fip,
        id: uuid(10, i),
        project_id: project.id,
        tenant_id: project.id,
        port_id: uuid(8, i),
        fixed_ip_address: ip,
        floating_ip_address: `198.18.${Math.floor(i / 250) % 256}.${i % 250}`,
        floating_network_id: base.networks.find((n) => n['router:external'])!.id,
      });
    }
  }
  return {
    ...base,
    projects: [...base.projects, ...projects],
    servers,
    ports: [...base.ports.filter((p) => String(p.device_owner).startsWith('network:')), ...ports],
    networks: [...base.networks, ...networks],
    subnets: [...base.subnets, ...subnets],
    securityGroups: [...base.securityGroups, ...securityGroups],
    volumes,
    floatingIps,
    serverGroups: [],
    logins: base.logins.map((l) => ({ ...l, password: TEST_PASSWORD })),
  };
}
