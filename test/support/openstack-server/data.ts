// The data a local OpenStack API server serves: API-shaped objects (the field names and nesting of the
// recorded Zed responses in ../shared/fixtures/openstack-zed), loaded from those fixtures or generated.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const FIXTURES_DIR = resolve(import.meta.dirname, '../../../../shared/fixtures/openstack-zed');

type Obj = Record<string, any>;

export interface ServedUser {
  id: string;
  name: string;
  domainId: string;
  password: string;
  /** project id → role names */
  projectRoles: Record<string, string[]>;
}

export interface ServedAppCredential {
  id: string;
  name: string;
  secret: string;
  userId: string;
  projectId: string;
}

export interface ServedCloud {
  domains: Obj[];
  projects: Obj[];
  users: Obj[];
  groups: Obj[];
  /** group id → user objects */
  groupUsers: Record<string, Obj[]>;
  roles: Obj[];
  roleAssignments: Obj[];
  /** Servers as Nova 2.79 returns them (embedded flavor). */
  servers: Obj[];
  flavors: Obj[];
  /** flavor id → project ids */
  flavorAccess: Record<string, string[]>;
  /** user id → keypairs ({name, public_key, fingerprint, type}) */
  keypairs: Record<string, Obj[]>;
  serverGroups: Obj[];
  images: Obj[];
  networks: Obj[];
  subnets: Obj[];
  ports: Obj[];
  securityGroups: Obj[];
  floatingIps: Obj[];
  volumeTypes: Obj[];
  volumes: Obj[];
  /** Who can log in. */
  logins: ServedUser[];
  appCredentials: ServedAppCredential[];
}

export function readFixture(path: string): { request: Obj; response: { status: number; headers: Record<string, string>; body: Obj }; note?: string } {
  return JSON.parse(readFileSync(resolve(FIXTURES_DIR, path), 'utf8'));
}

const body = (path: string) => readFixture(path).response.body;

/** Ids of the recorded cloud, for tests that check the mapping of known objects. */
export const FIXTURE_IDS = {
  admin: 'cd14fa45bb714c0f9dbcc1d6dcffe554',
  adminProject: '3c2645955edc491bba2ea2b0b0b4c515',
  alice: '832142e578254baca19293ca3e29c420',
  acmeProd: 'f59e587c7cc84654b08e07d852b904dd',
  globexWeb: '4c95442417fc421ca9a65bc12c36051d',
  defaultDomain: 'default',
};

export const TEST_PASSWORD = 'S3cret-test-pa55word';

/** The recorded minicloud, served again. Every login uses TEST_PASSWORD. */
export function fixtureCloud(): ServedCloud {
  const servers = body('compute/servers-detail-all-tenants-2.79.json').servers as Obj[];
  const users = body('identity/users.json').users as Obj[];
  const alice = users.find((u) => u.id === FIXTURE_IDS.alice) as Obj;
  const carolId = servers.find((s) => s.name === 'app-1')?.user_id as string;
  const adminKeys = (body('compute/keypairs-admin.json').keypairs as Obj[]).map((k) => k.keypair);
  const aliceKeys = (body('compute/keypairs-of-user.json').keypairs as Obj[]).map((k) => k.keypair);
  const groups = body('identity/groups.json').groups as Obj[];
  const groupUsers: Record<string, Obj[]> = {};
  const recordedGroup = readFixture('identity/group-users.json');
  for (const g of groups) groupUsers[g.id] = [];
  groupUsers[recordedGroup.request.url.split('/groups/')[1].split('/')[0]] = recordedGroup.response.body.users;
  const flavors = body('compute/flavors-detail-all.json').flavors as Obj[];
  const access = body('compute/flavor-access.json').flavor_access as Obj[];
  const flavorAccess: Record<string, string[]> = {};
  for (const a of access) (flavorAccess[a.flavor_id] ??= []).push(a.tenant_id);
  return {
    domains: body('identity/domains.json').domains,
    projects: body('identity/projects.json').projects,
    users,
    groups,
    groupUsers,
    roles: body('identity/roles.json').roles,
    roleAssignments: body('identity/role-assignments-include-names.json').role_assignments,
    servers,
    flavors,
    flavorAccess,
    keypairs: { [FIXTURE_IDS.admin]: adminKeys, [FIXTURE_IDS.alice]: aliceKeys, [carolId]: [] },
    serverGroups: body('compute/server-groups-all-projects.json').server_groups,
    images: body('image/images.json').images,
    networks: body('network/networks.json').networks,
    subnets: body('network/subnets.json').subnets,
    ports: body('network/ports.json').ports,
    securityGroups: body('network/security-groups.json').security_groups,
    floatingIps: body('network/floatingips.json').floatingips,
    volumeTypes: body('volume/types.json').volume_types,
    volumes: body('volume/volumes-detail-all-tenants.json').volumes,
    logins: [
      {
        id: FIXTURE_IDS.admin,
        name: 'admin',
        domainId: 'default',
        password: TEST_PASSWORD,
        projectRoles: { [FIXTURE_IDS.adminProject]: ['admin', 'member', 'reader'] },
      },
      { id: alice.id, name: 'alice', domainId: alice.domain_id, password: TEST_PASSWORD, projectRoles: { [FIXTURE_IDS.acmeProd]: ['member'] } },
    ],
    appCredentials: [],
  };
}
