// The pure parts of src/kube: apply order, the read-back comparison, the no-op test, kubeconfig choice.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sameStoredObject } from '../../src/kube/apply.js';
import { loadKubeConfig } from '../../src/kube/config.js';
import { applyOrder } from '../../src/plan/order.js';
import { diffSentStored } from '../../src/kube/readback.js';
import type { KubeObject } from '../../src/translate/model.js';

const obj = (apiVersion: string, kind: string, name = kind.toLowerCase()): KubeObject => ({ apiVersion, kind, metadata: { name } });

describe('applyOrder', () => {
  it('puts what others depend on first and keeps the plan order within a kind', () => {
    const plan = [
      obj('kubevirt.io/v1', 'VirtualMachine', 'vm-b'),
      obj('cdi.kubevirt.io/v1beta1', 'DataVolume'),
      obj('v1', 'Service'),
      obj('example.com/v1', 'Unknown'),
      obj('k8s.cni.cncf.io/v1', 'NetworkAttachmentDefinition'),
      obj('projectcalico.org/v3', 'NetworkPolicy', 'calico-np'),
      obj('projectcalico.org/v3', 'GlobalNetworkPolicy'),
      obj('networking.k8s.io/v1', 'NetworkPolicy', 'k8s-np'),
      obj('rbac.authorization.k8s.io/v1', 'RoleBinding'),
      obj('rbac.authorization.k8s.io/v1', 'Role'),
      obj('v1', 'ConfigMap'),
      obj('v1', 'Secret'),
      obj('v1', 'ServiceAccount'),
      obj('kubevirt.io/v1', 'VirtualMachine', 'vm-a'),
      obj('v1', 'Namespace'),
    ];
    expect(applyOrder(plan).map((o) => o.metadata.name)).toEqual([
      'namespace',
      'serviceaccount',
      'secret',
      'configmap',
      'role',
      'rolebinding',
      'k8s-np',
      'globalnetworkpolicy',
      'calico-np',
      'networkattachmentdefinition',
      'service',
      'unknown',
      'datavolume',
      'vm-b',
      'vm-a',
    ]);
  });

  it('tells a core kind from a CRD kind of the same name', () => {
    // A "Namespace" of some other group is not a namespace.
    expect(applyOrder([obj('example.com/v1', 'Namespace', 'x'), obj('v1', 'Service', 's')]).map((o) => o.metadata.name)).toEqual(['s', 'x']);
  });
});

describe('diffSentStored', () => {
  const cases: { name: string; sent: unknown; stored: unknown; diffs: unknown[] }[] = [
    { name: 'server defaults and extra metadata are fine', sent: { spec: { a: 1 } }, stored: { spec: { a: 1, b: 2 }, metadata: { uid: 'u' } }, diffs: [] },
    { name: 'a pruned leaf', sent: { spec: { a: 1, x: true } }, stored: { spec: { a: 1 } }, diffs: [{ path: '.spec.x', kind: 'pruned', sent: true }] },
    {
      name: 'a pruned empty object (efi: {} means "use EFI")',
      sent: { b: { efi: {} } },
      stored: { b: {} },
      diffs: [{ path: '.b.efi', kind: 'pruned', sent: {} }],
    },
    { name: 'a changed scalar', sent: { p: 80 }, stored: { p: '80' }, diffs: [{ path: '.p', kind: 'changed', sent: 80, stored: '80' }] },
    { name: 'list items compared in place, defaults inside allowed', sent: { l: [{ n: 'a' }] }, stored: { l: [{ n: 'a', d: 1 }] }, diffs: [] },
    { name: 'a list that lost an item', sent: { l: [1, 2] }, stored: { l: [1] }, diffs: [{ path: '.l', kind: 'changed', sent: [1, 2], stored: [1] }] },
    { name: 'a field inside a list item', sent: { l: [{ n: 'a', x: 1 }] }, stored: { l: [{ n: 'a' }] }, diffs: [{ path: '.l[0].x', kind: 'pruned', sent: 1 }] },
    { name: 'object became scalar', sent: { a: { b: 1 } }, stored: { a: 'x' }, diffs: [{ path: '.a', kind: 'changed', sent: { b: 1 }, stored: 'x' }] },
  ];
  it.each(cases)('$name', ({ sent, stored, diffs }) => {
    expect(diffSentStored(sent, stored)).toEqual(diffs);
  });
});

describe('sameStoredObject', () => {
  const base = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', resourceVersion: '5', managedFields: [{ manager: 'm', time: '2026-01-01T00:00:00Z', fieldsV1: { f: 1 } }] },
    data: { a: '1' },
  } as KubeObject;
  it('ignores managedFields timestamps and key order', () => {
    const after = {
      data: { a: '1' },
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { ...base.metadata, managedFields: [{ manager: 'm', time: '2026-02-02T00:00:00Z', fieldsV1: { f: 1 } }] },
    } as KubeObject;
    expect(sameStoredObject(base, after)).toBe(true);
  });
  it('sees a new resourceVersion, data or manager', () => {
    expect(sameStoredObject(base, { ...base, metadata: { ...base.metadata, resourceVersion: '6' } } as KubeObject)).toBe(false);
    expect(sameStoredObject(base, { ...base, data: { a: '2' } })).toBe(false);
    expect(
      sameStoredObject(base, { ...base, metadata: { ...base.metadata, managedFields: [{ manager: 'other', time: 't', fieldsV1: { f: 1 } }] } } as KubeObject),
    ).toBe(false);
  });
});

describe('loadKubeConfig', () => {
  let dir: string | undefined;
  const saved = process.env.KUBECONFIG;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
  });
  function write(name: string, contexts: { name: string; namespace?: string }[], current: string): string {
    dir ??= mkdtempSync(path.join(os.tmpdir(), 'kubeconfig-'));
    const file = path.join(dir, name);
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: `https://${name}.example.invalid:6443` } }],
        users: [{ name: 'u', user: { token: 'not-a-secret' } }],
        contexts: contexts.map((c) => ({ name: c.name, context: { cluster: 'c', user: 'u', ...(c.namespace ? { namespace: c.namespace } : {}) } })),
        'current-context': current,
      }),
    );
    return file;
  }

  it.each([
    { name: 'current context and its namespace', opts: {}, context: 'a', namespace: 'ns-a' },
    { name: '--context picks another context', opts: { context: 'b' }, context: 'b', namespace: 'default' },
    { name: '-n wins over the context namespace', opts: { namespace: 'mine' }, context: 'a', namespace: 'mine' },
  ])('$name', ({ opts, context, namespace }) => {
    const file = write('one', [{ name: 'a', namespace: 'ns-a' }, { name: 'b' }], 'a');
    const got = loadKubeConfig({ kubeconfig: file, ...opts });
    expect(got.ok && { context: got.value.contextName, namespace: got.value.namespace, server: got.value.server }).toEqual({
      context,
      namespace,
      server: 'https://one.example.invalid:6443',
    });
  });

  it('reads $KUBECONFIG when no --kubeconfig is given', () => {
    process.env.KUBECONFIG = write('fromenv', [{ name: 'env-ctx', namespace: 'env-ns' }], 'env-ctx');
    const got = loadKubeConfig();
    expect(got.ok && [got.value.contextName, got.value.namespace]).toEqual(['env-ctx', 'env-ns']);
  });

  it('names the contexts there are when --context is unknown', () => {
    const file = write('one', [{ name: 'a' }, { name: 'b' }], 'a');
    const got = loadKubeConfig({ kubeconfig: file, context: 'nope' });
    expect(got).toMatchObject({ ok: false, error: { code: 'context-not-found', available: ['a', 'b'] } });
  });

  it('reports an unreadable kubeconfig as a value', () => {
    const got = loadKubeConfig({ kubeconfig: '/nonexistent/kubeconfig' });
    expect(got).toMatchObject({ ok: false, error: { code: 'kubeconfig-unreadable', path: '/nonexistent/kubeconfig' } });
  });
});
