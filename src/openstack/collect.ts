// The collector: connects, reads every service in parallel (under the client's concurrency bound) and maps
// the result with the pure to-inventory.ts.
// Admin view: one token, all_tenants/all_projects listings. A user without the admin role, or whose
// all-projects listing is refused (403), gets the member view: one token per project the user can scope to
// (GET /v3/auth/projects, narrowed by --project), each project read with its own token and catalog, results
// merged by id. An application credential is bound to one project, so it reads that one only.
import type { Inventory } from '../inventory/types.js';
import type { CinderVolume, RawCloud } from './api-types.js';
import { type ClientOptions, type ClientStats, OpenStackClient } from './client.js';
import { negotiateCompute, readFlavors, readKeypairs, readServerGroups, readServers } from './compute.js';
import type { CloudConfig } from './config.js';
import { OpenStackError, redactUrl } from './errors.js';
import { readAccessibleProjects, readIdentity } from './identity.js';
import { readImages } from './image.js';
import { readNetwork } from './network.js';
import type { ReadContext } from './readers.js';
import { type InventoryFilter, sliceInventory, toInventory } from './to-inventory.js';
import { readVolumes } from './volume.js';

export interface CollectOptions extends InventoryFilter {
  /** Objects per page asked of each service (Nova/Cinder/Glance cap it at 1000 by default). */
  pageSize?: number;
  concurrency?: number;
  retry?: ClientOptions['retry'];
  timeoutMs?: number;
  onWarning?: (message: string) => void;
  now?: () => Date;
}

export interface CollectResult {
  inventory: Inventory;
  stats: ClientStats;
  /** 'admin' (all projects at once) or 'member' (project by project). */
  view: 'admin' | 'member';
}

interface ScopeData {
  servers: RawCloud['servers'];
  flavors: RawCloud['flavors'];
  flavorAccess: RawCloud['flavorAccess'];
  keypairs: RawCloud['keypairs'];
  serverGroups: RawCloud['serverGroups'];
  images: RawCloud['images'];
  networks: RawCloud['networks'];
  subnets: RawCloud['subnets'];
  ports: RawCloud['ports'];
  securityGroups: RawCloud['securityGroups'];
  floatingIps: RawCloud['floatingIps'];
  volumeTypes: RawCloud['volumeTypes'];
  volumes: RawCloud['volumes'];
}

/** Reads compute, image, network and block storage within one token's view. */
async function readScope(ctx: ReadContext): Promise<ScopeData> {
  const compute = (async () => {
    const api = await negotiateCompute(ctx);
    const [servers, flavorData, serverGroups] = await Promise.all([readServers(ctx, api), readFlavors(ctx, api), readServerGroups(ctx, api)]);
    const keypairs = await readKeypairs(ctx, api, servers);
    return { servers, ...flavorData, serverGroups, keypairs };
  })();
  const [c, images, network, volume] = await Promise.all([compute, readImages(ctx), readNetwork(ctx), readVolumes(ctx)]);
  return { ...c, images, ...network, ...volume };
}

function mergeById<T extends { id: string }>(lists: T[][]): T[] {
  const map = new Map<string, T>();
  for (const list of lists) for (const item of list) if (!map.has(item.id)) map.set(item.id, item);
  return [...map.values()];
}

export async function collectInventory(config: CloudConfig, options: CollectOptions = {}): Promise<CollectResult> {
  const warnings: string[] = [];
  const warn = (message: string) => {
    if (!warnings.includes(message)) {
      warnings.push(message);
      options.onWarning?.(message);
    }
  };
  const pageSize = Math.max(1, options.pageSize ?? 1000);
  const client = await OpenStackClient.connect(config, {
    concurrency: options.concurrency,
    retry: options.retry,
    timeoutMs: options.timeoutMs,
    onWarning: warn,
  });
  const isAdmin = client.token.roles.some((r) => r.name === 'admin');
  const adminCtx: ReadContext = { client, pageSize, allProjects: true, warn };

  let view: 'admin' | 'member' = isAdmin ? 'admin' : 'member';
  let scopes: { projectId?: string; data: ScopeData }[] = [];
  // Read alongside the rest, awaited below: marked handled now, so that when the rest fails first its
  // rejection is not "unhandled" (which would crash the process with a stack trace); the await still throws.
  const identityPromise = readIdentity({ ...adminCtx, allProjects: isAdmin });
  identityPromise.catch(() => {});
  if (isAdmin) {
    try {
      scopes = [{ data: await readScope(adminCtx) }];
    } catch (err) {
      if (!(err instanceof OpenStackError && err.kind === 'forbidden')) throw err;
      warn(`all-projects listings refused (${err.message}); reading project by project with this user's roles`);
      view = 'member';
    }
  }
  if (view === 'member') {
    const own = client.token.projectId;
    let projectIds: string[] = own ? [own] : [];
    if (config.authType !== 'applicationcredential') {
      const accessible = await readAccessibleProjects(adminCtx);
      projectIds = accessible.map((p) => p.id);
      if (options.projects?.length || options.domains?.length) {
        const wanted = new Set([...(options.projects ?? [])]);
        const domains = new Set(options.domains ?? []);
        projectIds = accessible.filter((p) => wanted.has(p.id) || wanted.has(p.name) || domains.has(p.domain_id)).map((p) => p.id);
      }
    }
    scopes = await Promise.all(
      projectIds.map(async (projectId) => {
        const scoped = projectId === own ? client : await client.rescope(projectId);
        const data = await readScope({ client: scoped, pageSize, allProjects: false, warn });
        // A member's Cinder view leaves out the owner attribute: the scope says who owns them.
        data.volumes = data.volumes.map((v): CinderVolume => ({ ...v, 'os-vol-tenant-attr:tenant_id': v['os-vol-tenant-attr:tenant_id'] ?? projectId }));
        return { projectId, data };
      }),
    );
    if (scopes.some((s) => s.data.servers.some((srv) => srv['OS-EXT-SRV-ATTR:user_data'] === undefined))) {
      warn('servers: user data and hostnames are admin-only (os-extended-server-attributes); servers carry no userData in this inventory');
    }
  }
  const identity = await identityPromise;
  const pick = <K extends keyof ScopeData>(key: K) => scopes.map((s) => s.data[key]) as unknown as ScopeData[K][];
  const flavorAccess: Record<string, string[]> = {};
  for (const s of scopes) Object.assign(flavorAccess, s.data.flavorAccess);
  const raw: RawCloud = {
    cloud: config.name,
    region: config.regionName,
    authUrl: redactUrl(config.auth.authUrl),
    scopeProjectIds: scopes.map((s) => s.projectId).filter((x): x is string => !!x),
    ...identity,
    flavors: mergeById(pick('flavors')),
    flavorAccess,
    keypairs: [
      ...new Map(
        pick('keypairs')
          .flat()
          .map((k) => [`${k.user_id}/${k.name}`, k]),
      ).values(),
    ],
    serverGroups: mergeById(pick('serverGroups')),
    servers: mergeById(pick('servers')),
    images: mergeById(pick('images')),
    networks: mergeById(pick('networks')),
    subnets: mergeById(pick('subnets')),
    ports: mergeById(pick('ports')),
    securityGroups: mergeById(pick('securityGroups')),
    floatingIps: mergeById(pick('floatingIps')),
    volumeTypes: mergeById(pick('volumeTypes')),
    volumes: mergeById(pick('volumes')),
    warnings,
  };
  const full = toInventory(raw, (options.now?.() ?? new Date()).toISOString());
  const { inventory, unmatched } = sliceInventory(full, options);
  if (unmatched.length) {
    throw new OpenStackError(
      'config',
      `no project, domain or server named ${unmatched.map((u) => `"${u}"`).join(', ')} in cloud "${config.name}"; check the --project/--domain/--instance values (names or ids)`,
    );
  }
  inventory.metadata.warnings = warnings.length ? [...warnings] : undefined;
  if (!inventory.metadata.warnings) delete inventory.metadata.warnings;
  return { inventory, stats: client.stats, view };
}
