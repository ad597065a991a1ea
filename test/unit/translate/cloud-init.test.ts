import { describe, expect, it } from 'vitest';
import { addKeypair } from '../../support/inventory-builder.js';
import { outcomeOf, translateRow } from '../../support/vm-fixture.js';

const USER_DATA = Buffer.from('#cloud-config\npassword: s3cret-in-user-data\n').toString('base64');

describe('user data + key pair → cloud-init', () => {
  it.each([
    { server: { configDrive: false }, props: {}, method: 'cloudInitNoCloud', propagation: { noCloud: {} } },
    { server: { configDrive: true }, props: {}, method: 'cloudInitConfigDrive', propagation: { configDrive: {} } },
    { server: { configDrive: false }, props: { img_config_drive: 'mandatory' }, method: 'cloudInitConfigDrive', propagation: { configDrive: {} } },
  ])('config drive $server.configDrive / img_config_drive $props → $method', ({ server, props, method, propagation }) => {
    const r = translateRow({
      server: { ...server, userData: USER_DATA, keyName: 'alice-key' },
      imageProperties: props,
      setup: (inv) => { addKeypair(inv); },
    });
    expect(r.schemaErrors).toEqual([]);
    const volume = r.t.volumes.find((v: any) => v.name === 'cloudinit');
    const dataSecret = r.secrets.find((s) => s.data.userdata)!;
    expect(volume[method]).toEqual({ secretRef: { name: dataSecret.metadata.name } });
    // User data bytes unchanged, and never in the VM manifest.
    expect(dataSecret.data.userdata).toBe(USER_DATA);
    expect(JSON.stringify(r.vm)).not.toContain('s3cret');
    expect(JSON.stringify(r.vm)).not.toContain(USER_DATA);
    const keySecret = r.secrets.find((s) => s.data['alice-key'])!;
    expect(Buffer.from(keySecret.data['alice-key'], 'base64').toString()).toMatch(/^ssh-ed25519 /);
    expect(r.t.accessCredentials).toEqual([{ sshPublicKey: { source: { secret: { secretName: keySecret.metadata.name } }, propagationMethod: propagation } }]);
    expect(outcomeOf(r.findings, 'server.key_name')).toBe('exact');
    expect(outcomeOf(r.findings, 'server.user_data')).toBe('approximate');
    for (const s of r.secrets) expect(s.metadata.namespace).toBe(r.vm.metadata.namespace);
  });

  it('a key pair without user data still gets a cloud-init disk (KubeVirt needs one for noCloud keys)', () => {
    const r = translateRow({ server: { keyName: 'alice-key' }, setup: (inv) => { addKeypair(inv); } });
    expect(r.schemaErrors).toEqual([]);
    expect(r.t.volumes.find((v: any) => v.name === 'cloudinit').cloudInitNoCloud).toEqual({ userData: '#cloud-config\n' });
  });
  it('no user data, no key, no static network → no cloud-init disk', () => {
    const r = translateRow({});
    expect(r.t.volumes.map((v: any) => v.name)).toEqual(['root']);
    expect(r.secrets).toEqual([]);
  });
  it.each([
    { setup: () => undefined, outcome: 'lost' },
    { setup: (inv: any) => { addKeypair(inv, { type: 'x509' }); }, outcome: 'lost' },
  ])('unusable key pair → lost (row %#)', ({ setup, outcome }) => {
    const r = translateRow({ server: { keyName: 'alice-key' }, setup });
    expect(outcomeOf(r.findings, 'server.key_name')).toBe(outcome);
    expect(r.t.accessCredentials).toBeUndefined();
  });
});
