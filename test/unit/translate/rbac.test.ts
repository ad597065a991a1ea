import { describe, expect, it } from 'vitest';
import { KEYSTONE_ROLES_ANNOTATION, roleBindingName, roleBindingsFor } from '../../../src/translate/rbac.js';
import type { Inventory, RoleAssignment } from '../../../src/inventory/types.js';
import type { KubeObject } from '../../../src/translate/model.js';
import { contextFor, inventoryWith, project } from '../../support/inventory-fixtures.js';
import { validateObjects } from '../../support/schema-validate.js';
import type { RoleBinding } from '../../../src/kube-types/index.js';

// Two domains, three projects; alice exists in both domains (same name).
function cloud(roleAssignments: RoleAssignment[]): Inventory {
  return inventoryWith({
    domains: [
      { id: 'd1', name: 'Default' },
      { id: 'd2', name: 'acme' },
      { id: 'd3', name: 'off', enabled: false },
    ],
    projects: [project('p-demo', 'demo', 'd1'), project('p-web', 'web', 'd2'), project('p-db', 'db', 'd2'), project('p-off', 'x', 'd3')],
    users: [
      { id: 'u-alice1', name: 'alice', domainId: 'd1', enabled: true },
      { id: 'u-alice2', name: 'alice', domainId: 'd2', enabled: true },
      { id: 'u-bob', name: 'bob', domainId: 'd2', enabled: true },
      { id: 'u-gone', name: 'carol', domainId: 'd2', enabled: false },
      { id: 'u-offdom', name: 'dave', domainId: 'd3', enabled: true },
    ],
    groups: [{ id: 'g-ops', name: 'ops', domainId: 'd2', members: ['u-bob'] }],
    roles: [
      { id: 'r-admin', name: 'admin' },
      { id: 'r-member', name: 'member' },
      { id: 'r-m2', name: '_member_' },
      { id: 'r-reader', name: 'reader' },
      { id: 'r-aud', name: 'auditor' },
    ],
    roleAssignments,
  });
}

function bindings(assignments: RoleAssignment[], roleMapping?: Record<string, string>) {
  const ctx = contextFor(cloud(assignments), roleMapping ? { roleMapping } : {});
  return { ctx, result: roleBindingsFor(ctx) };
}

/** "<namespace> <kind> <subject> → <clusterRole>" per binding, the shape the mapping table reads in. */
function summary(objects: KubeObject[]): string[] {
  return objects.map((o) => {
    const s = (o.subjects as { kind: string; name: string }[])[0]!;
    return `${o.metadata.namespace} ${s.kind} ${s.name} → ${(o.roleRef as { name: string }).name}`;
  });
}

describe('roleBindingsFor: one row per assignment shape', () => {
  const rows: { name: string; assignment: RoleAssignment; expected: string[] }[] = [
    { name: 'user admin on project', assignment: { roleId: 'r-admin', userId: 'u-bob', projectId: 'p-web' }, expected: ['acme-web User bob → admin'] },
    { name: 'user member on project', assignment: { roleId: 'r-member', userId: 'u-bob', projectId: 'p-web' }, expected: ['acme-web User bob → edit'] },
    { name: 'user reader on project', assignment: { roleId: 'r-reader', userId: 'u-bob', projectId: 'p-db' }, expected: ['acme-db User bob → view'] },
    { name: 'group member on project', assignment: { roleId: 'r-member', groupId: 'g-ops', projectId: 'p-db' }, expected: ['acme-db Group ops → edit'] },
    {
      name: 'inherited domain grant → every project of the domain',
      assignment: { roleId: 'r-reader', groupId: 'g-ops', domainId: 'd2', inherited: true },
      expected: ['acme-db Group ops → view', 'acme-web Group ops → view'],
    },
    { name: 'domain grant, not inherited → none', assignment: { roleId: 'r-admin', userId: 'u-bob', domainId: 'd2' }, expected: [] },
    { name: 'inherited project grant → none', assignment: { roleId: 'r-admin', userId: 'u-bob', projectId: 'p-web', inherited: true }, expected: [] },
    { name: 'unmapped role → none', assignment: { roleId: 'r-aud', userId: 'u-bob', projectId: 'p-web' }, expected: [] },
    { name: 'disabled user → none', assignment: { roleId: 'r-admin', userId: 'u-gone', projectId: 'p-web' }, expected: [] },
    { name: 'user of a disabled domain → none', assignment: { roleId: 'r-admin', userId: 'u-offdom', projectId: 'p-off' }, expected: [] },
    { name: 'unknown user → none', assignment: { roleId: 'r-admin', userId: 'u-nobody', projectId: 'p-web' }, expected: [] },
  ];
  it.each(rows)('$name', ({ assignment, expected }) => {
    const { result } = bindings([assignment]);
    expect(summary(result.objects)).toEqual(expected);
    expect(validateObjects(result.objects)).toEqual([]);
    // Every assignment that yields no binding says why.
    if (expected.length === 0) expect(result.findings.filter((f) => f.outcome === 'lost')).toHaveLength(1);
    else expect(result.findings).toEqual([]);
  });
});

describe('roleBindingsFor: details', () => {
  it('merges Keystone roles that map to the same ClusterRole into one binding per subject', () => {
    const { result } = bindings([
      { roleId: 'r-member', userId: 'u-bob', projectId: 'p-web' },
      { roleId: 'r-m2', userId: 'u-bob', projectId: 'p-web' },
      { roleId: 'r-admin', userId: 'u-bob', projectId: 'p-web' },
    ]);
    expect(summary(result.objects)).toEqual(['acme-web User bob → admin', 'acme-web User bob → edit']);
    const edit = result.objects.find((o) => (o as RoleBinding).roleRef.name === 'edit')!;
    expect(edit.metadata.annotations![KEYSTONE_ROLES_ANNOTATION]).toBe('_member_,member');
  });

  it('uses the configured role mapping', () => {
    const { result } = bindings([{ roleId: 'r-aud', userId: 'u-bob', projectId: 'p-web' }], { auditor: 'view' });
    expect(summary(result.objects)).toEqual(['acme-web User bob → view']);
  });

  it('names the unmapped role in the finding', () => {
    const { result } = bindings([{ roleId: 'r-aud', userId: 'u-bob', projectId: 'p-web' }]);
    expect(result.findings[0]).toMatchObject({ source: 'user/u-bob', outcome: 'lost' });
    expect(result.findings[0]?.reason).toContain('"auditor"');
  });

  it('reports users of different domains that share a name and both get bindings', () => {
    const { result } = bindings([
      { roleId: 'r-admin', userId: 'u-alice1', projectId: 'p-demo' },
      { roleId: 'r-reader', userId: 'u-alice2', projectId: 'p-web' },
    ]);
    expect(summary(result.objects)).toEqual(['acme-web User alice → view', 'default-demo User alice → admin']);
    const collisions = result.findings.filter((f) => f.attribute === 'name');
    expect(collisions.map((f) => f.source).sort()).toEqual(['user/u-alice1', 'user/u-alice2']);
  });

  it('does not report a shared name when only one of the users gets a binding', () => {
    const { result } = bindings([{ roleId: 'r-admin', userId: 'u-alice1', projectId: 'p-demo' }]);
    expect(result.findings).toEqual([]);
  });

  it('gives deterministic, DNS-safe names that differ per subject and role', () => {
    const a = roleBindingName('edit', 'User', 'Bob Smith@example.com');
    expect(a).toMatch(/^keystone-edit-user-bob-smith-example-com-[0-9a-f]{8}$/);
    expect(roleBindingName('edit', 'User', 'Bob Smith@example.com')).toBe(a);
    expect(roleBindingName('edit', 'Group', 'Bob Smith@example.com')).not.toBe(a);
    expect(roleBindingName('edit', 'User', 'bob.smith@example.com')).not.toBe(a);
    expect(roleBindingName('admin', 'User', 'x'.repeat(200)).length).toBeLessThanOrEqual(63);
  });

  it('is independent of the assignment order', () => {
    const list: RoleAssignment[] = [
      { roleId: 'r-member', groupId: 'g-ops', domainId: 'd2', inherited: true },
      { roleId: 'r-admin', userId: 'u-bob', projectId: 'p-web' },
      { roleId: 'r-aud', userId: 'u-bob', projectId: 'p-web' },
    ];
    const one = bindings(list).result;
    const two = bindings([...list].reverse()).result;
    expect(JSON.stringify(two)).toBe(JSON.stringify(one));
  });

  it('binds the Keystone names, not ids, as RBAC subjects', () => {
    const { result } = bindings([{ roleId: 'r-admin', userId: 'u-bob', projectId: 'p-web' }]);
    expect(result.objects[0]).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob' }],
      metadata: { namespace: 'acme-web' },
    });
  });
});
