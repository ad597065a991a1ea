import { describe, expect, it } from 'vitest';
import type { DataVolume } from '../../../src/kube-types/index.js';
import { ANNOTATIONS } from '../../../src/translate/naming.js';
import { importDataVolume, parseProgress, parseQuantity } from '../../../src/workflow/import.js';
import { cutoverSteps, isCopied } from '../../../src/workflow/cutover.js';
import { matchesRequirements, parseSelector } from '../../../src/workflow/selection.js';
import { serverWork } from '../../support/workflow-fixtures.js';
import { at } from '../../support/must.js';

describe('import (pure parts)', () => {
  it.each([
    ['10Gi', 10 * 2 ** 30],
    ['512Mi', 512 * 2 ** 20],
    ['1G', 1e9],
    ['1073741824', 2 ** 30],
    ['1e3', 1000],
    ['bad', undefined],
    [undefined, undefined],
  ])('parseQuantity(%s)', (q, bytes) => expect(parseQuantity(q as string)).toBe(bytes));

  it.each([
    ['45.67%', 45.67],
    ['100.0%', 100],
    ['N/A', undefined],
    [undefined, undefined],
  ])('parseProgress(%s)', (p, n) => expect(parseProgress(p)).toBe(n));

  it('builds the DataVolume from the plan with the http source, header Secret, CA and state annotations', () => {
    const w = serverWork(1, 'ns');
    const planned = at(w.dataVolumes, 0, 'DataVolume');
    const dv = importDataVolume(
      planned,
      { disk: 'root', diskRole: 'root', dataVolume: planned.metadata.name, imageId: 'img-1' },
      { url: 'https://glance/v2/images/img-1/file', secretName: 's', caConfigMap: 'ca' },
      '2025-01-01T00:00:00Z',
      5 * 2 ** 30 + 1,
    );
    expect(dv.spec).toEqual({
      source: { http: { url: 'https://glance/v2/images/img-1/file', secretExtraHeaders: ['s'], certConfigMap: 'ca' } },
      storage: { resources: { requests: { storage: '6Gi' } } },
    });
    expect(dv.metadata.annotations).toMatchObject({
      [ANNOTATIONS.phase]: 'importing',
      [ANNOTATIONS.backupImageId]: 'img-1',
      [ANNOTATIONS.progress]: '0.0',
      [ANNOTATIONS.startedAt]: '2025-01-01T00:00:00Z',
    });
    // The plan object is not changed.
    expect((planned.spec as { source: unknown }).source).toEqual({ upload: {} });
  });

  it('keeps the planned size when the image fits', () => {
    const w = serverWork(1, 'ns');
    const dv = importDataVolume(
      at(w.dataVolumes, 0, 'DataVolume'),
      { disk: 'root', diskRole: 'root', dataVolume: 'x', imageId: 'i' },
      { url: 'u' },
      't',
      2 ** 29,
    );
    const { spec } = dv as DataVolume;
    expect(spec.storage?.resources?.requests?.storage).toBe('1Gi');
    expect(spec.source?.http).toEqual({ url: 'u' });
  });
});

describe('cutover (pure parts)', () => {
  it('lists the steps for --dry-run=client, blank disks apart', () => {
    const w = serverWork(1, 'ns', { guestAgent: true, service: true });
    expect(w.dataVolumes.map(isCopied)).toEqual([true, false]);
    const steps = cutoverSteps(w, { releaseFloatingIp: true });
    expect(steps[2]).toContain('os-stop');
    expect(steps[3]).toContain('vm-1-root');
    expect(steps[6]).toContain('AgentConnected');
    expect(steps[7]).toContain('port_id null');
  });

  it.each([
    [{ wave: '1', app: 'web' }, 'wave=1', true],
    [{ wave: '1' }, 'wave=2', false],
    [{ wave: '1' }, 'wave!=2,wave', true],
    [{}, '!wave', true],
    [{ wave: '1' }, undefined, true],
  ])('selector %j %s', (labels, sel, ok) => expect(matchesRequirements(labels, parseSelector(sel ?? ''))).toBe(ok));
});
