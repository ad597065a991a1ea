import { describe, expect, it } from 'vitest';
import type { Inventory } from '../../../src/inventory/types.js';
import { addKeypair } from '../../support/inventory-builder.js';
import { outcomeOf, translateRow } from '../../support/vm-fixture.js';
import { must } from '../../support/must.js';

const USER_DATA = Buffer.from('#cloud-config\npassword: s3cret-in-user-data\n').toString('base64');

describe('user data + key pair → cloud-init', () => {
  const CD = { method: 'cloudInitConfigDrive' as const, propagation: { configDrive: {} } };
  const NC = { method: 'cloudInitNoCloud' as const, propagation: { noCloud: {} } };
  it.each([
    // Default: a config drive in OpenStack's format for every guest, whatever Nova used.
    { option: undefined, server: { configDrive: false }, props: {}, ...CD, disk: { bus: 'virtio' }, cdrom: undefined },
    { option: undefined, server: { configDrive: true }, props: {}, ...CD, disk: { bus: 'virtio' }, cdrom: undefined },
    { option: 'nocloud' as const, server: { configDrive: false }, props: {}, ...NC, disk: { bus: 'virtio' }, cdrom: undefined },
    { option: 'nocloud' as const, server: { configDrive: true }, props: {}, ...NC, disk: { bus: 'virtio' }, cdrom: undefined },
    { option: 'nocloud' as const, server: { configDrive: false }, props: { img_config_drive: 'mandatory' }, ...CD, disk: { bus: 'virtio' }, cdrom: undefined },
    { option: 'as-source' as const, server: { configDrive: false }, props: {}, ...NC, disk: { bus: 'virtio' }, cdrom: undefined },
    { option: 'as-source' as const, server: { configDrive: true }, props: {}, ...CD, disk: { bus: 'virtio' }, cdrom: undefined },
    // The seed sits on the boot disk's bus, which the guest can read.
    { option: undefined, server: { configDrive: true }, props: { hw_disk_bus: 'scsi' }, ...CD, disk: { bus: 'scsi' }, cdrom: undefined },
    // Windows: cloudbase-init reads a config drive on a CD-ROM, with no virtio driver needed.
    {
      option: 'nocloud' as const,
      server: { configDrive: false },
      props: { os_type: 'windows' },
      ...CD,
      disk: undefined,
      cdrom: { bus: 'sata', readonly: true },
    },
  ])('--guest-datasource $option, config drive $server.configDrive, $props → $method', ({ option, server, props, method, propagation, disk, cdrom }) => {
    const r = translateRow({
      server: { ...server, userData: USER_DATA, keyName: 'alice-key' },
      imageProperties: props,
      config: option ? { guestDatasource: option } : {},
      setup: (inv) => {
        addKeypair(inv);
      },
    });
    const seed = r.d.devices.disks.find((d) => d.name === 'cloudinit');
    expect(seed).toEqual(disk ? { name: 'cloudinit', disk } : { name: 'cloudinit', cdrom });
    expect(r.schemaErrors).toEqual([]);
    const volume = must(
      r.t.volumes.find((v) => v.name === 'cloudinit'),
      'the cloudinit volume',
    );
    const dataSecret = r.secrets.find((s) => s.data.userdata)!;
    expect(volume[method]).toEqual({ secretRef: { name: dataSecret.metadata.name } });
    // User data bytes unchanged, and never in the VM manifest.
    expect(dataSecret.data.userdata).toBe(USER_DATA);
    expect(JSON.stringify(r.vm)).not.toContain('s3cret');
    expect(JSON.stringify(r.vm)).not.toContain(USER_DATA);
    const keySecret = r.secrets.find((s) => s.data['alice-key'])!;
    expect(Buffer.from(must(keySecret.data['alice-key'], 'the alice-key entry'), 'base64').toString()).toMatch(/^ssh-ed25519 /);
    expect(r.t.accessCredentials).toEqual([{ sshPublicKey: { source: { secret: { secretName: keySecret.metadata.name } }, propagationMethod: propagation } }]);
    expect(outcomeOf(r.findings, 'server.key_name')).toBe('exact');
    // Identity kept, so user data does not run again.
    expect(outcomeOf(r.findings, 'server.user_data')).toBe('exact');
    for (const s of r.secrets) expect(s.metadata.namespace).toBe(r.vm.metadata.namespace);
  });

  it('a key pair without user data still gets a cloud-init disk (KubeVirt needs one for noCloud keys)', () => {
    const r = translateRow({
      server: { keyName: 'alice-key' },
      setup: (inv) => {
        addKeypair(inv);
      },
    });
    expect(r.schemaErrors).toEqual([]);
    expect(r.t.volumes.find((v) => v.name === 'cloudinit')?.cloudInitConfigDrive).toEqual({ userData: '#cloud-config\n' });
  });
  it('no user data, no key, no static network → no cloud-init disk', () => {
    const r = translateRow({});
    expect(r.t.volumes.map((v) => v.name)).toEqual(['root']);
    expect(r.secrets).toEqual([]);
  });
  it.each([
    { setup: () => undefined, outcome: 'lost' },
    {
      setup: (inv: Inventory) => {
        addKeypair(inv, { type: 'x509' });
      },
      outcome: 'lost',
    },
  ])('unusable key pair → lost (row %#)', ({ setup, outcome }) => {
    const r = translateRow({ server: { keyName: 'alice-key' }, setup });
    expect(outcomeOf(r.findings, 'server.key_name')).toBe(outcome);
    expect(r.t.accessCredentials).toBeUndefined();
  });

  it("reports per server what of Nova's metadata the guest no longer sees", () => {
    const r = translateRow({
      server: { userData: USER_DATA, availabilityZone: 'az-1', metadata: { role: 'db' }, keyName: 'alice-key' },
      setup: (inv) => {
        addKeypair(inv);
      },
    });
    const f = r.findings.find((x) => x.attribute === 'server.instance_metadata')!;
    expect(f.outcome).toBe('lost');
    expect(f.severity).toBe('warning');
    for (const word of ['name', 'availability_zone az-1', 'launch_index', 'meta (role', 'keys', 'vendor data', 'password', '169.254.169.254'])
      expect(f.reason).toContain(word);
    const windows = translateRow({ imageProperties: { os_type: 'windows' }, server: { userData: USER_DATA } });
    expect(windows.findings.find((x) => x.attribute === 'server.instance_metadata')!.reason).toContain('admin password');
  });
});
