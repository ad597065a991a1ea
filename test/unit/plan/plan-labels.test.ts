import { describe, expect, it } from 'vitest';
import { stampPlanLabels } from '../../../src/plan/build.js';
import { LABELS, MANAGER } from '../../../src/translate/naming.js';
import type { PlanObject } from '../../../src/translate/model.js';

const object = (labels?: Record<string, string>): PlanObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'ns', ...(labels ? { labels } : {}) } }) as PlanObject;

// stampPlanLabels skips the copy when an object's labels already say both; anything else is stamped as
// the spread always did (same keys, same order, the plan's values).
describe('plan labels on every object', () => {
  it('labels that already carry the manager and this plan id are kept as they are', () => {
    const labels = { [LABELS.managedBy]: MANAGER, a: '1', [LABELS.planId]: 'p1' };
    const o = object(labels);
    stampPlanLabels([o], 'p1');
    expect(o.metadata.labels).toBe(labels);
    expect(Object.entries(o.metadata.labels!)).toEqual([
      [LABELS.managedBy, MANAGER],
      ['a', '1'],
      [LABELS.planId, 'p1'],
    ]);
  });

  it.each<{ name: string; labels: Record<string, string> | undefined; expected: [string, string][] }>([
    {
      name: 'no labels',
      labels: undefined,
      expected: [
        [LABELS.managedBy, MANAGER],
        [LABELS.planId, 'p1'],
      ],
    },
    {
      name: 'another plan id (e.g. made label-safe)',
      labels: { [LABELS.planId]: 'p-1', [LABELS.managedBy]: MANAGER },
      expected: [
        [LABELS.planId, 'p1'],
        [LABELS.managedBy, MANAGER],
      ],
    },
    {
      name: 'another manager',
      labels: { [LABELS.managedBy]: 'helm', [LABELS.planId]: 'p1' },
      expected: [
        [LABELS.managedBy, MANAGER],
        [LABELS.planId, 'p1'],
      ],
    },
    {
      name: 'no manager',
      labels: { b: '2', [LABELS.planId]: 'p1' },
      expected: [
        ['b', '2'],
        [LABELS.planId, 'p1'],
        [LABELS.managedBy, MANAGER],
      ],
    },
  ])('$name: stamped with the plan values, keys in spread order', ({ labels, expected }) => {
    const o = object(labels);
    stampPlanLabels([o], 'p1');
    expect(Object.entries(o.metadata.labels!)).toEqual(expected);
    if (labels) expect(o.metadata.labels).not.toBe(labels);
  });
});
