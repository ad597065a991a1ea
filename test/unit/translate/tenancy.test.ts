import { describe, expect, it } from 'vitest';
import { assignNamespaces, renderNamespaceTemplate } from '../../../src/translate/tenancy.js';
import { defaultPlanConfig } from '../../../src/translate/defaults.js';
import { ANNOTATIONS, LABELS, MANAGER, isDnsLabel, shortHash } from '../../../src/translate/naming.js';
import type { Domain, Project } from '../../../src/inventory/types.js';
import { inventoryWith, project } from '../../support/inventory-fixtures.js';
import { validateObjects } from '../../support/schema-validate.js';

const domains: Domain[] = [
  { id: 'd-default', name: 'Default', enabled: true },
  { id: 'd-acme', name: 'acme', enabled: true },
];

function plan(projects: Project[], template = '{domain}-{project}', ds: Domain[] = domains) {
  return assignNamespaces(inventoryWith({ domains: ds, projects }), { ...defaultPlanConfig(), namespaceTemplate: template }, 'plan-1');
}

describe('assignNamespaces: names', () => {
  const rows: { template: string; domain: string; project: string; id: string; expected: string }[] = [
    { template: '{domain}-{project}', domain: 'acme', project: 'web', id: 'p1', expected: 'acme-web' },
    { template: '{domain}-{project}', domain: 'Default', project: 'Demo Project', id: 'p1', expected: 'default-demo-project' },
    { template: '{domain}-{project}', domain: 'acme', project: 'Ünïcode_tëst!', id: 'p1', expected: 'acme-unicode-test' },
    { template: '{project}', domain: 'acme', project: '--web--', id: 'p1', expected: 'web' },
    { template: '{projectId}', domain: 'acme', project: 'web', id: '7F3A0C', expected: '7f3a0c' },
    { template: 'os-{domain}-{project}-{projectId}', domain: 'acme', project: 'web', id: 'abc', expected: 'os-acme-web-abc' },
    // Only characters a namespace cannot hold: nothing is left, so a hash of the project id names it.
    { template: '{project}', domain: 'acme', project: '日本', id: 'p-jp', expected: `x-${shortHash('p-jp')}` },
  ];
  it.each(rows)('$template with $domain/$project → $expected', ({ template, domain, project: name, id, expected }) => {
    const { namespaceByProject } = plan([project(id, name, 'd-x')], template, [{ id: 'd-x', name: domain }]);
    expect(namespaceByProject.get(id)).toBe(expected);
  });

  it('truncates to 63 characters and stays a DNS-1123 label', () => {
    const { namespaceByProject } = plan([project('p1', 'a'.repeat(80) + '-tail', 'd-acme')]);
    const ns = namespaceByProject.get('p1')!;
    expect(ns.length).toBeLessThanOrEqual(63);
    expect(isDnsLabel(ns)).toBe(true);
  });

  it('renders every placeholder, repeated ones included', () => {
    expect(renderNamespaceTemplate('{project}.{project}/{domain}:{projectId}', 'd', 'p', 'id')).toBe('p.p/d:id');
  });
});

describe('assignNamespaces: collisions', () => {
  // "Web App" and "web_app" both sanitize to acme-web-app.
  const a = project('id-b', 'Web App', 'd-acme');
  const b = project('id-a', 'web_app', 'd-acme');

  it('gives the plain name to the first project in (domain, name, id) order and a hashed suffix to the other', () => {
    const { namespaceByProject } = plan([b, a]);
    // "Web App" < "web_app" in code-unit order (uppercase first).
    expect(namespaceByProject.get('id-b')).toBe('acme-web-app');
    expect(namespaceByProject.get('id-a')).toBe(`acme-web-app-${shortHash('id-a')}`);
  });

  it('is independent of the inventory order', () => {
    const one = plan([a, b]);
    const two = plan([b, a]);
    expect([...one.namespaceByProject.entries()].sort()).toEqual([...two.namespaceByProject.entries()].sort());
    expect(JSON.stringify(one.translation)).toBe(JSON.stringify(two.translation));
  });

  it('reports the collision naming both projects', () => {
    const { translation } = plan([a, b]);
    const collision = translation.findings.filter((f) => f.source === 'project/id-a' && f.severity === 'warning');
    expect(collision).toHaveLength(1);
    expect(collision[0]).toMatchObject({ attribute: 'name', outcome: 'approximate' });
    expect(collision[0]?.reason).toContain('id-b');
    expect(collision[0]?.reason).toContain('Web App');
    expect(collision[0]?.reason).toContain(`acme-web-app-${shortHash('id-a')}`);
  });

  it('never reuses a namespace every cluster already has', () => {
    const { namespaceByProject, translation } = plan([project('p-def', 'default', 'd-acme')], '{project}');
    expect(namespaceByProject.get('p-def')).toBe(`default-${shortHash('p-def')}`);
    expect(translation.findings.some((f) => f.source === 'project/p-def' && f.reason.includes('already has'))).toBe(true);
  });
});

describe('assignNamespaces: objects and findings', () => {
  const { translation } = plan([
    project('p1', 'Demo Project', 'd-default'),
    project('p2', 'web', 'd-acme'),
    project('p3', 'old', 'd-acme', { enabled: false }),
  ]);

  it('builds a valid Namespace per project with source names as annotations and plan labels', () => {
    // Processing order: domain name in code-unit order ("Default" < "acme"), then project name.
    expect(translation.objects.map((o) => o.metadata.name)).toEqual(['default-demo-project', 'acme-old', 'acme-web']);
    const ns = translation.objects.find((o) => o.metadata.name === 'default-demo-project')!;
    expect(ns).toMatchObject({ apiVersion: 'v1', kind: 'Namespace' });
    expect(ns.metadata.annotations).toMatchObject({
      [ANNOTATIONS.domainName]: 'Default',
      [ANNOTATIONS.projectName]: 'Demo Project',
      [ANNOTATIONS.sourceId]: 'p1',
    });
    expect(ns.metadata.labels).toEqual({ [LABELS.managedBy]: MANAGER, [LABELS.planId]: 'plan-1', [LABELS.projectId]: 'p1' });
    expect(validateObjects(translation.objects)).toEqual([]);
  });

  const rows = [
    { project: 'p1', attribute: 'name', outcome: 'approximate', severity: 'info' },
    { project: 'p3', attribute: 'enabled', outcome: 'lost', severity: 'warning' },
  ];
  it.each(rows)('finding on $project: $attribute $outcome', ({ project: id, attribute, outcome, severity }) => {
    expect(translation.findings).toContainEqual(expect.objectContaining({ source: `project/${id}`, attribute, outcome, severity }));
  });

  it('reports nothing for a name that needs no change', () => {
    expect(translation.findings.filter((f) => f.source === 'project/p2')).toEqual([]);
  });

  it('reports projects of a disabled domain', () => {
    const r = plan([project('p9', 'x', 'd-off')], '{domain}-{project}', [{ id: 'd-off', name: 'off', enabled: false }]);
    expect(r.translation.findings).toContainEqual(expect.objectContaining({ source: 'project/p9', attribute: 'domain.enabled' }));
  });
});
