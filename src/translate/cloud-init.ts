// User data, key pair and static network configuration → a cloud-init disk, with the user and network data
// in a Secret (user data may hold secrets, so it stays out of the VM manifest; it also escapes KubeVirt's
// 2 KiB limit on inline data) and the public key delivered through spec.template.spec.accessCredentials.
//
// Which seed (guestDatasource, see guest-datasource.ts): ConfigDrive by default, in OpenStack's own format
// (meta_data.json with uuid = the firmware UUID = the Nova server id, network_data.json), because images made
// for OpenStack often read nothing else; NoCloud on request. Windows guests always get a config drive on a
// SATA CD-ROM, the one cloudbase-init reads without virtio drivers. Linux guests get the seed as a disk on
// the boot disk's bus: found by label as early as the root disk (booted: a SATA CD-ROM seed was not found by
// ds-identify in a Debian guest, its driver loads too late).
import type { PlanContext } from './context.js';
import type { AccessCredential, CloudInitNoCloudSource, Secret, Volume } from '../kube-types/index.js';
import { keypairOfServer } from '../inventory/index.js';
import type { Keypair } from '../inventory/types.js';
import { ANNOTATIONS, LABELS, MANAGER } from './naming.js';
import { childName, type VmDisk } from './disks.js';
import { type ServerFacts, prop, propAttr } from './server-facts.js';
import { type GuestNetwork, toNetplanV2, toOpenStackNetworkData } from './network-data.js';
import { type GuestDatasource, chooseDatasource, reportGuestMetadata } from './guest-datasource.js';
import type { DiskBus } from './devices.js';

export const CLOUD_INIT_DISK = 'cloudinit';

export interface CloudInitResult {
  disk?: VmDisk;
  volume?: Volume;
  accessCredentials?: AccessCredential[];
  secrets: Secret[];
}

export interface CloudInitInput {
  ctx: PlanContext;
  facts: ServerFacts;
  vmName: string;
  namespace: string;
  networkData?: GuestNetwork;
  diskBus: DiskBus;
}

/** Secret data keys: [-._a-zA-Z0-9]+. */
function secretKey(name: string): string {
  return name.replace(/[^-._a-zA-Z0-9]+/g, '_').slice(0, 253) || 'key';
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** The Secret data of a key pair's public key; many servers share a key pair, so once per key pair. */
const publicKeyData = new WeakMap<Keypair, string>();
function publicKeySecretData(keypair: Keypair): string {
  let data = publicKeyData.get(keypair);
  if (data === undefined) {
    data = b64(`${keypair.publicKey.trim()}\n`);
    publicKeyData.set(keypair, data);
  }
  return data;
}

export function translateCloudInit(input: CloudInitInput): CloudInitResult {
  const { ctx, facts, vmName, namespace, networkData } = input;
  const { server, findings } = facts;
  const result: CloudInitResult = { secrets: [] };
  const labels = (component: string) => ({
    [LABELS.managedBy]: MANAGER,
    [LABELS.serverId]: server.id,
    [LABELS.planId]: ctx.planId,
    [LABELS.component]: component,
  });
  const annotations = { [ANNOTATIONS.serverId]: server.id, [ANNOTATIONS.sourceKind]: 'server', [ANNOTATIONS.sourceId]: server.id };

  const imgConfigDrive = prop(facts, 'img_config_drive');
  if (imgConfigDrive !== undefined && imgConfigDrive !== 'mandatory' && imgConfigDrive !== 'optional') {
    findings.blocker(propAttr(facts, 'img_config_drive'), `unknown value "${imgConfigDrive}" (Nova accepts optional, mandatory)`);
  }
  const windows = prop(facts, 'os_type')?.toLowerCase() === 'windows';
  const datasource: GuestDatasource = chooseDatasource(ctx.config.guestDatasource, {
    configDrive: server.configDrive === true,
    imageRequires: imgConfigDrive === 'mandatory',
    windows,
  });
  const configDrive = datasource === 'configdrive';

  const keypair = keypairOfServer(ctx.index, server);
  let publicKey: { name: string; data: string } | undefined;
  if (server.keyName) {
    if (!keypair) {
      findings.lost('server.key_name', `key pair "${server.keyName}" is not in the inventory; no public key is injected`);
    } else if (keypair.type === 'x509') {
      findings.lost('server.key_name', `key pair "${keypair.name}" is an x509 certificate (Windows WinRM), which KubeVirt cannot inject`);
    } else {
      publicKey = { name: keypair.name, data: publicKeySecretData(keypair) };
    }
  }

  const userData = server.userData && server.userData.length > 0 ? server.userData : undefined;
  if (!userData && !publicKey && !networkData) {
    reportGuestMetadata(facts, undefined, windows);
    return result;
  }
  reportGuestMetadata(facts, datasource, windows);

  const method = configDrive ? 'cloudInitConfigDrive' : 'cloudInitNoCloud';
  const source: CloudInitNoCloudSource = {};
  const dataSecretName = childName(vmName, 'cloud-init', 253);
  const secretData: Record<string, string> = {};
  if (userData) {
    // Nova stores user data base64-encoded, which is what a Secret's `data` holds: the bytes are carried
    // unchanged (gzip or MIME multipart included).
    secretData.userdata = userData.replace(/\s+/g, '');
    source.secretRef = { name: dataSecretName };
    findings.exact(
      'server.user_data',
      `Secret ${dataSecretName} (${method}.secretRef)`,
      'user data kept byte for byte; the instance-id is kept (firmware UUID = server id), so cloud-init does not run its per-instance modules again',
    );
  } else {
    // KubeVirt needs some user data on a cloud-init volume; an empty cloud-config changes nothing.
    source.userData = '#cloud-config\n';
  }
  if (networkData) {
    // A config drive's network_data.json must be OpenStack's format; NoCloud's network-config is cloud-init's
    // v2 (as JSON, which its YAML loader reads, and far cheaper to write than a YAML dump).
    const data = configDrive ? toOpenStackNetworkData(networkData) : toNetplanV2(networkData);
    secretData.networkdata = b64(`${JSON.stringify(data, null, 2)}\n`);
    source.networkDataSecretRef = { name: dataSecretName };
  }
  if (Object.keys(secretData).length > 0) {
    result.secrets.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: dataSecretName, namespace, labels: labels('cloud-init'), annotations },
      type: 'Opaque',
      data: secretData,
    });
  }

  if (publicKey) {
    const keySecretName = childName(vmName, 'ssh-key', 253);
    result.secrets.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: keySecretName, namespace, labels: labels('ssh-key'), annotations: { ...annotations, [`${ANNOTATIONS.sourceName}`]: publicKey.name } },
      type: 'Opaque',
      data: { [secretKey(publicKey.name)]: publicKey.data },
    });
    result.accessCredentials = [
      {
        sshPublicKey: {
          source: { secret: { secretName: keySecretName } },
          propagationMethod: configDrive ? { configDrive: {} } : { noCloud: {} },
        },
      },
    ];
    findings.exact(
      'server.key_name',
      `spec.template.spec.accessCredentials (Secret ${keySecretName})`,
      `public key of "${publicKey.name}" injected by cloud-init`,
    );
  }

  result.volume = { name: CLOUD_INIT_DISK, [method]: source };
  const seedBus = input.diskBus === 'usb' ? 'virtio' : input.diskBus;
  result.disk = windows ? { name: CLOUD_INIT_DISK, cdrom: { bus: 'sata', readonly: true } } : { name: CLOUD_INIT_DISK, disk: { bus: seedBus } };
  const label = configDrive ? 'config drive (label config-2)' : 'NoCloud seed (label cidata)';
  if (windows) {
    findings.exact(
      'server.config_drive',
      `spec.template.spec.volumes[${CLOUD_INIT_DISK}].${method}`,
      `${label} on a SATA CD-ROM: what cloudbase-init reads, with no virtio driver needed`,
    );
  } else if (server.configDrive) {
    findings.approximate(
      'server.config_drive',
      `spec.template.spec.volumes[${CLOUD_INIT_DISK}].${method}`,
      `${label} as a ${seedBus} disk instead of Nova's CD-ROM (cloud-init finds it by label; a CD-ROM is found too late by some guests), so /dev/sr0 is gone`,
      'info',
    );
  } else {
    findings.approximate(
      'server.config_drive',
      `spec.template.spec.volumes[${CLOUD_INIT_DISK}].${method}`,
      `${label} as a ${seedBus} disk: Nova served this guest through the metadata service (169.254.169.254), which does not exist in KubeVirt`,
      'info',
    );
  }
  return result;
}
