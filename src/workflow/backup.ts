// backup: a consistent copy of every disk of a server, as a Glance image that import reads.
//   image-booted root  → Nova createImage (after os-stop with --stop; Nova quiesces the guest itself when
//                        the image has hw_qemu_guest_agent=yes and os_require_quiesce=yes) → wait active;
//   volume-backed disk → Cinder snapshot (force when in-use) → temporary volume from the snapshot →
//                        os-volume_upload_image on that volume (Cinder uploads only available volumes unless
//                        the operator enabled force upload) → wait active → delete the volume, then the snapshot.
// Every OpenStack resource is named deterministically (osm-<server-id>-<disk>[-<generation>]), marked
// (image property / snapshot and volume metadata openstack_migrate_server_id, Glance tag openstack-migrate)
// and recorded in the server's state ConfigMap right after it is created, so that a run killed at any
// point finds it again (by the record, or by name when killed between "create" and "record") instead of
// making a second one. A failed step removes what this run created; `--cleanup` removes everything the
// plugin created for the server. The source server and its volumes are never deleted or modified, apart
// from the stop/start that --stop asks for.
import { spawn } from 'node:child_process';
import type { OpenStackClient } from '../openstack/client.js';
import { openStackActions, waitGone, type ImageView, type SnapshotView, type VolumeView, type WaitOptions } from '../openstack/actions.js';
import { startServerWhenIdle, type SourceActions } from './source.js';
import { ANNOTATIONS } from '../translate/naming.js';
import { truncateError } from './state.js';
import {
  liveEntries,
  newServerRecord,
  recordCreated,
  recordDeleted,
  type DiskRecord,
  type LedgerEntry,
  type RecordStore,
  type RecordedSelection,
  type ServerRecord,
} from './ledger.js';
import { inPool } from '../concurrency.js';

/** Glance tag on every image the plugin made. */
export const BACKUP_TAG = 'openstack-migrate';
/** Image property / Cinder metadata key naming the source server. */
export const SERVER_ID_KEY = 'openstack_migrate_server_id';
export const DISK_KEY = 'openstack_migrate_disk';

export interface BackupDisk {
  /** 'root' or 'vol-<volume-id-8>' (the DataVolume suffix). */
  disk: string;
  diskRole: 'root' | 'volume';
  dataVolume: string;
  /** The Cinder volume for volume-backed disks (the boot volume of a boot-from-volume server too). */
  volumeId?: string;
}

export interface BackupTarget {
  serverId: string;
  serverName: string;
  projectId: string;
  namespace: string;
  vmName: string;
  disks: BackupDisk[];
  /** Recorded in the state ConfigMap for status's selection. */
  selection?: RecordedSelection;
}

export interface BackupOptions {
  /** os-stop before the copy, os-start after (only when the server was ACTIVE). */
  stop?: boolean;
  /** Take a new copy even when one exists (a new generation; older copies are removed once it is done). */
  retake?: boolean;
  /**
   * Leave the phase annotations alone (cutover's final copy: cutover owns the phase then); the ledger and
   * disks.json are still kept.
   */
  keepPhase?: boolean;
  /** Disk format of volume uploads. */
  uploadDiskFormat?: 'qcow2' | 'raw';
  /** Shell command run before each server's copy; non-zero exit aborts that server. */
  preBackupHook?: string;
  wait?: WaitOptions;
  /** Servers in flight at once. */
  parallel?: number;
  log?: (line: string) => void;
  /**
   * Tests: stop dead at the Nth checkpoint (after each OpenStack change and after each state write), as a
   * kill -9 would: no cleanup, no state update.
   */
  killAtCheckpoint?: number;
}

export interface BackupDeps {
  /** The source cloud's calls as one project sees them (wins over clientFor): any SourceActions, e.g. an in-memory cloud. */
  actionsFor?: (projectId: string) => Promise<SourceActions>;
  /** The OpenStack client for a project (the same client when the token is scoped to it). */
  clientFor?: (projectId: string) => Promise<OpenStackClient>;
  store: RecordStore;
}

async function actionsOf(deps: BackupDeps, projectId: string): Promise<SourceActions> {
  if (deps.actionsFor) return deps.actionsFor(projectId);
  if (!deps.clientFor) throw new BackupError('backup: no source cloud (neither actionsFor nor clientFor)');
  return openStackActions(await deps.clientFor(projectId));
}

export type BackupOutcome = 'backed-up' | 'already-backed-up' | 'skipped' | 'failed';

export interface BackupResult {
  serverId: string;
  serverName: string;
  vmName: string;
  namespace: string;
  outcome: BackupOutcome;
  disks: DiskRecord[];
  error?: string;
  /** Resources the failed run removed again. */
  removed?: number;
}

/** Thrown by killAtCheckpoint; nothing catches it on the way out, like a killed process. */
export class SimulatedKill extends Error {
  constructor(
    readonly checkpoint: number,
    readonly label: string,
  ) {
    super(`simulated kill at checkpoint ${checkpoint} (${label})`);
    this.name = 'SimulatedKill';
  }
}

export class BackupError extends Error {}

/**
 * Deterministic name of what the plugin creates for one disk of one server: osm-<server-id>-<disk>[-<n>].
 * The whole server id, not its first 8 characters: an upload-to-image image carries no marker until backup
 * tags it, so a run that resumes after a kill finds it by name alone, and 8 hex digits collide (1% over
 * 10,000 servers; always with sequential ids) so that one server could adopt another's copy.
 */
export function resourceName(serverId: string, disk: string, generation: number): string {
  const id = serverId.replace(/[^a-zA-Z0-9-]/g, '').toLowerCase();
  return `osm-${id}-${disk}${generation > 1 ? `-${generation}` : ''}`;
}

/** The DataVolume suffix of a disk ('root', 'vol-1a2b3c4d'), as translate/disks.ts names it. */
export function diskKey(role: 'root' | 'volume', volumeId?: string): string {
  if (role === 'root') return 'root';
  return `vol-${(volumeId ?? '')
    .replace(/[^a-z0-9]/gi, '')
    .slice(0, 8)
    .toLowerCase()}`;
}

const PAST_BACKUP = new Set(['importing', 'imported', 'cutting-over', 'running']);
/** A cutover owns the server while it runs or rolls back: backup must not change its phase or copies. */
const CUTOVER_OWNED = new Set(['cutting-over', 'rolling-back']);
const FAILED_IMAGE = new Set(['killed', 'deleted', 'pending_delete', 'deactivated']);

/** Runs the hook with the server's identity in the environment; resolves with its stderr on failure. */
export function runHook(
  command: string,
  target: Pick<BackupTarget, 'serverId' | 'serverName' | 'projectId'>,
  timeoutMs = 3_600_000,
): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], {
      env: { ...process.env, OSM_SERVER_ID: target.serverId, OSM_SERVER_NAME: target.serverName, OSM_PROJECT_ID: target.projectId },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 4096) stderr += c.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: 127, stderr: err.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stderr: stderr.trim() });
    });
  });
}

/** One server's backup, with its state, its client and its checkpoint counter. */
class ServerBackup {
  record!: ServerRecord;
  private checkpoints = 0;
  private readonly log: (line: string) => void;
  constructor(
    private readonly c: SourceActions,
    private readonly store: RecordStore,
    private readonly target: BackupTarget,
    private readonly options: BackupOptions,
  ) {
    this.log = (line) => options.log?.(`${target.namespace}/${target.vmName}: ${line}`);
  }

  checkpoint(label: string): void {
    this.checkpoints += 1;
    if (this.options.killAtCheckpoint !== undefined && this.checkpoints >= this.options.killAtCheckpoint) throw new SimulatedKill(this.checkpoints, label);
  }

  async save(label: string): Promise<void> {
    this.record = await this.store.save(this.record);
    this.checkpoint(`saved: ${label}`);
  }

  async load(): Promise<void> {
    const t = this.target;
    this.record =
      (await this.store.load(t.namespace, t.vmName)) ??
      newServerRecord({ namespace: t.namespace, vmName: t.vmName, serverId: t.serverId, serverName: t.serverName, projectId: t.projectId });
    if (this.record.serverId !== t.serverId)
      throw new BackupError(
        `state ConfigMap of ${t.namespace}/${t.vmName} belongs to server ${this.record.serverId}, not ${t.serverId}; the plan changed? remove it or re-plan`,
      );
    this.record.serverName ??= t.serverName;
    this.record.projectId ??= t.projectId;
    if (t.selection) this.record.selection = t.selection;
  }

  private name(disk: string, generation = this.record.generation): string {
    return resourceName(this.target.serverId, disk, generation);
  }

  private async remember(entry: Omit<LedgerEntry, 'createdAt'>): Promise<void> {
    recordCreated(this.record, { ...entry });
    await this.save(`recorded ${entry.type} ${entry.id}`);
  }

  private wait(): WaitOptions {
    return this.options.wait ?? {};
  }

  /** An image of this disk and generation that a previous run made: from the ledger, else by name. */
  private async findCopyImage(disk: string, byProperty: boolean): Promise<ImageView | undefined> {
    const name = this.name(disk);
    for (const e of liveEntries(this.record, { type: 'image', disk })) {
      if (e.name !== name) continue;
      const image = await this.c.getImage(e.id);
      if (image) return image;
      recordDeleted(this.record, 'image', e.id);
    }
    const project = this.c.projectId();
    const candidates = (await this.c.findImages({ name })).filter(
      (i) =>
        i.name === name &&
        (byProperty
          ? i.properties[SERVER_ID_KEY] === this.target.serverId
          : !project || i.owner === project || i.properties[SERVER_ID_KEY] === this.target.serverId),
    );
    const image = candidates.find((i) => !FAILED_IMAGE.has(i.status)) ?? candidates[0];
    if (image) {
      this.log(`found image ${image.id} (${image.status}) of an interrupted run`);
      await this.remember({ type: 'image', id: image.id, name, disk, purpose: 'copy' });
    }
    return image;
  }

  /** Tags and marks a finished copy; both calls are idempotent. */
  private async finishImage(image: ImageView, disk: string): Promise<ImageView> {
    if (!image.tags.includes(BACKUP_TAG)) await this.c.addImageTag(image.id, BACKUP_TAG);
    if (image.properties[SERVER_ID_KEY] !== this.target.serverId || image.properties[DISK_KEY] !== disk) {
      image = await this.c.patchImage(image.id, [
        { op: 'add', path: `/${SERVER_ID_KEY}`, value: this.target.serverId },
        { op: 'add', path: `/${DISK_KEY}`, value: disk },
      ]);
    }
    return image;
  }

  private diskRecord(d: BackupDisk, image: ImageView): DiskRecord {
    return {
      disk: d.disk,
      diskRole: d.diskRole,
      dataVolume: d.dataVolume,
      ...(d.volumeId ? { volumeId: d.volumeId } : {}),
      imageId: image.id,
      diskFormat: image.diskFormat,
      virtualSize: image.virtualSize ?? undefined,
      size: image.size ?? undefined,
    };
  }

  /** Image-booted root disk: createImage. */
  async copyRoot(d: BackupDisk): Promise<DiskRecord> {
    let image = await this.findCopyImage(d.disk, true);
    if (image && FAILED_IMAGE.has(image.status)) {
      await this.removeEntry({ type: 'image', id: image.id });
      image = undefined;
    }
    if (!image) {
      const name = this.name(d.disk);
      this.log(`createImage ${name}`);
      const id = await this.c.createServerImage(this.target.serverId, name, { [SERVER_ID_KEY]: this.target.serverId, [DISK_KEY]: d.disk });
      this.checkpoint(`created image ${id}`);
      await this.remember({ type: 'image', id, name, disk: d.disk, purpose: 'copy' });
    }
    const id =
      image?.id ??
      liveEntries(this.record, { type: 'image', disk: d.disk })
        .filter((e) => e.name === this.name(d.disk))
        .at(-1)!.id;
    const active = await this.c.waitForImageActive(id, this.wait());
    return this.diskRecord(d, await this.finishImage(active, d.disk));
  }

  /** Volume-backed disk: snapshot → temporary volume → upload-to-image → remove the temporaries. */
  async copyVolume(d: BackupDisk): Promise<DiskRecord> {
    const volumeId = d.volumeId!;
    const name = this.name(d.disk);
    const meta = { [SERVER_ID_KEY]: this.target.serverId, [DISK_KEY]: d.disk };
    let image = await this.findCopyImage(d.disk, false);
    if (image && FAILED_IMAGE.has(image.status)) {
      await this.removeEntry({ type: 'image', id: image.id });
      image = undefined;
    }
    if (!image) {
      // 1. the snapshot
      let snapshot = undefined as SnapshotView | undefined;
      for (const e of liveEntries(this.record, { type: 'snapshot', disk: d.disk })) {
        snapshot = await this.c.getSnapshot(e.id);
        if (snapshot && e.name === name) break;
        if (!snapshot) recordDeleted(this.record, 'snapshot', e.id);
      }
      if (!snapshot) {
        snapshot = (await this.c.findSnapshots({ name, volumeId })).find((s) => s.metadata[SERVER_ID_KEY] === this.target.serverId);
        if (snapshot) await this.remember({ type: 'snapshot', id: snapshot.id, name, disk: d.disk, purpose: 'temporary' });
      }
      if (snapshot && snapshot.status.startsWith('error')) {
        await this.removeEntry({ type: 'snapshot', id: snapshot.id });
        snapshot = undefined;
      }
      if (!snapshot) {
        const source = await this.c.getVolume(volumeId);
        if (!source) throw new BackupError(`volume ${volumeId} (${d.disk} disk) does not exist`);
        this.log(`snapshot of volume ${volumeId} (${source.status})`);
        snapshot = await this.c.createVolumeSnapshot({
          volumeId,
          name,
          description: `openstack-migrate copy of server ${this.target.serverId}`,
          force: source.status === 'in-use',
          metadata: meta,
        });
        this.checkpoint(`created snapshot ${snapshot.id}`);
        await this.remember({ type: 'snapshot', id: snapshot.id, name, disk: d.disk, purpose: 'temporary' });
      }
      snapshot = await this.c.waitForSnapshotAvailable(snapshot.id, this.wait());

      // 2. the temporary volume
      let volume = undefined as VolumeView | undefined;
      for (const e of liveEntries(this.record, { type: 'volume', disk: d.disk })) {
        volume = await this.c.getVolume(e.id);
        if (volume && e.name === name) break;
        if (!volume) recordDeleted(this.record, 'volume', e.id);
      }
      if (!volume) {
        volume = (await this.c.findVolumes({ name })).find((v) => v.metadata[SERVER_ID_KEY] === this.target.serverId);
        if (volume) await this.remember({ type: 'volume', id: volume.id, name, disk: d.disk, purpose: 'temporary' });
      }
      if (volume && volume.status.startsWith('error')) {
        await this.removeEntry({ type: 'volume', id: volume.id });
        volume = undefined;
      }
      if (!volume) {
        this.log(`temporary volume from snapshot ${snapshot.id}`);
        volume = await this.c.createVolumeFromSnapshot({
          snapshotId: snapshot.id,
          name,
          size: snapshot.size ?? 1,
          description: `openstack-migrate temporary copy of volume ${volumeId}`,
          metadata: meta,
        });
        this.checkpoint(`created volume ${volume.id}`);
        await this.remember({ type: 'volume', id: volume.id, name, disk: d.disk, purpose: 'temporary' });
      }
      volume = await this.c.waitForVolumeStatus(volume.id, ['available'], this.wait());

      // 3. upload-to-image
      this.log(`upload of volume ${volume.id} to image ${name}`);
      const upload = await this.c.uploadVolumeToImage(volume.id, { imageName: name, diskFormat: this.options.uploadDiskFormat ?? 'qcow2' });
      this.checkpoint(`created image ${upload.imageId}`);
      await this.remember({ type: 'image', id: upload.imageId, name, disk: d.disk, purpose: 'copy' });
      image = await this.c.getImage(upload.imageId);
    }
    const imageId = image?.id ?? liveEntries(this.record, { type: 'image', disk: d.disk }).at(-1)!.id;
    const active = await this.c.waitForImageActive(imageId, this.wait());
    const finished = await this.finishImage(active, d.disk);
    await this.removeTemporaries(d.disk);
    return this.diskRecord(d, finished);
  }

  /** Deletes one recorded resource (volume: waits until gone, as its snapshot cannot go before it). */
  async removeEntry(e: Pick<LedgerEntry, 'type' | 'id'>): Promise<void> {
    if (e.type === 'image') await this.c.deleteImage(e.id);
    else if (e.type === 'volume') {
      const v = await this.c.getVolume(e.id);
      // A volume still uploading cannot be deleted: let the upload end first.
      if (v && ['uploading', 'creating', 'downloading', 'attaching', 'detaching'].includes(v.status))
        await this.c.waitForVolumeStatus(e.id, ['available', 'error'], this.wait());
      if (v) await this.c.deleteVolume(e.id);
      await waitGone(`temporary volume ${e.id}`, () => this.c.getVolume(e.id), this.wait());
    } else {
      const s = await this.c.getSnapshot(e.id);
      if (s && s.status === 'creating') await this.c.waitForSnapshotAvailable(e.id, this.wait()).catch(() => undefined);
      if (s) await this.c.deleteSnapshot(e.id);
      await waitGone(`snapshot ${e.id}`, () => this.c.getSnapshot(e.id), this.wait());
    }
    this.checkpoint(`deleted ${e.type} ${e.id}`);
    recordDeleted(this.record, e.type, e.id);
    await this.save(`deleted ${e.type} ${e.id}`);
  }

  /** Volumes before snapshots (a volume made from a snapshot may depend on it). */
  async removeTemporaries(disk?: string): Promise<number> {
    const order: LedgerEntry['type'][] = ['volume', 'snapshot'];
    let n = 0;
    for (const type of order)
      for (const e of liveEntries(this.record, { type, purpose: 'temporary', ...(disk ? { disk } : {}) })) {
        await this.removeEntry(e);
        n += 1;
      }
    return n;
  }

  /** Everything recorded, then what a killed run created without recording (found by name and marker). */
  async removeAll(keep: Set<string> = new Set(), generations?: number[]): Promise<number> {
    let n = await this.removeTemporaries();
    for (const e of liveEntries(this.record).filter((x) => !keep.has(x.id))) {
      await this.removeEntry(e);
      n += 1;
    }
    const gens = generations ?? Array.from({ length: this.record.generation }, (_, i) => i + 1);
    for (const d of this.target.disks) {
      for (const g of gens) {
        const name = this.name(d.disk, g);
        if (d.volumeId) {
          for (const v of (await this.c.findVolumes({ name })).filter((v) => v.metadata[SERVER_ID_KEY] === this.target.serverId)) {
            recordCreated(this.record, { type: 'volume', id: v.id, name, disk: d.disk, purpose: 'temporary' });
            await this.removeEntry({ type: 'volume', id: v.id });
            n += 1;
          }
          for (const s of (await this.c.findSnapshots({ name, volumeId: d.volumeId })).filter((s) => s.metadata[SERVER_ID_KEY] === this.target.serverId)) {
            recordCreated(this.record, { type: 'snapshot', id: s.id, name, disk: d.disk, purpose: 'temporary' });
            await this.removeEntry({ type: 'snapshot', id: s.id });
            n += 1;
          }
        }
        const project = this.c.projectId();
        for (const i of (await this.c.findImages({ name })).filter(
          (i) => i.name === name && (i.properties[SERVER_ID_KEY] === this.target.serverId || (d.volumeId && project && i.owner === project)),
        )) {
          if (keep.has(i.id) || this.record.ledger.some((e) => e.type === 'image' && e.id === i.id && e.deleted)) continue;
          recordCreated(this.record, { type: 'image', id: i.id, name, disk: d.disk, purpose: 'copy' });
          await this.removeEntry({ type: 'image', id: i.id });
          n += 1;
        }
      }
    }
    return n;
  }

  async stopIfAsked(): Promise<void> {
    if (!this.options.stop) return;
    const server = await this.c.getServer(this.target.serverId);
    if (!server) throw new BackupError(`server ${this.target.serverId} does not exist`);
    if (!this.record.backup.stoppedByPlugin) {
      if (server.status !== 'ACTIVE') {
        this.log(`--stop: server is ${server.status}, left as it is`);
        return;
      }
      this.record.backup = { statusBefore: server.status, stoppedByPlugin: true };
      await this.save('stopping');
      this.log('os-stop');
      await this.c.stopServer(this.target.serverId);
      this.checkpoint('stopped');
    } else if (server.status === 'ACTIVE' && !server.taskState) {
      // A run killed between recording the stop and sending it: send it now (a 409 means it is under way).
      this.log('os-stop (again, after an interrupted run)');
      await this.c.stopServer(this.target.serverId);
    }
    await this.c.waitForServerStatus(this.target.serverId, 'SHUTOFF', this.wait());
  }

  async restartIfStopped(): Promise<void> {
    if (!this.record.backup.stoppedByPlugin) return;
    this.log('os-start (the server was ACTIVE before backup --stop)');
    await startServerWhenIdle(this.c, this.target.serverId, this.wait());
    this.checkpoint('started');
    await this.c.waitForServerStatus(this.target.serverId, 'ACTIVE', this.wait());
    this.record.backup = { ...this.record.backup, stoppedByPlugin: false };
    await this.save('started');
  }
}

function result(target: BackupTarget, outcome: BackupOutcome, disks: DiskRecord[], extra: Partial<BackupResult> = {}): BackupResult {
  return { serverId: target.serverId, serverName: target.serverName, vmName: target.vmName, namespace: target.namespace, outcome, disks, ...extra };
}

/** Backs up one server; resumes from its recorded state; never throws for a failed server (the result says). */
export async function backupServer(deps: BackupDeps, target: BackupTarget, options: BackupOptions = {}): Promise<BackupResult> {
  const c = await actionsOf(deps, target.projectId);
  const run = new ServerBackup(c, deps.store, target, options);
  await run.load();
  const phase = run.record.state.phase;
  if (phase === 'rolling-back' || (CUTOVER_OWNED.has(phase) && !options.keepPhase)) {
    return result(target, 'skipped', run.record.disks, {
      error: `phase is ${phase}: a cutover ${phase === 'rolling-back' ? 'rollback is unfinished' : 'is under way'}; run cutover again to ${phase === 'rolling-back' ? 'finish it' : 'resume it'}`,
    });
  }
  if (PAST_BACKUP.has(phase) && !options.retake)
    return result(target, 'skipped', run.record.disks, { error: `phase is ${phase}: the copy was already imported (use --retake for a new one)` });
  const complete = () => target.disks.every((d) => run.record.disks.some((r) => r.disk === d.disk && r.imageId));
  if (phase === 'backed-up' && !options.retake && complete()) {
    // Still there? An image removed by hand means the copy must be taken again.
    const missing: string[] = [];
    for (const r of run.record.disks) {
      const image = r.imageId ? await c.getImage(r.imageId) : undefined;
      if (!image || image.status !== 'active') missing.push(r.disk);
    }
    if (missing.length === 0) return result(target, 'already-backed-up', run.record.disks);
    run.record.disks = run.record.disks.filter((r) => !missing.includes(r.disk));
  }
  // What a failure must not remove: the finished copies of earlier runs (and, during a retake, the copies
  // being replaced). Everything else this server's runs created goes.
  const keep = new Set(run.record.disks.map((r) => r.imageId).filter(Boolean));
  const setState = (change: Partial<ServerRecord['state']>) => {
    if (!options.keepPhase) run.record.state = { ...run.record.state, ...change };
  };
  try {
    if (
      options.retake &&
      !run.record.backup.retaking &&
      (run.record.disks.length > 0 || liveEntries(run.record, { type: 'image', purpose: 'copy' }).length > 0)
    ) {
      // Recorded before anything is made, so that a killed retake resumes this generation and still removes the old copies.
      run.record.backup = {
        ...run.record.backup,
        retaking: { replacing: liveEntries(run.record, { type: 'image', purpose: 'copy' }).map((e) => e.id), previousDisks: run.record.disks },
      };
      run.record.generation += 1;
      run.record.disks = [];
    }
    for (const id of run.record.backup.retaking?.replacing ?? []) keep.add(id);
    const startedAt = phase === 'backing-up' && run.record.state.startedAt ? run.record.state.startedAt : new Date().toISOString();
    setState({
      phase: 'backing-up',
      startedAt,
      finishedAt: undefined,
      lastError: undefined,
      progress: (run.record.disks.length / Math.max(1, target.disks.length)) * 100,
    });
    await run.save('backing-up');

    if (options.preBackupHook) {
      const hook = await runHook(options.preBackupHook, target);
      if (hook.code !== 0) throw new BackupError(`--pre-backup-hook exited ${hook.code}${hook.stderr ? `: ${hook.stderr}` : ''}`);
    }
    // Stop only while a disk still needs its copy: a run killed after the copies (or after os-start) must
    // not stop the server again.
    if (!complete()) await run.stopIfAsked();
    for (const d of target.disks) {
      if (run.record.disks.some((r) => r.disk === d.disk && r.imageId)) continue;
      const rec = d.volumeId ? await run.copyVolume(d) : await run.copyRoot(d);
      run.record.disks = [...run.record.disks.filter((r) => r.disk !== d.disk), rec];
      setState({ progress: (run.record.disks.length / target.disks.length) * 100 });
      await run.save(`copied ${d.disk}`);
    }
    await run.restartIfStopped();
    // A retake replaces the older copies: remove them now that the new ones exist.
    for (const id of run.record.backup.retaking?.replacing ?? []) {
      const e = run.record.ledger.find((x) => x.type === 'image' && x.id === id);
      if (e && !e.deleted) await run.removeEntry(e);
    }
    run.record.backup = { ...run.record.backup, retaking: undefined };
    setState({ phase: 'backed-up', progress: 100, finishedAt: new Date().toISOString(), lastError: undefined });
    await run.save('backed-up');
    return result(target, 'backed-up', run.record.disks);
  } catch (err) {
    if (err instanceof SimulatedKill) throw err;
    const message = `${target.serverName} (${target.serverId}): ${(err as Error).message}`;
    // Nothing this run (or an interrupted one) created stays behind; finished copies of earlier runs stay.
    let removed = 0;
    const failures: string[] = [];
    try {
      removed = await run.removeAll(keep, [run.record.generation]);
      const retaking = run.record.backup.retaking;
      run.record.disks = retaking ? retaking.previousDisks : run.record.disks.filter((r) => keep.has(r.imageId));
      run.record.backup = { ...run.record.backup, retaking: undefined };
    } catch (cleanupError) {
      failures.push(`cleanup: ${(cleanupError as Error).message} (run backup --cleanup)`);
    }
    try {
      await run.restartIfStopped();
    } catch (startError) {
      failures.push(`restart: ${(startError as Error).message}`);
    }
    const lastError = [message, ...failures].join('; ');
    try {
      setState({ phase: 'failed', lastError: truncateError(lastError), finishedAt: new Date().toISOString() });
      await deps.store.save(run.record);
    } catch {
      // the error is reported in the result anyway
    }
    return result(target, 'failed', [], { error: lastError, removed });
  }
}

/**
 * cutover's final copy (deps.finalCopy): a new copy of every copied disk of a server cutover has stopped,
 * without touching the phase cutover owns. Resumable like any backup (a killed cutover re-run continues
 * the same generation). The records are the DiskCopy entries cutover imports.
 */
export function finalCopyVia(
  deps: BackupDeps,
  projectOf: (serverId: string) => string,
  options: Pick<BackupOptions, 'wait' | 'log' | 'uploadDiskFormat' | 'preBackupHook'> = {},
) {
  return async (work: {
    serverId: string;
    serverName: string;
    namespace: string;
    vmName: string;
    dataVolumes: { kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> } }[];
  }): Promise<DiskRecord[]> => {
    const [target] = backupTargetsFromPlan(
      { objects: work.dataVolumes, servers: [{ id: work.serverId, name: work.serverName, namespace: work.namespace, vmName: work.vmName }] },
      projectOf,
    );
    if (!target) return [];
    const r = await backupServer(deps, target, { ...options, retake: true, keepPhase: true, stop: false });
    if (r.outcome !== 'backed-up') throw new BackupError(r.error ?? `final copy of ${work.serverName}: ${r.outcome}`);
    return r.disks;
  };
}

export interface CleanupResult {
  serverId: string;
  serverName: string;
  removed: number;
  error?: string;
}

/**
 * backup --cleanup: removes every image, snapshot and volume the plugin created for the server (recorded,
 * or found by name and marker), starts the server again if a backup --stop left it stopped, and resets a
 * backup phase to planned. Imported disks are not affected (their bytes are in the cluster).
 */
export async function cleanupServer(deps: BackupDeps, target: BackupTarget, options: Pick<BackupOptions, 'wait' | 'log'> = {}): Promise<CleanupResult> {
  const c = await actionsOf(deps, target.projectId);
  const run = new ServerBackup(c, deps.store, target, options);
  try {
    await run.load();
    const removed = await run.removeAll();
    await run.restartIfStopped();
    run.record.disks = [];
    if (['backing-up', 'backed-up', 'failed'].includes(run.record.state.phase)) {
      run.record.state = { ...run.record.state, phase: 'planned', progress: undefined, lastError: undefined, finishedAt: undefined, startedAt: undefined };
    }
    await run.save('cleaned up');
    return { serverId: target.serverId, serverName: target.serverName, removed };
  } catch (err) {
    return {
      serverId: target.serverId,
      serverName: target.serverName,
      removed: 0,
      error: `${target.serverName} (${target.serverId}): ${(err as Error).message}`,
    };
  }
}

export function backupServers(deps: BackupDeps, targets: BackupTarget[], options: BackupOptions = {}): Promise<BackupResult[]> {
  return inPool(targets, options.parallel ?? 4, (t) => backupServer(deps, t, options));
}

export function cleanupServers(
  deps: BackupDeps,
  targets: BackupTarget[],
  options: Pick<BackupOptions, 'wait' | 'log' | 'parallel'> = {},
): Promise<CleanupResult[]> {
  return inPool(targets, options.parallel ?? 4, (t) => cleanupServer(deps, t, options));
}

/**
 * What to copy for each planned server, from the plan's DataVolumes (root and volume disks; ephemeral and
 * swap disks have no content to copy): disk role, DataVolume name, volume id from their annotations.
 */
export function backupTargetsFromPlan(
  plan: {
    objects: { kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> } }[];
    servers: { id: string; name: string; namespace: string; vmName: string }[];
  },
  projectOf: (serverId: string) => string,
): BackupTarget[] {
  const byServer = new Map<string, BackupDisk[]>();
  for (const o of plan.objects) {
    if (o.kind !== 'DataVolume') continue;
    const a = o.metadata.annotations ?? {};
    const serverId = a[ANNOTATIONS.serverId];
    const role = a[ANNOTATIONS.diskRole];
    if (!serverId || (role !== 'root' && role !== 'volume')) continue;
    const volumeId = a[ANNOTATIONS.volumeId];
    const list = byServer.get(serverId) ?? [];
    list.push({ disk: diskKey(role, volumeId), diskRole: role, dataVolume: o.metadata.name, ...(volumeId ? { volumeId } : {}) });
    byServer.set(serverId, list);
  }
  return plan.servers
    .filter((s) => byServer.has(s.id))
    .map((s) => ({ serverId: s.id, serverName: s.name, projectId: projectOf(s.id), namespace: s.namespace, vmName: s.vmName, disks: byServer.get(s.id)! }));
}
