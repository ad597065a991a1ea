// Cinder v3 (the workflow's snapshot/volume/upload calls are below the reader). Reader: volume types and volumes with their attachments (device names) and image metadata.
// The endpoint of Cinder holds the scoped project's id, so each re-scoped client has its own.
import type { CinderVolume, CinderVolumeType } from './api-types.js';
import { listAll } from './paging.js';
import { orForbidden, type ReadContext } from './readers.js';
import type { OpenStackClient } from './client.js';
import { OpenStackError } from './errors.js';
import { createOnce, expectStatus, waitFor, type WaitOptions } from './requests.js';
import { findImages } from './image.js';

export interface VolumeData {
  volumeTypes: CinderVolumeType[];
  volumes: CinderVolume[];
}

export async function readVolumes(ctx: ReadContext): Promise<VolumeData> {
  const base = ctx.client.endpoint(['volumev3', 'block-storage']);
  const [volumeTypes, volumes] = await Promise.all([
    orForbidden(
      ctx,
      'volume types',
      'volumes keep their type name only',
      () =>
        listAll<CinderVolumeType>(ctx.client, `${base}/types`, 'volume_types', {
          params: ctx.allProjects ? { is_public: 'None' } : {},
          pageSize: ctx.pageSize,
        }),
      () => [],
    ),
    listAll<CinderVolume>(ctx.client, `${base}/volumes/detail`, 'volumes', { params: ctx.allProjects ? { all_tenants: 1 } : {}, pageSize: ctx.pageSize }),
  ]);
  return { volumeTypes, volumes };
}

// ----------------------------------------------------------------------------------- writes (Cinder)
// Snapshots, volumes from snapshots and upload-to-image, for backup's copies of volume-backed disks.

/** os-volume_upload_image accepts visibility/protected from 3.1. */
export const CINDER_UPLOAD_MICROVERSION = '3.1';
const VOLUME = ['volumev3', 'block-storage', 'block_storage'];

function cinderHeaders(version = CINDER_UPLOAD_MICROVERSION): Record<string, string> {
  return { 'OpenStack-API-Version': `volume ${version}` };
}

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
  return {
    id: raw.id,
    name: raw.name ?? '',
    status: raw.status,
    volumeId: raw.volume_id,
    size: raw.size,
    metadata: raw.metadata ?? {},
    createdAt: raw.created_at,
  };
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

/** A Cinder snapshot to create (one type for the adapter and SourceActions). */
export interface SnapshotInput {
  volumeId: string;
  name: string;
  description?: string;
  force: boolean;
  metadata: Record<string, string>;
}

export async function createVolumeSnapshot(c: OpenStackClient, input: SnapshotInput): Promise<SnapshotView> {
  return createOnce(
    async () => {
      const res = await c.request<{ snapshot: Record<string, any> }>('POST', `${c.endpoint(VOLUME)}/snapshots`, {
        data: { snapshot: { volume_id: input.volumeId, name: input.name, description: input.description, force: input.force, metadata: input.metadata } },
      });
      expectStatus(`volume ${input.volumeId}: create snapshot "${input.name}"`, res, [202, 200]);
      return toSnapshot(res.data.snapshot);
    },
    async () => (await findSnapshots(c, { name: input.name, volumeId: input.volumeId })).find((s) => s.status !== 'deleting' && !s.status.startsWith('error')),
  );
}

export async function getSnapshot(c: OpenStackClient, snapshotId: string): Promise<SnapshotView | undefined> {
  const res = await c.request<{ snapshot: Record<string, any> }>('GET', `${c.endpoint(VOLUME)}/snapshots/${snapshotId}`);
  if (res.status === 404) return undefined;
  expectStatus(`snapshot ${snapshotId}: GET`, res, [200]);
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
  expectStatus(`snapshot ${snapshotId}: DELETE`, res, [202, 204]);
  return true;
}

/** A Cinder volume to create from a snapshot (one type for the adapter and SourceActions). */
export interface VolumeFromSnapshotInput {
  snapshotId: string;
  name: string;
  size: number;
  description?: string;
  metadata: Record<string, string>;
  volumeType?: string;
}

export async function createVolumeFromSnapshot(c: OpenStackClient, input: VolumeFromSnapshotInput): Promise<VolumeView> {
  return createOnce(
    async () => {
      const res = await c.request<{ volume: Record<string, any> }>('POST', `${c.endpoint(VOLUME)}/volumes`, {
        data: {
          volume: {
            snapshot_id: input.snapshotId,
            name: input.name,
            size: input.size,
            description: input.description,
            metadata: input.metadata,
            ...(input.volumeType ? { volume_type: input.volumeType } : {}),
          },
        },
      });
      expectStatus(`snapshot ${input.snapshotId}: create volume "${input.name}"`, res, [202, 200]);
      return toVolume(res.data.volume);
    },
    async () =>
      (await findVolumes(c, { name: input.name })).find((v) => v.snapshotId === input.snapshotId && v.status !== 'deleting' && !v.status.startsWith('error')),
  );
}

export async function getVolume(c: OpenStackClient, volumeId: string): Promise<VolumeView | undefined> {
  const res = await c.request<{ volume: Record<string, any> }>('GET', `${c.endpoint(VOLUME)}/volumes/${volumeId}`);
  if (res.status === 404) return undefined;
  expectStatus(`volume ${volumeId}: GET`, res, [200]);
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
  expectStatus(`volume ${volumeId}: DELETE`, res, [202, 204]);
  return true;
}

/** What os-volume_upload_image is asked (one type for the adapter and SourceActions). */
export interface UploadToImageInput {
  imageName: string;
  diskFormat: 'qcow2' | 'raw';
  containerFormat?: string;
  force?: boolean;
  visibility?: 'private' | 'shared' | 'community' | 'public';
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
export async function uploadVolumeToImage(c: OpenStackClient, volumeId: string, input: UploadToImageInput): Promise<UploadResult> {
  return createOnce(
    () => sendUploadToImage(c, volumeId, input),
    async () => {
      const image = (await findImages(c, { name: input.imageName })).find((i) => !['killed', 'deleted', 'pending_delete'].includes(i.status));
      return image ? { imageId: image.id, status: image.status, ...(image.diskFormat ? { diskFormat: image.diskFormat } : {}) } : undefined;
    },
  );
}

async function sendUploadToImage(c: OpenStackClient, volumeId: string, input: UploadToImageInput): Promise<UploadResult> {
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
  expectStatus(`volume ${volumeId}: os-volume_upload_image "${input.imageName}"`, res, [202, 200]);
  const body = res.data?.['os-volume_upload_image'] ?? {};
  if (typeof body.image_id !== 'string') throw new OpenStackError('api', `volume ${volumeId}: os-volume_upload_image answered without image_id`);
  return { imageId: body.image_id, status: body.status, diskFormat: body.disk_format };
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
