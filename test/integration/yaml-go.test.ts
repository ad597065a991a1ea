// The manifest writer (src/plan/yaml.ts) against the reader kubectl uses: every value must read back
// identically through sigs.k8s.io/yaml (YAMLToJSON, as kubectl's decoder does), built from the Go module
// proxy by scripts/k8s-yaml-decode.sh. Property-based (fast-check) over strings of every kind of
// character, numbers, nesting and keys; plus the cases of issue 11 item 10 by name.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { toYaml } from '../../src/plan/yaml.js';

const repo = join(import.meta.dirname, '../..');
let decoder: string;
beforeAll(() => {
  decoder = process.env.OSM_K8S_YAML_DECODE || execFileSync('bash', [join(repo, 'scripts/k8s-yaml-decode.sh')], { encoding: 'utf8' }).trim();
}, 300_000);

/** What kubectl reads from each document: the JSON sigs.k8s.io/yaml makes of it, or its error. */
function readWithGo(values: unknown[]): unknown[] {
  const input = values.map((v) => `---\n${toYaml(v)}`).join('');
  const r = spawnSync(decoder, { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`decoder failed: ${r.stderr}`);
  return r.stdout
    .trimEnd()
    .split('\n')
    .map((line) => (line.startsWith('OK ') ? JSON.parse(line.slice(3)) : { goError: line.slice(4) }));
}

/**
 * What a value is once written as UTF-8 JSON: lone surrogates cannot be encoded and become U+FFFD (as
 * Buffer.from and every UTF-8 encoder do), Dates their ISO text, undefined members gone.
 */
function expected(value: unknown): unknown {
  const wellFormed = (s: string) => s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return wellFormed(v);
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [wellFormed(k), walk(x)]));
    return v;
  };
  return walk(JSON.parse(JSON.stringify(value)));
}

// Characters that have tripped YAML writers: controls, DEL, C1 (NEL U+0085), separators, BOM,
// noncharacters, lone surrogates, YAML indicators and quotes, plus anything at all.
const tricky = fc.constantFrom(
  '\t',
  '\n',
  '\r',
  '\u0000',
  '\u0007',
  '\u001b',
  '\u007f',
  '\u0080',
  '\u0085',
  '\u009f',
  '\u00a0',
  '\u2028',
  '\u2029',
  '\ufeff',
  '\ufffe',
  '\uffff',
  '\ud800',
  '\udfff',
  '😀',
  ' ',
  ':',
  '#',
  '-',
  '?',
  '"',
  "'",
  '\\',
  '|',
  '>',
  '&',
  '*',
  '!',
  '%',
  '@',
  '`',
  '{',
  '}',
  '[',
  ']',
  ',',
  '~',
  '=',
  'y',
  'n',
  'on',
  'no',
  '0x1F',
  '1e3',
  '.5',
  '---',
  '...',
  '<<',
);
const text = fc.oneof(
  fc.string({ unit: fc.oneof(tricky, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    'true',
    'null',
    'Yes',
    '~',
    '0',
    '-1',
    '1.0',
    '0o17',
    '+1',
    '2001-12-14',
    '12:30',
    'a: b',
    '- a',
    '#x',
    ' x',
    'x ',
    '\tx',
    'x\n',
    '\n',
    '\tline\nline',
    'a\n\n',
    'a\n \n',
    ' a\nb',
  ),
);
const number = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, 1e21, 1e308, 5e-324, 2 ** 53, -(2 ** 63), 0.1));
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, text, number, fc.boolean(), fc.constant(null), tie('list'), tie('map')),
  list: fc.array(tie('value'), { maxLength: 4 }),
  map: fc.dictionary(text, tie('value'), { maxKeys: 4 }),
}));

describe("the manifest writer read back by kubectl's YAML reader (sigs.k8s.io/yaml)", () => {
  it('reads back every generated value identically', () => {
    fc.assert(
      fc.property(fc.dictionary(text, value, { maxKeys: 6 }), (doc) => {
        const [back] = readWithGo([doc]);
        expect(back).toEqual(expected(doc));
      }),
      { numRuns: 300 },
    );
  }, 300_000);

  it('reads back a large sample in one go', () => {
    const docs = fc.sample(fc.dictionary(text, value, { maxKeys: 8 }), { numRuns: 3000, seed: 11 });
    const back = readWithGo(docs);
    for (const [i, doc] of docs.entries()) expect(back[i], toYaml(doc)).toEqual(expected(doc));
  }, 300_000);

  it.each([
    ['DEL', 'a\u007fb'],
    ['C1 controls', 'a\u0080\u0090\u009fb'],
    ['NEL (read as a space when raw)', 'a\u0085b'],
    ['line and paragraph separators', 'a\u2028b\u2029c'],
    ['U+FFFE and U+FFFF', 'a\ufffe\uffffb'],
    ['a BOM inside', 'a\ufeffb'],
    ['a multi-line string starting with a tab', '\tindented\nsecond line\n'],
    ['a multi-line string with a DEL', 'line\u007f\nline\n'],
    ['a multi-line string with C1', 'line\u0085\nline\n'],
  ])('%s', (_name, s) => {
    const doc = { metadata: { annotations: { 'openstack-migrate.io/description': s } } };
    expect(readWithGo([doc])[0]).toEqual(doc);
  });

  it('lone surrogates become U+FFFD (UTF-8 cannot carry them) instead of breaking the file', () => {
    const doc = { a: 'x\ud800y', b: '\udfff' };
    expect(readWithGo([doc])[0]).toEqual({ a: 'x\ufffdy', b: '\ufffd' });
  });

  it('a Date is written as its ISO text, as JSON would, not as {}', () => {
    const doc = { when: new Date(Date.UTC(2026, 10, 29, 21, 0, 0)) };
    expect(readWithGo([doc])[0]).toEqual({ when: '2026-11-29T21:00:00.000Z' });
  });
});
