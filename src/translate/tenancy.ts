// Keystone domains and projects → Namespaces. One Namespace per project; its name comes from the plan's
// namespace template and is decided once here, so that every other module places its objects in it.
import type { Domain, Inventory, Project } from '../inventory/types.js';
import type { Namespace } from '../kube-types/index.js';
import type { Finding, PlanConfig, Translation } from './model.js';
import { ANNOTATIONS, LABELS, MANAGER, isDnsLabel, toLabelValue, uniqueDnsLabel } from './naming.js';

/**
 * Namespaces that exist in every cluster: a project rendered to one of these names would merge its
 * objects into a system namespace, so they count as taken from the start.
 */
export const RESERVED_NAMESPACES: readonly string[] = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

/** The labels every object of the plan carries (source project, tool, plan). */
export function planLabels(planId: string, projectId?: string): Record<string, string> {
  const labels: Record<string, string> = { [LABELS.managedBy]: MANAGER, [LABELS.planId]: toLabelValue(planId) };
  if (projectId !== undefined) labels[LABELS.projectId] = toLabelValue(projectId);
  return labels;
}

/** The annotations that point an object back at its OpenStack source. */
export function sourceAnnotations(kind: string, id: string, name?: string): Record<string, string> {
  const annotations: Record<string, string> = { [ANNOTATIONS.sourceKind]: kind, [ANNOTATIONS.sourceId]: id };
  if (name !== undefined) annotations[ANNOTATIONS.sourceName] = name;
  return annotations;
}

/** Render the namespace template with the raw (unsanitized) names. */
export function renderNamespaceTemplate(template: string, domain: string, project: string, projectId: string): string {
  return template.replace(/\{(domain|project|projectId)\}/g, (_, key: string) => (key === 'domain' ? domain : key === 'project' ? project : projectId));
}

function compareProjects(a: { project: Project; domainName: string }, b: { project: Project; domainName: string }): number {
  // Plain code-unit comparison, not localeCompare: the order (and so who keeps the clean name on a
  // collision) must not depend on the machine's locale.
  const keys: [string, string][] = [
    [a.domainName, b.domainName],
    [a.project.name, b.project.name],
    [a.project.id, b.project.id],
  ];
  for (const [x, y] of keys) if (x !== y) return x < y ? -1 : 1;
  return 0;
}

/**
 * Decide the Namespace of every project and build the Namespace objects.
 *
 * Projects are processed sorted by (domain name, project name, id): on a collision the first one keeps
 * the plain name and the others get a suffix hashed from their project id, so the same inventory always
 * yields the same names.
 */
export function assignNamespaces(
  inventory: Inventory,
  config: PlanConfig,
  planId: string,
): { namespaceByProject: Map<string, string>; translation: Translation } {
  const domains = new Map<string, Domain>(inventory.domains.map((d) => [d.id, d]));
  const entries = inventory.projects
    .map((project) => ({ project, domain: domains.get(project.domainId), domainName: domains.get(project.domainId)?.name ?? project.domainId }))
    .sort(compareProjects);

  const taken = new Set<string>(RESERVED_NAMESPACES);
  // Who holds each name, so a collision finding can name both projects.
  const holder = new Map<string, Project>();
  const namespaceByProject = new Map<string, string>();
  const objects: Namespace[] = [];
  const findings: Finding[] = [];

  for (const { project, domain, domainName } of entries) {
    const rendered = renderNamespaceTemplate(config.namespaceTemplate, domainName, project.name, project.id);
    const sanitized = uniqueDnsLabel(rendered, project.id, new Set<string>());
    const name = uniqueDnsLabel(rendered, project.id, taken);
    taken.add(name);
    namespaceByProject.set(project.id, name);
    const source = `project/${project.id}`;
    const sourceName = `${domainName}/${project.name}`;

    if (name !== sanitized) {
      const other = holder.get(sanitized);
      const reason = other
        ? `${rendered === sanitized ? `"${rendered}" is` : `"${rendered}" becomes "${sanitized}",`} already the namespace of project ${domains.get(other.domainId)?.name ?? other.domainId}/${other.name} (${other.id}); this project gets "${name}"`
        : `"${sanitized}" is a namespace every cluster already has; this project gets "${name}"`;
      findings.push({ source, sourceName, attribute: 'name', outcome: 'approximate', severity: 'warning', target: `Namespace/${name}`, reason });
    } else if (name !== rendered) {
      findings.push({
        source,
        sourceName,
        attribute: 'name',
        outcome: 'approximate',
        severity: 'info',
        target: `Namespace/${name}`,
        reason: `"${rendered}" is not a valid namespace name (lowercase letters, digits and '-', at most 63 characters); renamed to "${name}", the original names are kept as annotations`,
      });
    }
    if (!holder.has(sanitized)) holder.set(sanitized, project);

    if (project.enabled === false || domain?.enabled === false) {
      findings.push({
        source,
        sourceName,
        attribute: project.enabled === false ? 'enabled' : 'domain.enabled',
        outcome: 'lost',
        severity: 'warning',
        target: `Namespace/${name}`,
        reason:
          project.enabled === false
            ? 'the project is disabled in Keystone (nobody can get a token for it); the namespace is created anyway and its role bindings are usable'
            : `the domain ${domainName} is disabled in Keystone; the namespace is created anyway and its role bindings are usable`,
      });
    }

    objects.push({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name,
        labels: planLabels(planId, project.id),
        annotations: {
          ...sourceAnnotations('project', project.id, project.name),
          [ANNOTATIONS.domainName]: domainName,
          [ANNOTATIONS.projectName]: project.name,
        },
      },
    });
  }
  // Defensive: uniqueDnsLabel guarantees this; a broken name would make the apply fail much later.
  for (const ns of namespaceByProject.values()) if (!isDnsLabel(ns)) throw new Error(`internal: namespace name "${ns}" is not a DNS-1123 label`);
  return { namespaceByProject, translation: { objects, findings } };
}
