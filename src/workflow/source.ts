// What the workflow needs from the source cloud, as interfaces: SourceActions for backup's state machine
// (implemented for OpenStack by src/openstack/actions.ts openStackActions(), in memory by
// test/support/memory-source.ts), and SourceCloud for import and cutover (the OpenStack adapter below, a thin
// layer over the same actions, and the benchmark's simulated cloud).
// Nothing here ever deletes a server, a volume or an image.
import { readFileSync } from 'node:fs';
import type { OpenStackClient } from '../openstack/client.js';
import { OpenStackError } from '../openstack/errors.js';
import {
  getFloatingIp,
  getImage,
  getServer,
  listFloatingIpsOfPort,
  setFloatingIpPort,
  startServer,
  stopServer,
  waitForServerStatus,
} from '../openstack/actions.js';
import type {
  ImageView,
  ServerView,
  SnapshotInput,
  SnapshotView,
  UploadResult,
  UploadToImageInput,
  VolumeFromSnapshotInput,
  VolumeView,
  WaitOptions,
} from '../openstack/actions.js';
import { listAll } from '../openstack/paging.js';

export interface SourceImage {
  id: string;
  /** Glance status: queued, saving, active, killed, deleted... */
  status: string;
  /** bytes */
  virtualSize?: number;
  /** bytes */
  size?: number;
  diskFormat?: string;
}

export interface SourceServer {
  id: string;
  /** Nova status: ACTIVE, SHUTOFF, ... */
  status: string;
}

/** A floating IP bound to one of the server's ports: what cutover must restore on rollback. */
export interface FloatingIpAssociation {
  floatingIpId: string;
  floatingIpAddress: string;
  portId: string;
  fixedIp?: string;
}

/**
 * The source cloud's calls that backup's state machine makes (stop, start, snapshot, image, volume, find,
 * wait), with the client bound: implemented for OpenStack by openStackActions() in src/openstack/actions.ts,
 * and in memory by test/support/memory-source.ts, so that the state machine is tested against both.
 */
export interface SourceActions {
  /** The project the calls act in (owner of what they create). */
  projectId(): string | undefined;
  getServer(serverId: string): Promise<ServerView | undefined>;
  stopServer(serverId: string): Promise<boolean>;
  startServer(serverId: string): Promise<boolean>;
  waitForServerStatus(serverId: string, wanted: 'ACTIVE' | 'SHUTOFF', options?: WaitOptions): Promise<ServerView>;
  createServerImage(serverId: string, name: string, metadata: Record<string, string>): Promise<string>;
  getImage(imageId: string): Promise<ImageView | undefined>;
  findImages(filter: { name?: string; tag?: string; owner?: string }): Promise<ImageView[]>;
  addImageTag(imageId: string, tag: string): Promise<void>;
  patchImage(imageId: string, ops: { op: 'add' | 'replace' | 'remove'; path: string; value?: unknown }[]): Promise<ImageView>;
  deleteImage(imageId: string): Promise<boolean>;
  waitForImageActive(imageId: string, options?: WaitOptions): Promise<ImageView>;
  createVolumeSnapshot(input: SnapshotInput): Promise<SnapshotView>;
  getSnapshot(snapshotId: string): Promise<SnapshotView | undefined>;
  findSnapshots(filter: { name?: string; volumeId?: string }): Promise<SnapshotView[]>;
  deleteSnapshot(snapshotId: string): Promise<boolean>;
  waitForSnapshotAvailable(snapshotId: string, options?: WaitOptions): Promise<SnapshotView>;
  createVolumeFromSnapshot(input: VolumeFromSnapshotInput): Promise<VolumeView>;
  getVolume(volumeId: string): Promise<VolumeView | undefined>;
  findVolumes(filter: { name: string }): Promise<VolumeView[]>;
  deleteVolume(volumeId: string): Promise<boolean>;
  waitForVolumeStatus(volumeId: string, wanted: string[], options?: WaitOptions): Promise<VolumeView>;
  uploadVolumeToImage(volumeId: string, input: UploadToImageInput): Promise<UploadResult>;
}

/** Nova's task_state values during a snapshot (createImage): os-start and os-stop are refused (409) until it clears. */
const SNAPSHOT_TASKS = new Set(['image_snapshot', 'image_snapshot_pending', 'image_pending_upload', 'image_uploading']);

/**
 * os-start as Nova takes it. Nova refuses os-start (409, "Cannot 'start' instance … while it is in task_state
 * image_uploading") while a snapshot of the stopped server is still being uploaded, and Glance can show
 * that image active before Nova clears the task (seen on the minicloud: backup's os-start right after the
 * copy got 409 and the server stayed SHUTOFF; and once the task had ended by the time the server was read
 * back). So a 409 for a SHUTOFF server (a snapshot task under way, or just ended) waits until the server is
 * SHUTOFF with no task and sends os-start again, a few times; a 409 for a server already ACTIVE or powering
 * on is fine; any other 409 is an error naming the state.
 */
export async function startServerWhenIdle(
  c: Pick<SourceActions, 'startServer' | 'getServer' | 'waitForServerStatus'>,
  serverId: string,
  wait?: WaitOptions,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    if (await c.startServer(serverId)) return;
    const s = await c.getServer(serverId);
    if (!s) throw new OpenStackError('api', `server ${serverId} does not exist (404)`, { status: 404 });
    if (s.status === 'ACTIVE' || s.taskState === 'powering-on') return;
    const snapshotting = !s.taskState || SNAPSHOT_TASKS.has(s.taskState);
    if (s.status !== 'SHUTOFF' || !snapshotting || attempt >= 5)
      throw new OpenStackError(
        'api',
        `server ${serverId}: os-start refused (409) while it is ${s.status}${s.taskState ? ` (${s.taskState})` : ''}${attempt > 1 ? ` (${attempt} attempts)` : ''}`,
        { status: 409 },
      );
    await c.waitForServerStatus(serverId, 'SHUTOFF', wait);
  }
}

/**
 * os-stop as cutover needs it. Nova refuses os-stop (409) for a server already stopped or powering off:
 * that is the state asked for, so it is fine; a 409 in any other state (a snapshot or another task under
 * way, an ERROR server) is an error naming the state, for the operator to act on.
 */
export async function stopServerOrFindItStopping(c: Pick<SourceActions, 'stopServer' | 'getServer'>, serverId: string): Promise<void> {
  if (await c.stopServer(serverId)) return;
  const s = await c.getServer(serverId);
  if (!s) throw new OpenStackError('api', `server ${serverId} does not exist (404)`, { status: 404 });
  if (s.status === 'SHUTOFF' || s.taskState === 'powering-off') return;
  throw new OpenStackError('api', `server ${serverId}: os-stop refused (409) while it is ${s.status}${s.taskState ? ` (${s.taskState})` : ''}`, {
    status: 409,
  });
}

export interface SourceCloud {
  /** A token CDI's importer can use until expiresAt (ms since epoch); valid for at least minValidityMs when the cloud allows. */
  issueImportToken(minValidityMs: number): Promise<{ token: string; expiresAt: number }>;
  /** Glance's download URL of an image: <image endpoint>/v2/images/<id>/file. */
  imageFileUrl(imageId: string): string;
  /** PEM of the cloud's custom CA, when it has one (for CDI's certConfigMap). */
  caPem(): string | undefined;
  getImage(imageId: string): Promise<SourceImage>;
  getServer(serverId: string): Promise<SourceServer>;
  /** os-stop; a server already SHUTOFF is fine. */
  stopServer(serverId: string): Promise<void>;
  /** os-start; a server already ACTIVE is fine. */
  startServer(serverId: string): Promise<void>;
  floatingIpsOf(serverId: string): Promise<FloatingIpAssociation[]>;
  associateFloatingIp(association: FloatingIpAssociation): Promise<void>;
  disassociateFloatingIp(floatingIpId: string): Promise<void>;
  /** Current association of a floating IP (port id or null). */
  floatingIpPort(floatingIpId: string): Promise<string | null>;
  /** Requests sent so far, for the benchmark. */
  requestCount(): number;
}

/**
 * The SourceCloud of a real cloud: every call goes through src/openstack/actions.ts (the same requests,
 * microversions and error handling as backup's), plus the ports of a server for its floating IPs.
 */
export function openStackSource(client: OpenStackClient): SourceCloud {
  let ca: string | undefined | null = null;
  const server = async (serverId: string) => {
    const s = await getServer(client, serverId);
    if (!s) throw new OpenStackError('api', `server ${serverId} does not exist (404)`, { status: 404 });
    return s;
  };
  return {
    issueImportToken: (minValidityMs) => client.issueToken(minValidityMs),
    imageFileUrl: (imageId) => `${imageApiBase(client)}/images/${encodeURIComponent(imageId)}/file`,
    caPem() {
      if (ca === null) ca = client.config.cacert ? readFileSync(client.config.cacert, 'utf8') : undefined;
      return ca;
    },
    async getImage(imageId) {
      const image = await getImage(client, imageId);
      if (!image) throw new OpenStackError('api', `image ${imageId} does not exist (404)`, { status: 404 });
      return { id: image.id, status: image.status, virtualSize: image.virtualSize, size: image.size, diskFormat: image.diskFormat };
    },
    async getServer(serverId) {
      const s = await server(serverId);
      return { id: s.id, status: s.status };
    },
    stopServer: (serverId) => stopServerOrFindItStopping({ stopServer: (id) => stopServer(client, id), getServer: (id) => getServer(client, id) }, serverId),
    startServer: (serverId) =>
      startServerWhenIdle(
        {
          startServer: (id) => startServer(client, id),
          getServer: (id) => getServer(client, id),
          waitForServerStatus: (id, wanted, o) => waitForServerStatus(client, id, wanted, o),
        },
        serverId,
      ),
    async floatingIpsOf(serverId) {
      // Neutron filters floating IPs by port only: the server's ports first (device_id), then theirs.
      const ports = await listAll<{ id: string }>(client, `${networkApiBase(client)}/ports`, 'ports', { params: { device_id: serverId }, pageSize: 100 });
      const out: FloatingIpAssociation[] = [];
      for (const port of ports) {
        for (const f of await listFloatingIpsOfPort(client, port.id)) {
          out.push({ floatingIpId: f.id, floatingIpAddress: f.floatingIpAddress, portId: port.id, ...(f.fixedIpAddress ? { fixedIp: f.fixedIpAddress } : {}) });
        }
      }
      return out;
    },
    async associateFloatingIp(a) {
      await setFloatingIpPort(client, a.floatingIpId, a.portId, a.fixedIp);
    },
    async disassociateFloatingIp(floatingIpId) {
      await setFloatingIpPort(client, floatingIpId, null);
    },
    async floatingIpPort(floatingIpId) {
      const f = await getFloatingIp(client, floatingIpId);
      if (!f) throw new OpenStackError('api', `floating IP ${floatingIpId} does not exist (404)`, { status: 404 });
      return f.portId;
    },
    requestCount: () => client.stats.requests,
  };
}

/** Glance's API root (…/v2), as actions.ts resolves it from the catalog. */
function imageApiBase(client: OpenStackClient): string {
  const url = client.endpoint(['image']);
  return /\/v2(\.\d+)?$/.test(url) ? url.replace(/\/v2(\.\d+)?$/, '/v2') : `${url}/v2`;
}

/** Neutron's API root (…/v2.0). */
function networkApiBase(client: OpenStackClient): string {
  const url = client.endpoint(['network']);
  return /\/v2\.0$/.test(url) ? url : `${url}/v2.0`;
}

/** Polls a source-cloud condition (OpenStack has no watch) with a growing interval, bounded by the signal. */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  signal?: AbortSignal,
  intervalMs = 1000,
  maxIntervalMs = 10_000,
): Promise<T> {
  let delay = intervalMs;
  for (;;) {
    signal?.throwIfAborted();
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, delay);
      const onAbort = () => {
        clearTimeout(t);
        reject(signal?.reason instanceof Error ? signal.reason : new Error(`${what}: aborted`));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    delay = Math.min(maxIntervalMs, Math.round(delay * 1.5));
  }
}
