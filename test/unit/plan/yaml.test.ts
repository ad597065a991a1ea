// The manifest YAML writer must be read back (by js-yaml here, by go-yaml in kubectl) as exactly the data
// it was given; any string that a YAML 1.1 parser could take for a boolean, number, null or syntax must be
// quoted.
import { describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { toYaml } from '../../../src/plan/yaml.js';
import { loadInventoryFile } from '../../../src/inventory/load.js';
import { buildPlan } from '../../../src/plan/build.js';
import { join } from 'node:path';

const tricky = [
  '',
  ' ',
  'yes',
  'No',
  'on',
  'OFF',
  'y',
  'n',
  'true',
  'False',
  'null',
  '~',
  'NULL',
  '1',
  '-1',
  '0x1F',
  '012',
  '0o17',
  '1e3',
  '1_000',
  '.5',
  '.inf',
  '-.inf',
  '.NaN',
  '1:20',
  '2001-12-14',
  '12:30:45',
  ' leading',
  'trailing ',
  'a: b',
  'a:b',
  'a #b',
  '#comment',
  '- item',
  '? key',
  '[x]',
  '{x}',
  '&anchor',
  '*alias',
  '!tag',
  '|',
  '>',
  "'q'",
  '"q"',
  '%',
  '@at',
  '`tick',
  'https://glance.example.com:9292/v2/images/x/file',
  'kubevirt.io/v1',
  '/dev/vdb',
  '_member_',
  'a b c',
  'a  b',
  'Modèle-Entraînement 01',
  'ünïcödé',
  'tab\there',
  'line\nbreak',
  'ends\n',
  'two\n\n',
  'three\n\n\n',
  '\nstarts',
  ' \nx',
  'a\r\nb',
  'ctl\u0001x',
  'x\u2028y',
  '#cloud-config\nusers:\n  - name: ops\n    ssh_authorized_keys: [ "ssh-ed25519 AAAA" ]\n',
  'trailing spaces  \nx',
  'blank\n   \nline',
];

describe('manifest YAML writer', () => {
  it.each(tricky.map((s) => [JSON.stringify(s), s]))('round-trips the string %s as a value and as a key', (_label, s) => {
    const data = { value: s, [s || 'empty-key-guard']: 'k', list: [s, { nested: s }] };
    expect(yaml.load(toYaml(data))).toEqual(data);
    // YAML 1.1 readings (go-yaml): no unquoted boolean/null/number words.
    const text = toYaml({ v: s });
    if (/^(yes|no|on|off|y|n|true|false|null|~)$/i.test(s)) expect(text).toBe(`v: ${JSON.stringify(s)}\n`);
  });

  it.each(['10.0.0.1/24', 'fa:16:3e:00:00:01', '20Gi', '1', '0a1b-c', 'a"b', 'a\\b', 'say "hi"\\n', 'tab\there', 'é 1', ' x'])(
    'quotes the one-line string %j exactly as JSON.stringify does',
    (s) => {
      expect(toYaml({ v: s })).toBe(`v: ${JSON.stringify(s)}\n`);
      expect(toYaml([s])).toBe(`- ${JSON.stringify(s)}\n`);
    },
  );

  it.each([
    [{ a: 1, b: -2.5, c: true, d: false, e: null, f: [], g: {}, h: [[1, 2], []], i: [{}], j: [{ a: [] }] }],
    [{ deep: { er: { est: [{ x: [{ y: 'z' }] }] } } }],
    [[1, 'two', { three: 3 }]],
  ])('round-trips structure %j', (data) => {
    expect(yaml.load(toYaml(data))).toEqual(data);
  });

  it.each([
    [{ a: {} }, 'a: {}\n'],
    [{ a: { b: undefined } }, 'a: {}\n'],
    [{ a: { b: undefined, c: 1 } }, 'a:\n  c: 1\n'],
    [{ a: { b: { c: undefined } } }, 'a:\n  b: {}\n'],
    [{ a: [{}, { b: undefined }, [], { c: {} }] }, 'a:\n  - {}\n  - {}\n  - []\n  - c: {}\n'],
    [[{ b: undefined, c: 1 }], '- c: 1\n'],
    [{ b: undefined }, '{}\n'],
    [{}, '{}\n'],
    [[], '[]\n'],
  ])('writes empty mappings and keys holding undefined as JSON.stringify does: %j', (data, text) => {
    expect(toYaml(data)).toBe(text);
    expect(yaml.load(text)).toEqual(JSON.parse(JSON.stringify(data)));
  });

  it('writes every object of the example plan so that it reads back identically', async () => {
    const plan = buildPlan(await loadInventoryFile(join(import.meta.dirname, '../../../examples/cloud.yaml')));
    for (const object of plan.objects) expect(yaml.load(toYaml(object))).toEqual(JSON.parse(JSON.stringify(object)));
  });

  it('writes block style a reviewer can read', () => {
    expect(toYaml({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'acme-prod', labels: { a: 'b' } }, list: ['x', { k: 'v', l: 'w' }] })).toBe(
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: acme-prod\n  labels:\n    a: b\nlist:\n  - x\n  - k: v\n    l: w\n',
    );
    expect(toYaml({ userdata: '#cloud-config\nruncmd: []\n' })).toBe('userdata: |\n  #cloud-config\n  runcmd: []\n');
  });
});
