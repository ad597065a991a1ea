// A local OpenStack (the recorded cloud, with the write actions) and clients for the backup tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenStackClient } from '../../src/openstack/client.js';
import { loadCloudConfig } from '../../src/openstack/config.js';
import type { BackupTarget } from '../../src/workflow/backup.js';
import { diskKey } from '../../src/workflow/backup.js';
import { cloudActions, type ActionBehaviour, type CloudActions } from './openstack-actions.js';
import {
  FIXTURE_IDS,
  TEST_PASSWORD,
  fixtureCloud,
  startOpenStackServer,
  type OpenStackTestServer,
  type ServedCloud,
  type ServerOptions,
} from './openstack-server/index.js';

export interface BackupCloud {
  server: OpenStackTestServer;
  cloud: ServedCloud;
  actions: CloudActions;
  client: OpenStackClient;
  env: Record<string, string>;
  /** A target for a served server, its disks as the plan names them. */
  target(name: string, namespace?: string): BackupTarget;
  close(): Promise<void>;
}

/** OS_* settings of the admin on the local server (no clouds.yaml involved). */
export function adminEnv(server: OpenStackTestServer): Record<string, string> {
  return {
    OS_AUTH_URL: server.authUrl,
    OS_USERNAME: 'admin',
    OS_PASSWORD: TEST_PASSWORD,
    OS_PROJECT_ID: FIXTURE_IDS.adminProject,
    OS_USER_DOMAIN_NAME: 'Default',
    OS_REGION_NAME: 'RegionOne',
  };
}

export async function startBackupCloud(
  behaviour: Partial<ActionBehaviour> = {},
  options: ServerOptions = {},
  cloud: ServedCloud = fixtureCloud(),
): Promise<BackupCloud> {
  const actions = cloudActions(cloud, behaviour);
  const server = await startOpenStackServer(cloud, { ...options, extraRoutes: actions.routes });
  const empty = mkdtempSync(join(tmpdir(), 'osm-bk-'));
  const env = adminEnv(server);
  const config = loadCloudConfig({ env, cwd: empty, home: empty, etcDir: empty });
  const client = await OpenStackClient.connect(config, { retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 } });
  return {
    server,
    cloud,
    actions,
    client,
    env,
    target(name, namespace = 'acme-prod') {
      const s = cloud.servers.find((x) => x.name === name);
      if (!s) throw new Error(`no server ${name}`);
      const vols: string[] = s['os-extended-volumes:volumes_attached'].map((v: { id: string }) => v.id);
      const bootFromVolume = !s.image || !s.image.id;
      const disks: BackupTarget['disks'] = [];
      if (bootFromVolume) disks.push({ disk: 'root', diskRole: 'root', dataVolume: `${name}-root`, volumeId: vols[0] });
      else disks.push({ disk: 'root', diskRole: 'root', dataVolume: `${name}-root` });
      for (const v of bootFromVolume ? vols.slice(1) : vols)
        disks.push({ disk: diskKey('volume', v), diskRole: 'volume', dataVolume: `${name}-${diskKey('volume', v)}`, volumeId: v });
      return { serverId: s.id, serverName: s.name, projectId: s.tenant_id, namespace, vmName: name, disks };
    },
    async close() {
      await server.close();
      rmSync(empty, { recursive: true, force: true });
    },
  };
}

/** Fast polling for the tick-driven test server. */
export const FAST_WAIT = { intervalMs: 1, maxIntervalMs: 2, timeoutMs: 10_000 };
