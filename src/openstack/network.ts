// Neutron v2.0: the inventory's reader, and below it the floating IP calls of cutover. Neutron lists every project's objects to an admin without a flag, and a member's own
// plus shared/external ones. Security groups carry their rules inline (security_group_rules), so the rules
// need no separate listing. Routers are not read: networks carry router:external, which is all the plan needs.
import type { NeutronFloatingIp, NeutronNetwork, NeutronPort, NeutronSecurityGroup, NeutronSubnet } from './api-types.js';
import { listAll } from './paging.js';
import type { ReadContext } from './readers.js';
import type { OpenStackClient } from './client.js';
import { expectStatus } from './requests.js';

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

// ---------------------------------------------------------------------------------- writes (Neutron)
// Floating IP association, for cutover and its rollback.

function networkBase(c: OpenStackClient): string {
  const url = c.endpoint(['network']);
  return /\/v2\.0$/.test(url) ? url : `${url}/v2.0`;
}

export interface FloatingIpView {
  id: string;
  floatingIpAddress: string;
  portId: string | null;
  fixedIpAddress: string | null;
  status?: string;
  projectId?: string;
}

function toFloatingIp(raw: Record<string, any>): FloatingIpView {
  return {
    id: raw.id,
    floatingIpAddress: raw.floating_ip_address,
    portId: raw.port_id ?? null,
    fixedIpAddress: raw.fixed_ip_address ?? null,
    status: raw.status,
    projectId: raw.project_id ?? raw.tenant_id,
  };
}

export async function getFloatingIp(c: OpenStackClient, id: string): Promise<FloatingIpView | undefined> {
  const res = await c.request<{ floatingip: Record<string, any> }>('GET', `${networkBase(c)}/floatingips/${id}`);
  if (res.status === 404) return undefined;
  expectStatus(`floating IP ${id}: GET`, res, [200]);
  return toFloatingIp(res.data.floatingip);
}

export async function listFloatingIpsOfPort(c: OpenStackClient, portId: string): Promise<FloatingIpView[]> {
  const res = await c.request<{ floatingips: Record<string, any>[] }>('GET', `${networkBase(c)}/floatingips`, { params: { port_id: portId } });
  expectStatus(`floating IPs of port ${portId}: GET`, res, [200]);
  return (res.data.floatingips ?? []).map(toFloatingIp).filter((f) => f.portId === portId);
}

/** Associates (portId, optionally fixedIp) or disassociates (null) a floating IP. */
export async function setFloatingIpPort(c: OpenStackClient, id: string, portId: string | null, fixedIp?: string): Promise<FloatingIpView> {
  const floatingip: Record<string, unknown> = { port_id: portId };
  if (portId && fixedIp) floatingip.fixed_ip_address = fixedIp;
  const res = await c.request<{ floatingip: Record<string, any> }>('PUT', `${networkBase(c)}/floatingips/${id}`, { data: { floatingip } });
  expectStatus(`floating IP ${id}: ${portId ? `associate with port ${portId}` : 'disassociate'}`, res, [200]);
  return toFloatingIp(res.data.floatingip);
}
