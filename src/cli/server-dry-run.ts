// `--dry-run=server` for import and cutover: the objects the command would create in the cluster
// (DataVolumes; VirtualMachines and Services) are submitted with dryRun=All, so the API server and its
// admission webhooks (KubeVirt's, CDI's) validate them without storing anything. OpenStack has no
// server-side dry run: nothing is sent there, and the OpenStack steps are listed as with --dry-run=client.
import type { KubeObject } from '../translate/model.js';
import type { KubeClient } from '../kube/client.js';
import { note } from './output.js';

export async function serverDryRun(client: KubeClient, objects: KubeObject[]): Promise<boolean> {
  const [{ applyObjects }, { formatApplyReport }] = await Promise.all([import('../kube/apply.js'), import('../kube/plan-apply.js')]);
  const report = await applyObjects(client, objects, { dryRun: 'server' });
  for (const line of formatApplyReport(report, true)) note(line);
  return !report.missingApis.length && !report.apiErrors.length && report.results.every((r) => r.status !== 'error' && r.status !== 'conflict');
}
