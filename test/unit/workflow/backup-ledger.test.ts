// The state ConfigMap of a server: builders and parser (pure), and the in-memory store's semantics.
import { describe, expect, it } from 'vitest';
import {
  MemoryStateStore,
  StateConflictError,
  applyStateChange,
  updateRecord,
  buildStateConfigMap,
  liveEntries,
  newServerRecord,
  parseStateConfigMap,
  recordCreated,
  recordDeleted,
  stateConfigMapName,
  type ServerRecord,
} from '../../../src/workflow/ledger.js';

const base = () =>
  newServerRecord({ namespace: 'acme-prod', vmName: 'web-1', serverId: '6097a3b1-4278-475a-a102-8163efba52b2', serverName: 'web 1', projectId: 'f59e587c' });

describe('state ConfigMap', () => {
  it('round-trips a record through the ConfigMap', () => {
    const r = base();
    r.state = { phase: 'backing-up', progress: 50, startedAt: '2026-01-01T00:00:00Z', serverId: r.serverId };
    recordCreated(r, { type: 'snapshot', id: 'snap-1', name: 'osm-6097a3b1-root', disk: 'root', purpose: 'temporary', createdAt: '2026-01-01T00:00:01Z' });
    recordCreated(r, { type: 'snapshot', id: 'snap-1', name: 'osm-6097a3b1-root', disk: 'root', purpose: 'temporary' });
    recordDeleted(r, 'snapshot', 'snap-1');
    r.disks = [{ disk: 'root', diskRole: 'root', dataVolume: 'web-1-root', imageId: 'img-1', diskFormat: 'qcow2', virtualSize: 1 }];
    r.backup = { statusBefore: 'ACTIVE', stoppedByPlugin: true };
    const cm = buildStateConfigMap(r);
    expect(cm.metadata.name).toBe('web-1-migration');
    expect(cm.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'kubectl-openstack-migrate',
      'openstack-migrate.io/server-id': r.serverId,
      'openstack-migrate.io/component': 'migration',
      'openstack-migrate.io/project-id': 'f59e587c',
    });
    expect(cm.metadata.annotations?.['openstack-migrate.io/phase']).toBe('backing-up');
    expect(cm.metadata.annotations?.['openstack-migrate.io/progress']).toBe('50.0');
    expect(cm.data['source.json']).toBeUndefined();
    const back = parseStateConfigMap(cm);
    if (back instanceof Error) throw back;
    expect(back).toMatchObject({
      namespace: 'acme-prod',
      vmName: 'web-1',
      serverId: r.serverId,
      serverName: 'web 1',
      generation: 1,
      disks: r.disks,
      backup: r.backup,
    });
    expect(back.ledger).toEqual([
      { type: 'snapshot', id: 'snap-1', name: 'osm-6097a3b1-root', disk: 'root', purpose: 'temporary', createdAt: '2026-01-01T00:00:01Z', deleted: true },
    ]);
    expect(liveEntries(back)).toEqual([]);
  });

  it("round-trips cutover's source.json and leaves it out when there is none", () => {
    const r = base();
    expect(buildStateConfigMap(r).data['source.json']).toBeUndefined();
    r.source = {
      statusBefore: 'ACTIVE',
      floatingIps: [{ floatingIpId: 'f1', floatingIpAddress: '203.0.113.5', portId: 'p1', fixedIp: '10.0.0.5' }],
      recordedAt: '2026-01-01T00:00:00Z',
      rollbackReason: 'import failed',
    };
    const cm = buildStateConfigMap(r);
    expect(JSON.parse(cm.data['source.json'] ?? '')).toEqual(r.source);
    expect(parseStateConfigMap(cm)).toMatchObject({ source: r.source });
    cm.data['source.json'] = '{';
    expect(String(parseStateConfigMap(cm))).toMatch(/data\.source\.json: not valid JSON/);
  });

  it("updateRecord re-applies a change on a conflict and refuses another server's object", async () => {
    const store = new MemoryStateStore();
    const id = { serverId: base().serverId, serverName: 'web 1', namespace: 'acme-prod', vmName: 'web-1' };
    await updateRecord(store, id, (r) => {
      r.state = applyStateChange(r.state, { phase: 'importing', lastError: 'x' });
    });
    // A writer that saves between our load and our save: our change is applied again on its version.
    let interfere = true;
    const racing = {
      ...store,
      load: store.load.bind(store),
      list: store.list.bind(store),
      save: async (r: ServerRecord) => {
        if (interfere) {
          interfere = false;
          const other = (await store.load('acme-prod', 'web-1'))!;
          other.disks = [{ disk: 'root', diskRole: 'root', dataVolume: 'web-1-root', imageId: 'img-2' }];
          await store.save(other);
        }
        return store.save(r);
      },
    };
    const out = await updateRecord(racing, id, (r) => {
      r.state = applyStateChange(r.state, { phase: 'imported', lastError: null });
    });
    expect(out.state.phase).toBe('imported');
    expect(out.state.lastError).toBeUndefined();
    expect(out.disks.map((d) => d.imageId)).toEqual(['img-2']);
    await expect(updateRecord(store, { ...id, serverId: 'another' }, () => {})).rejects.toBeInstanceOf(StateConflictError);
  });

  it('names the object and field of broken data', () => {
    const cm = buildStateConfigMap(base());
    cm.data['ledger.json'] = '{not json';
    expect(String(parseStateConfigMap(cm))).toMatch(/ConfigMap acme-prod\/web-1-migration data\.ledger\.json: not valid JSON/);
    const noId = { metadata: { name: 'x-migration', namespace: 'n', annotations: {} }, data: {} };
    expect(String(parseStateConfigMap(noId))).toMatch(/ConfigMap n\/x-migration: no server id/);
  });

  it('long VM names keep a valid, stable object name', () => {
    const long = 'a'.repeat(63);
    expect(stateConfigMapName(long).length).toBeLessThanOrEqual(63);
    expect(stateConfigMapName(long)).toBe(stateConfigMapName(long));
  });

  it('the memory store refuses a write based on an older read (as resourceVersion does in the cluster)', async () => {
    const store = new MemoryStateStore();
    const first = await store.save(base());
    const a = (await store.load('acme-prod', 'web-1'))!;
    const b = (await store.load('acme-prod', 'web-1'))!;
    await store.save({ ...a, generation: 2 });
    await expect(store.save({ ...b, generation: 3 })).rejects.toBeInstanceOf(StateConflictError);
    expect(first.resourceVersion).toBe('1');
  });
});
