// (An integration test: it runs the local OpenStack API server over HTTP / the real qemu-img, which the
// unit project must not.)
// NFS/TrilioVault method: path templates, qcow2 chains inspected with the real qemu-img, the in-cluster
// file server and the flatten Jobs (validated against the upstream schemas).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expandPathTemplate,
  fileServerObjects,
  fileUrl,
  flattenJob,
  inspectChain,
  localPath,
  planNfsServer,
  type NfsServeOptions,
} from '../../src/workflow/backup-nfs.js';
import type { BackupTarget } from '../../src/workflow/backup.js';
import { validateObjects } from '../support/schema-validate.js';
import { at, must } from '../support/must.js';
import type { V1Container, V1Deployment, V1Job } from '@kubernetes/client-node';
import type { KubeObject } from '../../src/translate/model.js';

/** The first container of a Job's or a Deployment's pod template. */
function firstContainer(o: KubeObject): V1Container {
  return at(must((o as V1Job | V1Deployment).spec?.template.spec, `${o.kind} pod template`).containers, 0, 'container');
}

const qemuImg = (...args: string[]) => execFileSync('qemu-img', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

const vars = { project_id: 'p1', server_id: 's1', server_name: 'web', volume_id: undefined as string | undefined, disk_role: 'root', disk: 'root' };

describe('expandPathTemplate', () => {
  const cases: [string, Record<string, string | undefined>, string | RegExp][] = [
    ['/backups/{project_id}/{server_id}/{volume_id|disk_role}.qcow2', vars, '/backups/p1/s1/root.qcow2'],
    ['/backups/{project_id}/{server_id}/{volume_id|disk_role}.qcow2', { ...vars, volume_id: 'v9', disk_role: 'volume' }, '/backups/p1/s1/v9.qcow2'],
    ['/b/{server_name}-{disk}.img', vars, '/b/web-root.img'],
    ['/b/{volume_id}.qcow2', vars, /\{volume_id\} has no value/],
    ['/b/{tenant}.qcow2', vars, /unknown placeholder \{tenant\}/],
    ['b/{server_id}', vars, /not an absolute path/],
    ['/b/{server_name}/../x', vars, /leaves the share/],
  ];
  for (const [template, v, want] of cases) {
    it(`${template} → ${want}`, () => {
      const got = expandPathTemplate(template, v);
      if (typeof want === 'string') expect(got).toBe(want);
      else expect((got as Error).message).toMatch(want);
    });
  }
});

describe('qcow2 chains (real qemu-img)', () => {
  let dir: string;
  let share: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'osm-nfs-'));
    share = join(dir, 'share');
    mkdirSync(join(share, 'p1', 's1'), { recursive: true });
    const f = (n: string) => join(share, 'p1', 's1', n);
    // A full backup and two incrementals, each naming its parent by an absolute path as TrilioVault does;
    // the paths are those of the share mounted at /backups (rebase -u rewrites the pointer only).
    qemuImg('create', '-f', 'qcow2', f('full.qcow2'), '64M');
    qemuImg('create', '-f', 'qcow2', '-b', f('full.qcow2'), '-F', 'qcow2', f('incr1.qcow2'));
    qemuImg('create', '-f', 'qcow2', '-b', f('incr1.qcow2'), '-F', 'qcow2', f('root.qcow2'));
    qemuImg('rebase', '-u', '-b', '/backups/p1/s1/full.qcow2', '-F', 'qcow2', f('incr1.qcow2'));
    qemuImg('rebase', '-u', '-b', '/backups/p1/s1/incr1.qcow2', '-F', 'qcow2', f('root.qcow2'));
    qemuImg('create', '-f', 'qcow2', f('v9.qcow2'), '32M');
    // a chain whose base is gone
    qemuImg('create', '-f', 'qcow2', f('gone-base.qcow2'), '16M');
    qemuImg('create', '-f', 'qcow2', '-b', f('gone-base.qcow2'), '-F', 'qcow2', f('broken.qcow2'));
    unlinkSync(f('gone-base.qcow2'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a standalone file as a chain of one', async () => {
    const layers = await inspectChain(join(share, 'p1/s1/v9.qcow2'));
    expect(layers).toEqual([expect.objectContaining({ format: 'qcow2', virtualSize: 32 * 1024 ** 2, backingFilename: undefined })]);
  });

  it('follows absolute backing paths through the local mount of the share', async () => {
    const map = (p: string) => localPath(p, '/backups', share);
    const layers = await inspectChain(join(share, 'p1/s1/root.qcow2'), map);
    expect(layers).not.toBeInstanceOf(Error);
    expect((layers as { backingFilename?: string }[]).map((l) => l.backingFilename)).toEqual([
      '/backups/p1/s1/incr1.qcow2',
      '/backups/p1/s1/full.qcow2',
      undefined,
    ]);
  });

  it('names the missing backing file', async () => {
    const got = await inspectChain(join(share, 'p1/s1/broken.qcow2'));
    expect(got).toBeInstanceOf(Error);
    expect((got as Error).message).toContain(join(share, 'p1/s1/gone-base.qcow2'));
    expect((got as Error).message).toMatch(/is missing/);
  });

  const o: NfsServeOptions = {
    namespace: 'openstack-migrate',
    nfsServer: '10.0.0.5',
    nfsExport: '/trilio',
    mountPath: '/backups',
    image: 'docker.io/library/nginx:1.27-alpine',
    flattenImage: 'quay.io/kubevirt/cdi-importer:v1.61.0',
    flattenSize: '100Gi',
  };
  const target: BackupTarget = {
    serverId: 's1',
    serverName: 'web',
    projectId: 'p1',
    namespace: 'acme',
    vmName: 'web',
    disks: [
      { disk: 'root', diskRole: 'root', dataVolume: 'web-root' },
      { disk: 'vol-v9', diskRole: 'volume', dataVolume: 'web-vol-v9', volumeId: 'v9' },
    ],
  };
  const template = '/backups/{project_id}/{server_id}/{volume_id|disk_role}.qcow2';

  it('plans a flatten Job for a chain and serves a standalone file as it is', async () => {
    const plan = await planNfsServer(target, template, o, share);
    expect(plan.error).toBeUndefined();
    expect(plan.records).toEqual([
      expect.objectContaining({
        disk: 'root',
        path: '/backups/p1/s1/root.qcow2',
        flattenedPath: '/flattened/osm-s1-root.qcow2',
        url: 'http://osm-file-server.openstack-migrate.svc/flattened/osm-s1-root.qcow2',
        virtualSize: 64 * 1024 ** 2,
      }),
      expect.objectContaining({ disk: 'vol-v9', path: '/backups/p1/s1/v9.qcow2', url: 'http://osm-file-server.openstack-migrate.svc/backups/p1/s1/v9.qcow2' }),
    ]);
    expect(at(plan.records, 1, 'record').flattenedPath).toBeUndefined();
    expect(plan.jobs).toHaveLength(1);
    const container = firstContainer(at(plan.jobs, 0, 'flatten Job'));
    const script = at(must(container.command, 'command'), 2, 'script');
    expect(script).toContain("qemu-img convert -U -p -O qcow2 '/backups/p1/s1/root.qcow2' '/flattened/osm-s1-root.qcow2.part'");
    // the share is mounted where the chain's absolute paths point
    expect(container.volumeMounts?.[0]).toEqual({ name: 'share', mountPath: '/backups', readOnly: true });
  });

  it('fails the server naming the missing backing file', async () => {
    const plan = await planNfsServer({ ...target, disks: [at(target.disks, 0, 'disk')] }, '/backups/{project_id}/{server_id}/broken.qcow2', o, share);
    expect(plan.error).toMatch(/root disk: backing file .*gone-base\.qcow2.* is missing/);
  });

  it('PV, PVCs and Service are valid against the upstream schemas (../shared/schemas has none for Deployment and Job)', () => {
    const objects = [...fileServerObjects(o), flattenJob(o, 'osm-s1-root', '/backups/p1/s1/root.qcow2')];
    expect(validateObjects(objects.filter((x) => x.kind !== 'Deployment' && x.kind !== 'Job'))).toEqual([]);
    const deploy = must(
      objects.find((x) => x.kind === 'Deployment'),
      'the Deployment',
    );
    expect(firstContainer(deploy).volumeMounts?.[0]).toEqual({ name: 'share', mountPath: '/usr/share/nginx/html/backups', readOnly: true });
    expect(objects.find((x) => x.kind === 'PersistentVolume')).toMatchObject({
      spec: { accessModes: ['ReadOnlyMany'], nfs: { server: '10.0.0.5', path: '/trilio', readOnly: true } },
    });
    expect(fileUrl('ns', '/backups/a b/c.qcow2')).toBe('http://osm-file-server.ns.svc/backups/a%20b/c.qcow2');
  });
});
