import { describe, expect, it } from 'vitest';
import { ANNOTATIONS, LABELS } from '../../../src/translate/naming.js';
import { buildStatus, formatStatus, statusTable, TABLE_HEADERS, WIDE_HEADERS } from '../../../src/workflow/status.js';
import { buildStateConfigMap, newServerRecord } from '../../../src/workflow/ledger.js';
import type { StoredObject } from '../../../src/workflow/kube-ops.js';
import { at } from '../../support/must.js';

function cm(i: number, ns: string, annotations: Record<string, string>): StoredObject {
  const o = buildStateConfigMap(newServerRecord({ serverId: `id-${i}`, serverName: `server-${i}`, namespace: ns, vmName: `vm-${i}` })) as StoredObject;
  o.metadata.annotations = { ...o.metadata.annotations, ...annotations };
  return o;
}
function dv(i: number, ns: string, name: string, annotations: Record<string, string>, status?: Record<string, unknown>): StoredObject {
  return {
    apiVersion: 'cdi.kubevirt.io/v1beta1',
    kind: 'DataVolume',
    metadata: { name, namespace: ns, labels: { [LABELS.serverId]: `id-${i}` }, annotations },
    status,
  };
}

const now = Date.parse('2025-01-01T01:00:00Z');
const snapshot = {
  configMaps: [
    cm(2, 'b', { [ANNOTATIONS.phase]: 'running', [ANNOTATIONS.startedAt]: '2025-01-01T00:00:00Z', [ANNOTATIONS.finishedAt]: '2025-01-01T00:10:00Z' }),
    cm(1, 'a', { [ANNOTATIONS.phase]: 'importing', [ANNOTATIONS.startedAt]: '2025-01-01T00:30:00Z' }),
    cm(3, 'a', {
      [ANNOTATIONS.phase]: 'rolled-back',
      [ANNOTATIONS.lastError]: 'import failed: image is corrupt',
      [ANNOTATIONS.startedAt]: '2025-01-01T00:00:00Z',
      [ANNOTATIONS.finishedAt]: '2025-01-01T00:05:00Z',
    }),
  ],
  dataVolumes: [
    dv(1, 'a', 'vm-1-root', { [ANNOTATIONS.phase]: 'importing' }, { phase: 'ImportInProgress', progress: '40.00%' }),
    dv(1, 'a', 'vm-1-vol', { [ANNOTATIONS.phase]: 'imported' }, { phase: 'Succeeded', progress: '100.0%' }),
  ],
  vms: [{ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', metadata: { name: 'vm-2', namespace: 'b' } } as StoredObject],
};

describe('status', () => {
  it('builds sorted rows from the cluster objects only', () => {
    const r = buildStatus(snapshot, now);
    expect(r.servers.map((s) => [s.namespace, s.vm, s.server, s.phase, s.progress, s.durationSeconds, s.lastError, s.vmExists])).toEqual([
      ['a', 'vm-1', 'server-1', 'importing', 70, 1800, null, false],
      ['a', 'vm-3', 'server-3', 'rolled-back', null, 300, 'import failed: image is corrupt', false],
      ['b', 'vm-2', 'server-2', 'running', 100, 600, null, true],
    ]);
  });

  it('prints the kubectl-style table with the documented columns', () => {
    const table = statusTable(buildStatus(snapshot, now));
    const [header = '', first] = table.split('\n'); // split returns at least one element
    expect(header.split(/\s{3,}/)).toEqual(TABLE_HEADERS);
    expect(first).toMatch(/^a\s+vm-1\s+server-1\s+importing\s+70\.0%\s+2025-01-01T00:30:00Z\s+30m00s$/);
    expect(statusTable({ apiVersion: 'openstack-migrate.io/v1alpha1', kind: 'MigrationStatus', servers: [] })).toBe('No migrations found.\n');
  });

  it('-o wide adds server id, finish time, disks and VM columns, and keeps whole errors', () => {
    const report = buildStatus(snapshot, now);
    const long = 'x'.repeat(100);
    at(report.servers, 1, 'server').lastError = long;
    const [header = '', ...rows] = statusTable(report, 60, true).trimEnd().split('\n');
    expect(header.split(/\s{3,}/)).toEqual([...TABLE_HEADERS.slice(0, -1), ...WIDE_HEADERS, 'LAST-ERROR']);
    expect(rows[1]).toContain('server-3');
    expect(at(rows, 1, 'row').endsWith(long)).toBe(true);
    expect(rows[2]).toMatch(/\byes\b/);
    expect(statusTable(report)).not.toContain(long);
    expect(formatStatus(report, 'wide')).toBe(statusTable(report, 60, true));
  });

  it('gives byte-identical json/yaml for the same cluster state, whatever the list order', () => {
    const shuffled = { ...snapshot, configMaps: [...snapshot.configMaps].reverse(), dataVolumes: [...snapshot.dataVolumes].reverse() };
    for (const o of ['json', 'yaml'] as const) expect(formatStatus(buildStatus(shuffled, now), o)).toBe(formatStatus(buildStatus(snapshot, now), o));
    expect(JSON.parse(formatStatus(buildStatus(snapshot, now), 'json')).kind).toBe('MigrationStatus');
  });
});
