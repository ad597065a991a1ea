// Names, label keys and annotations the plugin writes: one place, so that the plan, the workflow and the
// status command agree on them.
import { createHash } from 'node:crypto';

/** Prefix of every label and annotation the plugin owns. */
export const PREFIX = 'openstack-migrate.io';

export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  serverId: `${PREFIX}/server-id`,
  projectId: `${PREFIX}/project-id`,
  planId: `${PREFIX}/plan-id`,
  /** Set on every VM/DataVolume so that `status` and waves can select them. */
  component: `${PREFIX}/component`,
  /** Id of the Nova server group a VM belongs to; server-group (anti-)affinity terms select on it. */
  serverGroup: `${PREFIX}/server-group`,
} as const;

export const ANNOTATIONS = {
  sourceKind: `${PREFIX}/source-kind`,
  sourceId: `${PREFIX}/source-id`,
  sourceName: `${PREFIX}/source-name`,
  domainName: `${PREFIX}/domain-name`,
  projectName: `${PREFIX}/project-name`,
  serverId: `${PREFIX}/server-id`,
  volumeId: `${PREFIX}/volume-id`,
  imageId: `${PREFIX}/image-id`,
  diskRole: `${PREFIX}/disk-role`,
  /** Metadata keys of the source server are kept under this prefix: openstack-migrate.io/metadata.<key>. */
  metadataPrefix: `${PREFIX}/metadata.`,
  // Workflow state (written by backup/import/cutover, read by status).
  phase: `${PREFIX}/phase`,
  progress: `${PREFIX}/progress`,
  startedAt: `${PREFIX}/started-at`,
  finishedAt: `${PREFIX}/finished-at`,
  lastError: `${PREFIX}/last-error`,
  backupImageId: `${PREFIX}/backup-image-id`,
  // Source facts kept on the VirtualMachine (translate/vm.ts).
  flavorId: `${PREFIX}/flavor-id`,
  flavorName: `${PREFIX}/flavor-name`,
  description: `${PREFIX}/description`,
  /** Nova server tags, comma-separated in source order. */
  tags: `${PREFIX}/tags`,
  osDistro: `${PREFIX}/os-distro`,
  /** Guest device name Nova recorded for a volume (/dev/vdb), on its DataVolume. */
  deviceName: `${PREFIX}/device-name`,
} as const;

export const MANAGER = 'kubectl-openstack-migrate';

/** A short, stable digest, for suffixes that must not change between runs. */
export function shortHash(input: string, length = 5): string {
  return createHash('sha256').update(input).digest('hex').slice(0, length);
}

/**
 * Turn any string into an RFC 1123 label (lowercase alphanumerics and '-', starting and ending with an
 * alphanumeric, at most maxLength characters). Returns '' when nothing usable is left.
 */
export function toDnsLabel(input: string, maxLength = 63): string {
  const lowered = input
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '');
  return lowered.slice(0, maxLength).replace(/-+$/g, '');
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export function isDnsLabel(name: string, maxLength = 63): boolean {
  return name.length <= maxLength && DNS_LABEL.test(name);
}

/**
 * An RFC 1123 label built from a source name, unique in `taken`: when the sanitized name is empty,
 * changed, or already taken, a hash of `identity` (the source id) is appended so the result is stable
 * for the same object whatever the processing order.
 */
export function uniqueDnsLabel(name: string, identity: string, taken: Set<string>, maxLength = 63): string {
  const base = toDnsLabel(name, maxLength);
  if (base && !taken.has(base)) return base;
  const suffix = shortHash(identity);
  const stem = toDnsLabel(base || 'x', maxLength - suffix.length - 1) || 'x';
  let candidate = `${stem}-${suffix}`;
  for (let n = 2; taken.has(candidate); n++) candidate = `${stem}-${suffix}${n}`.slice(0, maxLength);
  return candidate;
}

/** Label values: at most 63 characters of [A-Za-z0-9_.-], alphanumeric at both ends, or empty. */
export function toLabelValue(input: string): string {
  return input
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/**
 * The label key that marks a VM as a member of a security group: remote-group rules select it.
 * Derived from the group's name (for readers) and id (for uniqueness): sg.openstack-migrate.io/<name>-<id8>.
 */
export function securityGroupLabelKey(group: { id: string; name: string }): string {
  const idPart =
    group.id
      .replace(/[^a-z0-9]/gi, '')
      .slice(0, 8)
      .toLowerCase() || shortHash(group.id, 8);
  const namePart = toDnsLabel(group.name, 63 - idPart.length - 1);
  return `sg.${PREFIX}/${namePart ? `${namePart}-` : ''}${idPart}`;
}

export const SECURITY_GROUP_LABEL_VALUE = 'member';
