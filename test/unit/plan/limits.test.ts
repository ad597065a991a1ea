// enforceServerLimits at the edges of the limits (the limits themselves are proven on a real kube-apiserver
// in test/integration/plan-limits.test.ts). The checks skip the exact byte count when an upper bound from
// the string lengths is within the limit; these cases sit where that bound and the exact count disagree.
import { describe, expect, it } from 'vitest';
import type { PlanObject, Translation } from '../../../src/translate/model.js';
import { MAX_ANNOTATIONS_BYTES, MAX_SECRET_BYTES, enforceServerLimits } from '../../../src/plan/limits.js';

const server = { id: 's1', name: 'web-1' };

function configMap(annotations: Record<string, string>): PlanObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns', annotations } } as unknown as PlanObject;
}
function secret(data: Record<string, string>, stringData?: Record<string, string>): PlanObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's', namespace: 'ns' },
    type: 'Opaque',
    data,
    ...(stringData ? { stringData } : {}),
  } as PlanObject;
}
function enforce(object: PlanObject): Translation {
  return enforceServerLimits({ objects: [object], findings: [] }, server);
}

describe('enforceServerLimits: annotations', () => {
  it('keeps annotations of exactly the limit and drops one byte more (ASCII)', () => {
    const atLimit = enforce(configMap({ 'a/b': 'x'.repeat(MAX_ANNOTATIONS_BYTES - 3) }));
    expect(atLimit.findings).toEqual([]);
    expect(Object.keys(atLimit.objects[0]!.metadata.annotations!)).toEqual(['a/b']);
    const over = enforce(configMap({ 'a/b': 'x'.repeat(MAX_ANNOTATIONS_BYTES - 2), 'c/d': 'y' }));
    expect(over.findings.map((f) => f.attribute)).toEqual(['ConfigMap/c.metadata.annotations.a/b']);
    expect(over.objects[0]!.metadata.annotations).toEqual({ 'c/d': 'y' });
  });

  it('counts UTF-8 bytes: two-byte characters fit when their bytes do, and not when they do not', () => {
    // 'é' is 1 UTF-16 unit and 2 UTF-8 bytes: three bytes per unit is above the limit, the bytes are not.
    const half = (MAX_ANNOTATIONS_BYTES - 4) / 2;
    expect(enforce(configMap({ 'a/b': `${'é'.repeat(half)}x` })).findings).toEqual([]);
    expect(enforce(configMap({ 'a/b': `${'é'.repeat(half)}xx` })).findings).toHaveLength(1);
  });
});

describe('enforceServerLimits: Secret data', () => {
  it('keeps exactly MAX_SECRET_BYTES of decoded data and refuses one byte more', () => {
    const at = enforce(secret({ a: Buffer.alloc(MAX_SECRET_BYTES, 1).toString('base64') }));
    expect(at.findings).toEqual([]);
    expect(at.objects).toHaveLength(1);
    const over = enforce(secret({ a: Buffer.alloc(MAX_SECRET_BYTES - 1, 1).toString('base64'), b: Buffer.alloc(2, 1).toString('base64') }));
    expect(over.objects).toEqual([]);
    expect(over.findings.map((f) => [f.attribute, f.severity])).toEqual([['Secret/s', 'blocker']]);
  });

  it('counts decoded bytes, not base64 characters: whitespace in the data does not count', () => {
    const text = Buffer.alloc(MAX_SECRET_BYTES, 1).toString('base64');
    const wrapped = text.replace(/.{76}/g, '$&\n');
    expect(wrapped.length).toBeGreaterThan((MAX_SECRET_BYTES * 4) / 3);
    expect(enforce(secret({ a: wrapped })).findings).toEqual([]);
  });

  it('counts stringData in UTF-8 bytes with the data', () => {
    expect(enforce(secret({ a: Buffer.alloc(MAX_SECRET_BYTES - 2, 1).toString('base64') }, { b: 'é' })).findings).toEqual([]);
    expect(enforce(secret({ a: Buffer.alloc(MAX_SECRET_BYTES - 1, 1).toString('base64') }, { b: 'é' })).findings).toHaveLength(1);
  });
});
