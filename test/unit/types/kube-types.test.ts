// Compile-time checks (tsc -p tsconfig.test.json, run by scripts/test.sh) that the plan's objects are typed:
// each `@ts-expect-error` line must fail to compile, so if a type ever loosens back to `unknown` fields
// (or an index signature), tsc reports an unused @ts-expect-error and the build fails.
import { describe, expect, it } from 'vitest';
import type { DataVolume, NetworkPolicy, PlanObject, RoleBinding, Service, VirtualMachine } from '../../../src/kube-types/index.js';
import type { Server } from '../../../src/inventory/types.js';

const vm: VirtualMachine = {
  apiVersion: 'kubevirt.io/v1',
  kind: 'VirtualMachine',
  metadata: { name: 'vm' },
  spec: {
    runStrategy: 'Always',
    template: {
      spec: {
        domain: {
          devices: {
            disks: [{ name: 'root', disk: { bus: 'virtio' } }],
            // @ts-expect-error a misspelt field (networkInterfaceMultiQueue) is a compile error
            networkInterfaceMultiQueue: true,
          },
        },
      },
    },
  },
};

const dv: DataVolume = {
  apiVersion: 'cdi.kubevirt.io/v1beta1',
  kind: 'DataVolume',
  metadata: { name: 'dv' },
  // @ts-expect-error storage.accessModes takes access modes, not any string
  spec: { source: { upload: {} }, storage: { accessModes: ['RWO'] } },
};

const np: NetworkPolicy = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'np' },
  // the wire name `from` (client-node's model would say `_from`)
  spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] },
};

const rb: RoleBinding = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name: 'rb' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
  // @ts-expect-error subject misspelt
  subject: [],
};

// @ts-expect-error the apiVersion is pinned per kind
const svc: Service = { apiVersion: 'v2', kind: 'Service', metadata: { name: 's' } };

// @ts-expect-error a PlanObject of an unknown kind does not compile
const unknownKind: PlanObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' } };

function inventoryField(server: Server): string {
  // @ts-expect-error inventory types come from the schema: no field `flavorID`
  return server.flavorID;
}

describe('typed Kubernetes objects', () => {
  it('exist at run time as plain data (the checks above are the compile-time part)', () => {
    expect([vm, dv, np, rb, svc, unknownKind].map((o) => o.kind)).toEqual(['VirtualMachine', 'DataVolume', 'NetworkPolicy', 'RoleBinding', 'Service', 'Job']);
    expect(typeof inventoryField).toBe('function');
  });
});
