// An in-memory source cloud: the workflow's SourceActions (src/workflow/source.ts) over plain arrays, with
// the state machines of the API references that backup relies on (the HTTP test server in
// ./openstack-actions.ts models the same over real requests): Nova os-stop/os-start (409 once done, or while a
// task is under way) and createImage (image queued → saving → active; the server's snapshot task_state
// image_snapshot → image_pending_upload → image_uploading → none, ending after the image is active); Cinder snapshots (creating → available; force needed for
// an in-use volume), volumes from a snapshot (creating → available), upload-to-image (volume uploading →
// available, image queued → active; only from an available volume); deletes refused while busy. Every
// transient status advances by one step per read of the object (no timers), so unit tests stay pure.
import { randomUUID } from 'node:crypto';
import { waitFor, type ImageView, type ServerView, type SnapshotView, type VolumeView } from '../../src/openstack/actions.js';
import { OpenStackError } from '../../src/openstack/errors.js';
import type { SourceActions } from '../../src/workflow/source.js';

interface Stepping<T> {
  view: T;
  /** Statuses still to come, one per read. */
  next: Partial<T>[];
}

export interface MemoryCloud {
  actions: SourceActions;
  servers: Map<string, Stepping<ServerView>>;
  images: Map<string, Stepping<ImageView>>;
  snapshots: Map<string, Stepping<SnapshotView>>;
  volumes: Map<string, Stepping<VolumeView>>;
  /** Everything ever created, by type, in order. */
  created: { image: string[]; snapshot: string[]; volume: string[] };
  /** Live resources whose name starts with the prefix. */
  live(prefix: string): { images: ImageView[]; snapshots: SnapshotView[]; volumes: VolumeView[] };
}

const conflict = (message: string) => new OpenStackError('api', message, { status: 409 });
const bad = (message: string) => new OpenStackError('api', message, { status: 400 });

export function memoryCloud(input: {
  projectId: string;
  servers: { id: string; name: string; status: 'ACTIVE' | 'SHUTOFF'; imageId?: string; volumes?: { id: string; size: number }[] }[];
}): MemoryCloud {
  const servers = new Map<string, Stepping<ServerView>>();
  const images = new Map<string, Stepping<ImageView>>();
  const snapshots = new Map<string, Stepping<SnapshotView>>();
  const volumes = new Map<string, Stepping<VolumeView>>();
  const created = { image: [] as string[], snapshot: [] as string[], volume: [] as string[] };
  for (const s of input.servers) {
    servers.set(s.id, {
      view: {
        id: s.id,
        name: s.name,
        status: s.status,
        projectId: input.projectId,
        taskState: null,
        imageId: s.imageId ?? '',
        volumesAttached: (s.volumes ?? []).map((v) => v.id),
        metadata: {},
      },
      next: [],
    });
    for (const v of s.volumes ?? [])
      volumes.set(v.id, { view: { id: v.id, name: `data-${v.id.slice(0, 4)}`, status: 'in-use', size: v.size, metadata: {}, attachedTo: [s.id] }, next: [] });
  }
  /** Reads advance the object by one step: what makes a poll see progress. */
  const read = <T>(map: Map<string, Stepping<T>>, id: string): T | undefined => {
    const o = map.get(id);
    if (!o) return undefined;
    const step = o.next.shift();
    if (step) Object.assign(o.view as object, step);
    return structuredClone(o.view);
  };
  const newImage = (name: string, properties: Record<string, string>, diskFormat: string) => {
    const id = randomUUID();
    images.set(id, {
      view: { id, name, status: 'queued', owner: input.projectId, diskFormat, tags: [], properties, visibility: 'private' },
      next: [{ status: 'saving' }, { status: 'active', size: 1024, virtualSize: 1024 ** 3 }],
    });
    created.image.push(id);
    return id;
  };
  const wait = <T extends { status: string }>(
    what: string,
    get: () => Promise<T | undefined>,
    done: (v: T) => boolean,
    failed: (v: T) => string | undefined,
    o?: Parameters<SourceActions['waitForImageActive']>[1],
  ) => waitFor(what, get, done, failed, { intervalMs: 0, maxIntervalMs: 0, ...o });

  const actions: SourceActions = {
    projectId: () => input.projectId,
    getServer: async (id) => read(servers, id),
    async stopServer(id) {
      const s = servers.get(id);
      if (!s) throw new OpenStackError('api', `server ${id}: os-stop: HTTP 404`, { status: 404 });
      // Nova: os-stop only for an ACTIVE server with no task under way, else 409.
      if (s.view.status === 'SHUTOFF' || s.view.taskState || s.next.length) return false;
      s.view.taskState = 'powering-off';
      s.next.push({ status: 'SHUTOFF', taskState: null });
      return true;
    },
    async startServer(id) {
      const s = servers.get(id);
      if (!s) throw new OpenStackError('api', `server ${id}: os-start: HTTP 404`, { status: 404 });
      // Nova: os-start only for a SHUTOFF server with no task under way (a snapshot being uploaded too), else 409.
      if (s.view.status === 'ACTIVE' || s.view.taskState || s.next.length) return false;
      s.view.taskState = 'powering-on';
      s.next.push({ status: 'ACTIVE', taskState: null });
      return true;
    },
    waitForServerStatus: (id, wanted, o) =>
      wait(
        `server ${id}`,
        () => actions.getServer(id),
        (s) => s.status === wanted && !s.taskState,
        () => undefined,
        o,
      ) as Promise<ServerView>,
    async createServerImage(id, name, metadata) {
      const s = servers.get(id);
      if (!s) throw new OpenStackError('api', `server ${id}: createImage: HTTP 404`, { status: 404 });
      if (s.view.taskState || s.next.length) throw conflict(`server ${id}: createImage while ${s.view.taskState}`);
      // Nova's snapshot tasks on the server; the image is active (two image reads) before the server's task
      // clears (three server reads), as on a real cloud where Glance marks the upload done first.
      s.view.taskState = 'image_snapshot';
      s.next.push({ taskState: 'image_pending_upload' }, { taskState: 'image_uploading' }, { taskState: null });
      return newImage(name, { ...metadata }, 'qcow2');
    },
    getImage: async (id) => read(images, id),
    findImages: async (f) =>
      [...images.values()]
        .map((i) => structuredClone(i.view))
        .filter((i) => (!f.name || i.name === f.name) && (!f.tag || i.tags.includes(f.tag)) && (!f.owner || i.owner === f.owner)),
    async addImageTag(id, tag) {
      const i = images.get(id);
      if (!i) throw new OpenStackError('api', `image ${id}: add tag: HTTP 404`, { status: 404 });
      if (!i.view.tags.includes(tag)) i.view.tags.push(tag);
    },
    async patchImage(id, ops) {
      const i = images.get(id);
      if (!i) throw new OpenStackError('api', `image ${id}: PATCH: HTTP 404`, { status: 404 });
      for (const op of ops) {
        const key = op.path.replace(/^\//, '');
        if (op.op === 'remove') delete i.view.properties[key];
        else i.view.properties[key] = String(op.value);
      }
      return structuredClone(i.view);
    },
    async deleteImage(id) {
      return images.delete(id);
    },
    waitForImageActive: (id, o) =>
      wait(
        `image ${id}`,
        () => actions.getImage(id),
        (i) => i.status === 'active',
        (i) => (i.status === 'killed' ? 'killed' : undefined),
        o,
      ) as Promise<ImageView>,
    async createVolumeSnapshot(inp) {
      const v = volumes.get(inp.volumeId);
      if (!v) throw new OpenStackError('api', `volume ${inp.volumeId}: HTTP 404`, { status: 404 });
      if (v.view.status === 'in-use' && !inp.force) throw bad(`volume ${inp.volumeId} is in-use: force needed`);
      const id = randomUUID();
      snapshots.set(id, {
        view: { id, name: inp.name, status: 'creating', volumeId: inp.volumeId, size: v.view.size, metadata: { ...inp.metadata } },
        next: [{ status: 'available' }],
      });
      created.snapshot.push(id);
      return structuredClone(snapshots.get(id)!.view);
    },
    getSnapshot: async (id) => read(snapshots, id),
    findSnapshots: async (f) =>
      [...snapshots.values()].map((s) => structuredClone(s.view)).filter((s) => (!f.name || s.name === f.name) && (!f.volumeId || s.volumeId === f.volumeId)),
    async deleteSnapshot(id) {
      const s = snapshots.get(id);
      if (!s) return false;
      if (s.view.status !== 'available' && s.view.status !== 'error') throw bad(`snapshot ${id} is ${s.view.status}`);
      if ([...volumes.values()].some((v) => v.view.snapshotId === id)) throw bad(`snapshot ${id} has dependent volumes`);
      snapshots.delete(id);
      return true;
    },
    waitForSnapshotAvailable: (id, o) =>
      wait(
        `snapshot ${id}`,
        () => actions.getSnapshot(id),
        (s) => s.status === 'available',
        (s) => (s.status.startsWith('error') ? s.status : undefined),
        o,
      ) as Promise<SnapshotView>,
    async createVolumeFromSnapshot(inp) {
      const s = snapshots.get(inp.snapshotId);
      if (s?.view.status !== 'available') throw bad(`snapshot ${inp.snapshotId} is not available`);
      const id = randomUUID();
      volumes.set(id, {
        view: { id, name: inp.name, status: 'creating', size: inp.size, snapshotId: inp.snapshotId, metadata: { ...inp.metadata }, attachedTo: [] },
        next: [{ status: 'available' }],
      });
      created.volume.push(id);
      return structuredClone(volumes.get(id)!.view);
    },
    getVolume: async (id) => read(volumes, id),
    findVolumes: async (f) => [...volumes.values()].map((v) => structuredClone(v.view)).filter((v) => v.name === f.name),
    async deleteVolume(id) {
      const v = volumes.get(id);
      if (!v) return false;
      if (v.view.attachedTo.length) throw bad(`volume ${id} is attached`);
      if (!['available', 'error'].includes(v.view.status)) throw bad(`volume ${id} is ${v.view.status}`);
      volumes.delete(id);
      return true;
    },
    waitForVolumeStatus: (id, wanted, o) =>
      wait(
        `volume ${id}`,
        () => actions.getVolume(id),
        (v) => wanted.includes(v.status),
        (v) => (v.status.startsWith('error') ? v.status : undefined),
        o,
      ) as Promise<VolumeView>,
    async uploadVolumeToImage(volumeId, inp) {
      const v = volumes.get(volumeId);
      if (!v) throw new OpenStackError('api', `volume ${volumeId}: HTTP 404`, { status: 404 });
      if (v.view.status !== 'available') throw bad(`volume ${volumeId} must be available, is ${v.view.status}`);
      const imageId = newImage(inp.imageName, {}, inp.diskFormat);
      v.view.status = 'uploading';
      v.next.push({ status: 'available' });
      return { imageId, status: 'uploading', diskFormat: inp.diskFormat };
    },
  };
  return {
    actions,
    servers,
    images,
    snapshots,
    volumes,
    created,
    live: (prefix) => ({
      images: [...images.values()].map((i) => i.view).filter((i) => i.name.startsWith(prefix)),
      snapshots: [...snapshots.values()].map((s) => s.view).filter((s) => s.name.startsWith(prefix)),
      volumes: [...volumes.values()].map((v) => v.view).filter((v) => v.name.startsWith(prefix)),
    }),
  };
}
