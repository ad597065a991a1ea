// The write side of the local OpenStack test server (extraRoutes of ./openstack-server): the actions backup
// and cutover use, stateful over the same ServedCloud arrays the read routes serve, with the bodies, status
// codes and state machines of the API references:
// - Nova: POST /servers/{id}/action os-stop/os-start → 202 (409 "Cannot 'stop' instance ... while it is in
//   vm_state stopped"), createImage → 202 with {"image_id"} at ≥2.45, a Location header below; GET server
//   shows task_state powering-off/powering-on, then SHUTOFF/ACTIVE.
// - Cinder: POST /snapshots → 202 creating→available (400 for an in-use volume without force); POST /volumes
//   from a snapshot → 202 creating→available; os-volume_upload_image → 202 (400 unless the volume is
//   available, or in-use with force), volume uploading→available, image queued→saving→active; DELETE → 202,
//   deleting→gone (400 while a volume is uploading or a snapshot creating).
// - Glance: GET /v2/images (name/tag/owner filters), GET /v2/images/{id}, PUT .../tags/{tag} → 204, PATCH with
//   application/openstack-images-v2.1-json-patch → 200 (415 with another type), DELETE → 204/404.
// - Glance image data: GET /v2/images/{id}/file → 200 with bytes (204 before the image is active), what
//   CDI's importer downloads with the X-Auth-Token header.
// - Neutron: GET/PUT /v2.0/floatingips/{id} → 200.
// Status changes advance on each GET of the object ("ticks"), so tests need no timers.
import { randomUUID } from 'node:crypto';
import { must } from './must.js';
import type { ExtraRoute, ServedCloud } from './openstack-server/index.js';

type Obj = Record<string, any>;

export interface ActionBehaviour {
  /** GETs an object stays in each transient status. */
  ticks: number;
  /** Uploads (createImage and upload-to-image) end in `killed` instead of `active`. */
  imagesFail: boolean;
  /** New snapshots end in `error`. */
  snapshotsFail: boolean;
}

export interface CloudActions {
  routes: (r: ExtraRoute) => Promise<boolean>;
  behaviour: ActionBehaviour;
  snapshots: Obj[];
  /** Every resource ever created through the actions, by type. */
  created: { image: string[]; snapshot: string[]; volume: string[] };
  /** Live resources whose name starts with `prefix`. */
  live(prefix?: string): { images: Obj[]; snapshots: Obj[]; volumes: Obj[] };
  /** Action requests by name (createImage, os-stop, snapshot, upload, ...). */
  calls: Record<string, number>;
  /** Accepted changes in order: "os-stop <server>", "createImage <server> <image>", "snapshot <volume> <snapshot>", "fip <id> <port|null>", ... */
  order: string[];
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const cinderTime = () =>
  new Date()
    .toISOString()
    .replace('Z', '')
    .replace(/\.(\d{3})$/, '.$1000');

export function cloudActions(cloud: ServedCloud, behaviour: Partial<ActionBehaviour> = {}): CloudActions {
  const b: ActionBehaviour = { ticks: 1, imagesFail: false, snapshotsFail: false, ...behaviour };
  const snapshots: Obj[] = [];
  const created = { image: [] as string[], snapshot: [] as string[], volume: [] as string[] };
  const calls: Record<string, number> = {};
  const order: string[] = [];
  /** Pending status steps per object id: each GET takes one step after `ticks` polls. */
  const pending = new Map<string, { steps: (() => void)[]; wait: number }>();
  const count = (k: string) => (calls[k] = (calls[k] ?? 0) + 1);

  const schedule = (id: string, steps: (() => void)[]) => pending.set(id, { steps, wait: b.ticks });
  const tick = (id: string) => {
    const p = pending.get(id);
    if (!p) return;
    if (p.wait > 0) {
      p.wait -= 1;
      return;
    }
    const step = p.steps.shift();
    step?.();
    if (p.steps.length === 0) pending.delete(id);
    else p.wait = b.ticks;
  };

  const novaError = (r: ExtraRoute, status: number, message: string) => {
    const key = status === 404 ? 'itemNotFound' : status === 409 ? 'conflictingRequest' : status === 400 ? 'badRequest' : 'computeFault';
    r.send(status, { [key]: { code: status, message } });
  };
  const cinderError = (r: ExtraRoute, status: number, message: string) =>
    r.send(status, { [status === 404 ? 'itemNotFound' : 'badRequest']: { code: status, message } });
  const glanceError = (r: ExtraRoute, status: number, message: string) =>
    r.send(status, { title: status === 404 ? 'Not Found' : 'Error', description: message });

  const newImage = (name: string, owner: string, props: Record<string, string>, diskFormat: string | null, virtualSize: number | null): Obj => {
    const id = randomUUID();
    const image: Obj = {
      ...props,
      name,
      disk_format: diskFormat,
      container_format: diskFormat ? 'bare' : null,
      visibility: 'private',
      size: null,
      virtual_size: null,
      status: 'queued',
      checksum: null,
      protected: false,
      min_ram: 0,
      min_disk: 0,
      owner,
      os_hidden: false,
      os_hash_algo: null,
      os_hash_value: null,
      id,
      created_at: now(),
      updated_at: now(),
      tags: [],
      self: `/v2/images/${id}`,
      file: `/v2/images/${id}/file`,
      schema: '/v2/schemas/image',
    };
    cloud.images.push(image);
    created.image.push(id);
    const finish = () => {
      if (b.imagesFail) image.status = 'killed';
      else
        Object.assign(image, {
          status: 'active',
          size: 196928,
          virtual_size: virtualSize,
          checksum: 'df9e4a1169c597117fd8999f0bc3de91',
          os_hash_algo: 'sha512',
          updated_at: now(),
        });
    };
    schedule(id, [() => (image.status = 'saving'), finish]);
    return image;
  };

  const projectOf = (v: Obj) => v['os-vol-tenant-attr:tenant_id'];

  // ------------------------------------------------------------------------------------------- Nova
  const compute = async (r: ExtraRoute): Promise<boolean> => {
    const mv =
      (r.headers['openstack-api-version'] as string | undefined)?.replace(/^compute\s+/, '') ??
      (r.headers['x-openstack-nova-api-version'] as string | undefined) ??
      '2.1';
    const headers = { 'OpenStack-API-Version': `compute ${mv}`, 'X-OpenStack-Nova-API-Version': mv, Vary: 'OpenStack-API-Version' };
    const show = /^\/servers\/([^/]+)$/.exec(r.path);
    if (show && r.method === 'GET' && show[1] !== 'detail') {
      const s = cloud.servers.find((x) => x.id === show[1]);
      if (!s) return (novaError(r, 404, `Instance ${show[1]} could not be found.`), true);
      tick(s.id);
      r.send(200, { server: s }, headers);
      return true;
    }
    const action = /^\/servers\/([^/]+)\/action$/.exec(r.path);
    if (!action || r.method !== 'POST') return false;
    const s = cloud.servers.find((x) => x.id === action[1]);
    if (!s) return (novaError(r, 404, `Instance ${action[1]} could not be found.`), true);
    const body = JSON.parse((await r.body()) || '{}');
    const busy = s['OS-EXT-STS:task_state'];
    if ('os-stop' in body) {
      count('os-stop');
      if (busy || s.status !== 'ACTIVE') return (novaError(r, 409, `Cannot 'stop' instance ${s.id} while it is in vm_state ${s['OS-EXT-STS:vm_state']}`), true);
      s['OS-EXT-STS:task_state'] = 'powering-off';
      order.push(`os-stop ${s.id}`);
      schedule(s.id, [
        () => Object.assign(s, { status: 'SHUTOFF', 'OS-EXT-STS:vm_state': 'stopped', 'OS-EXT-STS:task_state': null, 'OS-EXT-STS:power_state': 4 }),
      ]);
      r.send(202, undefined, headers);
      return true;
    }
    if ('os-start' in body) {
      count('os-start');
      if (busy || s.status !== 'SHUTOFF')
        return (novaError(r, 409, `Cannot 'start' instance ${s.id} while it is in vm_state ${s['OS-EXT-STS:vm_state']}`), true);
      s['OS-EXT-STS:task_state'] = 'powering-on';
      order.push(`os-start ${s.id}`);
      schedule(s.id, [
        () => Object.assign(s, { status: 'ACTIVE', 'OS-EXT-STS:vm_state': 'active', 'OS-EXT-STS:task_state': null, 'OS-EXT-STS:power_state': 1 }),
      ]);
      r.send(202, undefined, headers);
      return true;
    }
    if ('createImage' in body) {
      count('createImage');
      const name = body.createImage?.name;
      if (typeof name !== 'string' || !name)
        return (novaError(r, 400, "Invalid input for field/attribute createImage. Value: {}. 'name' is a required property"), true);
      if (busy) return (novaError(r, 409, `Cannot 'createImage' instance ${s.id} while it is in task_state ${busy}`), true);
      const base = cloud.images.find((i) => i.id === s.image?.id);
      const image = newImage(
        name,
        s.tenant_id,
        { ...(body.createImage.metadata ?? {}), image_type: 'snapshot', instance_uuid: s.id, base_image_ref: s.image?.id ?? '' },
        'qcow2',
        (s.flavor?.disk ?? 1) * 1024 ** 3,
      );
      if (base?.min_disk) image.min_disk = base.min_disk;
      order.push(`createImage ${s.id} ${image.id}`);
      const [major = 0, minor = 0] = mv.split('.').map(Number);
      if (major > 2 || (major === 2 && minor >= 45)) r.send(202, { image_id: image.id }, headers);
      else r.send(202, undefined, { ...headers, Location: `${r.base}/images/${image.id}` });
      return true;
    }
    return false;
  };

  // ----------------------------------------------------------------------------------------- Glance
  const image = async (r: ExtraRoute): Promise<boolean> => {
    if (r.path === '/v2/images' && r.method === 'GET' && (r.query.name || r.query.tag || r.query.owner)) {
      let images = cloud.images.filter((i) => r.admin || i.owner === r.token.projectId || i.visibility === 'public');
      if (r.query.name) images = images.filter((i) => i.name === r.query.name);
      if (r.query.tag) images = images.filter((i) => (i.tags ?? []).includes(r.query.tag));
      if (r.query.owner) images = images.filter((i) => i.owner === r.query.owner);
      for (const i of images) tick(i.id);
      r.send(200, { images, first: '/v2/images', schema: '/v2/schemas/images' });
      return true;
    }
    const file = /^\/v2\/images\/([^/]+)\/file$/.exec(r.path);
    if (file && r.method === 'GET') {
      // Image data download (what CDI's importer reads): 200 with the bytes once active, 204 without data.
      count('image-download');
      const i = cloud.images.find((x) => x.id === file[1] && (r.admin || x.owner === r.token.projectId || x.visibility === 'public'));
      if (!i) return (glanceError(r, 404, `No image found with ID ${file[1]}`), true);
      if (i.status !== 'active') return (r.sendRaw(204, Buffer.alloc(0)), true);
      const magic = i.disk_format === 'qcow2' ? Buffer.from('514649fb00000003', 'hex') : Buffer.alloc(8);
      r.sendRaw(200, Buffer.concat([magic, Buffer.alloc(4088)]), { 'Content-MD5': String(i.checksum ?? '') });
      return true;
    }
    const one = /^\/v2\/images\/([^/]+)(\/tags\/([^/]+))?$/.exec(r.path);
    if (!one) return false;
    const i = cloud.images.find((x) => x.id === one[1]);
    if (!i) return (glanceError(r, 404, `No image found with ID ${one[1]}`), true);
    if (one[2]) {
      if (r.method !== 'PUT' && r.method !== 'DELETE') return false;
      const tag = decodeURIComponent(must(one[3], 'the tag in the path'));
      count(`image-tag-${r.method}`);
      i.tags = r.method === 'PUT' ? [...new Set([...(i.tags ?? []), tag])] : (i.tags ?? []).filter((t: string) => t !== tag);
      r.send(204, undefined);
      return true;
    }
    if (r.method === 'GET') {
      tick(i.id);
      r.send(200, i);
      return true;
    }
    if (r.method === 'PATCH') {
      count('image-patch');
      if (r.headers['content-type'] !== 'application/openstack-images-v2.1-json-patch')
        return (glanceError(r, 415, `Unsupported Content-Type ${r.headers['content-type']}`), true);
      const ops = JSON.parse((await r.body()) || '[]') as { op: string; path: string; value?: unknown }[];
      for (const op of ops) {
        const key = op.path.replace(/^\//, '');
        if (op.op === 'remove') delete i[key];
        else i[key] = op.value;
      }
      i.updated_at = now();
      r.send(200, i);
      return true;
    }
    if (r.method === 'DELETE') {
      count('image-delete');
      cloud.images.splice(cloud.images.indexOf(i), 1);
      r.send(204, undefined);
      return true;
    }
    return false;
  };

  // ----------------------------------------------------------------------------------------- Cinder
  const snapshotView = (s: Obj) => s;
  const volume = async (r: ExtraRoute): Promise<boolean> => {
    const m = /^\/v3\/([^/]+)\/(.*)$/.exec(r.path);
    if (!m) return false;
    const [, project, rest = ''] = m; // both groups always take part in a match
    const visible = (v: Obj) => r.admin || projectOf(v) === r.token.projectId;
    if (rest === 'snapshots' && r.method === 'POST') {
      count('snapshot');
      const body = JSON.parse((await r.body()) || '{}').snapshot ?? {};
      const v = cloud.volumes.find((x) => x.id === body.volume_id && visible(x));
      if (!v) return (cinderError(r, 404, `Volume ${body.volume_id} could not be found.`), true);
      if (v.status === 'in-use' && body.force !== true)
        return (cinderError(r, 400, `Invalid volume: Volume ${v.id} status must be available, but current status is: in-use.`), true);
      if (!['available', 'in-use'].includes(v.status))
        return (cinderError(r, 400, `Invalid volume: Volume ${v.id} status must be available or in-use, but current status is: ${v.status}.`), true);
      const s: Obj = {
        id: randomUUID(),
        created_at: cinderTime(),
        updated_at: null,
        name: body.name ?? null,
        description: body.description ?? null,
        volume_id: v.id,
        status: 'creating',
        size: v.size,
        metadata: body.metadata ?? {},
        'os-extended-snapshot-attributes:project_id': project,
        'os-extended-snapshot-attributes:progress': '0%',
      };
      snapshots.push(s);
      created.snapshot.push(s.id);
      order.push(`snapshot ${v.id} ${s.id}`);
      schedule(s.id, [
        () =>
          Object.assign(
            s,
            b.snapshotsFail ? { status: 'error' } : { status: 'available', 'os-extended-snapshot-attributes:progress': '100%', updated_at: cinderTime() },
          ),
      ]);
      r.send(202, { snapshot: snapshotView(s) });
      return true;
    }
    if (rest === 'snapshots/detail' && r.method === 'GET') {
      let list = snapshots.filter((s) => r.admin || s['os-extended-snapshot-attributes:project_id'] === r.token.projectId);
      if (r.query.name) list = list.filter((s) => s.name === r.query.name);
      if (r.query.volume_id) list = list.filter((s) => s.volume_id === r.query.volume_id);
      for (const s of list) tick(s.id);
      r.send(200, { snapshots: list });
      return true;
    }
    const snap = /^snapshots\/([^/]+)$/.exec(rest);
    if (snap) {
      const s = snapshots.find((x) => x.id === snap[1]);
      if (!s) return (cinderError(r, 404, `Snapshot ${snap[1]} could not be found.`), true);
      if (r.method === 'GET') {
        tick(s.id);
        r.send(200, { snapshot: s });
        return true;
      }
      if (r.method === 'DELETE') {
        count('snapshot-delete');
        if (!['available', 'error'].includes(s.status))
          return (cinderError(r, 400, `Invalid snapshot: Snapshot status must be available or error, but current status is: ${s.status}.`), true);
        s.status = 'deleting';
        schedule(s.id, [() => snapshots.splice(snapshots.indexOf(s), 1)]);
        r.send(202, undefined);
        return true;
      }
      return false;
    }
    if (rest === 'volumes' && r.method === 'POST') {
      count('volume');
      const body = JSON.parse((await r.body()) || '{}').volume ?? {};
      const s = body.snapshot_id ? snapshots.find((x) => x.id === body.snapshot_id) : undefined;
      if (body.snapshot_id && !s) return (cinderError(r, 404, `Snapshot ${body.snapshot_id} could not be found.`), true);
      if (s && s.status !== 'available') return (cinderError(r, 400, `Invalid snapshot: Originating snapshot status must be one of 'available' values`), true);
      const tpl = cloud.volumes[0] ?? {};
      const v: Obj = {
        ...tpl,
        id: randomUUID(),
        status: 'creating',
        size: body.size ?? s?.size ?? 1,
        name: body.name ?? null,
        description: body.description ?? null,
        snapshot_id: s?.id ?? null,
        source_volid: null,
        metadata: body.metadata ?? {},
        attachments: [],
        bootable: 'false',
        created_at: cinderTime(),
        updated_at: null,
        'os-vol-tenant-attr:tenant_id': project,
        links: [],
      };
      delete v.volume_image_metadata;
      cloud.volumes.push(v);
      created.volume.push(v.id);
      schedule(v.id, [() => (v.status = 'available')]);
      r.send(202, { volume: v });
      return true;
    }
    if (rest === 'volumes/detail' && r.method === 'GET' && r.query.name) {
      const list = cloud.volumes.filter((v) => visible(v) && v.name === r.query.name);
      for (const v of list) tick(v.id);
      r.send(200, { volumes: list });
      return true;
    }
    const vol = /^volumes\/([^/]+)(\/action)?$/.exec(rest);
    if (!vol || vol[1] === 'detail') return false;
    const v = cloud.volumes.find((x) => x.id === vol[1] && visible(x));
    if (!v) return (cinderError(r, 404, `Volume ${vol[1]} could not be found.`), true);
    if (!vol[2] && r.method === 'GET') {
      tick(v.id);
      r.send(200, { volume: v });
      return true;
    }
    if (!vol[2] && r.method === 'DELETE') {
      count('volume-delete');
      if (!['available', 'error', 'error_restoring', 'error_extending', 'error_managing'].includes(v.status) || v.attachments?.length) {
        return (
          cinderError(
            r,
            400,
            `Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.`,
          ),
          true
        );
      }
      v.status = 'deleting';
      schedule(v.id, [() => cloud.volumes.splice(cloud.volumes.indexOf(v), 1)]);
      r.send(202, undefined);
      return true;
    }
    if (vol[2] && r.method === 'POST') {
      const body = JSON.parse((await r.body()) || '{}');
      const up = body['os-volume_upload_image'];
      if (!up) return false;
      count('upload');
      const force = up.force === true || up.force === 'true';
      if (!(v.status === 'available' || (v.status === 'in-use' && force)))
        return (
          cinderError(r, 400, `Invalid volume: Volume ${v.id} status must be available or in-use (with force), but current status is: ${v.status}.`), true
        );
      const previous = v.status;
      const img = newImage(up.image_name, projectOf(v), {}, up.disk_format ?? 'raw', v.size * 1024 ** 3);
      img.visibility = up.visibility ?? 'private';
      v.status = 'uploading';
      schedule(v.id, [() => (v.status = previous)]);
      r.send(202, {
        'os-volume_upload_image': {
          id: v.id,
          updated_at: cinderTime(),
          status: 'uploading',
          display_description: v.description,
          size: v.size,
          volume_type: { name: v.volume_type },
          image_id: img.id,
          container_format: up.container_format ?? 'bare',
          disk_format: up.disk_format ?? 'raw',
          image_name: up.image_name,
          visibility: img.visibility,
          protected: false,
        },
      });
      return true;
    }
    return false;
  };

  // ---------------------------------------------------------------------------------------- Neutron
  const network = async (r: ExtraRoute): Promise<boolean> => {
    const m = /^\/v2\.0\/floatingips\/([^/]+)$/.exec(r.path);
    if (!m) return false;
    const f = cloud.floatingIps.find((x) => x.id === m[1]);
    if (!f) return (r.send(404, { NeutronError: { type: 'FloatingIPNotFound', message: `Floating IP ${m[1]} could not be found`, detail: '' } }), true);
    if (r.method === 'GET') return (r.send(200, { floatingip: f }), true);
    if (r.method !== 'PUT') return false;
    count('floatingip-put');
    const body = JSON.parse((await r.body()) || '{}').floatingip ?? {};
    if (body.port_id) {
      const port = cloud.ports.find((p) => p.id === body.port_id);
      if (!port) return (r.send(404, { NeutronError: { type: 'PortNotFound', message: `Port ${body.port_id} could not be found.`, detail: '' } }), true);
      f.port_id = port.id;
      f.fixed_ip_address = body.fixed_ip_address ?? port.fixed_ips?.[0]?.ip_address ?? null;
      f.status = 'ACTIVE';
    } else {
      f.port_id = null;
      f.fixed_ip_address = null;
      f.status = 'DOWN';
    }
    f.revision_number = (f.revision_number ?? 0) + 1;
    order.push(`fip ${f.id} ${f.port_id}`);
    f.updated_at = now();
    r.send(200, { floatingip: f });
    return true;
  };

  return {
    behaviour: b,
    snapshots,
    created,
    calls,
    order,
    live: (prefix = '') => ({
      images: cloud.images.filter((i) => String(i.name ?? '').startsWith(prefix)),
      snapshots: snapshots.filter((s) => String(s.name ?? '').startsWith(prefix)),
      volumes: cloud.volumes.filter((v) => String(v.name ?? '').startsWith(prefix)),
    }),
    routes: async (r) => {
      if (r.service === 'compute') return compute(r);
      if (r.service === 'image') return image(r);
      if (r.service === 'volume') return volume(r);
      if (r.service === 'network') return network(r);
      return false;
    },
  };
}
