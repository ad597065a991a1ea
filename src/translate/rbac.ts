// Keystone role assignments → RoleBindings in the project namespaces.
//
// Subjects are named the way k8s-keystone-auth (cloud-provider-openstack pkg/identity/keystone) presents a
// Keystone identity to the API server: username = the Keystone user name (NOT domain-qualified), groups =
// the user's Keystone group names plus the scoped project id. So a user assignment binds `User <name>` and a
// group assignment binds `Group <group name>`. Keystone roles map to ClusterRoles through
// config.roleMapping; one RoleBinding per (namespace, subject, ClusterRole), whatever number of Keystone
// roles or assignments lead to it.
import type { Group, RoleAssignment, User } from '../inventory/types.js';
import type { PlanContext } from './context.js';
import type { RoleBinding } from '../kube-types/index.js';
import type { Finding, Translation } from './model.js';
import { PREFIX, shortHash, toDnsLabel } from './naming.js';
import { planLabels, sourceAnnotations } from './tenancy.js';

/** Keystone role names behind a RoleBinding, comma-separated (the report and reviewers read it). */
export const KEYSTONE_ROLES_ANNOTATION = `${PREFIX}/keystone-roles`;

const RBAC_GROUP = 'rbac.authorization.k8s.io';

type SubjectKind = 'User' | 'Group';

interface Pending {
  namespace: string;
  projectId: string;
  kind: SubjectKind;
  subjectName: string;
  clusterRole: string;
  keystoneRoles: Set<string>;
  sourceIds: Set<string>;
}

/** Deterministic RoleBinding name: readable part + hash of what makes it unique. */
export function roleBindingName(clusterRole: string, kind: SubjectKind, subjectName: string): string {
  const hash = shortHash(`${kind}\n${subjectName}\n${clusterRole}`, 8);
  const readable = toDnsLabel(`keystone-${clusterRole}-${kind.toLowerCase()}-${subjectName}`, 63 - hash.length - 1) || 'keystone';
  return `${readable}-${hash}`;
}

function assignmentKey(a: RoleAssignment): string {
  return [a.userId ? `u:${a.userId}` : `g:${a.groupId}`, a.projectId ? `p:${a.projectId}` : `d:${a.domainId}`, a.roleId, a.inherited ? 'i' : ''].join('|');
}

export function roleBindingsFor(ctx: PlanContext): Translation {
  const { inventory, index, config } = ctx;
  const findings: Finding[] = [];
  const pending = new Map<string, Pending>();
  // Which users/groups of which domain end up in a binding, per presented name (collision check).
  const boundNames = new Map<string, Map<string, User | Group>>();

  const projectsByDomain = new Map<string, string[]>();
  for (const p of inventory.projects) {
    const list = projectsByDomain.get(p.domainId) ?? [];
    list.push(p.id);
    projectsByDomain.set(p.domainId, list);
  }
  for (const list of projectsByDomain.values()) list.sort();

  const assignments = [...inventory.roleAssignments].sort((a, b) => (assignmentKey(a) < assignmentKey(b) ? -1 : assignmentKey(a) > assignmentKey(b) ? 1 : 0));
  for (const a of assignments) {
    const subject: User | Group | undefined = a.userId ? index.users.get(a.userId) : a.groupId ? index.groups.get(a.groupId) : undefined;
    const kind: SubjectKind = a.userId ? 'User' : 'Group';
    const source = a.userId ? `user/${a.userId}` : `group/${a.groupId}`;
    const role = index.roles.get(a.roleId);
    const roleName = role?.name ?? a.roleId;
    const scope = a.projectId ? `project/${a.projectId}` : `domain/${a.domainId}`;
    const attribute = `roleAssignment[${roleName}@${scope}${a.inherited ? ',inherited' : ''}]`;
    const sourceName = subject?.name ?? a.userId ?? a.groupId ?? '?';
    const lost = (reason: string, severity: Finding['severity'] = 'warning') =>
      findings.push({ source, sourceName, attribute, outcome: 'lost', severity, reason });

    if (!subject) {
      lost(`the ${kind === 'User' ? 'user' : 'group'} is not in the inventory; no binding`);
      continue;
    }
    if (!role) {
      lost(`role ${a.roleId} is not in the inventory; no binding`);
      continue;
    }
    const clusterRole = config.roleMapping[role.name];
    if (!clusterRole) {
      lost(
        `Keystone role "${role.name}" has no ClusterRole in the role mapping (mapped: ${Object.keys(config.roleMapping).sort().join(', ') || 'none'}); no binding`,
      );
      continue;
    }
    if (kind === 'User' && (subject as User).enabled === false) {
      lost('the user is disabled in Keystone and cannot log in; no binding', 'info');
      continue;
    }
    if (index.domains.get(subject.domainId)?.enabled === false) {
      lost(`the ${kind.toLowerCase()}'s domain is disabled in Keystone; no binding`, 'info');
      continue;
    }

    let projectIds: string[];
    if (a.projectId) {
      if (a.inherited) {
        // OS-INHERIT on a project applies to its sub-projects only, and the inventory has no project tree.
        lost('an inherited project grant applies to sub-projects, which the inventory does not describe; no binding');
        continue;
      }
      projectIds = [a.projectId];
    } else {
      if (!a.inherited) {
        lost('a domain-scoped grant (domain administration) has no namespace equivalent; no binding');
        continue;
      }
      projectIds = projectsByDomain.get(a.domainId ?? '') ?? [];
    }

    for (const projectId of projectIds) {
      const namespace = ctx.namespaceByProject.get(projectId);
      if (!namespace) {
        lost(`project ${projectId} has no namespace in this plan; no binding`);
        continue;
      }
      const key = `${namespace}\n${kind}\n${subject.name}\n${clusterRole}`;
      let p = pending.get(key);
      if (!p) {
        p = { namespace, projectId, kind, subjectName: subject.name, clusterRole, keystoneRoles: new Set(), sourceIds: new Set() };
        pending.set(key, p);
      }
      p.keystoneRoles.add(role.name);
      p.sourceIds.add(subject.id);
      const byName = boundNames.get(`${kind}\n${subject.name}`) ?? new Map<string, User | Group>();
      byName.set(subject.id, subject);
      boundNames.set(`${kind}\n${subject.name}`, byName);
    }
  }

  // k8s-keystone-auth presents plain names: two identities with the same name in different domains are
  // indistinguishable to RBAC, each gets the other's bindings.
  for (const [key, holders] of [...boundNames.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const subjects = [...holders.values()].sort((x, y) => (x.id < y.id ? -1 : 1));
    const domainIds = new Set(subjects.map((s) => s.domainId));
    if (domainIds.size < 2) continue;
    const [kind, name] = key.split('\n');
    const who = subjects.map((s) => `${s.id} (domain ${index.domains.get(s.domainId)?.name ?? s.domainId})`).join(', ');
    for (const s of subjects) {
      findings.push({
        source: `${kind === 'User' ? 'user' : 'group'}/${s.id}`,
        sourceName: s.name,
        attribute: 'name',
        outcome: 'approximate',
        severity: 'warning',
        target: `${kind} ${name}`,
        reason: `k8s-keystone-auth presents ${kind === 'User' ? 'user' : 'group'} names without their domain; "${name}" names ${who}, so each gets the RoleBindings of the others`,
      });
    }
  }

  const objects: RoleBinding[] = [...pending.values()]
    .map(
      (p): RoleBinding => ({
        apiVersion: `${RBAC_GROUP}/v1`,
        kind: 'RoleBinding',
        metadata: {
          name: roleBindingName(p.clusterRole, p.kind, p.subjectName),
          namespace: p.namespace,
          labels: planLabels(ctx.planId, p.projectId),
          annotations: {
            ...sourceAnnotations(p.kind === 'User' ? 'user' : 'group', [...p.sourceIds].sort().join(','), p.subjectName),
            [KEYSTONE_ROLES_ANNOTATION]: [...p.keystoneRoles].sort().join(','),
          },
        },
        roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: p.clusterRole },
        subjects: [{ apiGroup: RBAC_GROUP, kind: p.kind, name: p.subjectName }],
      }),
    )
    .sort((x, y) => {
      const a = `${x.metadata.namespace}/${x.metadata.name}`;
      const b = `${y.metadata.namespace}/${y.metadata.name}`;
      return a < b ? -1 : a > b ? 1 : 0;
    });
  return { objects, findings };
}
