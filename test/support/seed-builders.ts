// The two seeds a guest boots from in the guest-boot tests, each built the way its maker builds it
// (../shared/docs/guest-facts.md gives the sources and lines):
// - novaConfigDrive: Nova's config drive (nova/api/metadata/base.py, nova/virt/netutils.py): dated versions
//   plus latest, meta_data.json with uuid, name, hostname, launch_index, availability_zone, meta, public_keys,
//   keys, project_id, random_seed, devices; user_data; network_data.json; vendor data; label config-2;
// - kubevirtSeed: what KubeVirt v1.9 (pkg/cloud-init/cloud-init.go) makes from a VirtualMachine and its Secrets:
//   NoCloud (meta-data JSON: instance-id = firmware.uuid, local-hostname, public-keys; user-data;
//   network-config) or ConfigDrive (openstack/latest/meta_data.json: instance_id "<vmi>.<ns>", hostname, uuid =
//   firmware.uuid, public_keys; user_data; network_data.json verbatim); label cidata / config-2.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Inventory, Server } from '../../src/inventory/types.js';
import type { Secret, VirtualMachine } from '../../src/kube-types/index.js';
import type { KubeObject } from '../../src/translate/model.js';
import { makeIso, type GuestMachine } from './guest-boot.js';
import { at, must } from './must.js';

const NOVA_VERSIONS = ['2012-08-10', '2013-04-04', '2013-10-17', '2015-10-15', '2016-06-30', '2016-10-06', '2017-02-22', '2018-08-27', 'latest'];

function prefixToNetmask(prefix: number): string {
  const m = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((s) => (m >>> s) & 255).join('.');
}

/**
 * Nova's config drive for `server`, with `userData` as the user data. network_data.json as nova/virt/netutils.py
 * writes it for IPv4 (the first IPv4 subnet of each VIF): `ipv4_dhcp` where the subnet has DHCP, else a static
 * network with the default route through the gateway first, the host routes, and DNS services.
 */
export function novaConfigDrive(inventory: Inventory, server: Server, userData: string, dir: string, iso: string): void {
  const keypair = inventory.keypairs.find((k) => k.name === server.keyName);
  const meta: Record<string, unknown> = {
    uuid: server.id,
    meta: server.metadata,
    hostname: server.hostname ?? server.name,
    name: server.name,
    launch_index: 0,
    availability_zone: server.availabilityZone ?? 'nova',
    project_id: server.projectId,
    random_seed: randomBytes(512).toString('base64'),
    devices: [],
  };
  if (keypair) {
    meta.public_keys = { [keypair.name]: keypair.publicKey };
    meta.keys = [{ name: keypair.name, type: 'ssh', data: keypair.publicKey }];
  }
  const links: unknown[] = [];
  const networks: unknown[] = [];
  const services = new Set<string>();
  server.interfaces.forEach((nic, i) => {
    const network = inventory.networks.find((n) => n.id === nic.networkId);
    const v4 = nic.fixedIps.find((ip) => !ip.ipAddress.includes(':'));
    const subnet = v4 && inventory.subnets.find((s) => s.id === v4.subnetId);
    const link = `tap${(nic.portId ?? String(i)).slice(0, 11)}`;
    links.push({ id: link, vif_id: nic.portId, type: 'ovs', mtu: subnet?.enableDhcp ? null : (network?.mtu ?? null), ethernet_mac_address: nic.macAddress });
    if (!v4 || !subnet) return;
    if (subnet.enableDhcp) {
      networks.push({ id: `network${i}`, type: 'ipv4_dhcp', link, network_id: nic.networkId });
      return;
    }
    const routes = [
      ...(subnet.gatewayIp ? [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway: subnet.gatewayIp }] : []),
      ...(subnet.hostRoutes ?? []).map((r) => ({
        network: r.destination.split('/')[0],
        netmask: prefixToNetmask(Number(r.destination.split('/')[1])),
        gateway: r.nexthop,
      })),
    ];
    for (const ns of subnet.dnsNameservers ?? []) services.add(ns);
    networks.push({
      id: `network${i}`,
      type: 'ipv4',
      link,
      ip_address: v4.ipAddress,
      netmask: prefixToNetmask(Number(subnet.cidr.split('/')[1])),
      routes,
      network_id: nic.networkId,
      services: (subnet.dnsNameservers ?? []).map((address) => ({ type: 'dns', address })),
    });
  });
  const files: Record<string, string> = {
    'meta_data.json': JSON.stringify(meta),
    user_data: userData,
    'network_data.json': JSON.stringify({ links, networks, services: [...services].map((address) => ({ type: 'dns', address })) }),
    'vendor_data.json': '{}',
    'vendor_data2.json': '{}',
  };
  for (const version of NOVA_VERSIONS) {
    const vdir = join(dir, 'openstack', version);
    mkdirSync(vdir, { recursive: true });
    for (const [name, content] of Object.entries(files)) writeFileSync(join(vdir, name), content);
  }
  makeIso(dir, 'config-2', iso);
}

function secretValue(objects: KubeObject[], namespace: string, name: string, keys: string[]): string | undefined {
  const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.namespace === namespace && o.metadata.name === name) as
    | { data?: Record<string, string> }
    | undefined;
  for (const key of keys) {
    const v = secret?.data?.[key];
    if (v !== undefined) return Buffer.from(v, 'base64').toString('utf8');
  }
  return undefined;
}

export interface KubevirtSeed {
  datasource: 'configdrive' | 'nocloud';
  device: NonNullable<GuestMachine['seed']>['device'];
  uuid: string;
  serial: string;
  hostname: string;
  publicKeys: string[];
}

/** The seed ISO KubeVirt v1.9 would attach to `vm`, and how it attaches it. */
export function kubevirtSeed(vm: VirtualMachine, objects: KubeObject[], dir: string, iso: string): KubevirtSeed {
  const spec = must(vm.spec.template?.spec, `spec.template.spec of ${vm.metadata.name}`);
  const ns = must(vm.metadata.namespace, `the namespace of ${vm.metadata.name}`);
  const volume = spec.volumes?.find((v) => v.cloudInitNoCloud || v.cloudInitConfigDrive);
  if (!volume) throw new Error(`${vm.metadata.name} has no cloud-init volume`);
  const configDrive = Boolean(volume.cloudInitConfigDrive);
  const source = must(volume.cloudInitConfigDrive ?? volume.cloudInitNoCloud, `the cloud-init source of ${vm.metadata.name}`);
  const secretName = (ref: { name?: string }) => must(ref.name, `a Secret name in the cloud-init volume of ${vm.metadata.name}`);
  const userData = source.userData ?? (source.secretRef ? secretValue(objects, ns, secretName(source.secretRef), ['userdata', 'userData']) : undefined) ?? '';
  const networkData =
    source.networkData ??
    (source.networkDataSecretRef ? secretValue(objects, ns, secretName(source.networkDataSecretRef), ['networkdata', 'networkData']) : undefined) ??
    '';
  // accessCredentials with this propagation method: every line of every key of the Secret, numbered (cloud-init.go L170-212).
  const publicKeys: string[] = [];
  for (const cred of spec.accessCredentials ?? []) {
    const method = cred.sshPublicKey?.propagationMethod ?? {};
    if (!(configDrive ? method.configDrive : method.noCloud)) continue;
    const secretName = cred.sshPublicKey?.source.secret?.secretName;
    const secret = must(
      objects.find((o): o is Secret => o.kind === 'Secret' && o.metadata.namespace === ns && o.metadata.name === secretName),
      `the key Secret ${secretName} of ${vm.metadata.name}`,
    );
    for (const value of Object.values(secret.data ?? {})) {
      for (const line of Buffer.from(value, 'base64').toString('utf8').split('\n')) if (line.trim()) publicKeys.push(line.trim());
    }
  }
  const keyMap = Object.fromEntries(publicKeys.map((k, i) => [String(i), k]));
  const hostname = (spec.hostname ?? at(vm.metadata.name.split('.'), 0)).slice(0, 63);
  const uuid = must(spec.domain.firmware?.uuid, `the firmware UUID of ${vm.metadata.name}`);
  if (configDrive) {
    const latest = join(dir, 'openstack', 'latest');
    mkdirSync(latest, { recursive: true });
    const meta: Record<string, unknown> = { instance_id: `${vm.metadata.name}.${ns}`, hostname, uuid };
    if (publicKeys.length > 0) meta.public_keys = keyMap;
    writeFileSync(join(latest, 'meta_data.json'), JSON.stringify(meta));
    writeFileSync(join(latest, 'user_data'), userData);
    if (networkData) writeFileSync(join(latest, 'network_data.json'), networkData);
  } else {
    mkdirSync(dir, { recursive: true });
    const meta: Record<string, unknown> = { 'instance-id': uuid, 'local-hostname': hostname };
    if (publicKeys.length > 0) meta['public-keys'] = keyMap;
    writeFileSync(join(dir, 'meta-data'), JSON.stringify(meta));
    writeFileSync(join(dir, 'user-data'), userData);
    if (networkData) writeFileSync(join(dir, 'network-config'), networkData);
  }
  makeIso(dir, configDrive ? 'config-2' : 'cidata', iso);
  const disk = must(
    spec.domain.devices.disks?.find((d) => d.name === volume.name),
    `the disk of volume ${volume.name} of ${vm.metadata.name}`,
  );
  const bus = disk.cdrom ? undefined : must(disk.disk, `disk or cdrom of disk ${disk.name}`).bus;
  const device: KubevirtSeed['device'] = disk.cdrom ? 'sata-cdrom' : bus === 'scsi' ? 'scsi-disk' : bus === 'sata' ? 'sata-disk' : 'virtio-disk';
  return {
    datasource: configDrive ? 'configdrive' : 'nocloud',
    device,
    uuid,
    serial: must(spec.domain.firmware?.serial, `the firmware serial of ${vm.metadata.name}`),
    hostname,
    publicKeys,
  };
}
