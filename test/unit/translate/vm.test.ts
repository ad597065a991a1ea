import { describe, expect, it } from 'vitest';
import { ANNOTATIONS, LABELS, MANAGER, SECURITY_GROUP_LABEL_VALUE, securityGroupLabelKey } from '../../../src/translate/naming.js';
import { metadataAnnotationKey, translateServer } from '../../../src/translate/vm.js';
import {
  addFlavor,
  addImage,
  addNetwork,
  addSecurityGroup,
  addServer,
  addVolume,
  attachVolume,
  contextFor,
  emptyInventory,
} from '../../support/inventory-builder.js';
import { validateObject } from '../../support/schema-validate.js';
import { outcomeOf, translateRow, translatedTemplateSpec, vmIn } from '../../support/vm-fixture.js';
import { at, must } from '../../support/must.js';

describe('VirtualMachine identity, labels and annotations', () => {
  it('name/namespace from the context; plugin labels on VM and template; one label per security group on the template', () => {
    const r = translateRow({
      setup: (inv, server) => {
        const web = addSecurityGroup(inv, { name: 'web' });
        const ssh = addSecurityGroup(inv, { name: 'ssh access' });
        server.securityGroupIds.push(web.id, ssh.id);
        // The groups apply to the server's (only) NIC, which lands on the pod network (issue 9: labels per port).
        server.interfaces.push({ networkId: addNetwork(inv).id, macAddress: 'fa:16:3e:00:00:01', fixedIps: [] });
      },
    });
    expect(r.schemaErrors).toEqual([]);
    expect(r.vm.metadata).toMatchObject({ name: 'web-1', namespace: 'web' });
    const web = at(r.inventory.securityGroups, 0, 'security group');
    const ssh = at(r.inventory.securityGroups, 1, 'security group');
    const expectedTemplate = {
      [LABELS.managedBy]: MANAGER,
      [LABELS.serverId]: r.server.id,
      [LABELS.planId]: 'plan-test',
      [securityGroupLabelKey(web)]: SECURITY_GROUP_LABEL_VALUE,
      [securityGroupLabelKey(ssh)]: SECURITY_GROUP_LABEL_VALUE,
    };
    expect(r.vm.spec.template.metadata?.labels).toEqual(expectedTemplate);
    expect(r.vm.metadata.labels).toEqual({ ...expectedTemplate, [LABELS.component]: 'vm' });
    expect(r.vm.metadata.annotations).toMatchObject({
      [ANNOTATIONS.sourceKind]: 'server',
      [ANNOTATIONS.sourceId]: r.server.id,
      [ANNOTATIONS.sourceName]: 'web-1',
      [ANNOTATIONS.flavorName]: 'm1.small',
      [ANNOTATIONS.imageId]: at(r.inventory.images, 0, 'image').id,
      [ANNOTATIONS.phase]: 'planned',
    });
  });

  it.each([
    { key: 'role', annotation: 'openstack-migrate.io/metadata.role', changed: false },
    { key: 'owner.team', annotation: 'openstack-migrate.io/metadata.owner.team', changed: false },
    { key: 'billing code', annotation: /^openstack-migrate\.io\/metadata\.billing-code-[0-9a-f]{8}$/, changed: true },
    { key: 'x'.repeat(80), annotation: /^openstack-migrate\.io\/metadata\.x+-[0-9a-f]{8}$/, changed: true },
    { key: '__', annotation: /^openstack-migrate\.io\/metadata\.[0-9a-f]{8}$/, changed: true },
  ])('metadata key "$key" → annotation', ({ key, annotation, changed }) => {
    const out = metadataAnnotationKey(key);
    if (typeof annotation === 'string') expect(out.key).toBe(annotation);
    else expect(out.key).toMatch(annotation);
    expect(at(out.key.split('/'), 1, 'name part of the key').length).toBeLessThanOrEqual(63);
    expect(out.changed).toBe(changed);
    const r = translateRow({ server: { metadata: { [key]: 'v' } } });
    expect(r.schemaErrors).toEqual([]);
    expect(r.vm.metadata.annotations![out.key]).toBe('v');
    expect(outcomeOf(r.findings, `server.metadata.${key}`)).toBe('approximate');
  });

  it.each([
    { name: 'web-1', hostname: undefined, vmName: 'web-1', guest: 'web-1', nameOutcome: 'exact' },
    // A changed name is reported by the plan's name assignment (test/unit/plan/vm-names.test.ts), not here.
    { name: 'Web Server #1', hostname: undefined, vmName: 'web-server-1', guest: 'web-server-1', nameOutcome: undefined },
    { name: 'db', hostname: 'db.example.com', vmName: 'db', guest: 'db-example-com', nameOutcome: 'exact' },
  ])('server "$name" → VM name and hostname', ({ name, hostname, vmName, guest, nameOutcome }) => {
    const r = translateRow({ server: { name, hostname } });
    expect(r.schemaErrors).toEqual([]);
    if (typeof vmName === 'string') expect(r.vm.metadata.name).toBe(vmName);
    else expect(r.vm.metadata.name).toMatch(vmName);
    expect(r.t.hostname).toBe(guest);
    expect(outcomeOf(r.findings, 'server.name')).toBe(nameOutcome);
  });

  // vmAnnotations adds the keys in sorted order instead of sorting the map afterwards: a key added out of
  // place (a new annotation, a renamed one, a metadata key that sorts apart once made valid) shows here.
  it('annotations are written in code-unit key order, every optional one and odd metadata keys included', () => {
    const metadata = { zeta: '1', 'billing code': '2', A: '3', _x: '4', '9': '5', ['x'.repeat(80)]: '6', role: '7' };
    const r = translateRow({
      server: { description: 'the web server', tags: ['a', 'b'], metadata },
      imageProperties: { os_distro: 'ubuntu' },
    });
    expect(r.schemaErrors).toEqual([]);
    const annotations = must(r.vm.metadata.annotations, 'VM annotations');
    const keys = Object.keys(annotations);
    expect(keys).toEqual([...keys].sort());
    expect(annotations).toMatchObject({
      [ANNOTATIONS.description]: 'the web server',
      [ANNOTATIONS.domainName]: 'Default',
      [ANNOTATIONS.projectName]: 'web',
      [ANNOTATIONS.osDistro]: 'ubuntu',
      [ANNOTATIONS.tags]: 'a,b',
      [ANNOTATIONS.flavorId]: r.server.flavorId,
      [ANNOTATIONS.serverId]: r.server.id,
    });
    for (const [key, value] of Object.entries(metadata)) expect(annotations[metadataAnnotationKey(key).key]).toBe(value);
    expect(keys).toHaveLength(13 + Object.keys(metadata).length);
  });
});

describe('every attribute considered', () => {
  it('unknown flavor extra specs and hw_/os_ image properties are reported lost; other image keys together', () => {
    const r = translateRow({
      extraSpecs: { 'hw:pmu': 'false', 'hw:mem_encryption': 'true' },
      imageProperties: { hw_pmu: 'false', os_require_quiesce: 'yes', owner_specified_x: '1', image_type: 'snapshot' },
    });
    for (const attr of ['flavor.extra_specs.hw:pmu', 'flavor.extra_specs.hw:mem_encryption', 'image.hw_pmu', 'image.os_require_quiesce']) {
      expect(outcomeOf(r.findings, attr)).toBe('lost');
    }
    expect(r.findings.find((f) => f.attribute === 'image.{image_type,owner_specified_x}')?.outcome).toBe('lost');
  });
  it('every finding names the server and says why', () => {
    const r = translateRow({
      extraSpecs: { 'hw:cpu_policy': 'dedicated', 'hw:mem_page_size': 'large' },
      imageProperties: { hw_disk_bus: 'ide', hw_vif_model: 'vmxnet3', os_type: 'windows' },
    });
    for (const f of r.findings) {
      expect(f.source).toBe(`server/${r.server.id}`);
      expect(f.serverId).toBe(r.server.id);
      expect(f.reason.length).toBeGreaterThan(0);
    }
  });
  it('a missing flavor is a blocker and produces no objects', () => {
    const inv = emptyInventory();
    const server = addServer(inv, { flavorId: 'nope', image: addImage(inv) });
    const t = translateServer(contextFor(inv), server);
    expect(t.objects).toEqual([]);
    expect(outcomeOf(t.findings, 'server.flavor')).toBe('blocker');
  });
});

describe('a rich server validates and is deterministic', () => {
  function build() {
    const inv = emptyInventory();
    const flavor = addFlavor(inv, {
      id: 'f-1',
      vcpus: 8,
      ram: 16384,
      disk: 40,
      ephemeral: 10,
      swap: 1024,
      extraSpecs: {
        'hw:cpu_policy': 'dedicated',
        'hw:cpu_sockets': '2',
        'hw:mem_page_size': '1GB',
        'hw:numa_nodes': '2',
        'hw:emulator_threads_policy': 'isolate',
      },
    });
    const image = addImage(inv, {
      id: 'i-1',
      properties: {
        hw_firmware_type: 'uefi',
        os_secure_boot: 'required',
        hw_tpm_version: '2.0',
        hw_rng_model: 'virtio',
        hw_watchdog_action: 'reset',
        hw_video_model: 'qxl',
        hw_pointer_model: 'usbtablet',
        os_type: 'windows',
        hw_machine_type: 'q35',
        hw_vif_multiqueue_enabled: 'true',
      },
    });
    const server = addServer(inv, { id: 's-1', name: 'win-app', flavor, image, availabilityZone: 'az1', metadata: { b: '2', a: '1' }, tags: ['prod'] });
    return { inv, server };
  }
  it('validates against the KubeVirt schema', () => {
    const { inv, server } = build();
    const vm = vmIn(translateServer(contextFor(inv), server).objects);
    expect(validateObject(vm)).toEqual([]);
    const { domain } = translatedTemplateSpec(vm);
    expect(domain.cpu).toEqual({
      dedicatedCpuPlacement: true,
      sockets: 2,
      cores: 4,
      threads: 1,
      isolateEmulatorThread: true,
      numa: { guestMappingPassthrough: {} },
    });
    expect(domain.features?.smm).toEqual({ enabled: true });
  });
  it('same inventory → byte-identical output', () => {
    const a = build();
    const b = build();
    expect(JSON.stringify(translateServer(contextFor(a.inv), a.server))).toBe(JSON.stringify(translateServer(contextFor(b.inv), b.server)));
  });
  it('the schema validator rejects unknown fields (the tests above would catch a typo)', () => {
    const { inv, server } = build();
    const vm = vmIn(translateServer(contextFor(inv), server).objects);
    // A misspelt field on purpose (sockets → socket): only a cast lets it past the compiler.
    (must(translatedTemplateSpec(vm).domain.cpu, 'domain.cpu') as Record<string, unknown>).socket = 2;
    expect(validateObject(vm).length).toBeGreaterThan(0);
  });
});

// hardwareFor translates the hardware once per flavor and image (or boot volume image metadata) in a plan
// and hands the result to every server that shares them: a server must never get another's.
describe('hardware shared per flavor and image within a plan', () => {
  it('volume-backed servers share hardware only when their volume image metadata and image agree', () => {
    const inv = emptyInventory();
    const flavor = addFlavor(inv);
    const bigImage = addImage(inv, { minRam: 8192 });
    const bootFrom = (name: string, volumeImageMetadata: Record<string, string>, imageId?: string) => {
      const server = addServer(inv, { name, flavor, image: null, ...(imageId ? { imageId } : {}) });
      attachVolume(server, addVolume(inv, { size: 30, bootable: true, volumeImageMetadata }), '/dev/vda', 0);
      return server;
    };
    const servers = [
      bootFrom('scsi-a', { hw_disk_bus: 'scsi' }),
      bootFrom('sata', { hw_disk_bus: 'sata', hw_firmware_type: 'uefi' }),
      bootFrom('scsi-b', { hw_disk_bus: 'scsi' }),
      bootFrom('scsi-big', { hw_disk_bus: 'scsi' }, bigImage.id),
      addServer(inv, { name: 'from-image', flavor, image: addImage(inv, { properties: { hw_disk_bus: 'ide' } }) }),
      addServer(inv, { name: 'from-other-image', flavor, image: addImage(inv, { properties: { hw_disk_bus: 'scsi' } }) }),
    ];
    const ctx = { ...contextFor(inv), shareHardware: true };
    const vms = servers.map((server) => {
      const { objects, findings } = translateServer(ctx, server);
      const vm = vmIn(objects);
      expect(validateObject(vm)).toEqual([]);
      const domain = translatedTemplateSpec(vm).domain;
      return {
        bus: at(domain.devices.disks, 0, 'root disk').disk?.bus,
        efi: domain.firmware?.bootloader?.efi !== undefined,
        memory: domain.memory?.guest,
        busFinding: findings.find((f) => f.attribute.endsWith('.hw_disk_bus'))?.attribute,
        serverIds: [...new Set(findings.map((f) => f.serverId))],
      };
    });
    expect(vms.map((v) => [v.bus, v.efi, v.memory])).toEqual([
      ['scsi', false, '2048Mi'],
      ['sata', true, '2048Mi'],
      ['scsi', false, '2048Mi'],
      ['scsi', false, '8192Mi'],
      ['sata', false, '2048Mi'], // KubeVirt has no IDE: SATA
      ['scsi', false, '2048Mi'],
    ]);
    expect(vms.map((v) => v.busFinding)).toEqual([
      'volume.volume_image_metadata.hw_disk_bus',
      'volume.volume_image_metadata.hw_disk_bus',
      'volume.volume_image_metadata.hw_disk_bus',
      'volume.volume_image_metadata.hw_disk_bus',
      'image.hw_disk_bus',
      'image.hw_disk_bus',
    ]);
    // Replayed findings carry the server they are replayed for.
    expect(vms.map((v) => v.serverIds)).toEqual(servers.map((s) => [s.id]));
  });
});
