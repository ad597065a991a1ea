// The plan is the contract (src/workflow/plan-contract.ts): recorded once, then held to; a different plan
// stops with a readable diff unless --replan.
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { MigrateError } from '../../../src/errors.js';
import type { Inventory } from '../../../src/inventory/types.js';
import { buildPlan } from '../../../src/plan/build.js';
import { resolvePlanConfig } from '../../../src/plan/config.js';
import { TOOL_GIT_VERSION } from '../../../src/plan/plan-id.js';
import { LABELS } from '../../../src/translate/naming.js';
import { contractOfPlan, diffContracts, enforceContract, planContract, type RecordedPlan } from '../../../src/workflow/plan-contract.js';

function memoryStore() {
  let saved: RecordedPlan | undefined;
  return {
    load: async () => saved,
    save: async (p: RecordedPlan) => void (saved = structuredClone(p)),
    get saved() {
      return saved;
    },
  };
}

const base = { cloud: 'example', inventoryDigest: 'abc', toolVersion: 'v0.1.0' };

describe('plan contract', () => {
  it('the id covers inventory, configuration and tool version, not the order options were given in', () => {
    const a = planContract({ ...base, config: resolvePlanConfig({}, { storageClass: 'fast', accessMode: ['ReadWriteMany'] }) });
    const b = planContract({ ...base, config: resolvePlanConfig({ accessModes: ['ReadWriteMany'] }, { storageClass: 'fast' }) });
    expect(a.planId).toBe(b.planId);
    expect(planContract({ ...base, inventoryDigest: 'abd', config: a.config }).planId).not.toBe(a.planId);
    expect(planContract({ ...base, toolVersion: 'v0.2.0', config: a.config }).planId).not.toBe(a.planId);
    expect(
      planContract({ ...base, config: resolvePlanConfig({}, { storageClass: 'fast', accessMode: ['ReadWriteMany'], volumeMode: 'Block' }) }).planId,
    ).not.toBe(a.planId);
  });

  it('records the first plan, accepts the same one, stops on another with the diff, and --replan records it', async () => {
    const store = memoryStore();
    const first = planContract({ ...base, config: resolvePlanConfig({}, { storageClass: 'fast' }) });
    expect((await enforceContract(store, first, { inventoryFile: 'cloud.yaml' })).action).toBe('recorded');
    expect(store.saved?.planId).toBe(first.planId);
    expect((await enforceContract(store, first, {})).action).toBe('matches');

    const other = planContract({
      ...base,
      inventoryDigest: 'xyz',
      config: resolvePlanConfig({}, { storageClass: 'slow', volumeMode: 'Block', networkMap: ['ext-net=multus:ext'], loadBalancerMode: 'spec' }),
    });
    const error = await enforceContract(store, other, {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MigrateError);
    expect((error as MigrateError).exitCode).toBe(1);
    const message = (error as Error).message;
    expect(message).toContain('inventory: content abc → xyz');
    expect(message).toContain('config storageClassName: "fast" → "slow"');
    expect(message).toContain('config volumeMode: (unset) → "Block"');
    expect(message).toContain('config loadBalancer.mode: "metallb" → "spec"');
    expect(message).toContain('config networkMap.ext-net.networkName: (unset) → "ext"');
    expect(message).toContain('--replan');
    expect(store.saved?.planId).toBe(first.planId);

    expect((await enforceContract(store, other, { dryRun: true, replan: true })).action).toBe('replanned');
    expect(store.saved?.planId).toBe(first.planId);
    expect((await enforceContract(store, other, { replan: true })).action).toBe('replanned');
    expect(store.saved?.planId).toBe(other.planId);
  });

  it('a dry run never records', async () => {
    const store = memoryStore();
    await enforceContract(store, planContract({ ...base, config: resolvePlanConfig({}, {}) }), { dryRun: true });
    expect(store.saved).toBeUndefined();
  });

  it('diffs only what differs', () => {
    const a = planContract({ ...base, config: resolvePlanConfig({}, {}) });
    expect(diffContracts(a, a)).toEqual([]);
    expect(diffContracts(a, planContract({ ...base, toolVersion: 'v9', config: a.config }))).toEqual(['tool version: v0.1.0 → v9']);
  });
});

describe('one plan id for the plan, its objects and its contract (issue 12 item 1)', () => {
  const inventory = yaml.load(readFileSync(new URL('../../../examples/cloud.yaml', import.meta.url), 'utf8')) as Inventory;

  it('the id plan prints and stamps is the contract id, and changes with the options and the tool version', () => {
    const config = resolvePlanConfig({}, {});
    const plan = buildPlan(inventory, config);
    expect(plan.planId).toMatch(/^[0-9a-f]{16}$/);
    expect(contractOfPlan(plan).planId).toBe(plan.planId);
    expect(new Set(plan.objects.map((o) => o.metadata.labels?.[LABELS.planId]))).toEqual(new Set([plan.planId]));
    expect(plan.identity.toolVersion).toBe(TOOL_GIT_VERSION);
    // The recorded (canonical) configuration rebuilds the same plan id, as the workflow does without options.
    expect(buildPlan(inventory, contractOfPlan(plan).config).planId).toBe(plan.planId);
    const other = buildPlan(inventory, resolvePlanConfig({}, { volumeMode: 'Block' }));
    expect(other.planId).not.toBe(plan.planId);
    expect(contractOfPlan(other).planId).toBe(other.planId);
    expect(buildPlan(inventory, config, { toolVersion: 'v9.9.9' }).planId).not.toBe(plan.planId);
  });

  it('a plan named by the user keeps its name, and a changed plan under the same name still stops', async () => {
    const named = buildPlan(inventory, { ...resolvePlanConfig({}, {}), planId: 'wave-1' });
    expect(named.planId).toBe('wave-1');
    expect(contractOfPlan(named).planId).toBe('wave-1');
    const store = memoryStore();
    await enforceContract(store, contractOfPlan(named), {});
    const changed = contractOfPlan(buildPlan(inventory, { ...resolvePlanConfig({}, { volumeMode: 'Block' }), planId: 'wave-1' }));
    const error = await enforceContract(store, changed, {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MigrateError);
    expect((error as Error).message).toContain('config volumeMode: (unset) → "Block"');
  });
});
