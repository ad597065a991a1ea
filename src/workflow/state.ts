// The migration state of a server, kept in the cluster as annotations on the objects the plugin created
// (the VirtualMachine and each DataVolume), so that any run, from any machine, can read and resume it.
// Pure: reading and computing annotations; writing them is the Kubernetes shell's job.
import { ANNOTATIONS } from '../translate/naming.js';

/**
 * The phases of one server's migration, in the order they normally happen. `rolling-back` is recorded
 * before a failed cutover starts undoing its steps, so that a run killed during the rollback is resumed
 * as a rollback (never forward).
 */
export const PHASES = [
  'planned',
  'backing-up',
  'backed-up',
  'importing',
  'imported',
  'cutting-over',
  'running',
  'rolling-back',
  'rolled-back',
  'failed',
] as const;
export type Phase = (typeof PHASES)[number];

export function isPhase(value: unknown): value is Phase {
  return typeof value === 'string' && (PHASES as readonly string[]).includes(value);
}

/** What the annotations of one object say. */
export interface MigrationState {
  phase: Phase;
  /** 0..100 */
  progress?: number;
  startedAt?: string;
  finishedAt?: string;
  lastError?: string;
  serverId?: string;
  volumeId?: string;
  imageId?: string;
  /** Glance image holding the copy of this disk (made by backup). */
  backupImageId?: string;
}

export function readState(annotations: Record<string, string> | undefined): MigrationState {
  const a = annotations ?? {};
  const progressText = a[ANNOTATIONS.progress];
  const progress = progressText === undefined ? undefined : Number.parseFloat(progressText);
  return {
    phase: isPhase(a[ANNOTATIONS.phase]) ? (a[ANNOTATIONS.phase] as Phase) : 'planned',
    progress: Number.isFinite(progress) ? progress : undefined,
    startedAt: a[ANNOTATIONS.startedAt],
    finishedAt: a[ANNOTATIONS.finishedAt],
    lastError: a[ANNOTATIONS.lastError],
    serverId: a[ANNOTATIONS.serverId],
    volumeId: a[ANNOTATIONS.volumeId],
    imageId: a[ANNOTATIONS.imageId],
    backupImageId: a[ANNOTATIONS.backupImageId],
  };
}

/**
 * The annotations that record a state change. Values are strings (Kubernetes requires it); a field set to
 * null removes the annotation (merge-patch semantics), undefined leaves it alone.
 */
export function stateAnnotations(change: { [K in keyof MigrationState]?: MigrationState[K] | null }): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  const put = (key: string, value: string | number | null | undefined) => {
    if (value === undefined) return;
    out[key] = value === null ? null : String(value);
  };
  put(ANNOTATIONS.phase, change.phase);
  put(ANNOTATIONS.progress, change.progress === undefined || change.progress === null ? change.progress : change.progress.toFixed(1));
  put(ANNOTATIONS.startedAt, change.startedAt);
  put(ANNOTATIONS.finishedAt, change.finishedAt);
  put(ANNOTATIONS.lastError, change.lastError === undefined || change.lastError === null ? change.lastError : truncateError(change.lastError));
  put(ANNOTATIONS.serverId, change.serverId);
  put(ANNOTATIONS.volumeId, change.volumeId);
  put(ANNOTATIONS.imageId, change.imageId);
  put(ANNOTATIONS.backupImageId, change.backupImageId);
  return out;
}

/** Errors recorded in annotations stay short: one line, at most 1 KiB. */
export function truncateError(message: string): string {
  const line = message.replace(/\s+/g, ' ').trim();
  return line.length > 1024 ? `${line.slice(0, 1021)}...` : line;
}
