// The OpenStack calls that change something, used by backup and cutover: Nova power actions and
// createImage, Cinder snapshots, volumes and upload-to-image, Glance tags/properties/delete, Neutron
// floating IP association. Bodies, status codes and microversions follow the official API references:
//   Nova  POST /servers/{id}/action {"os-stop": null} | {"os-start": null}            → 202 (409 when the state forbids it)
//         POST /servers/{id}/action {"createImage": {name, metadata}}                  → 202; body {"image_id"} from 2.45, Location header before
//   Cinder POST /snapshots {"snapshot": {volume_id, name, description, force, metadata}} → 202 {"snapshot": {..., status: "creating"}}
//         POST /volumes {"volume": {snapshot_id, name, size, metadata}}                → 202 {"volume": {..., status: "creating"}}
//         POST /volumes/{id}/action {"os-volume_upload_image": {image_name, force, disk_format, container_format, visibility(3.1), protected(3.1)}}
//                                                                                      → 202 {"os-volume_upload_image": {image_id, status: "uploading", ...}}
//         DELETE /snapshots/{id}, /volumes/{id}                                        → 202
//   Glance GET /v2/images/{id} (queued → saving → active; killed/deleted on failure), PUT /v2/images/{id}/tags/{tag} → 204,
//         PATCH /v2/images/{id} (application/openstack-images-v2.1-json-patch) → 200, DELETE /v2/images/{id} → 204
//   Neutron PUT /v2.0/floatingips/{id} {"floatingip": {"port_id": id|null}}            → 200
// Every function returns typed values or throws an OpenStackError naming the object; none logs.
import type { OpenStackClient } from './client.js';
import { errorMessageOf } from './client.js';
import { OpenStackError } from './errors.js';
import { listAll } from './paging.js';
import type { SourceActions } from '../workflow/source.js';

/** createImage answers with {"image_id"} from this microversion on (the Location header is gone). */
export const NOVA_ACTIONS_MICROVERSION = '2.45';
/** os-volume_upload_image accepts visibility/protected from 3.1. */
export const CINDER_UPLOAD_MICROVERSION = '3.1';
export const GLANCE_PATCH_TYPE = 'application/openstack-images-v2.1-json-patch';

const COMPUTE = ['compute'];
const VOLUME = ['volumev3', 'block-storage', 'block_storage'];
const IMAGE = ['image'];
const NETWORK = ['network'];

function novaHeaders(version = NOVA_ACTIONS_MICROVERSION): Record<string, string> {
  return { 'OpenStack-API-Version': `compute ${version}`, 'X-OpenStack-Nova-API-Version': version };
}
function cinderHeaders(version = CINDER_UPLOAD_MICROVERSION): Record<string, string> {
  return { 'OpenStack-API-Version': `volume ${version}` };
}
function imageBase(c: OpenStackClient): string {
  const url = c.endpoint(IMAGE);
  return /\/v2(\.\d+)?$/.test(url) ? url.replace(/\/v2(\.\d+)?$/, '/v2') : `${url}/v2`;
}
function networkBase(c: OpenStackClient): string {
  const url = c.endpoint(NETWORK);
  return /\/v2\.0$/.test(url) ? url : `${url}/v2.0`;
}

function fail(what: string, res: { status: number; data: unknown }): never {
  const message = errorMessageOf(res.data);
  const kind = res.status === 403 ? 'forbidden' : 'api';
  throw new OpenStackError(kind, `${what}: HTTP ${res.status}${message ? ` (${message})` : ''}`, { status: res.status });
}

function expect(what: string, res: { status: number; data: unknown }, ok: number[]): void {
  if (!ok.includes(res.status)) fail(what, res);
}

/**
 * A create whose answer may have been lost (the connection dropped, or a 5xx) may still have been carried
 * out: the client does not send creates again on its own (client.ts), so here the deterministic name is
 * looked up first, and the create is sent again only when nothing by that name exists. A customer's disk is
 * never copied twice into their quota.
 */
export async function createOnce<T>(create: () => Promise<T>, lookup: () => Promise<T | undefined>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await create();
    } catch (err) {
      const answerLost = err instanceof OpenStackError && (err.kind === 'unreachable' || (err.status !== undefined && err.status >= 500));
      if (!answerLost) throw err;
      const made = await lookup();
      if (made !== undefined) return made;
      if (attempt >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

// ---------------------------------------------------------------------------------------------- Nova

export interface ServerView {
  id: string;
  name: string;
  status: string;
  projectId?: string;
  taskState?: string | null;
  vmState?: string;
  powerState?: number;
  /** '' or absent for a boot-from-volume server. */
  imageId?: string;
  volumesAttached: string[];
  fault?: string;
  metadata: Record<string, string>;
}

export async function getServer(c: OpenStackClient, serverId: string): Promise<ServerView | undefined> {
  const res = await c.request<{ server?: Record<string, any> }>('GET', `${c.endpoint(COMPUTE)}/servers/${serverId}`, { headers: novaHeaders() });
  if (res.status === 404) return undefined;
  expect(`server ${serverId}: GET`, res, [200]);
  const s = res.data.server ?? {};
  const image = s.image;
  return {
    id: s.id,
    name: s.name,
    status: s.status,
    projectId: s.tenant_id,
    taskState: s['OS-EXT-STS:task_state'],
    vmState: s['OS-EXT-STS:vm_state'],
    powerState: s['OS-EXT-STS:power_state'],
    imageId: typeof image === 'object' && image ? image.id : undefined,
    volumesAttached: Array.isArray(s['os-extended-volumes:volumes_attached']) ? s['os-extended-volumes:volumes_attached'].map((v: { id: string }) => v.id) : [],
    fault: s.fault?.message,
    metadata: s.metadata ?? {},
  };
}

/** A server action; power actions are safe to repeat (409 once done), createImage is not. */
async function serverAction(c: OpenStackClient, serverId: string, body: unknown, what: string, idempotent: boolean) {
  return c.request<Record<string, any>>('POST', `${c.endpoint(COMPUTE)}/servers/${serverId}/action`, { data: body, headers: novaHeaders(), idempotent }, `server ${serverId}: ${what}`);
}

/**
 * os-stop. Returns false when Nova refused with 409 because the server is already stopped (or stopping),
 * which the caller then confirms with waitForServerStatus.
 */
export async function stopServer(c: OpenStackClient, serverId: string): Promise<boolean> {
  const res = await serverAction(c, serverId, { 'os-stop': null }, 'os-stop', true);
  if (res.status === 409) return false;
  expect(`server ${serverId}: os-stop`, res, [202]);
  return true;
}

/** os-start; false on 409 (already active or starting). */
export async function startServer(c: OpenStackClient, serverId: string): Promise<boolean> {
  const res = await serverAction(c, serverId, { 'os-start': null }, 'os-start', true);
  if (res.status === 409) return false;
  expect(`server ${serverId}: os-start`, res, [202]);
  return true;
}

/**
 * createImage: Nova snapshots the root disk into a new Glance image (quiescing the guest first when the
 * image has hw_qemu_guest_agent=yes and os_require_quiesce=yes). The id comes in the body from 2.45 on;
 * older clouds (406 for the microversion) answer with a Location header ending in the image id.
 */
export async function createServerImage(c: OpenStackClient, serverId: string, name: string, metadata: Record<string, string>): Promise<string> {
  return createOnce(
    () => sendCreateImage(c, serverId, name, metadata),
    async () => (await findImages(c, { name })).find((i) => !['killed', 'deleted', 'pending_delete'].includes(i.status))?.id,
  );
}

async function sendCreateImage(c: OpenStackClient, serverId: string, name: string, metadata: Record<string, string>): Promise<string> {
  const body = { createImage: { name, metadata } };
  let res = await serverAction(c, serverId, body, 'createImage', false);
  if (res.status === 406 || (res.status === 400 && /version/i.test(errorMessageOf(res.data) ?? ''))) {
    res = await c.request<Record<string, any>>('POST', `${c.endpoint(COMPUTE)}/servers/${serverId}/action`, { data: body, idempotent: false }, `server ${serverId}: createImage`);
  }
  expect(`server ${serverId}: createImage "${name}"`, res, [202]);
  const fromBody = res.data?.image_id;
  if (typeof fromBody === 'string' && fromBody) return fromBody;
  const location = res.headers.location ?? res.headers.Location;
  const fromHeader = typeof location === 'string' ? location.replace(/\/+$/, '').split('/').pop() : undefined;
  if (!fromHeader) throw new OpenStackError('api', `server ${serverId}: createImage "${name}" answered 202 without an image id (no image_id in the body, no Location header)`);
  return fromHeader;
}

// -------------------------------------------------------------------------------------------- Glance

export interface ImageView {
  id: string;
  name: string;
  status: string;
  owner?: string;
  diskFormat?: string;
  containerFormat?: string;
  size?: number;
  virtualSize?: number;
  tags: string[];
  visibility?: string;
  /** Every additional property (string values), e.g. openstack_migrate_server_id. */
  properties: Record<string, string>;
  createdAt?: string;
}

const BASE_IMAGE_KEYS = new Set([
  'id', 'name', 'status', 'owner', 'disk_format', 'container_format', 'size', 'virtual_size', 'tags', 'visibility', 'created_at', 'updated_at',
  'checksum', 'os_hash_algo', 'os_hash_value', 'min_disk', 'min_ram', 'protected', 'os_hidden', 'self', 'file', 'schema', 'locations', 'direct_url', 'stores',
]);

export function toImageView(raw: Record<string, any>): ImageView {
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (!BASE_IMAGE_KEYS.has(k) && typeof v === 'string') properties[k] = v;
  return {
    id: raw.id,
    name: raw.name,
    status: raw.status,
    owner: raw.owner,
    diskFormat: raw.disk_format ?? undefined,
    containerFormat: raw.container_format ?? undefined,
    size: raw.size ?? undefined,
    virtualSize: raw.virtual_size ?? undefined,
    tags: Array.isArray(raw.tags) ? raw.tags : [],
    visibility: raw.visibility,
    properties,
    createdAt: raw.created_at,
  };
}

export async function getImage(c: OpenStackClient, imageId: string): Promise<ImageView | undefined> {
  const res = await c.request<Record<string, any>>('GET', `${imageBase(c)}/images/${imageId}`);
  if (res.status === 404) return undefined;
  expect(`image ${imageId}: GET`, res, [200]);
  return toImageView(res.data);
}

/** Images by exact name (and optionally tag), in the caller's view; every page (paging.ts). */
export async function findImages(c: OpenStackClient, filter: { name?: string; tag?: string; owner?: string }): Promise<ImageView[]> {
  const params = { ...(filter.name ? { name: filter.name } : {}), ...(filter.tag ? { tag: filter.tag } : {}), ...(filter.owner ? { owner: filter.owner } : {}) };
  const raw = await listAll<Record<string, any>>(c, `${imageBase(c)}/images`, 'images', { params, pageSize: 200 });
  return raw.map(toImageView);
}

/** PUT /v2/images/{id}/tags/{tag}: idempotent (204 also when the tag is there). */
export async function addImageTag(c: OpenStackClient, imageId: string, tag: string): Promise<void> {
  const res = await c.request('PUT', `${imageBase(c)}/images/${imageId}/tags/${encodeURIComponent(tag)}`);
  expect(`image ${imageId}: add tag ${tag}`, res, [204, 200]);
}

/** JSON-patch ops on an image ("add" replaces an existing property, per Glance's json-patch rules). */
export async function patchImage(c: OpenStackClient, imageId: string, ops: { op: 'add' | 'replace' | 'remove'; path: string; value?: unknown }[]): Promise<ImageView> {
  const res = await c.request<Record<string, any>>('PATCH', `${imageBase(c)}/images/${imageId}`, { data: ops, headers: { 'Content-Type': GLANCE_PATCH_TYPE } });
  expect(`image ${imageId}: PATCH`, res, [200]);
  return toImageView(res.data);
}

/** DELETE; true when deleted now, false when it was already gone (404). */
export async function deleteImage(c: OpenStackClient, imageId: string): Promise<boolean> {
  const res = await c.request('DELETE', `${imageBase(c)}/images/${imageId}`);
  if (res.status === 404) return false;
  expect(`image ${imageId}: DELETE`, res, [204, 200]);
  return true;
}

// -------------------------------------------------------------------------------------------- Cinder

export interface SnapshotView {
  id: string;
  name: string;
  status: string;
  volumeId: string;
  size?: number;
  metadata: Record<string, string>;
  createdAt?: string;
}

function toSnapshot(raw: Record<string, any>): SnapshotView {
  return { id: raw.id, name: raw.name ?? '', status: raw.status, volumeId: raw.volume_id, size: raw.size, metadata: raw.metadata ?? {}, createdAt: raw.created_at };
}

export interface VolumeView {
  id: string;
  name: string;
  status: string;
  size: number;
  bootable?: boolean;
  snapshotId?: string | null;
  metadata: Record<string, string>;
  attachedTo: string[];
  volumeImageMetadata?: Record<string, string>;
}

function toVolume(raw: Record<string, any>): VolumeView {
  return {
    id: raw.id,
    name: raw.name ?? '',
    status: raw.status,
    size: raw.size,
    bootable: raw.bootable === true || raw.bootable === 'true',
    snapshotId: raw.snapshot_id,
    metadata: raw.metadata ?? {},
    attachedTo: Array.isArray(raw.attachments) ? raw.attachments.map((a: { server_id: string }) => a.server_id) : [],
    volumeImageMetadata: raw.volume_image_metadata,
  };
}

export async function createVolumeSnapshot(
  c: OpenStackClient,
  input: { volumeId: string; name: string; description?: string; force: boolean; metadata: Record<string, string> },
): Promise<SnapshotView> {
  return createOnce(
    async () => {
      const res = await c.request<{ snapshot: Record<string, any> }>('POST', `${c.endpoint(VOLUME)}/snapshots`, {
        data: { snapshot: { volume_id: input.volumeId, name: input.name, description: input.description, force: input.force, metadata: input.metadata } },
      });
      expect(`volume ${input.volumeId}: create snapshot "${input.name}"`, res, [202, 200]);
      return toSnapshot(res.data.snapshot);
    },
    async () => (await findSnapshots(c, { name: input.name, volumeId: input.volumeId })).find((s) => s.status !== 'deleting' && !s.status.startsWith('error')),
  );
}

export async function getSnapshot(c: OpenStackClient, snapshotId: string): Promise<SnapshotView | undefined> {
  const res = await c.request<{ snapshot: Record<string, any> }>('GET', `${c.endpoint(VOLUME)}/snapshots/${snapshotId}`);
  if (res.status === 404) return undefined;
  expect(`snapshot ${snapshotId}: GET`, res, [200]);
  return toSnapshot(res.data.snapshot);
}

/** Snapshots by name and/or volume; every page (paging.ts). */
export async function findSnapshots(c: OpenStackClient, filter: { name?: string; volumeId?: string }): Promise<SnapshotView[]> {
  const params: Record<string, string> = {};
  if (filter.name) params.name = filter.name;
  if (filter.volumeId) params.volume_id = filter.volumeId;
  const raw = await listAll<Record<string, any>>(c, `${c.endpoint(VOLUME)}/snapshots/detail`, 'snapshots', { params, pageSize: 200 });
  // Older Cinder ignores unknown filters: filter again here.
  return raw.map(toSnapshot).filter((s) => (!filter.name || s.name === filter.name) && (!filter.volumeId || s.volumeId === filter.volumeId));
}

export async function deleteSnapshot(c: OpenStackClient, snapshotId: string): Promise<boolean> {
  const res = await c.request('DELETE', `${c.endpoint(VOLUME)}/snapshots/${snapshotId}`);
  if (res.status === 404) return false;
  expect(`snapshot ${snapshotId}: DELETE`, res, [202, 204]);
  return true;
}

export async function createVolumeFromSnapshot(
  c: OpenStackClient,
  input: { snapshotId: string; name: string; size: number; description?: string; metadata: Record<string, string>; volumeType?: string },
): Promise<VolumeView> {
  return createOnce(
    async () => {
      const res = await c.request<{ volume: Record<string, any> }>('POST', `${c.endpoint(VOLUME)}/volumes`, {
        data: { volume: { snapshot_id: input.snapshotId, name: input.name, size: input.size, description: input.description, metadata: input.metadata, ...(input.volumeType ? { volume_type: input.volumeType } : {}) } },
      });
      expect(`snapshot ${input.snapshotId}: create volume "${input.name}"`, res, [202, 200]);
      return toVolume(res.data.volume);
    },
    async () => (await findVolumes(c, { name: input.name })).find((v) => v.snapshotId === input.snapshotId && v.status !== 'deleting' && !v.status.startsWith('error')),
  );
}

export async function getVolume(c: OpenStackClient, volumeId: string): Promise<VolumeView | undefined> {
  const res = await c.request<{ volume: Record<string, any> }>('GET', `${c.endpoint(VOLUME)}/volumes/${volumeId}`);
  if (res.status === 404) return undefined;
  expect(`volume ${volumeId}: GET`, res, [200]);
  return toVolume(res.data.volume);
}

/** Volumes by exact name; every page (paging.ts). */
export async function findVolumes(c: OpenStackClient, filter: { name: string }): Promise<VolumeView[]> {
  const raw = await listAll<Record<string, any>>(c, `${c.endpoint(VOLUME)}/volumes/detail`, 'volumes', { params: { name: filter.name }, pageSize: 200 });
  return raw.map(toVolume).filter((v) => v.name === filter.name);
}

export async function deleteVolume(c: OpenStackClient, volumeId: string): Promise<boolean> {
  const res = await c.request('DELETE', `${c.endpoint(VOLUME)}/volumes/${volumeId}`);
  if (res.status === 404) return false;
  expect(`volume ${volumeId}: DELETE`, res, [202, 204]);
  return true;
}

export interface UploadResult {
  imageId: string;
  status: string;
  diskFormat?: string;
}

/**
 * os-volume_upload_image at 3.1 (visibility). The volume must be `available` (Cinder accepts in-use only
 * with force and enable_force_upload), so backup uploads a temporary volume made from a snapshot.
 */
export async function uploadVolumeToImage(
  c: OpenStackClient,
  volumeId: string,
  input: { imageName: string; diskFormat: 'qcow2' | 'raw'; containerFormat?: string; force?: boolean; visibility?: 'private' | 'shared' | 'community' | 'public' },
): Promise<UploadResult> {
  return createOnce(
    () => sendUploadToImage(c, volumeId, input),
    async () => {
      const image = (await findImages(c, { name: input.imageName })).find((i) => !['killed', 'deleted', 'pending_delete'].includes(i.status));
      return image ? { imageId: image.id, status: image.status, ...(image.diskFormat ? { diskFormat: image.diskFormat } : {}) } : undefined;
    },
  );
}

async function sendUploadToImage(
  c: OpenStackClient,
  volumeId: string,
  input: { imageName: string; diskFormat: 'qcow2' | 'raw'; containerFormat?: string; force?: boolean; visibility?: 'private' | 'shared' | 'community' | 'public' },
): Promise<UploadResult> {
  const res = await c.request<Record<string, any>>('POST', `${c.endpoint(VOLUME)}/volumes/${volumeId}/action`, {
    data: {
      'os-volume_upload_image': {
        image_name: input.imageName,
        force: input.force ?? false,
        disk_format: input.diskFormat,
        container_format: input.containerFormat ?? 'bare',
        visibility: input.visibility ?? 'private',
        protected: false,
      },
    },
    headers: cinderHeaders(),
  });
  expect(`volume ${volumeId}: os-volume_upload_image "${input.imageName}"`, res, [202, 200]);
  const body = res.data?.['os-volume_upload_image'] ?? {};
  if (typeof body.image_id !== 'string') throw new OpenStackError('api', `volume ${volumeId}: os-volume_upload_image answered without image_id`);
  return { imageId: body.image_id, status: body.status, diskFormat: body.disk_format };
}

// ------------------------------------------------------------------------------------------- Neutron

export interface FloatingIpView {
  id: string;
  floatingIpAddress: string;
  portId: string | null;
  fixedIpAddress: string | null;
  status?: string;
  projectId?: string;
}

function toFloatingIp(raw: Record<string, any>): FloatingIpView {
  return { id: raw.id, floatingIpAddress: raw.floating_ip_address, portId: raw.port_id ?? null, fixedIpAddress: raw.fixed_ip_address ?? null, status: raw.status, projectId: raw.project_id ?? raw.tenant_id };
}

export async function getFloatingIp(c: OpenStackClient, id: string): Promise<FloatingIpView | undefined> {
  const res = await c.request<{ floatingip: Record<string, any> }>('GET', `${networkBase(c)}/floatingips/${id}`);
  if (res.status === 404) return undefined;
  expect(`floating IP ${id}: GET`, res, [200]);
  return toFloatingIp(res.data.floatingip);
}

export async function listFloatingIpsOfPort(c: OpenStackClient, portId: string): Promise<FloatingIpView[]> {
  const res = await c.request<{ floatingips: Record<string, any>[] }>('GET', `${networkBase(c)}/floatingips`, { params: { port_id: portId } });
  expect(`floating IPs of port ${portId}: GET`, res, [200]);
  return (res.data.floatingips ?? []).map(toFloatingIp).filter((f) => f.portId === portId);
}

/** Associates (portId, optionally fixedIp) or disassociates (null) a floating IP. */
export async function setFloatingIpPort(c: OpenStackClient, id: string, portId: string | null, fixedIp?: string): Promise<FloatingIpView> {
  const floatingip: Record<string, unknown> = { port_id: portId };
  if (portId && fixedIp) floatingip.fixed_ip_address = fixedIp;
  const res = await c.request<{ floatingip: Record<string, any> }>('PUT', `${networkBase(c)}/floatingips/${id}`, { data: { floatingip } });
  expect(`floating IP ${id}: ${portId ? `associate with port ${portId}` : 'disassociate'}`, res, [200]);
  return toFloatingIp(res.data.floatingip);
}

// ----------------------------------------------------------------------------------------- waiting

export interface WaitOptions {
  timeoutMs?: number;
  /** First interval; grows ×1.5 up to maxIntervalMs. */
  intervalMs?: number;
  maxIntervalMs?: number;
  signal?: AbortSignal;
  onPoll?: (status: string) => void;
}

/**
 * Polls `read` until `done` holds, throwing when `failed` names a terminal error status or when the time is
 * up. OpenStack has no watch API, so polling with a growing interval is the only way.
 */
export async function waitFor<T extends { status: string }>(
  what: string,
  read: () => Promise<T | undefined>,
  done: (v: T) => boolean,
  failed: (v: T) => string | undefined,
  options: WaitOptions = {},
): Promise<T> {
  const timeout = options.timeoutMs ?? 3_600_000;
  const max = options.maxIntervalMs ?? 15_000;
  let interval = options.intervalMs ?? 1_000;
  const deadline = Date.now() + timeout;
  let last = '';
  for (;;) {
    if (options.signal?.aborted) throw new OpenStackError('api', `${what}: aborted while waiting (last status ${last || 'unknown'})`);
    const value = await read();
    if (!value) throw new OpenStackError('api', `${what} disappeared while waiting for it (last status ${last || 'unknown'})`, { status: 404 });
    last = value.status;
    options.onPoll?.(last);
    if (done(value)) return value;
    const why = failed(value);
    if (why) throw new OpenStackError('api', `${what}: ${why}`);
    if (Date.now() + interval > deadline) throw new OpenStackError('api', `${what}: still ${last} after ${Math.round(timeout / 1000)}s; raise the timeout or check the service`);
    await new Promise((r) => setTimeout(r, interval));
    interval = Math.min(max, Math.ceil(interval * 1.5));
  }
}

export function waitForServerStatus(c: OpenStackClient, serverId: string, wanted: 'ACTIVE' | 'SHUTOFF', options?: WaitOptions): Promise<ServerView> {
  return waitFor(
    `server ${serverId} (waiting for ${wanted})`,
    () => getServer(c, serverId),
    (s) => s.status === wanted && !s.taskState,
    (s) => (s.status === 'ERROR' ? `went to ERROR${s.fault ? `: ${s.fault}` : ''}` : undefined),
    options,
  );
}

export function waitForImageActive(c: OpenStackClient, imageId: string, options?: WaitOptions): Promise<ImageView> {
  return waitFor(
    `image ${imageId} (waiting for active)`,
    () => getImage(c, imageId),
    (i) => i.status === 'active',
    (i) => (['killed', 'deleted', 'pending_delete', 'deactivated'].includes(i.status) ? `status ${i.status}: the upload failed` : undefined),
    options,
  );
}

export function waitForSnapshotAvailable(c: OpenStackClient, snapshotId: string, options?: WaitOptions): Promise<SnapshotView> {
  return waitFor(
    `snapshot ${snapshotId} (waiting for available)`,
    () => getSnapshot(c, snapshotId),
    (s) => s.status === 'available',
    (s) => (s.status.startsWith('error') || s.status === 'deleting' ? `status ${s.status}` : undefined),
    options,
  );
}

export function waitForVolumeStatus(c: OpenStackClient, volumeId: string, wanted: string[], options?: WaitOptions): Promise<VolumeView> {
  return waitFor(
    `volume ${volumeId} (waiting for ${wanted.join('/')})`,
    () => getVolume(c, volumeId),
    (v) => wanted.includes(v.status),
    (v) => (v.status.startsWith('error') || v.status === 'deleting' ? `status ${v.status}` : undefined),
    options,
  );
}

/** Waits until GET answers 404, for deletes that must finish before the next one (volume before its snapshot). */
export async function waitGone(what: string, read: () => Promise<{ status: string } | undefined>, options: WaitOptions = {}): Promise<void> {
  const timeout = options.timeoutMs ?? 600_000;
  const deadline = Date.now() + timeout;
  let interval = options.intervalMs ?? 1_000;
  for (;;) {
    const v = await read();
    if (!v) return;
    if (v.status.startsWith('error')) throw new OpenStackError('api', `${what}: delete failed (status ${v.status})`);
    if (Date.now() + interval > deadline) throw new OpenStackError('api', `${what}: still ${v.status} ${Math.round(timeout / 1000)}s after the delete`);
    await new Promise((r) => setTimeout(r, interval));
    interval = Math.min(options.maxIntervalMs ?? 10_000, Math.ceil(interval * 1.5));
  }
}

// ------------------------------------------------------------------------------ the workflow's interface

/** The workflow's SourceActions (src/workflow/source.ts) on a real cloud: every call above, client bound. */
export function openStackActions(c: OpenStackClient): SourceActions {
  return {
    projectId: () => c.token.projectId,
    getServer: (id) => getServer(c, id),
    stopServer: (id) => stopServer(c, id),
    startServer: (id) => startServer(c, id),
    waitForServerStatus: (id, wanted, o) => waitForServerStatus(c, id, wanted, o),
    createServerImage: (id, name, metadata) => createServerImage(c, id, name, metadata),
    getImage: (id) => getImage(c, id),
    findImages: (f) => findImages(c, f),
    addImageTag: (id, tag) => addImageTag(c, id, tag),
    patchImage: (id, ops) => patchImage(c, id, ops),
    deleteImage: (id) => deleteImage(c, id),
    waitForImageActive: (id, o) => waitForImageActive(c, id, o),
    createVolumeSnapshot: (input) => createVolumeSnapshot(c, input),
    getSnapshot: (id) => getSnapshot(c, id),
    findSnapshots: (f) => findSnapshots(c, f),
    deleteSnapshot: (id) => deleteSnapshot(c, id),
    waitForSnapshotAvailable: (id, o) => waitForSnapshotAvailable(c, id, o),
    createVolumeFromSnapshot: (input) => createVolumeFromSnapshot(c, input),
    getVolume: (id) => getVolume(c, id),
    findVolumes: (f) => findVolumes(c, f),
    deleteVolume: (id) => deleteVolume(c, id),
    waitForVolumeStatus: (id, wanted, o) => waitForVolumeStatus(c, id, wanted, o),
    uploadVolumeToImage: (id, input) => uploadVolumeToImage(c, id, input),
  };
}
