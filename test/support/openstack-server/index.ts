// A local OpenStack API server over real HTTP on 127.0.0.1 for the collector's tests and benchmark.
// Shapes follow the recorded Zed responses (../shared/fixtures/openstack-zed) and the API references:
// - Keystone v3: POST /v3/auth/tokens → 201 + X-Subject-Token, token body with a catalog; lists with
//   {links: {next, self, previous}}; "truncated": true past list_limit; 401/403 {error: {code, message, title}}.
// - Nova 2.x: OpenStack-API-Version / X-OpenStack-Nova-API-Version response headers; 406 computeFault for an
//   unsupported microversion; 403 {forbidden: {code, message}}; limit/marker paging with `<key>_links` (a next
//   link whenever a page is full, as Nova does); os-server-groups by limit/offset; embedded flavor from 2.47.
// - Glance v2: limit/marker with a relative `next`. Neutron v2.0: limit/marker with `<key>_links` next+previous.
// - Cinder v3: project id in the URL, volumes_links, owner attribute for admins only.
// Every endpoint is served under /<region>/<interface>/<service>, so tests see which catalog entry was used.
// Failures can be injected: status codes for N requests, connection resets, revoked tokens, hung requests
// and raw bodies (HTML, garbage, truncated JSON).
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { must } from '../must.js';
import { TEST_PASSWORD, readFixture, type ServedCloud } from './data.js';

type Obj = Record<string, unknown>;

/** What the fake reads of a Keystone v3 POST /auth/tokens body (methods password, application_credential, token). */
interface AuthRequest {
  auth?: {
    identity?: {
      methods?: string[];
      password?: { user?: { id?: string; name?: string; password?: string; domain?: { id?: string; name?: string } } };
      application_credential?: { id?: string; name?: string; secret?: string };
      token?: { id?: string };
    };
    scope?: { project?: { id?: string; name?: string } };
  };
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  service: string;
  region?: string;
  iface?: string;
  microversion?: string;
  token?: string;
}

export interface Injection {
  /** Which requests: service name ('identity', 'compute', 'image', 'network', 'volume') and/or a path substring. */
  service?: string;
  pathIncludes?: string;
  method?: string;
  /** Reply with this status (and an error body of the service's shape) ... */
  status?: number;
  /** ... or destroy the socket (ECONNRESET at the client) ... */
  reset?: boolean;
  /**
   * With reset: carry the request out first (a create is made), then destroy the socket instead of
   * answering, as when a connection drops after the server acted: the client never learns the outcome.
   */
  afterHandling?: boolean;
  /** ... or revoke every token, then answer as usual (so this request meets a dead token: 401). */
  revokeTokens?: boolean;
  /** ... or accept the request and never answer (a hung endpoint) ... */
  hang?: boolean;
  /** ... or answer with this raw body (HTML, garbage, truncated JSON), status 200 unless given ... */
  body?: string | Buffer;
  contentType?: string;
  /** How many matching requests fail; then the injection is spent. */
  times: number;
  headers?: Record<string, string>;
}

export interface ServerOptions {
  regions?: string[];
  /** Service types left out of the catalog. */
  omitServices?: string[];
  tokenTtlMs?: number;
  /** Keystone's list_limit: longer lists are cut and say "truncated": true. */
  keystoneListLimit?: number;
  /** Nova/Cinder/Glance/Neutron's largest page (max_limit). */
  maxLimit?: number;
  /** Highest compute microversion offered. */
  maxMicroversion?: string;
  /**
   * Extra routes (the workflow's write actions, test/support/openstack-actions.ts), tried after
   * authentication and before the read routes; return true when the request was answered.
   */
  extraRoutes?: (route: ExtraRoute) => boolean | Promise<boolean>;
  /**
   * Serve HTTPS with this PEM key and certificate instead of plain HTTP (test/integration/openstack-tls.test.ts):
   * the auth URL and every catalog endpoint then start with https://.
   */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface ExtraRoute {
  service: string;
  method: string;
  /** Path below the service prefix (/servers/x/action, /v2/images/x, /v3/<project>/snapshots, /v2.0/floatingips/x). */
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  token: TokenRecord;
  admin: boolean;
  base: string;
  body(): Promise<string>;
  send(status: number, body: unknown, headers?: Record<string, string>): void;
  /** Raw bytes (an image download). */
  sendRaw(status: number, body: Buffer, headers?: Record<string, string>): void;
}

export interface TokenRecord {
  userId: string;
  projectId?: string;
  roles: string[];
  expiresAt: number;
}

export interface OpenStackTestServer {
  url: string;
  authUrl: string;
  requests: RecordedRequest[];
  tokens: Map<string, TokenRecord>;
  /** Every token ever issued (for the secret scan). */
  issuedTokens: string[];
  inject(injection: Injection): void;
  /** Invalidates every token issued so far (as a Keystone restart with new fernet keys would). */
  revokeAllTokens(): void;
  close(): Promise<void>;
}

const MAX_MV = '2.93';

function mvCompare(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am - bm || an - bn;
}

interface Ctx {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  query: Record<string, string>;
  token?: TokenRecord;
  admin: boolean;
  base: string;
}

export async function startOpenStackServer(cloud: ServedCloud, options: ServerOptions = {}): Promise<OpenStackTestServer> {
  const regions = options.regions ?? ['RegionOne'];
  const maxLimit = options.maxLimit ?? 1000;
  const maxMv = options.maxMicroversion ?? MAX_MV;
  const tokens = new Map<string, TokenRecord>();
  const requests: RecordedRequest[] = [];
  const issuedTokens: string[] = [];
  const injections: Injection[] = [];
  let base = '';

  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };
  const keystoneError = (res: http.ServerResponse, status: number, message: string) =>
    send(
      res,
      status,
      { error: { code: status, message, title: status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status === 404 ? 'Not Found' : 'Error' } },
      { Vary: 'X-Auth-Token' },
    );
  const errorBody = (service: string, status: number, message: string): Obj => {
    if (service === 'compute') {
      const key = status === 403 ? 'forbidden' : status === 404 ? 'itemNotFound' : status === 400 ? 'badRequest' : status === 401 ? 'error' : 'computeFault';
      return status === 401 ? { error: { code: 401, title: 'Unauthorized', message } } : { [key]: { code: status, message } };
    }
    if (service === 'network') return { NeutronError: { type: status === 403 ? 'PolicyNotAuthorized' : 'HTTPError', message, detail: '' } };
    if (service === 'image') return { title: status === 403 ? 'Forbidden' : 'Error', description: message };
    if (service === 'volume') return { [status === 403 ? 'forbidden' : status === 404 ? 'itemNotFound' : 'computeFault']: { code: status, message } };
    return { error: { code: status, message, title: 'Error' } };
  };

  /** limit/marker paging as Nova, Neutron, Cinder and Glance do it. */
  const page = <T extends Obj>(items: T[], query: Record<string, string>, idKey = 'id'): { items: T[]; next?: string; error?: string } => {
    const limit = Math.min(query.limit ? Number(query.limit) : maxLimit, maxLimit);
    let start = 0;
    if (query.marker) {
      const index = items.findIndex((i) => i[idKey] === query.marker);
      if (index < 0) return { items: [], error: `marker [${query.marker}] not found` };
      start = index + 1;
    }
    const slice = items.slice(start, start + limit);
    // A full page gets a next link, even when nothing follows (the services do not look ahead).
    const last = slice.at(-1);
    const next = slice.length === limit && last ? String(last[idKey]) : undefined;
    return { items: slice, next };
  };
  const nextQuery = (query: Record<string, string>, marker: string) => {
    const q = new URLSearchParams({ ...query, limit: String(Math.min(query.limit ? Number(query.limit) : maxLimit, maxLimit)), marker });
    return q.toString();
  };

  const catalog = (projectId?: string) => {
    const svc = (type: string, name: string, path: (region: string, iface: string) => string) => ({
      id: randomUUID().replace(/-/g, ''),
      type,
      name,
      endpoints: regions.flatMap((region) =>
        ['public', 'internal', 'admin'].map((iface) => ({
          id: randomUUID().replace(/-/g, ''),
          interface: iface,
          region_id: region,
          url: path(region, iface),
          region,
        })),
      ),
    });
    const all = [
      svc('identity', 'keystone', () => `${base}/identity/v3/`),
      svc('compute', 'nova', (r, i) => `${base}/${r}/${i}/compute/v2.1`),
      svc('image', 'glance', (r, i) => `${base}/${r}/${i}/image`),
      svc('network', 'neutron', (r, i) => `${base}/${r}/${i}/network`),
      svc('volumev3', 'cinderv3', (r, i) => `${base}/${r}/${i}/volume/v3/${projectId ?? ''}`),
      svc('block-storage', 'cinder', (r, i) => `${base}/${r}/${i}/volume/v3/${projectId ?? ''}`),
      svc('placement', 'placement', (r, i) => `${base}/${r}/${i}/placement`),
    ];
    return all.filter((s) => !(options.omitServices ?? []).includes(s.type));
  };

  const readBody = (req: http.IncomingMessage) =>
    new Promise<string>((resolve) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => resolve(data));
    });

  // ------------------------------------------------------------------ Keystone
  const issueToken = async (ctx: Ctx) => {
    let parsed: AuthRequest | null;
    try {
      parsed = JSON.parse(await readBody(ctx.req));
    } catch {
      return keystoneError(ctx.res, 400, 'Expecting to find auth in request body.');
    }
    const identity = parsed?.auth?.identity ?? {};
    const scope = parsed?.auth?.scope;
    let userId: string | undefined;
    let projectId: string | undefined;
    const methods: string[] = identity.methods ?? [];
    if (methods.includes('password')) {
      const u = identity.password?.user ?? {};
      const domainOk = (login: ServedCloud['logins'][number]) =>
        !u.domain ||
        u.domain.id === login.domainId ||
        cloud.domains.find((d) => d.id === login.domainId)?.name === u.domain.name ||
        (u.domain.name === 'Default' && login.domainId === 'default');
      const login = cloud.logins.find((l) => (u.id ? l.id === u.id : l.name === u.name && domainOk(l)));
      if (!login || login.password !== u.password) return keystoneError(ctx.res, 401, 'The request you have made requires authentication.');
      userId = login.id;
    } else if (methods.includes('application_credential')) {
      const ac = identity.application_credential ?? {};
      const cred = cloud.appCredentials.find((c) => (ac.id ? c.id === ac.id : c.name === ac.name));
      if (!cred || cred.secret !== ac.secret) return keystoneError(ctx.res, 401, 'The request you have made requires authentication.');
      if (scope) return keystoneError(ctx.res, 401, 'Application credentials cannot request a scope.');
      userId = cred.userId;
      projectId = cred.projectId;
    } else if (methods.includes('token')) {
      const t = tokens.get(identity.token?.id ?? '');
      if (!t || t.expiresAt < Date.now()) return keystoneError(ctx.res, 404, 'Could not find token.');
      userId = t.userId;
      projectId = t.projectId;
    } else return keystoneError(ctx.res, 401, 'The request you have made requires authentication.');
    const login = cloud.logins.find((l) => l.id === userId);
    if (!login) return keystoneError(ctx.res, 401, 'The request you have made requires authentication.');
    const scopedTo = scope?.project;
    if (scopedTo) {
      const p = cloud.projects.find((x) => (scopedTo.id ? x.id === scopedTo.id : x.name === scopedTo.name));
      if (!p) return keystoneError(ctx.res, 401, 'The request you have made requires authentication.');
      projectId = p.id;
    }
    if (!projectId) projectId = Object.keys(login.projectRoles)[0];
    const roles = login.projectRoles[projectId ?? ''] ?? [];
    if (!roles.length) return keystoneError(ctx.res, 401, `User ${userId} has no access to project ${projectId}`);
    const token = `gAAAAA${randomUUID().replace(/-/g, '')}${randomUUID().replace(/-/g, '')}`;
    const expiresAt = Date.now() + (options.tokenTtlMs ?? 3_600_000);
    tokens.set(token, { userId: login.id, projectId, roles, expiresAt });
    issuedTokens.push(token);
    const project = cloud.projects.find((p) => p.id === projectId) as Obj;
    const roleObjs = roles.map((name) => cloud.roles.find((r) => r.name === name) ?? { id: `role-${name}`, name });
    send(
      ctx.res,
      201,
      {
        token: {
          methods,
          user: {
            domain: { id: login.domainId, name: cloud.domains.find((d) => d.id === login.domainId)?.name ?? 'Default' },
            id: login.id,
            name: login.name,
            password_expires_at: null,
          },
          audit_ids: ['49ywOApmS2ySMY0LACLtFw'],
          expires_at: new Date(expiresAt).toISOString().replace(/\.\d+Z$/, '.000000Z'),
          issued_at: new Date().toISOString().replace(/\.\d+Z$/, '.000000Z'),
          project: {
            domain: { id: project.domain_id, name: cloud.domains.find((d) => d.id === project.domain_id)?.name ?? 'Default' },
            id: project.id,
            name: project.name,
          },
          is_domain: false,
          roles: roleObjs.map((r) => ({ id: r.id, name: r.name })),
          catalog: catalog(projectId),
        },
      },
      { 'X-Subject-Token': token, Vary: 'X-Auth-Token' },
    );
  };

  const keystoneList = (ctx: Ctx, key: string, items: Obj[], path: string) => {
    const limit = options.keystoneListLimit;
    const truncated = limit !== undefined && items.length > limit;
    send(
      ctx.res,
      200,
      {
        [key]: truncated ? items.slice(0, limit) : items,
        links: { next: null, self: `${base}/identity/v3${path}`, previous: null },
        ...(truncated ? { truncated: true } : {}),
      },
      { Vary: 'X-Auth-Token' },
    );
  };

  const identity = (ctx: Ctx, path: string) => {
    const t = ctx.token as TokenRecord;
    if (path === '/auth/projects') {
      const login = cloud.logins.find((l) => l.id === t.userId);
      return keystoneList(
        ctx,
        'projects',
        cloud.projects.filter((p) => login?.projectRoles[p.id]?.length),
        path,
      );
    }
    const adminOnly: Record<string, [string, Obj[]]> = {
      '/domains': ['domains', cloud.domains],
      '/projects': ['projects', cloud.projects],
      '/users': ['users', cloud.users],
      '/groups': ['groups', cloud.groups],
      '/roles': ['roles', cloud.roles],
      '/role_assignments': ['role_assignments', cloud.roleAssignments],
    };
    const groupUsers = /^\/groups\/([^/]+)\/users$/.exec(path);
    if (!ctx.admin && (adminOnly[path] || groupUsers)) {
      const action = groupUsers ? 'list_users_in_group' : `list_${path.slice(1)}`;
      return keystoneError(ctx.res, 403, `You are not authorized to perform the requested action: identity:${action}.`);
    }
    const listed = adminOnly[path];
    if (listed) return keystoneList(ctx, listed[0], listed[1], path);
    if (groupUsers) {
      const group = must(groupUsers[1], 'the group id in the path');
      const users = cloud.groupUsers[group];
      if (!users) return keystoneError(ctx.res, 404, `Could not find group: ${group}.`);
      return keystoneList(ctx, 'users', users, path);
    }
    return keystoneError(ctx.res, 404, 'The resource could not be found.');
  };

  // ------------------------------------------------------------------ Nova
  const compute = (ctx: Ctx, path: string, prefix: string) => {
    const t = ctx.token as TokenRecord;
    const asked =
      (ctx.req.headers['openstack-api-version'] as string | undefined)?.replace(/^compute\s+/, '') ??
      (ctx.req.headers['x-openstack-nova-api-version'] as string | undefined) ??
      '2.1';
    const mv = asked === 'latest' ? maxMv : asked;
    const headers = { 'OpenStack-API-Version': `compute ${mv}`, 'X-OpenStack-Nova-API-Version': mv, Vary: 'OpenStack-API-Version' };
    if (!/^\d+\.\d+$/.test(mv) || mvCompare(mv, maxMv) > 0 || mvCompare(mv, '2.1') < 0) {
      return send(
        ctx.res,
        406,
        { computeFault: { code: 406, message: `Version ${mv} is not supported by the API. Minimum is 2.1 and maximum is ${maxMv}.` } },
        headers,
      );
    }
    const forbid = (rule: string) => send(ctx.res, 403, { forbidden: { code: 403, message: `Policy doesn't allow ${rule} to be performed.` } }, headers);
    const linkPage = (key: string, items: Obj[], extra: Obj = {}) => {
      const p = page(items, ctx.query, key === 'keypairs' ? 'name' : 'id');
      if (p.error) return send(ctx.res, 400, { badRequest: { code: 400, message: p.error } }, headers);
      const out: Obj = { [key]: key === 'keypairs' ? p.items.map((k) => ({ keypair: k })) : p.items, ...extra };
      if (p.next) out[`${key}_links`] = [{ rel: 'next', href: `${base}${prefix}${path}?${nextQuery(ctx.query, p.next)}` }];
      return send(ctx.res, 200, out, headers);
    };
    if (path === '/' || path === '') {
      const v = readFixture('compute/versions.json').response.body;
      return send(ctx.res, 200, { version: { ...v.version, version: maxMv } }, headers);
    }
    if (path === '/servers/detail') {
      const all = ctx.query.all_tenants !== undefined && !/^(0|false)$/i.test(ctx.query.all_tenants);
      if (all && !ctx.admin) return forbid('os_compute_api:servers:detail:get_all_tenants');
      let servers = all ? cloud.servers : cloud.servers.filter((s) => s.tenant_id === t.projectId);
      if (ctx.query.project_id && all) servers = servers.filter((s) => s.tenant_id === ctx.query.project_id);
      const shaped = servers.map((s) => {
        const o: Obj = { ...s };
        if (mvCompare(mv, '2.47') < 0) {
          const f = cloud.flavors.find((x) => x.name === s.flavor.original_name);
          o.flavor = { id: f?.id ?? 'deleted', links: [{ rel: 'bookmark', href: `${base}/flavors/${f?.id}` }] };
        }
        if (!ctx.admin) for (const k of Object.keys(o)) if (k.startsWith('OS-EXT-SRV-ATTR:') || k === 'host_status') delete o[k];
        if (mvCompare(mv, '2.3') < 0) delete o['OS-EXT-SRV-ATTR:user_data'];
        if (mvCompare(mv, '2.26') < 0) delete o.tags;
        return o;
      });
      return linkPage('servers', shaped);
    }
    if (path === '/flavors/detail') {
      let flavors = cloud.flavors;
      if (!ctx.admin)
        flavors = flavors.filter((f) => f['os-flavor-access:is_public'] !== false || (cloud.flavorAccess[f.id] ?? []).includes(t.projectId as string));
      if (mvCompare(mv, '2.61') < 0) flavors = flavors.map(({ extra_specs: _drop, ...f }) => f);
      return linkPage('flavors', flavors);
    }
    const flavorSub = /^\/flavors\/([^/]+)\/(os-extra_specs|os-flavor-access)$/.exec(path);
    if (flavorSub) {
      const f = cloud.flavors.find((x) => x.id === flavorSub[1]);
      if (!f) return send(ctx.res, 404, { itemNotFound: { code: 404, message: `Flavor ${flavorSub[1]} could not be found.` } }, headers);
      if (flavorSub[2] === 'os-extra_specs') return send(ctx.res, 200, { extra_specs: f.extra_specs ?? {} }, headers);
      if (!ctx.admin) return forbid('os_compute_api:os-flavor-access');
      return send(ctx.res, 200, { flavor_access: (cloud.flavorAccess[f.id] ?? []).map((p) => ({ flavor_id: f.id, tenant_id: p })) }, headers);
    }
    if (path === '/os-keypairs') {
      const userId = ctx.query.user_id ?? t.userId;
      if (userId !== t.userId && !ctx.admin) return forbid('os_compute_api:os-keypairs:index');
      return linkPage('keypairs', cloud.keypairs[userId] ?? []);
    }
    if (path === '/os-server-groups') {
      const all = ctx.query.all_projects !== undefined && ctx.admin;
      const groups = all ? cloud.serverGroups : cloud.serverGroups.filter((g) => g.project_id === t.projectId);
      const offset = Number(ctx.query.offset ?? 0);
      const limit = Math.min(Number(ctx.query.limit ?? maxLimit), maxLimit);
      return send(ctx.res, 200, { server_groups: groups.slice(offset, offset + limit) }, headers);
    }
    return send(ctx.res, 404, { itemNotFound: { code: 404, message: 'The resource could not be found.' } }, headers);
  };

  // ------------------------------------------------------------------ Glance
  const image = (ctx: Ctx, path: string) => {
    const t = ctx.token as TokenRecord;
    if (path !== '/v2/images') return send(ctx.res, 404, errorBody('image', 404, 'The resource could not be found.'));
    let images = cloud.images;
    if (!ctx.admin) {
      const vis = ctx.query.visibility;
      images = images.filter(
        (i) =>
          i.visibility === 'public' ||
          i.owner === t.projectId ||
          i.visibility === 'shared' ||
          (vis === 'all' || vis === 'community' ? i.visibility === 'community' : false),
      );
    }
    const p = page(images, ctx.query);
    if (p.error) return send(ctx.res, 400, errorBody('image', 400, p.error));
    const q = new URLSearchParams(ctx.query);
    q.delete('marker');
    const first = `/v2/images${q.size ? `?${q}` : ''}`;
    return send(ctx.res, 200, {
      images: p.items,
      first,
      schema: '/v2/schemas/images',
      ...(p.next ? { next: `/v2/images?${nextQuery(ctx.query, p.next)}` } : {}),
    });
  };

  // ------------------------------------------------------------------ Neutron
  const network = (ctx: Ctx, path: string, prefix: string) => {
    const t = ctx.token as TokenRecord;
    const m = /^\/v2\.0\/(networks|subnets|ports|security-groups|floatingips)$/.exec(path);
    if (!m) return send(ctx.res, 404, errorBody('network', 404, 'The resource could not be found.'));
    const coll = must(m[1], 'the collection in the path');
    const key = coll === 'security-groups' ? 'security_groups' : coll;
    const sourceOf: Record<string, Obj[]> = {
      networks: cloud.networks,
      subnets: cloud.subnets,
      ports: cloud.ports,
      'security-groups': cloud.securityGroups,
      floatingips: cloud.floatingIps,
    };
    let items = must(sourceOf[coll], `the ${coll} collection`);
    if (!ctx.admin) {
      const visibleNets = new Set(cloud.networks.filter((n) => n.project_id === t.projectId || n.shared || n['router:external']).map((n) => n.id));
      items = items.filter((i) =>
        coll === 'networks' || coll === 'subnets' ? visibleNets.has(coll === 'networks' ? i.id : i.network_id) : i.project_id === t.projectId,
      );
    }
    // Neutron filters a list by any top-level attribute given in the query (?device_id=..., ?port_id=...).
    const filters = Object.entries(ctx.query).filter(([k]) => !['limit', 'marker', 'page_reverse', 'fields', 'sort_key', 'sort_dir'].includes(k));
    if (filters.length) items = items.filter((i) => filters.every(([k, v]) => String(i[k] ?? '') === v));
    const p = page(items, ctx.query);
    if (p.error) return send(ctx.res, 404, errorBody('network', 404, p.error));
    const out: Obj = { [key]: p.items };
    if (p.next || ctx.query.marker) {
      const links: Obj[] = [];
      if (p.next) links.push({ rel: 'next', href: `${base}${prefix}${path}?${nextQuery(ctx.query, p.next)}` });
      const first = p.items[0];
      if (first) links.push({ rel: 'previous', href: `${base}${prefix}${path}?${nextQuery(ctx.query, String(first.id))}&page_reverse=True` });
      out[`${key}_links`] = links;
    }
    return send(ctx.res, 200, out);
  };

  // ------------------------------------------------------------------ Cinder
  const volume = (ctx: Ctx, path: string, prefix: string) => {
    const t = ctx.token as TokenRecord;
    const headers = { 'Openstack-Api-Version': 'volume 3.0', Vary: 'OpenStack-API-Version' };
    const m = /^\/v3\/([^/]+)\/(types|volumes\/detail)$/.exec(path);
    if (!m) return send(ctx.res, 404, errorBody('volume', 404, 'The resource could not be found.'), headers);
    if (m[1] !== t.projectId) return send(ctx.res, 400, { badRequest: { code: 400, message: 'Malformed request url' } }, headers);
    if (m[2] === 'types') return send(ctx.res, 200, { volume_types: cloud.volumeTypes }, headers);
    const all = ctx.admin && ctx.query.all_tenants !== undefined;
    let vols = all ? cloud.volumes : cloud.volumes.filter((v) => v['os-vol-tenant-attr:tenant_id'] === t.projectId);
    if (!ctx.admin) vols = vols.map(({ 'os-vol-tenant-attr:tenant_id': _drop, 'os-vol-host-attr:host': _h, ...v }) => v);
    const p = page(vols, ctx.query);
    if (p.error) return send(ctx.res, 400, { badRequest: { code: 400, message: p.error } }, headers);
    return send(
      ctx.res,
      200,
      { volumes: p.items, ...(p.next ? { volumes_links: [{ rel: 'next', href: `${base}${prefix}${path}?${nextQuery(ctx.query, p.next)}` }] } : {}) },
      headers,
    );
  };

  const handler: http.RequestListener = async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    let service = 'identity';
    let region: string | undefined;
    let iface: string | undefined;
    let rest = url.pathname;
    let prefix = '';
    const m = /^\/([^/]+)\/(public|internal|admin)\/(compute\/v2\.1|image|network|volume|placement)(\/.*)?$/.exec(url.pathname);
    if (m) {
      [, region, iface] = m;
      service = must(m[3]?.split('/')[0], 'the service in the path');
      prefix = `/${m[1]}/${m[2]}/${m[3]}`;
      rest = m[4] ?? '/';
    } else if (url.pathname.startsWith('/identity/v3')) {
      rest = url.pathname.slice('/identity/v3'.length).replace(/\/+$/, '') || '/';
    } else {
      return send(res, 404, { error: { code: 404, message: 'unknown path', title: 'Not Found' } });
    }
    const tokenHeader = req.headers['x-auth-token'] as string | undefined;
    requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      service,
      region,
      iface,
      microversion: req.headers['openstack-api-version'] as string | undefined,
      token: tokenHeader,
    });
    const inj = injections.find(
      (i) =>
        i.times > 0 &&
        (!i.service || i.service === service) &&
        (!i.pathIncludes || url.pathname.includes(i.pathIncludes)) &&
        (!i.method || i.method === req.method),
    );
    if (inj?.afterHandling) {
      inj.times -= 1;
      // The request is served as usual; its answer is lost with the connection.
      res.writeHead = (() => res) as unknown as typeof res.writeHead;
      res.end = (() => {
        req.socket.destroy();
        return res;
      }) as unknown as typeof res.end;
    } else if (inj) {
      inj.times -= 1;
      if (inj.revokeTokens) tokens.clear();
      else if (inj.hang) return;
      else if (inj.body !== undefined) {
        res.writeHead(inj.status ?? 200, { 'Content-Type': inj.contentType ?? 'application/json', ...inj.headers });
        res.end(inj.body);
        return;
      } else if (inj.reset) {
        req.socket.destroy();
        return;
      }
      if (!inj.revokeTokens) {
        const status = inj.status ?? 500;
        return send(
          res,
          status,
          errorBody(
            service,
            status,
            status === 401
              ? 'The request you have made requires authentication.'
              : status === 403
                ? 'Forbidden by injection'
                : 'Internal Server Error (injected)',
          ),
          inj.headers,
        );
      }
    }
    const ctx: Ctx = { req, res, query, admin: false, base };
    if (service === 'identity' && rest === '/auth/tokens' && req.method === 'POST') return issueToken(ctx);
    const token = tokenHeader ? tokens.get(tokenHeader) : undefined;
    if (!token || token.expiresAt < Date.now()) {
      if (service === 'identity') return keystoneError(res, 401, 'The request you have made requires authentication.');
      return send(res, 401, { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
    }
    ctx.token = token;
    ctx.admin = token.roles.includes('admin');
    if (options.extraRoutes && service !== 'identity') {
      const handled = await options.extraRoutes({
        service,
        method: req.method ?? 'GET',
        path: rest,
        query,
        headers: req.headers,
        token,
        admin: ctx.admin,
        base,
        body: () => readBody(req),
        send: (status, b, h) => send(res, status, b, h),
        sendRaw: (status, b, h) => {
          res.writeHead(status, { 'Content-Type': 'application/octet-stream', 'Content-Length': b.length, ...h });
          res.end(b);
        },
      });
      if (handled) return;
    }
    if (service === 'identity') return identity(ctx, rest);
    if (service === 'compute') return compute(ctx, rest, prefix);
    if (service === 'image') return image(ctx, rest);
    if (service === 'network') return network(ctx, rest, prefix);
    if (service === 'volume') return volume(ctx, rest, prefix);
    return send(res, 404, { error: { code: 404, message: 'not served' } });
  };
  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, handler) : http.createServer(handler);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    authUrl: `${base}/identity/v3`,
    requests,
    tokens,
    issuedTokens,
    inject: (i) => injections.push({ ...i }),
    revokeAllTokens: () => tokens.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The OS_* environment of the fixture cloud's admin on server s (as `openstack` would read it), plus extra. */
export function adminEnv(s: Pick<OpenStackTestServer, 'authUrl'>, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OS_AUTH_URL: s.authUrl,
    OS_USERNAME: 'admin',
    OS_PASSWORD: TEST_PASSWORD,
    OS_PROJECT_NAME: 'admin',
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    ...extra,
  };
}

export { fixtureCloud, FIXTURE_IDS, TEST_PASSWORD, readFixture } from './data.js';
export type { ServedCloud } from './data.js';
