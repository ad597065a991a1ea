// Glance v2: the inventory's reader, and below it the workflow's image calls. visibility=all (Glance 2.5+) also lists community images, which the default listing
// leaves out for non-admins although servers may boot from them.
import type { GlanceImage } from './api-types.js';
import { listAll } from './paging.js';
import type { ReadContext } from './readers.js';
import type { OpenStackClient } from './client.js';
import { expectStatus, waitFor, type WaitOptions } from './requests.js';

export async function readImages(ctx: ReadContext): Promise<GlanceImage[]> {
  const base = ctx.client.endpoint(['image']).replace(/\/v2$/, '');
  return listAll<GlanceImage>(ctx.client, `${base}/v2/images`, 'images', { params: { visibility: 'all' }, pageSize: ctx.pageSize });
}

// ----------------------------------------------------------------------------------- writes (Glance)
// The image calls of backup and import: read one, find by name, tag, patch, delete, wait for active.

export const GLANCE_PATCH_TYPE = 'application/openstack-images-v2.1-json-patch';

function imageBase(c: OpenStackClient): string {
  const url = c.endpoint(['image']);
  return /\/v2(\.\d+)?$/.test(url) ? url.replace(/\/v2(\.\d+)?$/, '/v2') : `${url}/v2`;
}

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
  'id',
  'name',
  'status',
  'owner',
  'disk_format',
  'container_format',
  'size',
  'virtual_size',
  'tags',
  'visibility',
  'created_at',
  'updated_at',
  'checksum',
  'os_hash_algo',
  'os_hash_value',
  'min_disk',
  'min_ram',
  'protected',
  'os_hidden',
  'self',
  'file',
  'schema',
  'locations',
  'direct_url',
  'stores',
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
  expectStatus(`image ${imageId}: GET`, res, [200]);
  return toImageView(res.data);
}

/** Images by exact name (and optionally tag), in the caller's view; every page (paging.ts). */
export async function findImages(c: OpenStackClient, filter: { name?: string; tag?: string; owner?: string }): Promise<ImageView[]> {
  const params = {
    ...(filter.name ? { name: filter.name } : {}),
    ...(filter.tag ? { tag: filter.tag } : {}),
    ...(filter.owner ? { owner: filter.owner } : {}),
  };
  const raw = await listAll<Record<string, any>>(c, `${imageBase(c)}/images`, 'images', { params, pageSize: 200 });
  return raw.map(toImageView);
}

/** PUT /v2/images/{id}/tags/{tag}: idempotent (204 also when the tag is there). */
export async function addImageTag(c: OpenStackClient, imageId: string, tag: string): Promise<void> {
  const res = await c.request('PUT', `${imageBase(c)}/images/${imageId}/tags/${encodeURIComponent(tag)}`);
  expectStatus(`image ${imageId}: add tag ${tag}`, res, [204, 200]);
}

/** JSON-patch ops on an image ("add" replaces an existing property, per Glance's json-patch rules). */
export async function patchImage(
  c: OpenStackClient,
  imageId: string,
  ops: { op: 'add' | 'replace' | 'remove'; path: string; value?: unknown }[],
): Promise<ImageView> {
  const res = await c.request<Record<string, any>>('PATCH', `${imageBase(c)}/images/${imageId}`, { data: ops, headers: { 'Content-Type': GLANCE_PATCH_TYPE } });
  expectStatus(`image ${imageId}: PATCH`, res, [200]);
  return toImageView(res.data);
}

/** DELETE; true when deleted now, false when it was already gone (404). */
export async function deleteImage(c: OpenStackClient, imageId: string): Promise<boolean> {
  const res = await c.request('DELETE', `${imageBase(c)}/images/${imageId}`);
  if (res.status === 404) return false;
  expectStatus(`image ${imageId}: DELETE`, res, [204, 200]);
  return true;
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
