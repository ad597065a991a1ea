// Boots the test guest (scripts/guest-image.sh: Debian bookworm, cloud-init, openssh-server) under QEMU with
// TCG (no /dev/kvm here) and reads what it reports on its serial console (osm-guest-report: instance-id, SSH
// host keys, addresses, routes, DNS, SMBIOS...) before it powers itself off.
//
// Two ways to dress the same disk:
// - as Nova would: machine `pc` (Nova's x86_64 default), SMBIOS "OpenStack Foundation"/"OpenStack Nova" with
//   the instance uuid as UUID and serial, the config drive (label config-2, ISO9660) on an IDE CD-ROM;
// - as KubeVirt v1.9 builds it from our VirtualMachine (kubevirt-seed.ts): q35, firmware.uuid/serial as SMBIOS
//   UUID/serial with KubeVirt's default manufacturer/product/family, the seed ISO as a disk on its bus, the pod
//   NIC behind QEMU's user network (a stand-in for masquerade: 10.0.2.0/24, DHCP, gateway 10.0.2.1), secondary
//   NICs on a QEMU socket network, each with the MAC of the VM.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

/** The cached image directory, or undefined when it was not built (scripts/guest-image.sh ensure). */
export function guestImageDir(): string | undefined {
  if (!existsSync('/usr/bin/qemu-system-x86_64')) return undefined;
  const script = join(import.meta.dirname, '../../scripts/guest-image.sh');
  const dir = execFileSync('bash', [script, 'dir'], { encoding: 'utf8' }).trim();
  return existsSync(join(dir, 'done')) ? dir : undefined;
}

export interface GuestMachine {
  machine: 'pc' | 'q35';
  uefi?: boolean;
  smbios: { manufacturer: string; product: string; family: string; uuid: string; serial: string };
  /** A qcow2 overlay on the image's root.img: the guest's own disk, kept between boots. */
  disk: string;
  seed?: { iso: string; device: 'virtio-disk' | 'scsi-disk' | 'sata-disk' | 'ide-cdrom' | 'sata-cdrom' };
  nics: { mac: string; network: 'user' | 'socket' }[];
  /** Serial console log file. */
  console: string;
  /** Per-test scratch directory (UEFI variables). */
  scratch: string;
}

export interface GuestReport {
  instanceId: string;
  datasource: string;
  status: string;
  errors: string;
  hostKeys: string[];
  hostname: string;
  runcmdMarker: number;
  authorizedKeys: string[];
  dmi: Record<string, string>;
  addresses: { ifname: string; mac: string; mtu: number; addrs: string[] }[];
  routes4: { dst: string; gateway?: string; dev: string }[];
  routes6: { dst: string; gateway?: string; dev: string }[];
  nameservers: string[];
  eni: string[];
  resolvconf: string[];
  seconds: number;
}

export function newDisk(imageDir: string, path: string): void {
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', join(imageDir, 'root.img'), path]);
}

/** An ISO9660 seed as Nova (genisoimage -J -r -V config-2) and KubeVirt (xorrisofs -volid L -joliet -rock) make it. */
export function makeIso(dir: string, label: 'config-2' | 'cidata', out: string): void {
  execFileSync('xorrisofs', ['-output', out, '-volid', label, '-joliet', '-rock', '-partition_cyl_align', 'on', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
}

let socketPort = 20000 + (process.pid % 20000);

function qemuArgs(imageDir: string, m: GuestMachine): string[] {
  const args = [
    '-machine',
    `${m.machine},accel=tcg`,
    '-m',
    '1024',
    '-smp',
    '1',
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-no-reboot',
    '-serial',
    `file:${m.console}`,
    '-kernel',
    join(imageDir, 'vmlinuz'),
    '-initrd',
    join(imageDir, 'initrd.img'),
    '-append',
    'root=LABEL=osm-root rw console=ttyS0 quiet',
    '-uuid',
    m.smbios.uuid,
    '-smbios',
    `type=1,manufacturer=${m.smbios.manufacturer},product=${m.smbios.product},family=${m.smbios.family},serial=${m.smbios.serial},uuid=${m.smbios.uuid}`,
    '-drive',
    `if=none,id=root,file=${m.disk},format=qcow2`,
    '-device',
    'virtio-blk-pci,drive=root',
  ];
  if (m.uefi) {
    const vars = join(m.scratch, 'OVMF_VARS.fd');
    if (!existsSync(vars)) copyFileSync(OVMF_VARS, vars);
    args.push('-drive', `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`, '-drive', `if=pflash,format=raw,file=${vars}`);
  }
  if (m.seed) {
    const { iso, device } = m.seed;
    const cdrom = device.endsWith('cdrom');
    args.push('-drive', `if=none,id=seed,file=${iso},format=raw,readonly=on${cdrom ? ',media=cdrom' : ''}`);
    if (device === 'virtio-disk') args.push('-device', 'virtio-blk-pci,drive=seed');
    else if (device === 'scsi-disk') args.push('-device', 'virtio-scsi-pci,id=scsi0', '-device', 'scsi-hd,drive=seed,bus=scsi0.0');
    else if (device === 'sata-disk') args.push('-device', 'ide-hd,drive=seed,bus=ide.2');
    else if (device === 'sata-cdrom') args.push('-device', 'ide-cd,drive=seed,bus=ide.2');
    else args.push('-device', 'ide-cd,drive=seed,bus=ide.1');
  }
  m.nics.forEach((nic, i) => {
    if (nic.network === 'user') args.push('-netdev', `user,id=n${i},net=10.0.2.0/24,host=10.0.2.1,dhcpstart=10.0.2.2,dns=10.0.2.3`);
    else args.push('-netdev', `socket,id=n${i},mcast=230.0.0.1:${socketPort++},localaddr=127.0.0.1`);
    args.push('-device', `virtio-net-pci,netdev=n${i},mac=${nic.mac}`);
  });
  return args;
}

/** Boots the guest until it powers itself off (after its report), and parses the report. */
export async function bootGuest(imageDir: string, m: GuestMachine, timeoutMs = 600_000): Promise<GuestReport> {
  const started = Date.now();
  const child = spawn('qemu-system-x86_64', qemuArgs(imageDir, m), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += String(d);
  });
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  const log = existsSync(m.console) ? readFileSync(m.console, 'utf8') : '';
  const begin = log.lastIndexOf('osm-report-begin');
  const end = log.lastIndexOf('osm-report-end');
  if (begin < 0 || end < begin) {
    throw new Error(`the guest gave no report (qemu exit ${code}${stderr ? `: ${stderr.trim()}` : ''}); console tail:\n${log.slice(-3000)}`);
  }
  return parseReport(log.slice(begin, end), (Date.now() - started) / 1000);
}

function parseReport(text: string, seconds: number): GuestReport {
  const r: GuestReport = {
    instanceId: '',
    datasource: '',
    status: '',
    errors: '',
    hostKeys: [],
    hostname: '',
    runcmdMarker: -1,
    authorizedKeys: [],
    dmi: {},
    addresses: [],
    routes4: [],
    routes6: [],
    nameservers: [],
    eni: [],
    resolvconf: [],
    seconds,
  };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\r/g, '');
    const m = /^osm ([a-z0-9_-]+) ?(.*)$/.exec(line);
    if (!m) continue;
    const [, key = '', value = ''] = m; // both groups always take part in a match
    if (key === 'instance-id') r.instanceId = value.trim();
    else if (key === 'datasource') r.datasource = value.trim();
    else if (key === 'status') r.status = value.trim();
    else if (key === 'errors') r.errors = value.trim();
    else if (key === 'hostkey') r.hostKeys.push(value.trim());
    else if (key === 'hostname') r.hostname = value.trim();
    else if (key === 'runcmd-marker') r.runcmdMarker = Number(value.trim());
    else if (key === 'authorized-key') r.authorizedKeys.push(value.trim());
    else if (key.startsWith('dmi-')) r.dmi[key.slice(4)] = value.trim();
    else if (key === 'addr') {
      for (const link of JSON.parse(value) as {
        ifname: string;
        address: string;
        mtu: number;
        addr_info: { local: string; prefixlen: number; scope: string }[];
      }[]) {
        r.addresses.push({
          ifname: link.ifname,
          mac: link.address,
          mtu: link.mtu,
          addrs: link.addr_info.filter((a) => a.scope === 'global').map((a) => `${a.local}/${a.prefixlen}`),
        });
      }
    } else if (key === 'route4' || key === 'route6') {
      const routes = (JSON.parse(value) as { dst: string; gateway?: string; dev: string; table?: string; type?: string }[])
        .filter((x) => !x.table || x.table === 'main')
        .filter((x) => x.type === undefined || x.type === 'unicast')
        .map((x) => ({ dst: x.dst, gateway: x.gateway, dev: x.dev }));
      if (key === 'route4') r.routes4 = routes;
      else r.routes6 = routes;
    } else if (key === 'nameserver') r.nameservers.push(value.trim());
    else if (key === 'eni') r.eni.push(value);
    else if (key === 'resolvconf') r.resolvconf.push(value);
  }
  return r;
}
