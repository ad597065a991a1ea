import { describe, expect, it } from 'vitest';
import { ANNOTATIONS } from '../../../src/translate/naming.js';
import { BIND_IMMEDIATE, childName } from '../../../src/translate/disks.js';
import { addServer, addVolume, attachVolume, contextFor, emptyInventory } from '../../support/inventory-builder.js';
import { translateServer } from '../../../src/translate/vm.js';
import { validateObject } from '../../support/schema-validate.js';
import type { DataVolume } from '../../../src/kube-types/index.js';
import { outcomeOf, translateRow, translatedTemplateSpec, vmIn } from '../../support/vm-fixture.js';
import { at, must } from '../../support/must.js';

const GiB = 1024 ** 3;

describe('root disk size = max(flavor disk, image min_disk, image virtual size)', () => {
  it.each([
    { disk: 20, minDisk: 0, virtualSize: 2.2 * GiB, size: '20Gi' },
    { disk: 10, minDisk: 40, virtualSize: 2 * GiB, size: '40Gi' },
    { disk: 10, minDisk: 0, virtualSize: 30.5 * GiB, size: '31Gi' },
    { disk: 0, minDisk: 0, virtualSize: 8 * GiB, size: '8Gi' },
  ])('flavor $disk GiB, min_disk $minDisk → $size', ({ disk, minDisk, virtualSize, size }) => {
    const r = translateRow({ flavor: { disk }, image: { minDisk, virtualSize } });
    expect(r.schemaErrors).toEqual([]);
    const root = r.dataVolumes.find((dv) => dv.metadata.annotations?.[ANNOTATIONS.diskRole] === 'root')!;
    expect(root.spec.storage?.resources?.requests?.storage).toBe(size);
    expect(root.metadata.annotations?.[ANNOTATIONS.imageId]).toBe(r.inventory.images[0]?.id);
  });
  it('unknown size → blocker', () => {
    const r = translateRow({ flavor: { disk: 0 }, image: { minDisk: 0, virtualSize: undefined, size: undefined } });
    expect(outcomeOf(r.findings, 'flavor.disk')).toBe('blocker');
  });
});

describe('DataVolumes: planned, never an empty root, standalone', () => {
  it('root and volumes wait for import (upload source), ephemeral and swap are blank', () => {
    const r = translateRow({
      flavor: { ephemeral: 5, swap: 512 },
      setup: (inv, server) => attachVolume(server, addVolume(inv, { size: 50, name: 'db' }), '/dev/vdd'),
    });
    expect(r.schemaErrors).toEqual([]);
    const byRole = Object.fromEntries(r.dataVolumes.map((dv) => [dv.metadata.annotations![ANNOTATIONS.diskRole], dv]));
    expect(byRole.root.spec.source).toEqual({ upload: {} });
    expect(byRole.volume.spec.source).toEqual({ upload: {} });
    expect(byRole.ephemeral.spec.source).toEqual({ blank: {} });
    expect(byRole.swap.spec.source).toEqual({ blank: {} });
    expect(byRole.ephemeral.spec.storage.resources.requests.storage).toBe('5Gi');
    expect(byRole.swap.spec.storage.resources.requests.storage).toBe('512Mi');
    expect(byRole.volume.spec.storage.resources.requests.storage).toBe('50Gi');
    for (const dv of r.dataVolumes) {
      expect(dv.metadata.annotations![ANNOTATIONS.phase]).toBe('planned');
      expect(dv.metadata.annotations![BIND_IMMEDIATE]).toBe('true');
      expect(dv.metadata.annotations![ANNOTATIONS.serverId]).toBe(r.server.id);
      expect(dv.metadata.ownerReferences).toBeUndefined();
    }
    expect(r.vm.spec.dataVolumeTemplates).toBeUndefined();
    // Nova's layout: root (vda), ephemeral (vdb), swap (vdc), then volumes.
    expect(r.d.devices.disks.map((d) => d.name)).toEqual(['root', 'ephemeral0', 'swap', expect.stringMatching(/^vol-/)]);
    expect(r.t.volumes.map((v) => v.dataVolume?.name)).toEqual(r.dataVolumes.map((dv) => dv.metadata.name));
    expect(outcomeOf(r.findings, 'flavor.swap')).toBe('approximate');
    expect(outcomeOf(r.findings, 'flavor.ephemeral')).toBe('approximate');
  });

  it('volumes in boot index, then device name order (vdb < vdc < vdaa)', () => {
    const r = translateRow({
      setup: (inv, server) => {
        attachVolume(server, addVolume(inv, { name: 'aa' }), '/dev/vdaa');
        attachVolume(server, addVolume(inv, { name: 'c' }), '/dev/vdc');
        attachVolume(server, addVolume(inv, { name: 'b' }), '/dev/vdb');
        attachVolume(server, addVolume(inv, { name: 'boot2' }), '/dev/vdz', 1);
      },
    });
    const names = r.dataVolumes
      .filter((dv) => dv.metadata.annotations![ANNOTATIONS.diskRole] === 'volume')
      .map((dv) => dv.metadata.annotations![ANNOTATIONS.deviceName]);
    expect(names).toEqual(['/dev/vdz', '/dev/vdb', '/dev/vdc', '/dev/vdaa']);
    expect(r.d.devices.disks.find((d) => d.name !== 'root' && d.bootOrder)?.bootOrder).toBe(2);
  });

  it('boot from volume: root from the volume, image properties from volume_image_metadata', () => {
    const inv = emptyInventory();
    const vol = addVolume(inv, { size: 30, bootable: true, volumeImageMetadata: { hw_disk_bus: 'scsi', hw_firmware_type: 'uefi' } });
    const server = addServer(inv, { image: null });
    attachVolume(server, vol, '/dev/vda', 0);
    const { objects, findings } = translateServer(contextFor(inv), server);
    const vm = vmIn(objects);
    const root = must(
      objects.find((o): o is DataVolume => o.kind === 'DataVolume'),
      'the root DataVolume',
    );
    expect(validateObject(vm)).toEqual([]);
    expect(validateObject(root)).toEqual([]);
    expect(root.spec.storage?.resources?.requests?.storage).toBe('30Gi');
    expect(root.metadata.annotations?.[ANNOTATIONS.volumeId]).toBe(vol.id);
    const domain = translatedTemplateSpec(vm).domain;
    expect(at(domain.devices.disks, 0, 'disk').disk?.bus).toBe('scsi');
    expect(domain.firmware?.bootloader?.efi).toBeDefined();
    expect(findings.some((f) => f.attribute === 'volume.volume_image_metadata.hw_disk_bus' && f.outcome === 'exact')).toBe(true);
  });

  it.each([
    { config: {}, storage: { resources: { requests: { storage: '10Gi' } } } },
    { config: { storageClassName: 'ceph-rbd' }, storage: { resources: { requests: { storage: '10Gi' } }, storageClassName: 'ceph-rbd' } },
    {
      config: { storageClassName: 'ceph-rbd', volumeTypeStorageClasses: { fast: 'nvme' } },
      storage: { resources: { requests: { storage: '10Gi' } }, storageClassName: 'nvme' },
    },
    {
      config: { accessModes: ['ReadWriteMany' as const], volumeMode: 'Block' as const },
      storage: { resources: { requests: { storage: '10Gi' } }, accessModes: ['ReadWriteMany'], volumeMode: 'Block' },
    },
  ])('storage of a "fast" volume with $config', ({ config, storage }) => {
    const r = translateRow({ config, setup: (inv, server) => attachVolume(server, addVolume(inv, { volumeType: 'fast' }), '/dev/vdb') });
    expect(r.schemaErrors).toEqual([]);
    const dv = r.dataVolumes.find((d) => d.metadata.annotations![ANNOTATIONS.diskRole] === 'volume')!;
    expect(dv.spec.storage).toEqual(storage);
  });

  it.each([
    { v: { multiattach: true }, attr: 'multiattach' },
    { v: { encrypted: true }, attr: 'encrypted' },
  ])('blocks $attr volumes', ({ v, attr }) => {
    const r = translateRow({ setup: (inv, server) => attachVolume(server, addVolume(inv, v), '/dev/vdb') });
    expect(outcomeOf(r.findings, `volume/${r.inventory.volumes[0]!.id}.${attr}`)).toBe('blocker');
  });
  it('a missing volume is a blocker naming it', () => {
    const r = translateRow({ server: { blockDevices: [{ volumeId: 'gone', device: '/dev/vdb' }] } });
    expect(outcomeOf(r.findings, 'server.volumes_attached[gone]')).toBe('blocker');
  });
  it('more disks than KubeVirt accepts is a blocker', () => {
    const r = translateRow({
      setup: (inv, server) => {
        for (let i = 0; i < 256; i++) attachVolume(server, addVolume(inv, { size: 1 }), `/dev/vd${i}`);
      },
    });
    expect(outcomeOf(r.findings, 'server.volumes_attached')).toBe('blocker');
  });
  it('child names stay within 63 characters and distinct for long VM names', () => {
    const a = childName('a'.repeat(63), 'root');
    const b = childName(`${'a'.repeat(62)}b`, 'root');
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
    expect(childName('web-1', 'root')).toBe('web-1-root');
  });

  // diskAnnotations adds the keys in sorted order instead of sorting the map afterwards.
  it('annotations of every kind of DataVolume are in code-unit key order', () => {
    const bootFromVolume = emptyInventory();
    const boot = addServer(bootFromVolume, { image: null });
    attachVolume(boot, addVolume(bootFromVolume, { size: 30, bootable: true }), '/dev/vda', 0);
    const fromVolume = translateServer(contextFor(bootFromVolume), boot).objects.filter((o): o is DataVolume => o.kind === 'DataVolume');
    const fromImage = translateRow({
      flavor: { ephemeral: 5, swap: 512 },
      setup: (inv, server) => {
        attachVolume(server, addVolume(inv, { name: 'db' }), '/dev/vdd');
        server.blockDevices.push({ volumeId: addVolume(inv, { name: 'no device' }).id });
      },
    }).dataVolumes;
    const all = [...fromVolume, ...fromImage];
    expect(all.map((dv) => dv.metadata.annotations![ANNOTATIONS.diskRole]).sort()).toEqual(['ephemeral', 'root', 'root', 'swap', 'volume', 'volume']);
    for (const dv of all) {
      const keys = Object.keys(dv.metadata.annotations!);
      expect(keys).toEqual([...keys].sort());
    }
    const withDevice = all.filter((dv) => dv.metadata.annotations![ANNOTATIONS.deviceName] !== undefined);
    expect(withDevice.map((dv) => dv.metadata.annotations![ANNOTATIONS.deviceName]).sort()).toEqual(['/dev/vda', '/dev/vdd']);
    expect(Object.keys(at(fromVolume, 0, 'root DataVolume').metadata.annotations!)).toEqual([
      BIND_IMMEDIATE,
      ANNOTATIONS.deviceName,
      ANNOTATIONS.diskRole,
      ANNOTATIONS.phase,
      ANNOTATIONS.serverId,
      ANNOTATIONS.volumeId,
    ]);
  });
});
