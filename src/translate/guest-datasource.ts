// Which cloud-init datasource the migrated guest reads, and what of Nova's metadata it no longer sees.
//
// Decided from real boots (test/guest): a Debian guest that first booted on Nova from a config drive keeps
// its instance-id, SSH host keys and per-instance state when KubeVirt hands it a ConfigDrive seed whose uuid is
// the server id (firmware.uuid). ConfigDrive is the default because images made for OpenStack often limit
// cloud-init's datasource_list to ConfigDrive/OpenStack, and then ignore a NoCloud seed altogether.
// KubeVirt's config drive is not Nova's: its meta_data.json has uuid, hostname, public_keys and tagged
// devices only (../shared/docs/guest-facts.md §1), and there is no metadata service at 169.254.169.254.
import type { PlanConfig } from './model.js';
import type { ServerFacts } from './server-facts.js';

export type GuestDatasource = 'configdrive' | 'nocloud';
export type GuestDatasourceOption = PlanConfig['guestDatasource'];

export function chooseDatasource(option: GuestDatasourceOption, source: { configDrive: boolean; imageRequires: boolean; windows: boolean }): GuestDatasource {
  // cloudbase-init reads a config drive; an image that requires one (img_config_drive=mandatory) gets one.
  if (source.windows || source.imageRequires) return 'configdrive';
  if (option === 'as-source') return source.configDrive ? 'configdrive' : 'nocloud';
  return option;
}

/** One finding per server: what of Nova's instance metadata the guest can no longer read. */
export function reportGuestMetadata(facts: ServerFacts, datasource: GuestDatasource | undefined, windows: boolean): void {
  const { server, findings } = facts;
  const lost: string[] = [`name "${server.name}"`];
  if (server.availabilityZone) lost.push(`availability_zone ${server.availabilityZone}`);
  lost.push('launch_index');
  const metaKeys = Object.keys(server.metadata);
  if (metaKeys.length > 0) lost.push(`meta (${metaKeys.sort().join(', ')}; kept as annotations)`);
  if (server.keyName) lost.push('keys (the list form; public_keys is kept)');
  lost.push('project_id', 'random_seed', 'vendor data (vendor_data.json, vendor_data2.json)');
  lost.push(windows ? "the admin password (the metadata service's password endpoint, and admin_pass)" : 'the password the metadata service stored');
  const where = !datasource
    ? 'no cloud-init seed is generated (no user data, key or static network): cloud-init finds no datasource and the guest keeps the configuration of its last boot'
    : datasource === 'configdrive'
      ? "KubeVirt's config drive (openstack/latest only) has uuid, hostname, public_keys and tagged devices"
      : 'the NoCloud seed has instance-id, local-hostname and public-keys, and is ignored by images whose cloud-init datasource_list names only ConfigDrive/OpenStack';
  const severity = metaKeys.length > 0 || windows ? 'warning' : 'info';
  findings.lost(
    'server.instance_metadata',
    `${where}; the guest no longer sees: ${lost.join(', ')}; and the metadata service (169.254.169.254, OpenStack and EC2 APIs) is gone`,
    severity,
  );
}
