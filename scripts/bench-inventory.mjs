#!/usr/bin/env node
// Benchmark of the collector: the local paged OpenStack API (test/support/openstack-server) serving a
// synthetic cloud of BENCH_SERVERS servers (default 10,000), read as admin with the default page size.
// Reports the HTTP requests sent (goal: at most one per 500 listed objects, plus a constant) and wall time.
// Usage: node scripts/bench-inventory.mjs [servers]   (prints one JSON line; exits 1 if the goal is missed)
import { register } from 'tsx/esm/api';

register();
const { startOpenStackServer, TEST_PASSWORD } = await import('../test/support/openstack-server/index.ts');
const { syntheticCloud } = await import('../test/support/openstack-server/synthetic.ts');
const { loadCloudConfig } = await import('../src/openstack/config.ts');
const { collectInventory } = await import('../src/openstack/collect.ts');

const count = Number(process.argv[2] ?? process.env.BENCH_SERVERS ?? 10_000);
const cloud = syntheticCloud({ servers: count });
const server = await startOpenStackServer(cloud);
try {
  const config = loadCloudConfig({
    env: {
      OS_AUTH_URL: server.authUrl,
      OS_USERNAME: 'admin',
      OS_PASSWORD: TEST_PASSWORD,
      OS_PROJECT_NAME: 'admin',
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_DOMAIN_NAME: 'Default',
    },
  });
  const started = process.hrtime.bigint();
  const { inventory, stats } = await collectInventory(config, { pageSize: 1000, concurrency: 4 });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const listed = Object.values(inventory)
    .filter(Array.isArray)
    .reduce((n, list) => n + list.length, 0);
  const served = server.requests.length;
  // The constant: auth, the compute version document, one keypair listing per key owner, one request per
  // Keystone collection and group, per private flavor's access list, and the last (short or empty) page of
  // each of the ~14 paged collections.
  const constant = 40;
  const goal = Math.floor(listed / 500) + constant;
  const result = {
    servers: inventory.servers.length,
    objectsListed: listed,
    httpRequests: stats.requests,
    httpRequestsServed: served,
    goal: `<= ${goal} (1 per 500 objects + ${constant})`,
    met: stats.requests <= goal,
    wallMs: Math.round(wallMs),
    rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exitCode = result.met && result.servers === count ? 0 : 1;
} finally {
  await server.close();
}
