import { describe, expect, it } from 'vitest';
import { pageSizeKiB } from '../../../src/translate/memory.js';
import { outcomeOf, translateRow } from '../../support/vm-fixture.js';
import { must } from '../../support/must.js';

describe('memory → domain.memory', () => {
  it.each([
    { ram: 2048, minRam: 0, guest: '2048Mi' },
    { ram: 1024, minRam: 4096, guest: '4096Mi' },
    { ram: 3000, minRam: 512, guest: '3000Mi' },
  ])('ram $ram MiB, image min_ram $minRam → guest $guest', ({ ram, minRam, guest }) => {
    const r = translateRow({ flavor: { ram }, image: { minRam } });
    expect(r.schemaErrors).toEqual([]);
    expect(must(r.d.memory, 'domain.memory').guest).toBe(guest);
  });

  const rows: { spec?: string; prop?: string; pageSize?: string; guest?: string; ram?: number; attr: string; outcome: string }[] = [
    { spec: 'small', pageSize: undefined, attr: 'flavor.extra_specs.hw:mem_page_size', outcome: 'exact' },
    { spec: 'large', pageSize: '2Mi', attr: 'flavor.extra_specs.hw:mem_page_size', outcome: 'approximate' },
    { spec: 'any', pageSize: undefined, attr: 'flavor.extra_specs.hw:mem_page_size', outcome: 'approximate' },
    { spec: '2048', pageSize: '2Mi', attr: 'flavor.extra_specs.hw:mem_page_size', outcome: 'exact' },
    { spec: '2MB', pageSize: '2Mi', attr: 'flavor.extra_specs.hw:mem_page_size', outcome: 'exact' },
    { spec: '1GB', pageSize: '1Gi', ram: 4096, attr: 'flavor.extra_specs.hw:mem_page_size', outcome: 'exact' },
    { spec: '1048576', pageSize: '1Gi', ram: 4096, attr: 'flavor.extra_specs.hw:mem_page_size', outcome: 'exact' },
    { spec: '16MB', pageSize: undefined, attr: 'flavor.extra_specs.hw:mem_page_size', outcome: 'lost' },
    { spec: '1GB', pageSize: '1Gi', ram: 1500, guest: '2048Mi', attr: 'flavor.ram', outcome: 'approximate' },
    { spec: 'large', prop: '1GB', pageSize: '1Gi', ram: 2048, attr: 'image.hw_mem_page_size', outcome: 'exact' },
    { prop: '2MB', pageSize: undefined, attr: 'image.hw_mem_page_size', outcome: 'blocker' },
  ];
  it.each(rows)('hw:mem_page_size=$spec hw_mem_page_size=$prop → $pageSize', ({ spec, prop, pageSize, ram, guest, attr, outcome }) => {
    const r = translateRow({
      flavor: { ram: ram ?? 2048 },
      extraSpecs: spec ? { 'hw:mem_page_size': spec } : {},
      imageProperties: prop ? { hw_mem_page_size: prop } : {},
    });
    expect(r.schemaErrors).toEqual([]);
    expect(must(r.d.memory, 'domain.memory').hugepages?.pageSize).toBe(pageSize);
    if (guest) expect(r.d.memory?.guest).toBe(guest);
    expect(outcomeOf(r.findings, attr)).toBe(outcome);
  });

  it('parses Nova page sizes (KiB by default)', () => {
    expect(pageSizeKiB('2048')).toBe(2048);
    expect(pageSizeKiB('2MB')).toBe(2048);
    expect(pageSizeKiB('1GiB')).toBe(1048576);
    expect(pageSizeKiB('4KB')).toBe(4);
    expect(pageSizeKiB('huge')).toBeUndefined();
  });
});
