// OpenStack creates are made once, even when the connection drops after the server acted (issue 11 item
// 3): the local OpenStack API server carries the create out and then destroys the socket instead of
// answering; the client must not send the create again blindly (a second copy of a customer's disk would
// leak in their quota) but find what its first request made, by its deterministic name.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupServer, type BackupDeps } from '../../src/workflow/backup.js';
import { MemoryStateStore } from '../../src/workflow/ledger.js';
import { FAST_WAIT, startBackupCloud, type BackupCloud } from '../support/backup-harness.js';

let bc: BackupCloud;
let deps: BackupDeps;
beforeEach(async () => {
  bc = await startBackupCloud();
  deps = { clientFor: async () => bc.client, store: new MemoryStateStore() };
});
afterEach(async () => bc.close());

describe('creates survive a dropped connection without duplicates', () => {
  it('createImage: one image, the one the dropped request made', async () => {
    bc.server.inject({ service: 'compute', pathIncludes: '/action', method: 'POST', reset: true, afterHandling: true, times: 1 });
    const r = await backupServer(deps, bc.target('web-2'), { wait: FAST_WAIT });
    expect(r.outcome, r.error).toBe('backed-up');
    expect(bc.actions.calls.createImage).toBe(1);
    expect(bc.actions.created.image).toHaveLength(1);
    expect(r.disks[0]!.imageId).toBe(bc.actions.created.image[0]);
  });

  it('Cinder snapshot, volume and upload-to-image: each made once', async () => {
    for (const [pathIncludes, what] of [
      ['/snapshots', 'snapshot'],
      ['/volumes', 'volume'],
      ['/action', 'upload'],
    ] as const) {
      await bc.close();
      bc = await startBackupCloud();
      deps = { clientFor: async () => bc.client, store: new MemoryStateStore() };
      bc.server.inject({ service: 'volume', pathIncludes, method: 'POST', reset: true, afterHandling: true, times: 1 });
      const r = await backupServer(deps, bc.target('bfv-1'), { wait: FAST_WAIT, uploadDiskFormat: 'raw' });
      expect(r.outcome, `${what}: ${r.error}`).toBe('backed-up');
      expect(bc.actions.created.snapshot, what).toHaveLength(1);
      expect(bc.actions.created.volume, what).toHaveLength(1);
      expect(bc.actions.created.image, what).toHaveLength(1);
      expect(bc.actions.live('osm-').images, what).toHaveLength(1);
    }
  });
});
