// Neutron v2.0 reader. Neutron lists every project's objects to an admin without a flag, and a member's own
// plus shared/external ones. Security groups carry their rules inline (security_group_rules), so the rules
// need no separate listing. Routers are not read: networks carry router:external, which is all the plan needs.
import type { NeutronFloatingIp, NeutronNetwork, NeutronPort, NeutronSecurityGroup, NeutronSubnet } from './api-types.js';
import { listAll } from './paging.js';
import type { ReadContext } from './readers.js';

export interface NetworkData {
  networks: NeutronNetwork[];
  subnets: NeutronSubnet[];
  ports: NeutronPort[];
  securityGroups: NeutronSecurityGroup[];
  floatingIps: NeutronFloatingIp[];
}

export async function readNetwork(ctx: ReadContext): Promise<NetworkData> {
  const base = ctx.client.endpoint(['network']).replace(/\/v2\.0$/, '');
  const list = <T>(path: string, key: string) => listAll<T>(ctx.client, `${base}/v2.0/${path}`, key, { pageSize: ctx.pageSize });
  const [networks, subnets, ports, securityGroups, floatingIps] = await Promise.all([
    list<NeutronNetwork>('networks', 'networks'),
    list<NeutronSubnet>('subnets', 'subnets'),
    list<NeutronPort>('ports', 'ports'),
    list<NeutronSecurityGroup>('security-groups', 'security_groups'),
    list<NeutronFloatingIp>('floatingips', 'floatingips'),
  ]);
  return { networks, subnets, ports, securityGroups, floatingIps };
}
