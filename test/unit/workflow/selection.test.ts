// One server selection for backup, import, cutover and status (src/workflow/selection.ts), checked on the
// plan of the example cloud: the same flags pick the same servers whichever command asks.
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { MigrateError } from '../../../src/errors.js';
import type { Inventory } from '../../../src/inventory/types.js';
import { buildPlan } from '../../../src/plan/build.js';
import { resolvePlanConfig } from '../../../src/plan/config.js';
import { selectPlannedWorks, serverWorks } from '../../../src/workflow/plan-work.js';
import { checkSelectionFlags, matchesRequirements, parseSelector, selectCandidates } from '../../../src/workflow/selection.js';
import { buildStateConfigMap, newServerRecord } from '../../../src/workflow/ledger.js';
import { selectSnapshot } from '../../../src/workflow/status.js';
import type { StoredObject } from '../../../src/workflow/kube-ops.js';

const inventory = yaml.load(readFileSync(new URL('../../../examples/cloud.yaml', import.meta.url), 'utf8')) as Inventory;
const works = serverWorks(buildPlan(inventory, resolvePlanConfig({}, {})), inventory);
const names = (ws: { serverName: string }[]) => ws.map((w) => w.serverName).sort();

/** The state ConfigMaps the workflow writes for these works: what status selects from. */
const snapshot = {
  configMaps: works.map(
    (w) =>
      buildStateConfigMap(
        newServerRecord({
          namespace: w.namespace,
          vmName: w.vmName,
          serverId: w.serverId,
          serverName: w.serverName,
          projectId: w.projectId,
          selection: w.selection,
        }),
      ) as StoredObject,
  ),
  dataVolumes: [],
  vms: [],
};
const statusNames = (flags: Parameters<typeof selectSnapshot>[1]) =>
  selectSnapshot(snapshot, flags)
    .configMaps.map((cm) => works.find((w) => cm.metadata.name === `${w.vmName}-migration` && cm.metadata.namespace === w.namespace)!.serverName)
    .sort();

describe('server selection', () => {
  it('-l role=web picks the servers whose Nova metadata says role=web, the same in status as in backup/import/cutover', () => {
    const expected = inventory.servers
      .filter((s) => s.metadata.role === 'web')
      .map((s) => s.name)
      .sort();
    expect(expected.length).toBeGreaterThan(1);
    expect(names(selectPlannedWorks(works, { selector: 'role=web' }))).toEqual(expected);
    expect(statusNames({ selector: 'role=web' })).toEqual(expected);
  });

  it('-l also matches the planned VM labels, and --project and -l are both required (and)', () => {
    const web1 = works.find((w) => w.serverName === 'web-1')!;
    const byId = selectPlannedWorks(works, { selector: `openstack-migrate.io/server-id=${web1.serverId}` });
    expect(names(byId)).toEqual(['web-1']);
    const project = inventory.projects.find((p) => p.id === web1.projectId)!;
    const inProject = names(selectPlannedWorks(works, { projects: [project.name] }));
    const both = names(selectPlannedWorks(works, { projects: [project.name], selector: 'role=web' }));
    expect(both.every((n) => inProject.includes(n))).toBe(true);
    expect(both).toEqual(names(selectPlannedWorks(works, { selector: 'role=web' })).filter((n) => inProject.includes(n)));
    expect(statusNames({ projects: [project.name], selector: 'role=web' })).toEqual(both);
  });

  it('unknown names and projects are NotFound errors (exit 1) in every command', () => {
    for (const pick of [
      () => selectPlannedWorks(works, { names: ['web-1', 'nope'] }),
      () => statusNames({ names: ['nope'] }),
      () => selectPlannedWorks(works, { projects: ['no-such-project'] }),
    ]) {
      let error: unknown;
      try {
        pick();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MigrateError);
      expect((error as MigrateError).exitCode).toBe(1);
      expect((error as Error).message).toMatch(/NotFound/);
    }
  });

  it('names pick by server name, id, VM name or NAMESPACE/VM', () => {
    const w = works.find((x) => x.serverName === 'db-1')!;
    for (const n of [w.serverName, w.serverId, w.vmName, `${w.namespace}/${w.vmName}`])
      expect(names(selectPlannedWorks(works, { names: [n] }))).toEqual(['db-1']);
  });

  it('a name shared by two servers is an error naming their ids', () => {
    const twins = [
      { serverId: 'a', serverName: 'same', namespace: 'n1', vmName: 'same', labels: {} },
      { serverId: 'b', serverName: 'same', namespace: 'n2', vmName: 'same', labels: {} },
    ];
    expect(() => selectCandidates(twins, { names: ['same'] })).toThrow(/names 2 servers \(a in n1, b in n2\)/);
    expect(selectCandidates(twins, { names: ['n2/same'] }).map((c) => c.serverId)).toEqual(['b']);
  });

  it('names do not combine with --all, --project or -l, nor --all with -l (usage errors, as kubectl)', () => {
    const usage = (f: () => void) => {
      try {
        f();
      } catch (e) {
        return (e as MigrateError).exitCode;
      }
      return 0;
    };
    expect(usage(() => checkSelectionFlags({ names: ['web-1'], selector: 'role=web' }, { required: true }))).toBe(2);
    expect(usage(() => checkSelectionFlags({ names: ['web-1'], all: true }, { required: true }))).toBe(2);
    expect(usage(() => checkSelectionFlags({ all: true, selector: 'role=web' }, { required: true }))).toBe(2);
    expect(usage(() => checkSelectionFlags({}, { required: true }))).toBe(2);
    expect(usage(() => checkSelectionFlags({}, { required: false }))).toBe(0);
    expect(usage(() => checkSelectionFlags({ selector: 'a in (b' }, { required: false }))).toBe(2);
  });

  it('every -l in the help examples of backup, import, cutover and status selects servers of examples/cloud.yaml', () => {
    const selectors: string[] = [];
    for (const command of ['backup', 'import', 'cutover', 'status']) {
      const source = readFileSync(new URL(`../../../src/cli/${command}.ts`, import.meta.url), 'utf8');
      for (const m of source.matchAll(/\.example\(\s*'[^']*\s-l\s+([^\s']+)/g)) selectors.push(m[1]!);
    }
    expect(selectors.length).toBeGreaterThanOrEqual(3);
    for (const selector of selectors) expect(selectPlannedWorks(works, { selector }).length, selector).toBeGreaterThan(0);
  });

  it('parses kubectl selector syntax', () => {
    const l = { tier: 'web', env: 'prod' };
    expect(matchesRequirements(l, parseSelector('tier in (web,db), env notin (dev)'))).toBe(true);
    expect(matchesRequirements(l, parseSelector('tier==web,!missing'))).toBe(true);
    expect(matchesRequirements(l, parseSelector('tier!=web'))).toBe(false);
    expect(matchesRequirements(l, parseSelector('env notin (prod)'))).toBe(false);
  });
});
