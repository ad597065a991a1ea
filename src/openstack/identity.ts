// Keystone v3 reader: domains, projects, users, groups with members, roles, role assignments.
// A project member may list none of these (identity:list_* are admin/reader-on-system rules): each list
// falls back to what the token itself says (its user, project, domain and roles), with a warning.
import type { KsDomain, KsGroup, KsProject, KsRole, KsRoleAssignment, KsUser, RawCloud } from './api-types.js';
import { identityV3Url } from './config.js';
import { listKeystone } from './paging.js';
import { orForbidden, type ReadContext } from './readers.js';

/** What the identity reader contributes to the raw cloud. */
export type IdentityData = Pick<RawCloud, 'domains' | 'projects' | 'users' | 'groups' | 'groupMembers' | 'roles' | 'roleAssignments'>;

export function identityUrl(ctx: ReadContext): string {
  try {
    return identityV3Url(ctx.client.endpoint(['identity']));
  } catch {
    // Keystone is always reachable at the auth URL, even when the catalog lists it under another interface.
    return identityV3Url(ctx.client.config.endpointOverrides.identity ?? ctx.client.config.auth.authUrl);
  }
}

/** Projects the user of the token can scope to (allowed for every user): the member's project list. */
export async function readAccessibleProjects(ctx: ReadContext): Promise<KsProject[]> {
  return listKeystone<KsProject>(ctx.client, `${identityUrl(ctx)}/auth/projects`, 'projects', undefined, () => {});
}

export async function readIdentity(ctx: ReadContext): Promise<IdentityData> {
  const base = identityUrl(ctx);
  const t = ctx.client.token;
  const truncated = (what: string) =>
    ctx.warn(
      `Keystone truncated the ${what} list at its list_limit; the inventory misses some ${what}: raise [DEFAULT] list_limit in keystone.conf or narrow with --domain`,
    );
  const list = <T>(path: string, key: string, params?: Record<string, string>) => listKeystone<T>(ctx.client, `${base}${path}`, key, params, truncated);

  const [domains, projects, users, groups, roles, roleAssignments] = await Promise.all([
    orForbidden(
      ctx,
      'domains',
      'only the domains of the token are in the inventory',
      () => list<KsDomain>('/domains', 'domains'),
      () => {
        const own: KsDomain[] = [];
        if (t.projectDomainId) own.push({ id: t.projectDomainId, name: t.projectDomainName ?? t.projectDomainId });
        if (t.userDomainId && t.userDomainId !== t.projectDomainId) own.push({ id: t.userDomainId, name: t.userDomainId });
        return own;
      },
    ),
    orForbidden(
      ctx,
      'projects',
      'only the projects this user can scope to are in the inventory',
      () => list<KsProject>('/projects', 'projects'),
      () => readAccessibleProjects(ctx),
    ),
    orForbidden(
      ctx,
      'users',
      'only the authenticated user is in the inventory; role bindings of other users are lost',
      () => list<KsUser>('/users', 'users'),
      () => [{ id: t.userId, name: t.userName ?? t.userId, domain_id: t.userDomainId ?? 'default', enabled: true }],
    ),
    orForbidden(
      ctx,
      'groups',
      'groups and their role assignments are missing from the inventory',
      () => list<KsGroup>('/groups', 'groups'),
      () => [],
    ),
    orForbidden(
      ctx,
      'roles',
      'only the roles of the token are in the inventory',
      () => list<KsRole>('/roles', 'roles'),
      () => t.roles.map((r) => ({ id: r.id, name: r.name })),
    ),
    orForbidden(
      ctx,
      'role assignments',
      "only this user's roles on the scoped project are in the inventory",
      () => list<KsRoleAssignment>('/role_assignments', 'role_assignments'),
      () =>
        t.projectId
          ? t.roles.map((r) => ({ role: { id: r.id, name: r.name }, user: { id: t.userId }, scope: { project: { id: t.projectId as string } } }))
          : [],
    ),
  ]);
  // Group membership has no collection call in Keystone v3: one request per group (groups are few).
  const groupMembers: Record<string, string[]> = {};
  await Promise.all(
    groups.map(async (g) => {
      groupMembers[g.id] = await orForbidden(
        ctx,
        `members of group ${g.name}`,
        'the group has no members in the inventory',
        async () => (await list<KsUser>(`/groups/${encodeURIComponent(g.id)}/users`, 'users')).map((u) => u.id),
        () => [],
      );
    }),
  );
  return { domains, projects, users, groups, groupMembers, roles, roleAssignments };
}
