// User data, key pair and static network configuration → a cloud-init disk (NoCloud, or ConfigDrive when
// the server used a config drive), with the user and network data in a Secret (user data may hold
// secrets, so it stays out of the VM manifest; it also escapes KubeVirt's 2 KiB limit on inline data)
// and the public key delivered through spec.template.spec.accessCredentials.
import type { PlanContext } from './context.js';
import type { AccessCredential, CloudInitNoCloudSource, Secret, Volume } from '../kube-types/index.js';
import { keypairOfServer } from '../inventory/index.js';
import { ANNOTATIONS, LABELS, MANAGER } from './naming.js';
import type { CdromBus } from './devices.js';
import { childName, type VmDisk } from './disks.js';
import { type ServerFacts, prop, propAttr } from './server-facts.js';
import type { NetworkData } from './server-networks.js';

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
  networkData?: NetworkData;
  cdromBus: CdromBus;
}

/** Secret data keys: [-._a-zA-Z0-9]+. */
function secretKey(name: string): string {
  return name.replace(/[^-._a-zA-Z0-9]+/g, '_').slice(0, 253) || 'key';
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
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
  const configDrive = server.configDrive === true || imgConfigDrive === 'mandatory';
  if (imgConfigDrive !== undefined) {
    if (imgConfigDrive === 'mandatory' || imgConfigDrive === 'optional') {
      findings.exact(propAttr(facts, 'img_config_drive'), 'spec.template.spec.volumes[].cloudInitConfigDrive', imgConfigDrive === 'mandatory' ? 'config drive required by the image' : 'optional: the server\'s own config_drive decides');
    } else {
      findings.blocker(propAttr(facts, 'img_config_drive'), `unknown value "${imgConfigDrive}" (Nova accepts optional, mandatory)`);
    }
  }

  const keypair = keypairOfServer(ctx.index, server);
  let publicKey: { name: string; key: string } | undefined;
  if (server.keyName) {
    if (!keypair) {
      findings.lost('server.key_name', `key pair "${server.keyName}" is not in the inventory; no public key is injected`);
    } else if (keypair.type === 'x509') {
      findings.lost('server.key_name', `key pair "${keypair.name}" is an x509 certificate (Windows WinRM), which KubeVirt cannot inject`);
    } else {
      publicKey = { name: keypair.name, key: keypair.publicKey.trim() };
    }
  }

  const userData = server.userData && server.userData.length > 0 ? server.userData : undefined;
  if (!userData && !publicKey && !networkData) {
    if (server.configDrive) findings.approximate('server.config_drive', undefined, 'the config drive carried only Nova metadata (no user data, key or static network), so no cloud-init disk is added: the guest keeps its current configuration', 'info');
    return result;
  }

  const method = configDrive ? 'cloudInitConfigDrive' : 'cloudInitNoCloud';
  const source: CloudInitNoCloudSource = {};
  const dataSecretName = childName(vmName, 'cloud-init', 253);
  const secretData: Record<string, string> = {};
  if (userData) {
    // Nova stores user data base64-encoded, which is what a Secret's `data` holds: the bytes are carried
    // unchanged (gzip or MIME multipart included).
    secretData.userdata = userData.replace(/\s+/g, '');
    source.secretRef = { name: dataSecretName };
    findings.approximate('server.user_data', `Secret ${dataSecretName} (${method}.secretRef)`, 'user data kept byte for byte; cloud-init sees a new instance-id, so its per-instance modules (runcmd, users, SSH host keys) run again on the first boot');
  } else {
    // KubeVirt needs some user data on a cloud-init volume; an empty cloud-config changes nothing.
    source.userData = '#cloud-config\n';
  }
  if (networkData) {
    // JSON is YAML: cloud-init reads it with its YAML loader, and it is far cheaper to write than a YAML
    // dump (this runs once per server, 10,000 times in a big plan).
    secretData.networkdata = b64(`${JSON.stringify(networkData, null, 2)}\n`);
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
      data: { [secretKey(publicKey.name)]: b64(`${publicKey.key}\n`) },
    });
    result.accessCredentials = [
      {
        sshPublicKey: {
          source: { secret: { secretName: keySecretName } },
          propagationMethod: configDrive ? { configDrive: {} } : { noCloud: {} },
        },
      },
    ];
    findings.exact('server.key_name', `spec.template.spec.accessCredentials (Secret ${keySecretName})`, `public key of "${publicKey.name}" injected by cloud-init`);
  }

  result.volume = { name: CLOUD_INIT_DISK, [method]: source };
  // Nova presents a config drive as a CD-ROM on hw_cdrom_bus; NoCloud is an ordinary virtio disk.
  result.disk = configDrive ? { name: CLOUD_INIT_DISK, cdrom: { bus: input.cdromBus, readonly: true } } : { name: CLOUD_INIT_DISK, disk: { bus: 'virtio' } };
  if (server.configDrive !== undefined || configDrive) {
    findings.exact('server.config_drive', `spec.template.spec.volumes[${CLOUD_INIT_DISK}].${method}`, configDrive ? 'config drive (label config-2) as in Nova' : 'NoCloud data source (Nova served the metadata service)');
  }
  return result;
}
