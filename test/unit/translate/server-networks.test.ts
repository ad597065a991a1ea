import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { translateServer } from '../../../src/translate/vm.js';
import { defaultNadName, networkAttachmentDefinitions } from '../../../src/translate/server-networks.js';
import { addNetwork, addServer, contextFor, emptyInventory } from '../../support/inventory-builder.js';
import { outcomeOf, translateRow, vmIn } from '../../support/vm-fixture.js';
import { validateObjects } from '../../support/schema-validate.js';
import type { Inventory, Server } from '../../../src/inventory/types.js';
import { at, must } from '../../support/must.js';

function twoNics(inv: Inventory, server: Server) {
  const a = addNetwork(inv, { name: 'frontend' }, { cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1', dnsNameservers: ['10.0.0.2'] });
  const b = addNetwork(
    inv,
    { name: 'backend', providerNetworkType: 'vlan', providerSegmentationId: 120 },
    { cidr: '192.168.5.0/24', gatewayIp: '192.168.5.1', hostRoutes: [{ destination: '172.16.0.0/16', nexthop: '192.168.5.254' }] },
  );
  const sa = inv.subnets.find((s) => s.networkId === a.id)!;
  const sb = inv.subnets.find((s) => s.networkId === b.id)!;
  server.interfaces.push({ networkId: a.id, macAddress: 'FA:16:3E:00:00:01', fixedIps: [{ ipAddress: '10.0.0.10', subnetId: sa.id }] });
  server.interfaces.push({ networkId: b.id, macAddress: 'fa:16:3e:00:00:02', fixedIps: [{ ipAddress: '192.168.5.20', subnetId: sb.id }] });
}

describe('NICs → interfaces and networks', () => {
  it('default: first NIC pod (masquerade), others Multus bridge on a NAD named after the network; MACs and order kept', () => {
    const r = translateRow({ setup: twoNics });
    expect(r.schemaErrors).toEqual([]);
    expect(r.d.devices.interfaces).toEqual([
      { name: 'nic0', macAddress: 'fa:16:3e:00:00:01', masquerade: {} },
      { name: 'nic1', macAddress: 'fa:16:3e:00:00:02', bridge: {} },
    ]);
    expect(r.t.networks).toEqual([
      { name: 'nic0', pod: {} },
      { name: 'nic1', multus: { networkName: 'backend' } },
    ]);
    // The pod network cannot keep 10.0.0.10: reported with the address.
    const lost = r.findings.find((f) => f.attribute === 'server.interfaces[0].fixed_ips')!;
    expect(lost.outcome).toBe('lost');
    expect(lost.reason).toContain('10.0.0.10');
    expect(outcomeOf(r.findings, 'server.interfaces[1].fixed_ips')).toBe('exact');
  });

  it('static addresses of Multus NICs go to cloud-init network data (v2 for NoCloud) in the Secret; the default route stays on the pod NIC', () => {
    const r = translateRow({ setup: twoNics, config: { guestDatasource: 'nocloud' } });
    const secret = r.secrets.find((s) => s.data.networkdata)!;
    expect(r.t.volumes.find((v) => v.name === 'cloudinit')?.cloudInitNoCloud?.networkDataSecretRef).toEqual({ name: secret.metadata.name });
    const data = yaml.load(Buffer.from(must(secret.data.networkdata, 'the networkdata entry'), 'base64').toString('utf8'));
    expect(data).toEqual({
      version: 2,
      ethernets: {
        nic0: { match: { macaddress: 'fa:16:3e:00:00:01' }, dhcp4: true },
        nic1: {
          match: { macaddress: 'fa:16:3e:00:00:02' },
          addresses: ['192.168.5.20/24'],
          routes: [{ to: '172.16.0.0/16', via: '192.168.5.254' }],
          mtu: 1450,
        },
      },
    });
  });

  it.each([
    {
      map: (inv: Inventory) => ({ [at(inv.networks, 0, 'network').id]: { type: 'multus' as const, networkName: 'infra/frontend-net' } }),
      nets: [
        { name: 'nic0', multus: { networkName: 'infra/frontend-net' } },
        { name: 'nic1', multus: { networkName: 'backend' } },
      ],
      blocker: false,
    },
    {
      map: () => ({ backend: { type: 'pod' as const } }),
      nets: [
        { name: 'nic0', pod: {} },
        { name: 'nic1', pod: {} },
      ],
      blocker: true,
    },
    {
      map: () => ({ backend: { type: 'multus' as const, networkName: 'vlan120' } }),
      nets: [
        { name: 'nic0', pod: {} },
        { name: 'nic1', multus: { networkName: 'vlan120' } },
      ],
      blocker: false,
    },
  ])('network map by id or name (row %#)', ({ map, nets, blocker }) => {
    const inv = emptyInventory();
    const server = addServer(inv);
    twoNics(inv, server);
    const ctx = contextFor(inv, { networkMap: map(inv) });
    const { objects, findings } = translateServer(ctx, server);
    const vm = vmIn(objects);
    expect(vm.spec.template?.spec?.networks).toEqual(nets);
    expect(findings.some((f) => f.attribute === 'server.interfaces' && f.severity === 'blocker')).toBe(blocker);
  });

  it('hw_vif_model applies to every NIC', () => {
    const r = translateRow({ setup: twoNics, imageProperties: { hw_vif_model: 'e1000' } });
    expect(r.d.devices.interfaces.map((i) => i.model)).toEqual(['e1000', 'e1000']);
  });
});

describe('networkAttachmentDefinitions', () => {
  it('one NAD per namespace/network for NICs after the first, with the configured CNI type', () => {
    const inv = emptyInventory();
    const s1 = addServer(inv, { name: 'a' });
    twoNics(inv, s1);
    const s2 = addServer(inv, { name: 'b' });
    s2.interfaces = s1.interfaces.map((i) => ({ ...i, macAddress: i.macAddress.replace('00:00', '00:11') }));
    for (const cni of ['bridge', 'macvlan', 'ovn-k8s-cni-overlay'] as const) {
      const { objects } = networkAttachmentDefinitions(contextFor(inv, { nadCniType: cni }));
      expect(objects).toHaveLength(1);
      expect(validateObjects(objects as unknown as Record<string, unknown>[])).toEqual([]);
      const nad = at(objects, 0, 'NAD');
      if (nad.kind !== 'NetworkAttachmentDefinition') throw new Error(`expected a NetworkAttachmentDefinition, got a ${nad.kind}`);
      expect(nad.apiVersion).toBe('k8s.cni.cncf.io/v1');
      expect(nad.metadata).toMatchObject({ name: 'backend', namespace: 'web' });
      const config = JSON.parse(must(nad.spec?.config, 'spec.config of the NAD'));
      expect(config.type).toBe(cni);
      expect(config.name).toBe('backend');
      if (cni === 'bridge') {
        expect(config.vlan).toBe(120);
        expect(config.bridge.length).toBeLessThanOrEqual(15);
      }
    }
  });
  it('networks mapped to an existing NAD (generate unset) or to the pod network produce none', () => {
    const inv = emptyInventory();
    const s1 = addServer(inv);
    twoNics(inv, s1);
    expect(networkAttachmentDefinitions(contextFor(inv, { networkMap: { backend: { type: 'multus', networkName: 'existing' } } })).objects).toEqual([]);
    const generated = networkAttachmentDefinitions(
      contextFor(inv, { networkMap: { backend: { type: 'multus', networkName: 'infra/b', generate: true } } }),
    ).objects;
    expect(generated.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['infra/b']);
  });
  it('NAD names are DNS labels, with a hash when names collide or had to change', () => {
    const inv = emptyInventory();
    const n1 = addNetwork(inv, { name: 'shared' });
    const n2 = addNetwork(inv, { name: 'shared' });
    const n3 = addNetwork(inv, { name: 'Prod_Net' });
    const ctx = contextFor(inv);
    expect(defaultNadName(ctx, n1.id)).not.toBe(defaultNadName(ctx, n2.id));
    expect(defaultNadName(ctx, n1.id)).toMatch(/^shared-[0-9a-f]{5}$/);
    expect(defaultNadName(ctx, n3.id)).toMatch(/^prod-net-[0-9a-f]{5}$/);
  });
});
