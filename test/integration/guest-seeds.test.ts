// The guest's view of the example cloud's plan, checked by the real programs rather than by our own model:
// - KubeVirt v1.9.0's admission code accepts every VirtualMachine, CDI v1.66.0's every DataVolume;
// - cloud-init's own converter (`cloud-init devel net-convert`, Debian's cloud-init) reads each VM's network
//   data in the format its datasource reads (ConfigDrive: network_data.json; NoCloud: yaml), with the NICs'
//   MACs, and yields per NIC the addresses, routes (default route on the pod NIC only), DNS and MTU;
// - `cloud-init schema` accepts each #cloud-config user data.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInventoryFile } from '../../src/inventory/load.js';
import type { Inventory } from '../../src/inventory/types.js';
import { buildPlan, type Plan } from '../../src/plan/build.js';
import { defaultPlanConfig } from '../../src/translate/defaults.js';

import { LABELS } from '../../src/translate/naming.js';
import { admit, admitToolsPresent } from '../support/kubevirt-admit.js';
import type { VirtualMachine } from '../../src/kube-types/index.js';
import { translateRow, translatedTemplateSpec } from '../support/vm-fixture.js';
import { addNetwork } from '../support/inventory-builder.js';
import { at, must } from '../support/must.js';

const EXAMPLE = join(import.meta.dirname, '../../examples/cloud.yaml');
const hasCloudInit = (() => {
  try {
    execFileSync('cloud-init', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (process.env.CI && (!hasCloudInit || !admitToolsPresent()))
  throw new Error('cloud-init (Debian package) and ../shared/tools/kubevirt-admit are needed: .ci/run installs cloud-init');

let inventory: Inventory;
let work: string;
const plans: Record<'configdrive' | 'nocloud', Plan> = {} as never;

beforeAll(async () => {
  inventory = await loadInventoryFile(EXAMPLE);
  plans.configdrive = buildPlan(inventory);
  plans.nocloud = buildPlan(inventory, { ...defaultPlanConfig(), guestDatasource: 'nocloud' });
  work = mkdtempSync(join(tmpdir(), 'osm-guest-seeds-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!admitToolsPresent())('KubeVirt v1.9.0 / CDI v1.66.0 admission', () => {
  it.each(['configdrive', 'nocloud'] as const)('admits every VirtualMachine and DataVolume of the example plan (%s seeds)', (ds) => {
    const objects = plans[ds].objects;
    const result = admit(objects);
    expect(result.verdicts.filter((v) => v.kind === 'VirtualMachine')).toHaveLength(inventory.servers.length);
    expect(result.rejected).toEqual([]);
  });

  it('admits the table-driven guest rows (Windows CD-ROM seed, no pod NIC, scsi boot bus, machine types)', () => {
    const rows = [
      translateRow({ imageProperties: { os_type: 'windows' }, server: { userData: Buffer.from('#ps1\n').toString('base64') } }),
      translateRow({ imageProperties: { hw_disk_bus: 'scsi' }, server: { userData: Buffer.from('#cloud-config\n').toString('base64'), configDrive: true } }),
      translateRow({ imageProperties: { hw_machine_type: 'pc-i440fx-2.11' }, server: { status: 'SHUTOFF', powerState: 4 } }),
      translateRow({
        config: { networkMap: { backend: { type: 'multus', networkName: 'back' } } },
        setup: (inv, server) => {
          const n = addNetwork(inv, { name: 'backend' }, { cidr: '192.168.5.0/24' });
          server.interfaces.push({ networkId: n.id, macAddress: 'fa:16:3e:00:00:09', fixedIps: [{ ipAddress: '192.168.5.9', subnetId: n.subnetIds![0] }] });
        },
      }),
    ];
    const result = admit(rows.flatMap((r) => r.objects));
    expect(result.verdicts.filter((v) => v.kind === 'VirtualMachine')).toHaveLength(rows.length);
    expect(result.rejected).toEqual([]);
  });
});

interface RenderedNic {
  dhcp4?: boolean;
  addresses?: string[];
  routes?: { to: string; via: string }[];
  nameservers?: { addresses?: string[] };
  mtu?: number;
  match?: { macaddress?: string };
}

/** cloud-init's own reading of `data` (kind yaml | network_data.json), rendered as netplan, per MAC. */
function netConvert(name: string, kind: 'yaml' | 'network_data.json', data: string, macs: string[]): Record<string, RenderedNic> {
  const dir = join(work, `${name}-${kind}`);
  const input = `${dir}.in`;
  writeFileSync(input, data);
  const args = ['devel', 'net-convert', '-p', input, '-k', kind, '-D', 'debian', '-O', 'netplan', '-d', dir];
  for (const [i, mac] of macs.entries()) args.push('--mac', `nic${i},${mac}`);
  execFileSync('cloud-init', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const netplanDir = join(dir, 'etc/netplan');
  const file = at(readdirSync(netplanDir), 0, 'netplan file');
  const doc = yaml.load(readFileSync(join(netplanDir, file), 'utf8')) as { network: { ethernets: Record<string, RenderedNic> } };
  const byMac: Record<string, RenderedNic> = {};
  for (const eth of Object.values(doc.network.ethernets)) byMac[eth.match!.macaddress!] = eth;
  return byMac;
}

function vmOf(plan: Plan, serverId: string): VirtualMachine {
  return must(
    plan.objects.find((o): o is VirtualMachine => o.kind === 'VirtualMachine' && o.metadata.labels?.[LABELS.serverId] === serverId),
    `the VirtualMachine of server ${serverId}`,
  );
}
function secretData(plan: Plan, namespace: string, name: string, key: string): string | undefined {
  const s = plan.objects.find((o) => o.kind === 'Secret' && o.metadata.namespace === namespace && o.metadata.name === name) as
    | { data: Record<string, string> }
    | undefined;
  const v = s?.data[key];
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
}

// Expected per NIC from the example cloud's subnets (examples/cloud.yaml), written out by hand: the pod NIC
// (first) by DHCP; secondary NICs with their fixed IPs, their subnet's host routes, the subnet's DNS servers
// minus Neutron's DHCP port address (x.x.x.2), and the network's MTU. No default route on a secondary NIC.
const EXPECTED: Record<string, Record<string, RenderedNic>> = {
  'db-1': {
    'fa:16:3e:d9:e7:78': { dhcp4: true },
    'fa:16:3e:5c:31:b2': {
      addresses: ['10.10.0.30/24', 'fd00:10::f816:3eff:fe5c:31b2/64'],
      routes: [{ to: '10.99.0.0/16', via: '10.10.0.254' }],
      nameservers: { addresses: ['192.0.2.53'] },
      mtu: 1450,
    },
  },
  'dev-1': {
    'fa:16:3e:fb:57:7b': { dhcp4: true },
    'fa:16:3e:c7:f4:08': { addresses: ['192.168.100.51/24'], mtu: 1500 },
  },
  'shop-db': {
    'fa:16:3e:ca:1d:7a': { dhcp4: true },
    'fa:16:3e:d9:1a:20': { addresses: ['192.168.100.20/24'], mtu: 1500 },
  },
};

describe.skipIf(!hasCloudInit)("cloud-init's own reading of each VM's seed", () => {
  it.each(['configdrive', 'nocloud'] as const)('network data per NIC: addresses, routes (default on the pod NIC only), DNS, MTU (%s)', (ds) => {
    const plan = plans[ds];
    const seen: string[] = [];
    for (const server of inventory.servers) {
      const vm = vmOf(plan, server.id);
      const spec = translatedTemplateSpec(vm);
      const volume = spec.volumes.find((v) => v.cloudInitConfigDrive || v.cloudInitNoCloud);
      const source = volume?.cloudInitConfigDrive ?? volume?.cloudInitNoCloud;
      if (!volume || !source?.networkDataSecretRef) continue;
      expect(volume.cloudInitConfigDrive ? 'configdrive' : 'nocloud').toBe(ds);
      const data = secretData(plan, vm.metadata.namespace!, must(source.networkDataSecretRef.name, 'the network data Secret name'), 'networkdata')!;
      const macs = spec.domain.devices.interfaces.map((i) => must(i.macAddress, `the MAC of ${server.name} ${i.name}`));
      const nics = netConvert(`${server.name}-${ds}`, ds === 'configdrive' ? 'network_data.json' : 'yaml', data, macs);
      const podMacs = spec.domain.devices.interfaces.filter((i) => i.masquerade).map((i) => i.macAddress);
      for (const [mac, nic] of Object.entries(nics)) {
        const defaults = (nic.routes ?? []).filter((r) => r.to === '0.0.0.0/0' || r.to === '::/0' || r.to === 'default');
        if (podMacs.length > 0) expect(defaults, `${server.name} ${mac}: default route on a secondary NIC`).toEqual([]);
        expect(nic.dhcp4 === true, `${server.name} ${mac}: DHCP only on the pod NIC`).toBe(podMacs.includes(mac));
      }
      const expected = must(EXPECTED[server.name], `an expectation for ${server.name}`);
      for (const [mac, want] of Object.entries(expected)) {
        const got = must(nics[mac], `${server.name} ${mac}`);
        expect(
          { dhcp4: got.dhcp4, addresses: got.addresses, routes: got.routes, nameservers: got.nameservers?.addresses, mtu: got.mtu },
          `${server.name} ${mac}`,
        ).toEqual({ dhcp4: want.dhcp4, addresses: want.addresses, routes: want.routes, nameservers: want.nameservers?.addresses, mtu: want.mtu });
      }
      seen.push(server.name);
    }
    expect(seen.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('`cloud-init schema` accepts every #cloud-config user data of the plan', () => {
    let checked = 0;
    for (const o of plans.configdrive.objects) {
      if (o.kind !== 'Secret') continue;
      const text = secretData(plans.configdrive, o.metadata.namespace!, o.metadata.name, 'userdata');
      if (!text?.startsWith('#cloud-config')) continue;
      const file = join(work, `${o.metadata.name}.user-data`);
      writeFileSync(file, text);
      execFileSync('cloud-init', ['schema', '--config-file', file], { stdio: ['ignore', 'pipe', 'pipe'] });
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });
});
