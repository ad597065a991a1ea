// (An integration test: it runs the local OpenStack API server over HTTP / the real qemu-img, which the
// unit project must not.)
// src/openstack/actions.ts over real HTTP against the local server: bodies, status codes and the
// "already done" answers (409 on power actions, 404 on deletes) the workflow relies on.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  GLANCE_PATCH_TYPE,
  addImageTag,
  createServerImage,
  deleteImage,
  getFloatingIp,
  getImage,
  getServer,
  listFloatingIpsOfPort,
  patchImage,
  setFloatingIpPort,
  startServer,
  stopServer,
  waitForImageActive,
  waitForServerStatus,
} from '../../src/openstack/actions.js';
import { OpenStackError } from '../../src/openstack/errors.js';
import { FAST_WAIT, startBackupCloud, type BackupCloud } from '../support/backup-harness.js';

let bc: BackupCloud;
beforeEach(async () => {
  bc = await startBackupCloud();
});
afterEach(async () => bc.close());

const WEB1 = '6097a3b1-4278-475a-a102-8163efba52b2';
const WEB1_PORT = '1afaff64-5681-41fe-8514-77776ec0b34a';
const WEB1_FIP = '921a80e5-a303-49f6-9ada-00d8c7d2bc60';

describe('Nova power actions', () => {
  it('os-stop → SHUTOFF, a second os-stop is a 409 (false), os-start → ACTIVE', async () => {
    expect(await stopServer(bc.client, WEB1)).toBe(true);
    const off = await waitForServerStatus(bc.client, WEB1, 'SHUTOFF', FAST_WAIT);
    expect(off).toMatchObject({ status: 'SHUTOFF', vmState: 'stopped', powerState: 4, taskState: null });
    expect(await stopServer(bc.client, WEB1)).toBe(false);
    expect(await startServer(bc.client, WEB1)).toBe(true);
    expect((await waitForServerStatus(bc.client, WEB1, 'ACTIVE', FAST_WAIT)).powerState).toBe(1);
    expect(await startServer(bc.client, WEB1)).toBe(false);
    const sent = bc.server.requests.filter((r) => r.path.endsWith('/action'));
    expect(sent.every((r) => r.microversion === 'compute 2.45')).toBe(true);
  });

  it('an unknown server is undefined on GET and an error naming it on actions', async () => {
    expect(await getServer(bc.client, 'nope')).toBeUndefined();
    await expect(stopServer(bc.client, 'nope')).rejects.toThrow(/server nope: os-stop: HTTP 404 \(Instance nope could not be found.\)/);
  });

  it('createImage returns the id from the body (2.45) and the image goes queued → saving → active', async () => {
    const id = await createServerImage(bc.client, WEB1, 'x-image', { k: 'v' });
    const seen: string[] = [];
    const image = await waitForImageActive(bc.client, id, { ...FAST_WAIT, onPoll: (s) => seen.push(s) });
    expect([...new Set(seen)]).toEqual(['queued', 'saving', 'active']);
    expect(image.properties).toMatchObject({ k: 'v', image_type: 'snapshot', instance_uuid: WEB1 });
  });
});

describe('Glance', () => {
  it('tags (idempotent), JSON-patch properties with the v2.1 patch media type, deletes (404 → false)', async () => {
    const id = await createServerImage(bc.client, WEB1, 'x-image', {});
    await addImageTag(bc.client, id, 'openstack-migrate');
    await addImageTag(bc.client, id, 'openstack-migrate');
    const patched = await patchImage(bc.client, id, [{ op: 'add', path: '/openstack_migrate_server_id', value: WEB1 }]);
    expect(patched.tags).toEqual(['openstack-migrate']);
    expect(patched.properties.openstack_migrate_server_id).toBe(WEB1);
    expect(bc.server.requests.some((r) => r.path.endsWith(`/images/${id}`))).toBe(true);
    expect(await deleteImage(bc.client, id)).toBe(true);
    expect(await deleteImage(bc.client, id)).toBe(false);
    expect(await getImage(bc.client, id)).toBeUndefined();
    expect(GLANCE_PATCH_TYPE).toBe('application/openstack-images-v2.1-json-patch');
  });
});

describe('Neutron floating IPs', () => {
  it('disassociates and associates again with the fixed IP, as cutover and its rollback do', async () => {
    const before = (await getFloatingIp(bc.client, WEB1_FIP))!;
    expect(before).toMatchObject({ portId: WEB1_PORT, fixedIpAddress: '10.10.0.51' });
    expect(await listFloatingIpsOfPort(bc.client, WEB1_PORT)).toEqual([expect.objectContaining({ id: WEB1_FIP })]);
    const off = await setFloatingIpPort(bc.client, WEB1_FIP, null);
    expect(off).toMatchObject({ portId: null, fixedIpAddress: null, status: 'DOWN' });
    const on = await setFloatingIpPort(bc.client, WEB1_FIP, WEB1_PORT, '10.10.0.51');
    expect(on).toMatchObject({ portId: WEB1_PORT, fixedIpAddress: '10.10.0.51', floatingIpAddress: before.floatingIpAddress });
    await expect(setFloatingIpPort(bc.client, WEB1_FIP, 'no-such-port')).rejects.toBeInstanceOf(OpenStackError);
  });
});
