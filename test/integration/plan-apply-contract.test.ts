// `plan --apply` records the plan it printed (issue 12 item 1): the id in the report, on every applied
// object and in the cluster's contract (ConfigMap openstack-migrate/plan-<cloud>) is one id, over inventory +
// configuration + tool version; the workflow then runs that plan without being given its options, a plan
// with other options stops before anything is applied, and --replan records the new one. Real kube-apiserver.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Inventory } from '../../src/inventory/types.js';
import { loadKubeConfig } from '../../src/kube/config.js';
import type { PlanReport } from '../../src/report/summary.js';
import { LABELS } from '../../src/translate/naming.js';
import type { Kube } from '../../src/workflow/kube-ops.js';
import { PLAN_NAMESPACE, parsePlanRecord, planRecordName } from '../../src/workflow/plan-contract.js';
import type { TestApiServer } from '../support/apiserver.js';
import { runCli } from '../support/cli-run.js';
import { startWorkflowApiServer } from '../support/workflow-fixtures.js';

// loadKubeConfig as it is, counted: `plan --apply` reads the kubeconfig once for the contract and the apply.
vi.mock('../../src/kube/config.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/kube/config.js')>();
  return { ...original, loadKubeConfig: vi.fn(original.loadKubeConfig) };
});

const example = fileURLToPath(new URL('../../examples/cloud.yaml', import.meta.url));
const inventory = yaml.load(readFileSync(example, 'utf8')) as Inventory;
const NS = 'acme-web-prod';
let api: TestApiServer;
let kube: Kube;
const cli = (...args: string[]) => runCli([...args, '--kubeconfig', api.kubeconfigPath]);

beforeAll(async () => {
  ({ api, kube } = await startWorkflowApiServer());
});
afterAll(async () => {
  await api?.stop();
});

const recordedPlan = async () =>
  parsePlanRecord((await kube.get('ConfigMap', PLAN_NAMESPACE, planRecordName(inventory.metadata.cloud)))?.data as Record<string, string> | undefined);
const namespaceLabel = async () => (await kube.get('Namespace', '', NS))?.metadata?.labels?.[LABELS.planId];

describe('plan --apply records the plan it printed', () => {
  it('one id in the report, the labels and the contract; the workflow runs it; another plan stops; --replan records it', async () => {
    vi.mocked(loadKubeConfig).mockClear();
    const first = await cli('plan', '-i', example, '--apply', '--guest-datasource', 'nocloud', '--report-format', 'json');
    expect(first.code, first.err).toBe(0);
    expect(loadKubeConfig).toHaveBeenCalledTimes(1);
    const planId = (JSON.parse(first.out) as PlanReport).planId;
    expect(planId).toMatch(/^[0-9a-f]{16}$/);
    expect(first.err).toContain(`plan ${planId} recorded in the cluster (ConfigMap ${PLAN_NAMESPACE}/${planRecordName(inventory.metadata.cloud)})`);
    const recorded = await recordedPlan();
    expect(recorded?.planId).toBe(planId);
    expect(recorded?.config.guestDatasource).toBe('nocloud');
    expect(await namespaceLabel()).toBe(planId);

    // The workflow, given no plan option, runs the recorded plan; given the same options, too.
    for (const options of [[], ['--guest-datasource', 'nocloud']]) {
      const run = await cli('cutover', 'web-1', '-i', example, ...options, '--dry-run=client');
      expect(run.code, run.err).toBe(0);
      expect(run.err).not.toContain('is not the plan recorded');
    }

    // Another plan (the default datasource): stopped with the difference before anything is applied.
    for (const dryRun of [[], ['--dry-run=server']]) {
      const other = await cli('plan', '-i', example, '--apply', ...dryRun);
      expect(other.code).toBe(1);
      expect(other.err).toContain(`is not the plan recorded in the cluster (${planId}`);
      expect(other.err).toContain('config guestDatasource: "nocloud" → "configdrive"');
      expect(other.err).toContain('--replan');
      expect(await namespaceLabel()).toBe(planId);
      expect((await recordedPlan())?.planId).toBe(planId);
    }

    // --replan in a server-side dry run records nothing; without the dry run the new plan is recorded and applied.
    expect((await cli('plan', '-i', example, '--apply', '--replan', '--dry-run=server')).code).toBe(0);
    expect((await recordedPlan())?.planId).toBe(planId);
    const replanned = await cli('plan', '-i', example, '--apply', '--replan', '--report-format', 'json');
    expect(replanned.code, replanned.err).toBe(0);
    const newId = (JSON.parse(replanned.out) as PlanReport).planId;
    expect(newId).not.toBe(planId);
    expect(replanned.err).toContain(`plan ${newId} replaces ${planId}`);
    expect((await recordedPlan())?.planId).toBe(newId);
    expect(await namespaceLabel()).toBe(newId);
    // A client dry run does not contact the cluster at all, so it neither checks nor records.
    expect((await cli('plan', '-i', example, '--apply', '--guest-datasource', 'nocloud', '--dry-run=client')).code).toBe(0);
    expect((await recordedPlan())?.planId).toBe(newId);
  });
});
