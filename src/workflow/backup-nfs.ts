// backup --method nfs: existing qcow2 backups on an NFS share (TrilioVault writes them so), nothing changed
// in the source cloud. CDI imports from http/registry/pvc/upload, not from a file path, so the share is
// served inside the cluster by a small http file server (Deployment + Service, the image configurable)
// that mounts a read-only PV/PVC of the share; each disk's DataVolume then imports from
//   http://<service>.<namespace>.svc<absolute path of the file>.
// Incremental backups are qcow2 chains whose backing files are named by absolute paths: a Job mounts the
// share at the path the chain expects (--nfs-mount-path) and writes the flattened image
// (qemu-img convert -O qcow2) to a ReadWriteMany PVC the file server also serves, under /flattened/.
// A chain is inspected with `qemu-img info --backing-chain --output=json` where the share is mounted on
// this machine (--nfs-local-mount); a missing backing file is an error naming it.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/client.js';
import { KubeObjectApi, PatchStrategy, refusal } from '../kube/objects.js';
import type { KubeObject } from '../translate/model.js';
import { LABELS, MANAGER } from '../translate/naming.js';
import { resourceName, type BackupDisk, type BackupTarget } from './backup.js';
import { newServerRecord, type DiskRecord, type RecordStore } from './ledger.js';

const run = promisify(execFile);

export const FILE_SERVER_NAME = 'osm-file-server';
export const SHARE_PVC = 'osm-nfs-share';
export const FLATTENED_PVC = 'osm-flattened';
const WEB_ROOT = '/usr/share/nginx/html';

/**
 * Expands {project_id} {server_id} {server_name} {volume_id} {disk_role} {disk}; {a|b} takes the first
 * that is set (so {volume_id|disk_role} is the volume id of a volume disk and "root" for an image disk).
 * Returns an Error naming the unknown or empty placeholder.
 */
export function expandPathTemplate(template: string, vars: Record<string, string | undefined>): string | Error {
  let problem: Error | undefined;
  const out = template.replace(/\{([^}]+)\}/g, (_m, body: string) => {
    const names = body.split('|').map((s) => s.trim());
    for (const n of names)
      if (!(n in vars)) problem ??= new Error(`path template ${template}: unknown placeholder {${n}} (known: ${Object.keys(vars).join(', ')})`);
    const value = names.map((n) => vars[n]).find((v) => v !== undefined && v !== '');
    if (value === undefined) problem ??= new Error(`path template ${template}: {${body}} has no value for this disk`);
    return value ?? '';
  });
  if (problem) return problem;
  if (!isAbsolute(out)) return new Error(`path template ${template}: gives ${out}, not an absolute path`);
  if (out.split('/').includes('..')) return new Error(`path template ${template}: gives ${out}, which leaves the share (..)`);
  return out;
}

export function diskVars(target: BackupTarget, disk: BackupDisk): Record<string, string | undefined> {
  return {
    project_id: target.projectId,
    server_id: target.serverId,
    server_name: target.serverName,
    volume_id: disk.volumeId,
    disk_role: disk.diskRole,
    disk: disk.disk,
  };
}

export interface ChainLayer {
  filename: string;
  format: string;
  virtualSize: number;
  backingFilename?: string;
}

/** Maps a path on the share as the chain names it (under mountPath) to the same file on this machine. */
export function localPath(path: string, mountPath: string, localMount: string): string {
  const m = mountPath.replace(/\/+$/, '');
  if (path !== m && !path.startsWith(`${m}/`)) return path;
  return resolve(localMount, `.${path.slice(m.length)}`);
}

/**
 * The backing chain of a qcow2 file, top first (qemu-img info --backing-chain). When a backing file is
 * missing, the error names it (walking the chain one file at a time to find which).
 */
export async function inspectChain(file: string, mapPath: (p: string) => string = (p) => p): Promise<ChainLayer[] | Error> {
  const toLayer = (x: Record<string, any>): ChainLayer => ({
    filename: x.filename,
    format: x.format,
    virtualSize: x['virtual-size'],
    backingFilename: x['full-backing-filename'] ?? x['backing-filename'],
  });
  if (!existsSync(file)) return new Error(`backup file ${file} does not exist`);
  try {
    // -U: read without taking the image lock (the backup product may hold it)
    const { stdout } = await run('qemu-img', ['info', '-U', '--backing-chain', '--output=json', file], { maxBuffer: 16 << 20 });
    const parsed = JSON.parse(stdout);
    return (Array.isArray(parsed) ? parsed : [parsed]).map(toLayer);
  } catch {
    // Walk the chain to name the file that breaks it.
    const layers: ChainLayer[] = [];
    let current = file;
    for (let depth = 0; depth < 1000; depth++) {
      if (!existsSync(current))
        return new Error(`backing file ${layers.at(-1)?.backingFilename ?? current} of ${layers.at(-1)?.filename ?? file} is missing (looked for ${current})`);
      let info: Record<string, any>;
      try {
        const { stdout } = await run('qemu-img', ['info', '-U', '--output=json', current]);
        info = JSON.parse(stdout);
      } catch (err) {
        return new Error(`qemu-img info ${current}: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`);
      }
      const layer = toLayer(info);
      layers.push(layer);
      // The chain opens once its absolute paths are mapped to the local mount: that is the chain.
      if (!layer.backingFilename) return layers;
      const next = isAbsolute(layer.backingFilename) ? layer.backingFilename : resolve(dirname(current), layer.backingFilename);
      current = mapPath(next);
    }
    return new Error(`${file}: backing chain deeper than 1000 files`);
  }
}

export interface NfsServeOptions {
  namespace: string;
  nfsServer: string;
  nfsExport: string;
  mountPath: string;
  image: string;
  flattenImage: string;
  flattenStorageClass?: string;
  flattenSize: string;
}

const labels = (component: string) => ({ [LABELS.managedBy]: MANAGER, [LABELS.component]: component });

/** PV + PVC of the share (read-only), PVC for flattened files, the file server Deployment and its Service. */
export function fileServerObjects(o: NfsServeOptions): KubeObject[] {
  const pvName = `${SHARE_PVC}-${o.namespace}`;
  return [
    {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: pvName, labels: labels('nfs-share') },
      spec: {
        capacity: { storage: '1Ti' },
        accessModes: ['ReadOnlyMany'],
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: '',
        mountOptions: ['ro', 'nfsvers=4.1'],
        nfs: { server: o.nfsServer, path: o.nfsExport, readOnly: true },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: SHARE_PVC, namespace: o.namespace, labels: labels('nfs-share') },
      spec: { accessModes: ['ReadOnlyMany'], storageClassName: '', volumeName: pvName, resources: { requests: { storage: '1Ti' } } },
    },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: FLATTENED_PVC, namespace: o.namespace, labels: labels('nfs-flattened') },
      spec: {
        accessModes: ['ReadWriteMany'],
        ...(o.flattenStorageClass ? { storageClassName: o.flattenStorageClass } : {}),
        resources: { requests: { storage: o.flattenSize } },
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: FILE_SERVER_NAME, namespace: o.namespace, labels: labels('file-server') },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: FILE_SERVER_NAME } },
        template: {
          metadata: { labels: { app: FILE_SERVER_NAME, ...labels('file-server') } },
          spec: {
            containers: [
              {
                name: 'http',
                image: o.image,
                ports: [{ name: 'http', containerPort: 80 }],
                // The share keeps its absolute paths under the web root, so a file's URL path is its path.
                volumeMounts: [
                  { name: 'share', mountPath: `${WEB_ROOT}${o.mountPath}`, readOnly: true },
                  { name: 'flattened', mountPath: `${WEB_ROOT}/flattened`, readOnly: true },
                ],
                readinessProbe: { tcpSocket: { port: 80 } },
              },
            ],
            volumes: [
              { name: 'share', persistentVolumeClaim: { claimName: SHARE_PVC, readOnly: true } },
              { name: 'flattened', persistentVolumeClaim: { claimName: FLATTENED_PVC, readOnly: true } },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: FILE_SERVER_NAME, namespace: o.namespace, labels: labels('file-server') },
      spec: { selector: { app: FILE_SERVER_NAME }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
  ] as KubeObject[];
}

export function fileUrl(namespace: string, path: string): string {
  return `http://${FILE_SERVER_NAME}.${namespace}.svc${path.split('/').map(encodeURIComponent).join('/')}`;
}

/** Job that flattens a chain to /flattened/<name>.qcow2 (written to a temporary name, then renamed: a rerun never serves half a file). */
export function flattenJob(o: NfsServeOptions, name: string, path: string): KubeObject {
  const target = `/flattened/${name}.qcow2`;
  const script = `set -eu\nif [ -s '${target}' ]; then exit 0; fi\nqemu-img convert -U -p -O qcow2 '${path}' '${target}.part'\nmv '${target}.part' '${target}'\n`;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `osm-flatten-${name}`.slice(0, 63), namespace: o.namespace, labels: labels('flatten') },
    spec: {
      backoffLimit: 2,
      ttlSecondsAfterFinished: 86_400,
      template: {
        metadata: { labels: labels('flatten') },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'qemu-img',
              image: o.flattenImage,
              command: ['/bin/sh', '-c', script],
              volumeMounts: [
                { name: 'share', mountPath: o.mountPath, readOnly: true },
                { name: 'flattened', mountPath: '/flattened' },
              ],
            },
          ],
          volumes: [
            { name: 'share', persistentVolumeClaim: { claimName: SHARE_PVC, readOnly: true } },
            { name: 'flattened', persistentVolumeClaim: { claimName: FLATTENED_PVC } },
          ],
        },
      },
    },
  } as KubeObject;
}

export interface NfsDiskPlan {
  target: BackupTarget;
  records: DiskRecord[];
  jobs: KubeObject[];
  error?: string;
}

/** Per server: the file of each disk, whether it is a chain (with a local mount), the Job that flattens it. */
export async function planNfsServer(target: BackupTarget, template: string, o: NfsServeOptions, localMount?: string): Promise<NfsDiskPlan> {
  const records: DiskRecord[] = [];
  const jobs: KubeObject[] = [];
  for (const d of target.disks) {
    const path = expandPathTemplate(template, diskVars(target, d));
    if (path instanceof Error) return { target, records: [], jobs: [], error: path.message };
    if (!path.startsWith(`${o.mountPath.replace(/\/+$/, '')}/`))
      return { target, records: [], jobs: [], error: `${d.disk} disk: ${path} is not under --nfs-mount-path ${o.mountPath}` };
    let chain = true; // unknown without a local mount: flatten (a standalone file is then just copied)
    let virtualSize: number | undefined;
    if (localMount) {
      const layers = await inspectChain(localPath(path, o.mountPath, localMount), (p) => localPath(p, o.mountPath, localMount));
      if (layers instanceof Error) return { target, records: [], jobs: [], error: `${d.disk} disk: ${layers.message}` };
      const [top] = layers;
      if (!top) return { target, records: [], jobs: [], error: `${d.disk} disk: qemu-img reported no image for ${path}` };
      if (top.format !== 'qcow2' && top.format !== 'raw')
        return { target, records: [], jobs: [], error: `${d.disk} disk: ${path} is ${top.format}, not qcow2 or raw` };
      chain = layers.length > 1;
      virtualSize = top.virtualSize;
    }
    const name = resourceName(target.serverId, d.disk, 1);
    if (chain) jobs.push(flattenJob(o, name, path));
    records.push({
      disk: d.disk,
      diskRole: d.diskRole,
      dataVolume: d.dataVolume,
      ...(d.volumeId ? { volumeId: d.volumeId } : {}),
      imageId: '',
      diskFormat: 'qcow2',
      virtualSize,
      path,
      ...(chain ? { flattenedPath: `/flattened/${name}.qcow2` } : {}),
      url: fileUrl(o.namespace, chain ? `/flattened/${name}.qcow2` : path),
    });
  }
  return { target, records, jobs };
}

/** Server-side apply of the file server and flatten objects (each kind's resource from the server's discovery). */
async function applyAll(kube: KubeClient, objects: KubeObject[]): Promise<string[]> {
  const api = new KubeObjectApi(kube);
  const errors: string[] = [];
  for (const o of objects) {
    const spec = o as KubernetesObject;
    const what = `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
    try {
      // A Job's template is immutable: an existing Job (running or done) is left as it is.
      if (o.kind === 'Job' && (await api.read({ ...spec, metadata: { name: o.metadata.name, namespace: o.metadata.namespace } }).catch(absent))) continue;
      await api.patch(spec, undefined, undefined, 'kubectl-openstack-migrate-backup', true, PatchStrategy.ServerSideApply);
    } catch (err) {
      errors.push(`${what}: ${refusal(err)?.message ?? (err as Error).message}`);
    }
  }
  return errors;
}

/** undefined for a 404 (the object is not there), else the error again. */
function absent(err: unknown): undefined {
  if (refusal(err)?.code === 404) return undefined;
  throw err;
}

/** What the NFS method is given (the CLI's `backup --method nfs` flags, or any other caller's). */
export interface NfsBackupOptions {
  nfsServer?: string;
  nfsExport?: string;
  nfsPathTemplate?: string;
  nfsMountPath: string;
  nfsLocalMount?: string;
  fileServerNamespace: string;
  fileServerImage: string;
  flattenImage: string;
  flattenStorageClass?: string;
  flattenSize: string;
  /** Write the file server / flatten objects here instead of applying them. */
  nfsManifests?: string;
  dryRun?: boolean;
}

export async function runNfsBackup(targets: BackupTarget[], args: NfsBackupOptions, store: RecordStore, kube?: KubeClient): Promise<number> {
  if (!args.nfsServer || !args.nfsExport) throw new Error('--method nfs needs --nfs-server and --nfs-export');
  const o: NfsServeOptions = {
    namespace: args.fileServerNamespace,
    nfsServer: args.nfsServer,
    nfsExport: args.nfsExport,
    mountPath: args.nfsMountPath,
    image: args.fileServerImage,
    flattenImage: args.flattenImage,
    flattenStorageClass: args.flattenStorageClass,
    flattenSize: args.flattenSize,
  };
  const plans = [];
  for (const t of targets) plans.push(await planNfsServer(t, args.nfsPathTemplate!, o, args.nfsLocalMount));
  const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: o.namespace, labels: labels('file-server') } };
  const objects = [ns, ...fileServerObjects(o), ...plans.flatMap((p) => p.jobs)];
  if (args.nfsManifests || args.dryRun) {
    const text = objects.map((x) => yaml.dump(x, { noRefs: true, lineWidth: -1 })).join('---\n');
    if (args.nfsManifests) await writeFile(args.nfsManifests, text);
    else process.stdout.write(text);
  } else if (kube) {
    const errors = await applyAll(kube, objects);
    if (errors.length) throw new Error(`backup --method nfs: ${errors.join('; ')}`);
  }
  let failed = 0;
  for (const p of plans) {
    const t = p.target;
    const record =
      (await store.load(t.namespace, t.vmName)) ??
      newServerRecord({ namespace: t.namespace, vmName: t.vmName, serverId: t.serverId, serverName: t.serverName, projectId: t.projectId });
    if (t.selection) record.selection = t.selection;
    const now = new Date().toISOString();
    if (p.error) {
      failed += 1;
      record.state = { ...record.state, phase: 'failed', lastError: p.error, finishedAt: now };
    } else {
      record.disks = p.records;
      record.state = { ...record.state, phase: 'backed-up', progress: 100, startedAt: record.state.startedAt ?? now, finishedAt: now, lastError: undefined };
    }
    if (!args.dryRun) await store.save(record);
    process.stdout.write(`${t.namespace}/${t.vmName}: ${p.error ? `failed: ${p.error}` : `nfs ${p.records.map((r) => `${r.disk}→${r.url}`).join(' ')}`}\n`);
  }
  return failed ? 1 : 0;
}
