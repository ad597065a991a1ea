// A separate process running `import` for one server against a kubeconfig, for the kill -9 test:
//   node --import tsx test/support/import-child.ts KUBECONFIG NAMESPACE N
import { loadKubeConfig } from '../../src/kube/config.js';
import { importServer } from '../../src/workflow/import.js';
import { Kube } from '../../src/workflow/kube-ops.js';
import { must } from './must.js';
import { SimulatedCloud } from './simulated-cloud.js';
import { serverWork } from './workflow-fixtures.js';

const [kubeconfig, namespace, n] = process.argv.slice(2);
const target = loadKubeConfig({ kubeconfig });
if (!target.ok) throw new Error(target.error.message);
const work = serverWork(Number(n), must(namespace, 'the namespace argument'));
const cloud = new SimulatedCloud();
cloud.addServer(work.serverId, 'SHUTOFF');
cloud.images.set('img-kill9', { id: 'img-kill9', status: 'active', virtualSize: 2 ** 30, diskFormat: 'qcow2' });
const copies = [
  { disk: 'root', diskRole: 'root' as const, dataVolume: `${work.vmName}-root`, imageId: 'img-kill9', diskFormat: 'qcow2', virtualSize: 2 ** 30 },
];
const res = await importServer({ kube: new Kube(target.value), cloud }, work, copies);
process.stdout.write(`${JSON.stringify(res)}\n`);
