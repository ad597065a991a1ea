// Nova: the inventory's reader, and below it the workflow's server actions. Microversion 2.79 is asked for explicitly (capped at what the cloud offers):
// - 2.47+: the server embeds its flavor (original_name, sizes, extra_specs) — the flavor the guest really has,
//   even when the flavor was since edited or deleted;
// - 2.3+: OS-EXT-SRV-ATTR:user_data and hostname are in the server (admins);
// - 2.26+: server tags; 2.61+: extra_specs inline in the flavor list (no per-flavor call);
// - 2.64+: server group `policy` + `rules`; 2.35+: keypair paging.
// 2.79 is the newest of these; later ones change nothing the inventory reads and are missing from older clouds.
import type { NovaFlavor, NovaFlavorAccess, NovaKeypair, NovaServer, NovaServerGroup } from './api-types.js';
import { listAll, listByOffset } from './paging.js';
import { checkBody } from './shapes.js';
import { orForbidden, type ReadContext } from './readers.js';
import type { OpenStackClient } from './client.js';
import { errorMessageOf } from './client.js';
import { OpenStackError } from './errors.js';
import { createOnce, expectStatus, waitFor, type WaitOptions } from './requests.js';
import { findImages } from './image.js';

export const NOVA_MICROVERSION = '2.79';

function compare(a: string, b: string): number {
  const [am = Number.NaN, an = Number.NaN] = a.split('.').map(Number);
  const [bm = Number.NaN, bn = Number.NaN] = b.split('.').map(Number);
  return am - bm || an - bn;
}

export interface ComputeApi {
  url: string;
  microversion: string;
  headers: Record<string, string>;
}

/** Reads the version document once and picks min(2.79, the cloud's maximum). */
export async function negotiateCompute(ctx: ReadContext): Promise<ComputeApi> {
  const url = ctx.client.endpoint(['compute']);
  let microversion = NOVA_MICROVERSION;
  try {
    const { data } = await ctx.client.get<{ version?: { version?: string } }>(`${url}/`);
    const max = data?.version?.version;
    if (max && /^\d+\.\d+$/.test(max) && compare(max, NOVA_MICROVERSION) < 0) {
      microversion = max;
      ctx.warn(
        `Nova offers microversions up to ${max} only (< ${NOVA_MICROVERSION}): ${compare(max, '2.47') < 0 ? 'flavors of servers are read from the flavor list, so flavors edited since boot show their new values' : 'some server fields may be missing'}`,
      );
    }
  } catch {
    // Some deployments hide the version document; 2.79 exists since Train, so keep it.
  }
  return { url, microversion, headers: { 'OpenStack-API-Version': `compute ${microversion}`, 'X-OpenStack-Nova-API-Version': microversion } };
}

export async function readServers(ctx: ReadContext, api: ComputeApi): Promise<NovaServer[]> {
  return listAll<NovaServer>(ctx.client, `${api.url}/servers/detail`, 'servers', {
    params: ctx.allProjects ? { all_tenants: 1 } : {},
    headers: api.headers,
    pageSize: ctx.pageSize,
  });
}

export interface FlavorData {
  flavors: NovaFlavor[];
  flavorAccess: Record<string, string[]>;
}

export async function readFlavors(ctx: ReadContext, api: ComputeApi): Promise<FlavorData> {
  // is_public=None: public and private flavors (admins see all; members those their project may use).
  const flavors = await listAll<NovaFlavor>(ctx.client, `${api.url}/flavors/detail`, 'flavors', {
    params: { is_public: 'None' },
    headers: api.headers,
    pageSize: ctx.pageSize,
  });
  if (compare(api.microversion, '2.61') < 0) {
    await Promise.all(
      flavors.map(async (f) => {
        const url = `${api.url}/flavors/${encodeURIComponent(f.id)}/os-extra_specs`;
        const { data } = await ctx.client.get<unknown>(url, { headers: api.headers });
        f.extra_specs = checkBody<{ extra_specs: Record<string, string> }>('extra_specs', data, ctx.client.requestLabel('GET', url)).extra_specs;
      }),
    );
  }
  const flavorAccess: Record<string, string[]> = {};
  const privateFlavors = flavors.filter((f) => f['os-flavor-access:is_public'] === false);
  await Promise.all(
    privateFlavors.map(async (f) => {
      flavorAccess[f.id] = await orForbidden(
        ctx,
        `access list of private flavor ${f.name}`,
        'the projects allowed to use it are not in the inventory',
        async () => {
          const url = `${api.url}/flavors/${encodeURIComponent(f.id)}/os-flavor-access`;
          const { data } = await ctx.client.get<unknown>(url, { headers: api.headers });
          return checkBody<{ flavor_access: NovaFlavorAccess[] }>('flavor_access', data, ctx.client.requestLabel('GET', url)).flavor_access.map(
            (a) => a.tenant_id,
          );
        },
        () => [],
      );
    }),
  );
  return { flavors, flavorAccess };
}

/**
 * Keypairs belong to users, and GET /os-keypairs lists the caller's own only. An admin reads the keypairs of
 * each user that owns a server with a key (user_id filter, 2.10+); a member gets their own.
 */
export async function readKeypairs(ctx: ReadContext, api: ComputeApi, servers: NovaServer[]): Promise<NovaKeypair[]> {
  const wanted = new Map<string, Set<string>>();
  for (const s of servers) {
    if (!s.key_name || !s.user_id) continue;
    const names = wanted.get(s.user_id) ?? new Set<string>();
    names.add(s.key_name);
    wanted.set(s.user_id, names);
  }
  const self = ctx.client.token.userId;
  const readFor = async (userId: string): Promise<NovaKeypair[]> => {
    const params = userId === self ? {} : { user_id: userId };
    const rows = await listAll<{ keypair: NovaKeypair }>(ctx.client, `${api.url}/os-keypairs`, 'keypairs', {
      params,
      headers: api.headers,
      pageSize: ctx.pageSize,
    });
    return rows.map((r) => ({ ...r.keypair, user_id: userId }));
  };
  const out: NovaKeypair[] = [];
  const missing: string[] = [];
  await Promise.all(
    [...wanted.keys()].map(async (userId) => {
      const keys =
        userId === self || ctx.allProjects
          ? await orForbidden(
              ctx,
              `keypairs of user ${userId}`,
              'their public keys are not in the inventory',
              () => readFor(userId),
              () => [],
            )
          : [];
      const names = wanted.get(userId) as Set<string>;
      for (const k of keys) if (names.has(k.name)) out.push(k);
      for (const name of names) if (!keys.some((k) => k.name === name)) missing.push(`${name} (user ${userId})`);
    }),
  );
  if (missing.length) ctx.warn(`keypairs not readable or deleted: ${missing.sort().join(', ')}; servers using them get no SSH key in the plan`);
  return out;
}

export async function readServerGroups(ctx: ReadContext, api: ComputeApi): Promise<NovaServerGroup[]> {
  return orForbidden(
    ctx,
    'server groups',
    'affinity rules are missing from the inventory',
    () =>
      listByOffset<NovaServerGroup>(ctx.client, `${api.url}/os-server-groups`, 'server_groups', {
        params: ctx.allProjects ? { all_projects: 'true' } : {},
        headers: api.headers,
        pageSize: ctx.pageSize,
      }),
    () => [],
  );
}

// ------------------------------------------------------------------------------------- writes (Nova)
// The calls that change a server, used by backup and cutover (request and answer shapes in actions.ts).

/** createImage answers with {"image_id"} from this microversion on (the Location header is gone). */
export const NOVA_ACTIONS_MICROVERSION = '2.45';
const COMPUTE = ['compute'];

function novaHeaders(version = NOVA_ACTIONS_MICROVERSION): Record<string, string> {
  return { 'OpenStack-API-Version': `compute ${version}`, 'X-OpenStack-Nova-API-Version': version };
}

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
  expectStatus(`server ${serverId}: GET`, res, [200]);
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
  return c.request<Record<string, any>>(
    'POST',
    `${c.endpoint(COMPUTE)}/servers/${serverId}/action`,
    { data: body, headers: novaHeaders(), idempotent },
    `server ${serverId}: ${what}`,
  );
}

/**
 * os-stop. Returns false when Nova refused with 409 because the server is already stopped (or stopping),
 * which the caller then confirms with waitForServerStatus.
 */
export async function stopServer(c: OpenStackClient, serverId: string): Promise<boolean> {
  const res = await serverAction(c, serverId, { 'os-stop': null }, 'os-stop', true);
  if (res.status === 409) return false;
  expectStatus(`server ${serverId}: os-stop`, res, [202]);
  return true;
}

/** os-start; false on 409 (already active or starting). */
export async function startServer(c: OpenStackClient, serverId: string): Promise<boolean> {
  const res = await serverAction(c, serverId, { 'os-start': null }, 'os-start', true);
  if (res.status === 409) return false;
  expectStatus(`server ${serverId}: os-start`, res, [202]);
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
    res = await c.request<Record<string, any>>(
      'POST',
      `${c.endpoint(COMPUTE)}/servers/${serverId}/action`,
      { data: body, idempotent: false },
      `server ${serverId}: createImage`,
    );
  }
  expectStatus(`server ${serverId}: createImage "${name}"`, res, [202]);
  const fromBody = res.data?.image_id;
  if (typeof fromBody === 'string' && fromBody) return fromBody;
  const location = res.headers.location ?? res.headers.Location;
  const fromHeader = typeof location === 'string' ? location.replace(/\/+$/, '').split('/').pop() : undefined;
  if (!fromHeader)
    throw new OpenStackError('api', `server ${serverId}: createImage "${name}" answered 202 without an image id (no image_id in the body, no Location header)`);
  return fromHeader;
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
