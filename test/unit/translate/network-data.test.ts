import { describe, expect, it } from 'vitest';
import { inCidr, netmaskOf, type toNetplanV2, type toOpenStackNetworkData } from '../../../src/translate/network-data.js';
import { addNetwork } from '../../support/inventory-builder.js';
import { translateRow } from '../../support/vm-fixture.js';
import type { Inventory, Server } from '../../../src/inventory/types.js';
import { must } from '../../support/must.js';

// A server on a pod network (frontend) and a secondary network (backend) whose subnet names Neutron's DHCP
// port (.2, held by no port in the inventory) and a real DNS server as nameservers, has a gateway, a host
// route, and MTU 1450.
function twoNics(inv: Inventory, server: Server) {
  const a = addNetwork(
    inv,
    { name: 'frontend', mtu: 1400 },
    { cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1', dnsNameservers: ['10.0.0.2'], hostRoutes: [{ destination: '10.9.0.0/16', nexthop: '10.0.0.254' }] },
  );
  const b = addNetwork(
    inv,
    { name: 'backend', mtu: 1450 },
    {
      cidr: '192.168.5.0/24',
      gatewayIp: '192.168.5.1',
      dnsNameservers: ['192.168.5.2', '192.0.2.53'],
      hostRoutes: [{ destination: '172.16.0.0/16', nexthop: '192.168.5.254' }],
    },
  );
  const sa = inv.subnets.find((s) => s.networkId === a.id)!;
  const sb = inv.subnets.find((s) => s.networkId === b.id)!;
  server.interfaces.push({ networkId: a.id, portId: 'port-a', macAddress: 'fa:16:3e:00:00:01', fixedIps: [{ ipAddress: '10.0.0.10', subnetId: sa.id }] });
  server.interfaces.push({ networkId: b.id, portId: 'port-b', macAddress: 'fa:16:3e:00:00:02', fixedIps: [{ ipAddress: '192.168.5.20', subnetId: sb.id }] });
}

/** network_data.json (config drive) or netplan v2 (NoCloud), as the translator writes them. */
type NetworkDataDocument = Partial<ReturnType<typeof toOpenStackNetworkData> & ReturnType<typeof toNetplanV2>>;

function networkData(r: ReturnType<typeof translateRow>): NetworkDataDocument {
  const secret = r.secrets.find((s) => s.data.networkdata)!;
  return JSON.parse(Buffer.from(must(secret.data.networkdata, 'the networkdata entry'), 'base64').toString('utf8')) as NetworkDataDocument;
}

describe('guest network data', () => {
  it('config drive: OpenStack network_data.json (links/networks), not cloud-init v2', () => {
    const r = translateRow({ setup: twoNics });
    expect(r.t.volumes.find((v) => v.name === 'cloudinit')?.cloudInitConfigDrive?.networkDataSecretRef).toBeDefined();
    const data = networkData(r);
    expect(data.version).toBeUndefined();
    expect(data.links).toEqual([
      { id: 'nic0', type: 'phy', ethernet_mac_address: 'fa:16:3e:00:00:01', mtu: null, vif_id: 'port-a' },
      { id: 'nic1', type: 'phy', ethernet_mac_address: 'fa:16:3e:00:00:02', mtu: 1450, vif_id: 'port-b' },
    ]);
    expect(data.networks?.[0]).toMatchObject({ link: 'nic0', type: 'ipv4_dhcp' });
    expect(data.networks?.[1]).toMatchObject({
      link: 'nic1',
      type: 'ipv4',
      ip_address: '192.168.5.20',
      netmask: '255.255.255.0',
      routes: [{ network: '172.16.0.0', netmask: '255.255.0.0', gateway: '192.168.5.254' }],
      services: [{ type: 'dns', address: '192.0.2.53' }],
    });
  });

  it('default route on the pod NIC only; DHCP port nameserver dropped; host routes and MTU per NIC; each reported', () => {
    const r = translateRow({ setup: twoNics, config: { guestDatasource: 'nocloud' } });
    const eth = must(networkData(r).ethernets, 'netplan ethernets');
    expect(eth.nic0).toEqual({ match: { macaddress: 'fa:16:3e:00:00:01' }, dhcp4: true });
    expect(eth.nic1).toEqual({
      match: { macaddress: 'fa:16:3e:00:00:02' },
      addresses: ['192.168.5.20/24'],
      routes: [{ to: '172.16.0.0/16', via: '192.168.5.254' }],
      nameservers: { addresses: ['192.0.2.53'] },
      mtu: 1450,
    });
    const by = (a: string) => r.findings.filter((f) => f.attribute === a).map((f) => f.outcome);
    expect(by('server.interfaces[0].host_routes')).toEqual(['lost']);
    expect(by('server.interfaces[1].host_routes')).toEqual(['exact']);
    expect(by('server.interfaces[1].gateway_ip')).toEqual(['approximate']);
    expect(by('server.interfaces[1].dns_nameservers')).toEqual(['lost', 'exact']);
    expect(r.findings.find((f) => f.attribute === 'server.interfaces[1].dns_nameservers' && f.outcome === 'lost')!.reason).toContain('192.168.5.2');
    expect(by('server.interfaces[1].mtu')).toEqual(['exact']);
    expect(by('server.interfaces[0].mtu')).toEqual(['approximate']);
  });

  it('without a pod NIC the first gateway is the default route (reported)', () => {
    const r = translateRow({
      setup: twoNics,
      config: { guestDatasource: 'nocloud', networkMap: { frontend: { type: 'multus', networkName: 'front' } } },
    });
    const eth = must(networkData(r).ethernets, 'netplan ethernets');
    expect(eth.nic0?.routes).toEqual([
      { to: '0.0.0.0/0', via: '10.0.0.1' },
      { to: '10.9.0.0/16', via: '10.0.0.254' },
    ]);
    expect(eth.nic1?.routes).toEqual([{ to: '172.16.0.0/16', via: '192.168.5.254' }]);
  });

  it('address helpers', () => {
    expect(inCidr('10.0.0.2', '10.0.0.0/24')).toBe(true);
    expect(inCidr('10.0.1.2', '10.0.0.0/24')).toBe(false);
    expect(inCidr('fd00:10::2', 'fd00:10::/64')).toBe(true);
    expect(inCidr('fd00:11::2', 'fd00:10::/64')).toBe(false);
    expect(netmaskOf(24, 4)).toBe('255.255.255.0');
    expect(netmaskOf(0, 4)).toBe('0.0.0.0');
    expect(netmaskOf(64, 6)).toBe('ffff:ffff:ffff:ffff::');
  });
});
