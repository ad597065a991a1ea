// Packed findings (report/packed-findings.ts) must give back exactly the findings they were given: the
// same objects as JSON and YAML (key order included), in plan order, with the same counts.
import { describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { PackedFindings } from '../../../src/report/packed-findings.js';
import { sortFindings } from '../../../src/plan/build.js';
import { ServerFindings } from '../../../src/translate/server-facts.js';
import type { Finding } from '../../../src/translate/model.js';

const server = { id: 'srv-1', name: 'web 1' };

function pack(findings: Finding[]): PackedFindings {
  const packed = new PackedFindings(server.id);
  for (const f of findings) packed.add(f);
  return packed;
}

describe('packed findings', () => {
  it('give back the findings of ServerFindings, with and without target, byte for byte', () => {
    const f = new ServerFindings(server);
    f.exact('server.name', 'metadata.name', 'web-1');
    f.approximate('flavor.disk', undefined, 'no target here');
    f.lost('image.hw_foo', 'dropped');
    f.blocker('server.status', 'ERROR', 'spec.runStrategy');
    f.invalid('image.hw_disk_bus', 'floppy is not a bus');
    f.approximate('x', 't', 'info one', 'info');
    const packed = pack(f.items);
    expect(packed.length).toBe(6);
    expect(JSON.stringify(packed.toArray())).toBe(JSON.stringify(f.items));
    expect(yaml.dump(packed.toArray())).toBe(yaml.dump(f.items));
    expect(packed.tally()).toEqual({ exact: 1, approximate: 2, lost: 3, errors: 1, severity: 'error' });
  });

  it('keep findings of other shapes whole, in their place', () => {
    const f = new ServerFindings(server);
    f.exact('a', 'b', 'c');
    // assignVmNames (plan/build.ts) writes target before reason; services.ts spreads its own fields.
    const targetFirst: Finding = {
      source: 'server/srv-1',
      sourceName: 'web 1',
      serverId: 'srv-1',
      attribute: 'server.name',
      outcome: 'approximate',
      severity: 'info',
      target: 'metadata.name',
      reason: 'renamed',
    };
    const withUndefinedTarget = {
      source: 'server/srv-1',
      sourceName: 'web 1',
      serverId: 'srv-1',
      attribute: 'q',
      outcome: 'lost',
      severity: 'warning',
      reason: 'r',
      target: undefined,
    } as Finding;
    const otherName: Finding = {
      source: 'server/srv-1',
      sourceName: 'renamed meanwhile',
      serverId: 'srv-1',
      attribute: 'z',
      outcome: 'lost',
      severity: 'blocker',
      reason: 'r',
    };
    const list = [...f.items, targetFirst, withUndefinedTarget, otherName];
    f.lost('d', 'e');
    list.push(f.items[1]!);
    const packed = pack(list);
    expect(JSON.stringify(packed.toArray())).toBe(JSON.stringify(list));
    expect(Object.keys(packed.toArray()[1]!)).toEqual(Object.keys(targetFirst));
    expect(Object.keys(packed.toArray()[2]!)).toEqual(Object.keys(withUndefinedTarget));
    expect(packed.tally()).toEqual({ exact: 1, approximate: 1, lost: 3, errors: 0, severity: 'blocker' });
  });

  it('group findings of several sources by source, as the whole plan sorts them', () => {
    const a = new ServerFindings(server);
    a.exact('a1', 't', 'r');
    const port: Finding = { source: 'port/p-0', sourceName: 'eth0', serverId: 'srv-1', attribute: 'port.x', outcome: 'lost', severity: 'warning', reason: 'r' };
    a.lost('a2', 'r2');
    const list = [a.items[0]!, port, a.items[1]!];
    expect(JSON.stringify(pack(list).toArray())).toBe(JSON.stringify(sortFindings(list)));
    expect(
      pack(list)
        .toArray()
        .map((f) => f.attribute),
    ).toEqual(['port.x', 'a1', 'a2']);
  });

  it('count nothing as ready (info)', () => {
    expect(new PackedFindings('x').tally()).toEqual({ exact: 0, approximate: 0, lost: 0, errors: 0, severity: 'info' });
    expect(new PackedFindings('x').toArray()).toEqual([]);
  });
});
