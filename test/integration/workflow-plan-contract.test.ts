// The plan is the contract, and one selection everywhere, through the CLI against the real kube-apiserver:
// the first workflow command records the plan in the cluster, a command with other plan options stops with
// the difference, one without options runs the recorded plan, --replan records a new one; `-l role=web`
// picks the same servers in cutover and status. (No cloud is needed: cutover --dry-run=client and import
// of servers without copies stop before OpenStack.)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../src/inventory/types.js';
import { buildPlan } from '../../src/plan/build.js';
import { resolvePlanConfig } from '../../src/plan/config.js';
import { StateStore, updateRecord } from '../../src/workflow/ledger.js';
import { PLAN_NAMESPACE, planRecordName, parsePlanRecord } from '../../src/workflow/plan-contract.js';
import { serverWorks } from '../../src/workflow/plan-work.js';
import type { StatusReport } from '../../src/workflow/status.js';
import type { Kube } from '../../src/workflow/kube-ops.js';
import type { TestApiServer } from '../support/apiserver.js';
import { runCli } from '../support/cli-run.js';
import { ensureNamespace, startWorkflowApiServer } from '../support/workflow-fixtures.js';

const example = fileURLToPath(new URL('../../examples/cloud.yaml', import.meta.url));
const inventory = yaml.load(readFileSync(example, 'utf8')) as Inventory;
let api: TestApiServer;
let kube: Kube;
const cli = (...args: string[]) => runCli([...args, '--kubeconfig', api.kubeconfigPath]);

beforeAll(async () => {
  ({ api, kube } = await startWorkflowApiServer());
});
afterAll(async () => {
  await api?.stop();
});

describe('the plan is the contract', () => {
  it('records the plan, stops on a different one with the diff, runs the recorded one, and --replan records a new one', async () => {
    const first = await cli('import', 'web-1', '-i', example, '--storage-class', 'fast', '--volume-mode', 'Block');
    expect(first.err).toMatch(/plan [0-9a-f]{16} recorded in the cluster/);
    const recorded = parsePlanRecord((await kube.get('ConfigMap', PLAN_NAMESPACE, planRecordName(inventory.metadata.cloud)))?.data as Record<string, string>);
    expect(recorded?.config.storageClassName).toBe('fast');
    expect(recorded?.config.volumeMode).toBe('Block');

    // Other options: stop, exit 1, with a readable diff, before anything is done.
    const other = await cli(
      'cutover',
      'web-1',
      '-i',
      example,
      '--storage-class',
      'slow',
      '--network-map',
      'ext-net=multus:ext',
      '--load-balancer-mode',
      'spec',
      '--dry-run=client',
    );
    expect(other.code).toBe(1);
    expect(other.out).toBe('');
    expect(other.err).toContain(`is not the plan recorded in the cluster (${recorded!.planId}`);
    expect(other.err).toContain('config storageClassName: "fast" → "slow"');
    expect(other.err).toContain('config volumeMode: "Block" → (unset)');
    expect(other.err).toContain('config loadBalancer.mode: "metallb" → "spec"');
    expect(other.err).toContain('--replan');

    // No plan option: the recorded configuration is used (so the plan matches).
    const same = await cli('cutover', 'web-1', '-i', example, '--dry-run=client');
    expect(same.code, same.err).toBe(0);
    expect(same.out).toContain('web-1');

    // --replan in a dry run changes nothing; without the dry run it records the new plan.
    expect((await cli('cutover', 'web-1', '-i', example, '--storage-class', 'slow', '--replan', '--dry-run=client')).code).toBe(0);
    expect((await cli('status', '-o', 'json')).out).toContain(recorded!.planId);
    const replanned = await cli('import', 'web-1', '-i', example, '--storage-class', 'slow', '--replan');
    expect(replanned.err).toContain('config storageClassName: "fast" → "slow"');
    const status = JSON.parse((await cli('status', '-o', 'json')).out) as StatusReport;
    expect(status.plans).toHaveLength(1);
    expect(status.plans![0]!.planId).not.toBe(recorded!.planId);
  });

  it('-l role=web selects the same servers in cutover and status; unknown names are an error in both', async () => {
    const works = serverWorks(buildPlan(inventory, resolvePlanConfig({}, { storageClass: 'slow' })), inventory);
    const web = inventory.servers
      .filter((s) => s.metadata.role === 'web')
      .map((s) => s.name)
      .sort();
    expect(web.length).toBeGreaterThan(1);
    // Every server has a state record, as backup writes them (with its selection labels).
    const store = new StateStore(kube);
    for (const w of works) {
      await ensureNamespace(kube, w.namespace);
      await updateRecord(store, w, (r) => void (r.state.phase = 'backed-up'));
    }
    const cut = await cli('cutover', '-l', 'role=web', '-i', example, '--dry-run=client');
    expect(cut.code, cut.err).toBe(0);
    const cutNames = [...cut.out.matchAll(/^\S+\/\S+ \(server (\S+)\):$/gm)].map((m) => m[1]).sort();
    expect(cutNames).toEqual(web);
    const st = await cli('status', '-l', 'role=web', '-o', 'json');
    expect(st.code, st.err).toBe(0);
    expect((JSON.parse(st.out) as StatusReport).servers.map((s) => s.server).sort()).toEqual(web);

    for (const args of [
      ['cutover', 'no-such-server', '-i', example, '--dry-run=client'],
      ['status', 'no-such-server'],
      ['import', 'no-such-server', '-i', example],
    ]) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err).toContain('NotFound: no server "no-such-server"');
    }
    const mixed = await cli('cutover', 'web-1', '-l', 'role=web', '-i', example, '--dry-run=client');
    expect(mixed.code).toBe(2);
  });
});
