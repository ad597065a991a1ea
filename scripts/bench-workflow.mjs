// Benchmark of the migration workflow (issue 5): orchestration cost per VM of import + cutover for N
// simulated VMs (default 100), against the real test kube-apiserver, with the fake CDI/KubeVirt controllers
// in their own process and a simulated source cloud in this one. Reports per VM: Kubernetes API requests,
// OpenStack API requests, plugin CPU time (user+system of this process, the controllers excluded), and wall time.
// The backup part (snapshot/upload calls) belongs to the backup benchmark; the final copy here is simulated.
// Usage: node scripts/bench-workflow.mjs [--vms 100] [--parallel 8]
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const vms = Number(opt('vms', '100'));
const parallel = Number(opt('parallel', '8'));

const { startWorkflowApiServer, serverWork, ensureNamespace } = await import(join(root, 'test/support/workflow-fixtures.ts'));
const { SimulatedCloud } = await import(join(root, 'test/support/simulated-cloud.ts'));
const { importServers } = await import(join(root, 'src/workflow/import.ts'));
const { cutoverServers } = await import(join(root, 'src/workflow/cutover.ts'));

const { api, kube } = await startWorkflowApiServer();
const controllers = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/support/fake-controllers-main.ts'), api.kubeconfigPath, '20'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise((resolve) => controllers.stdout.once('data', resolve));
try {
  const namespaces = 10;
  for (let n = 0; n < namespaces; n++) await ensureNamespace(kube, `bench-${n}`, ['default-deny']);
  const works = Array.from({ length: vms }, (_, i) =>
    serverWork(i + 1, `bench-${i % namespaces}`, { volumes: 1, service: true, guestAgent: true, policy: 'default-deny' }),
  );
  const cloud = new SimulatedCloud();
  works.forEach((w, i) => {
    cloud.addServer(w.serverId, 'ACTIVE');
    cloud.addFloatingIp(`fip-${i}`, `198.51.100.${i % 250}`, `port-${w.serverId}`);
  });
  const deps = { kube, cloud, pollMs: 20, annotateEveryMs: 1000, finalCopy: (w) => cloud.copyServer(w, true) };

  const measure = async (name, fn) => {
    const k0 = kube.requests,
      o0 = cloud.requests,
      c0 = process.cpuUsage(),
      t0 = performance.now();
    const out = await fn();
    const cpu = process.cpuUsage(c0);
    const row = {
      phase: name,
      vms,
      kubeRequestsPerVm: +((kube.requests - k0) / vms).toFixed(1),
      openstackRequestsPerVm: +((cloud.requests - o0) / vms).toFixed(1),
      cpuMsPerVm: +((cpu.user + cpu.system) / 1000 / vms).toFixed(1),
      wallSeconds: +((performance.now() - t0) / 1000).toFixed(1),
    };
    return { out, row };
  };
  // Import of an earlier copy (server still running), then the cutover (stop, final copy, re-import, VM).
  const first = await Promise.all(works.map((w) => cloud.copyServer(w, false)));
  const imp = await measure('import (earlier copy)', () => importServers(deps, works, parallel, (w) => first[works.indexOf(w)]));
  const cut = await measure('cutover (final copy + import + VM)', () => cutoverServers(deps, works, parallel));
  const bad = [...imp.out.filter((r) => !r.ok), ...cut.out.filter((r) => r.outcome !== 'running')];
  if (bad.length) console.error(`FAILED: ${JSON.stringify(bad.slice(0, 3))}`);
  console.table([imp.row, cut.row]);
  console.log(JSON.stringify({ vms, parallel, disksPerVm: 2, results: [imp.row, cut.row] }));
} finally {
  controllers.kill('SIGTERM');
  await api.stop();
}
