// The validator itself must catch what the API server would reject or prune; otherwise every
// "validates against the schemas" test in the project would pass vacuously.
import { describe, expect, it } from 'vitest';
import { validateObject } from '../support/schema-validate.js';

const vm = (spec: Record<string, unknown>) => ({
  apiVersion: 'kubevirt.io/v1',
  kind: 'VirtualMachine',
  metadata: { name: 'web-1', namespace: 'acme-prod' },
  spec: { runStrategy: 'Always', template: { spec: { domain: { devices: {}, memory: { guest: '1Gi' } }, ...spec } } },
});

describe('schema validation of generated objects', () => {
  it.each([
    ['a valid VM', vm({}), []],
    ['an unknown field in a VM (would be pruned)', vm({ bogusField: 1 }), ['bogusField']],
    ['a wrong type', { ...vm({}), spec: { runStrategy: 5, template: { spec: { domain: { devices: {} } } } } }, ['must be string']],
    [
      'a NetworkPolicy with endPort',
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'p', namespace: 'n' },
        spec: { podSelector: {}, ingress: [{ ports: [{ protocol: 'TCP', port: 8000, endPort: 8080 }] }] },
      },
      [],
    ],
    [
      'an unknown field in a core object',
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'n' }, spec: { podSelector: {}, ingres: [] } },
      ['ingres'],
    ],
    ['an invalid namespace name', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'Acme_Prod' } }, ['not a valid DNS label']],
    ['an invalid label key', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a', labels: { 'x/y/z!': 'v' } } }, ['metadata.labels']],
    ['an invalid label value', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a', labels: { k: 'a b' } } }, ['not a valid label value']],
    [
      'a Calico ICMP rule',
      {
        apiVersion: 'projectcalico.org/v3',
        kind: 'NetworkPolicy',
        metadata: { name: 'p', namespace: 'n' },
        spec: { selector: 'has(a)', types: ['Ingress'], ingress: [{ action: 'Allow', protocol: 'ICMP', icmp: { type: 8, code: 0 } }] },
      },
      [],
    ],
    [
      'a Calico ICMP type out of range',
      {
        apiVersion: 'projectcalico.org/v3',
        kind: 'NetworkPolicy',
        metadata: { name: 'p', namespace: 'n' },
        spec: { selector: 'has(a)', ingress: [{ action: 'Allow', protocol: 'ICMP', icmp: { type: 300 } }] },
      },
      ['must be <= 254'],
    ],
    ['an unknown kind', { apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 'a' } }, ['no schema known']],
  ])('%s', (_name, object, expected) => {
    const problems = validateObject(object as Record<string, unknown>);
    if (expected.length === 0) expect(problems).toEqual([]);
    for (const fragment of expected) expect(problems.join('\n')).toContain(fragment);
    if (expected.length) expect(problems.length).toBeGreaterThan(0);
  });
});
