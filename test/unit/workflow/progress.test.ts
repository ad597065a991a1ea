import { describe, expect, it } from 'vitest';
import { bar, formatDuration, overallEta, ProgressDisplay } from '../../../src/workflow/progress.js';

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY, columns: 100, write: (s: string) => (out.push(s), true) } as never };
}

describe('progress display', () => {
  it.each([
    [0, '0s'],
    [12_400, '12s'],
    [245_000, '4m05s'],
    [3_720_000, '1h02m'],
    [-1, '?'],
  ])('formatDuration(%d) = %s', (ms, text) => expect(formatDuration(ms)).toBe(text));

  it('draws bars proportionally', () => {
    expect(bar(50, 10)).toBe('#####-----');
    expect(bar(150, 4)).toBe('####');
  });

  it('extrapolates the overall ETA from the mean progress', () => {
    expect(
      overallEta(
        [
          { percent: 25, startedAt: 0 },
          { percent: 75, startedAt: 0 },
        ],
        60_000,
      ),
    ).toEqual({ percent: 50, etaMs: 60_000 });
    expect(overallEta([{ percent: 0, startedAt: 0 }], 1000).etaMs).toBeUndefined();
  });

  it('prints plain lines only on phase changes and 25% steps when not a TTY', () => {
    const { out, stream } = sink(false);
    const d = new ProgressDisplay({ stream, now: () => 0 });
    for (const p of [0, 5, 10, 26, 30, 51, 99]) d.update('a', { label: 'vm/root', percent: p, phase: 'importing' });
    d.update('a', { label: 'vm/root', percent: 100, phase: 'imported' });
    expect(out).toEqual([
      'vm/root: importing 0.0%\n',
      'vm/root: importing 26.0%\n',
      'vm/root: importing 51.0%\n',
      'vm/root: importing 99.0%\n',
      'vm/root: imported 100.0%\n',
    ]);
    expect(out.join('')).not.toContain('\u001b');
  });

  it('renders one line per disk plus the overall line on a TTY, colourless with NO_COLOR', () => {
    const { stream } = sink(true);
    let now = 0;
    const d = new ProgressDisplay({ stream, now: () => now, colour: false });
    d.update('a', { label: 'vm-1/root', percent: 0, phase: 'importing' });
    d.update('b', { label: 'vm-2/root', percent: 0, phase: 'importing' });
    now = 30_000;
    d.update('a', { label: 'vm-1/root', percent: 50, phase: 'importing' });
    d.update('b', { label: 'vm-2/root', percent: 100, phase: 'imported' });
    const lines = d.render(80);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^vm-1\/root +\[#+-+\] +50\.0% importing$/);
    expect(lines[2]).toBe('overall 75.0%  1/2 disks done  ETA 10s');
    expect(lines.join('')).not.toContain('\u001b');
    d.stop();
  });
});
