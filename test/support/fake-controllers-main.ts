// The fake CDI/KubeVirt controllers as their own process (benchmark: keeps their CPU out of the plugin's).
//   node --import tsx test/support/fake-controllers-main.ts KUBECONFIG [stepMs]
import { loadKubeConfig } from '../../src/kube/config.js';
import { Kube } from '../../src/workflow/kube-ops.js';
import { FakeControllers } from './fake-controllers.js';

const [kubeconfig, stepMs] = process.argv.slice(2);
const target = loadKubeConfig({ kubeconfig });
if (!target.ok) throw new Error(target.error.message);
const fake = new FakeControllers(new Kube(target.value), { steps: 4, stepMs: Number(stepMs ?? 20) }).start();
process.stdout.write('ready\n');
process.on('SIGTERM', () => void fake.shutdown().then(() => process.exit(0)));
