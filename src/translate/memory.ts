// Flavor ram + image min_ram + hw:mem_page_size → spec.template.spec.domain.memory.
import { type ServerFacts, prop, propAttr, spec, specAttr } from './server-facts.js';

export interface MemorySpec {
  guest: string;
  hugepages?: { pageSize: '2Mi' | '1Gi' };
}

const TARGET = 'spec.template.spec.domain.memory';

/** Nova page sizes are KiB unless a unit is given (nova/virt/hardware.py _numa_get_pagesize_constraints). */
export function pageSizeKiB(value: string): number | undefined {
  const m = /^(\d+)\s*([KMG]i?B?)?$/i.exec(value.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? 'K').charAt(0).toUpperCase();
  return unit === 'G' ? n * 1024 * 1024 : unit === 'M' ? n * 1024 : n;
}

export function translateMemory(facts: ServerFacts): MemorySpec {
  const { findings, flavor } = facts;
  const minRam = facts.image?.minRam ?? 0;
  let mib = Math.max(flavor.ram, minRam);
  if (minRam > flavor.ram) {
    findings.approximate(
      'image.min_ram',
      `${TARGET}.guest`,
      `the image needs ${minRam} MiB, more than the flavor's ${flavor.ram} MiB; the guest gets ${minRam} MiB`,
      'info',
    );
  }

  const memory: MemorySpec = { guest: `${mib}Mi` };
  const flavorSize = spec(facts, 'hw:mem_page_size');
  const imageSize = prop(facts, 'hw_mem_page_size');
  let size = flavorSize;
  let attr = specAttr('hw:mem_page_size');
  if (imageSize !== undefined) {
    // An image may only choose the page size when the flavor allows it (_get_numa_pagesize_constraint).
    if (flavorSize === 'large' || flavorSize === 'any') {
      size = imageSize;
      attr = propAttr(facts, 'hw_mem_page_size');
    } else {
      findings.blocker(
        propAttr(facts, 'hw_mem_page_size'),
        `the image asks for page size "${imageSize}" but the flavor ${flavorSize === undefined ? 'does not allow image page sizes' : `says "${flavorSize}"`}; Nova refuses this combination`,
      );
    }
  }

  if (size !== undefined) {
    const lowered = size.toLowerCase();
    let pageSize: '2Mi' | '1Gi' | undefined;
    if (lowered === 'small') {
      findings.exact(attr, TARGET, 'small pages: no hugepages');
    } else if (lowered === 'any') {
      findings.approximate(attr, TARGET, 'any: Nova may have backed the guest with large pages; KubeVirt uses small pages unless a size is given', 'info');
    } else if (lowered === 'large') {
      pageSize = '2Mi';
      findings.approximate(
        attr,
        `${TARGET}.hugepages.pageSize`,
        'large lets Nova pick any large page size; 2Mi chosen (the size nodes most often offer)',
        'info',
      );
    } else {
      const kib = pageSizeKiB(size);
      if (kib === 2048) pageSize = '2Mi';
      else if (kib === 1024 * 1024) pageSize = '1Gi';
      if (pageSize) findings.exact(attr, `${TARGET}.hugepages.pageSize`, `${size} → ${pageSize}`);
      else if (kib === 4) findings.exact(attr, TARGET, '4 KiB pages are small pages');
      else findings.lost(attr, `page size "${size}": KubeVirt on x86_64 accepts only 2Mi and 1Gi hugepages; the guest uses small pages`);
    }
    if (pageSize) {
      memory.hugepages = { pageSize };
      const pageMiB = pageSize === '2Mi' ? 2 : 1024;
      if (mib % pageMiB !== 0) {
        // KubeVirt rejects guest memory that is not a multiple of the page size.
        const rounded = Math.ceil(mib / pageMiB) * pageMiB;
        findings.approximate(
          'flavor.ram',
          `${TARGET}.guest`,
          `${mib} MiB is not a multiple of the ${pageSize} page size, which KubeVirt rejects; rounded up to ${rounded} MiB`,
        );
        mib = rounded;
        memory.guest = `${mib}Mi`;
      }
    }
  }
  findings.exact('flavor.ram', `${TARGET}.guest`, `${memory.guest} of guest memory`);
  return memory;
}
