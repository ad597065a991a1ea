// The live progress of a run: on a terminal, one redrawn bar per disk and an overall line with an ETA;
// otherwise (pipes, CI logs) one plain line per phase change and per 25% step, so logs stay short.
// Colour only on a TTY and never with NO_COLOR. Writes to stderr by default: stdout is for data.

export interface ProgressUpdate {
  label: string;
  /** 0..100 */
  percent: number;
  /** pending, ImportScheduled, importing, imported, failed, ... */
  phase: string;
}

export interface ProgressSink {
  update(key: string, update: ProgressUpdate): void;
  /** A message line above the bars. */
  log(line: string): void;
  /** Final redraw; stops the timer. */
  stop(): void;
}

export interface ProgressOptions {
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  tty?: boolean;
  colour?: boolean;
  now?: () => number;
  /** Minimum time between two redraws on a TTY. */
  redrawMs?: number;
}

interface Entry extends ProgressUpdate {
  startedAt: number;
  lastPlainStep: number;
  lastPlainPhase: string;
}

const DONE = new Set(['imported', 'Succeeded', 'running']);

/** "1h02m", "4m05s", "12s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function bar(percent: number, width: number): string {
  const filled = Math.round((Math.max(0, Math.min(100, percent)) / 100) * width);
  return `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
}

/**
 * Overall ETA from the mean progress and the time since the first disk started; undefined until there is
 * enough progress to extrapolate from.
 */
export function overallEta(entries: { percent: number; startedAt: number }[], now: number): { percent: number; etaMs?: number } {
  if (entries.length === 0) return { percent: 0 };
  const percent = entries.reduce((a, e) => a + e.percent, 0) / entries.length;
  const start = Math.min(...entries.map((e) => e.startedAt));
  const elapsed = now - start;
  if (percent <= 0 || percent >= 100 || elapsed <= 0) return { percent, etaMs: percent >= 100 ? 0 : undefined };
  return { percent, etaMs: (elapsed * (100 - percent)) / percent };
}

export function noColour(): boolean {
  return 'NO_COLOR' in process.env && process.env.NO_COLOR !== '';
}

export class ProgressDisplay implements ProgressSink {
  private readonly entries = new Map<string, Entry>();
  private readonly stream: NonNullable<ProgressOptions['stream']>;
  private readonly tty: boolean;
  private readonly colour: boolean;
  private readonly now: () => number;
  private readonly redrawMs: number;
  private drawnLines = 0;
  private lastDraw = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: ProgressOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.tty = options.tty ?? Boolean(this.stream.isTTY);
    this.colour = this.tty && (options.colour ?? !noColour());
    this.now = options.now ?? Date.now;
    this.redrawMs = options.redrawMs ?? 100;
  }

  update(key: string, u: ProgressUpdate): void {
    const prev = this.entries.get(key);
    const entry: Entry = {
      ...u,
      startedAt: prev?.startedAt ?? this.now(),
      lastPlainStep: prev?.lastPlainStep ?? -1,
      lastPlainPhase: prev?.lastPlainPhase ?? '',
    };
    this.entries.set(key, entry);
    if (!this.tty) {
      const step = Math.floor(u.percent / 25);
      if (u.phase !== entry.lastPlainPhase || step > entry.lastPlainStep) {
        entry.lastPlainPhase = u.phase;
        entry.lastPlainStep = step;
        this.stream.write(`${u.label}: ${u.phase} ${u.percent.toFixed(1)}%\n`);
      }
      return;
    }
    this.scheduleDraw();
  }

  log(line: string): void {
    if (!this.tty) {
      this.stream.write(`${line}\n`);
      return;
    }
    this.clear();
    this.stream.write(`${line}\n`);
    this.draw();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.tty) this.draw();
    else if (this.entries.size) {
      const { percent } = overallEta([...this.entries.values()], this.now());
      this.stream.write(`overall: ${percent.toFixed(1)}% of ${this.entries.size} disk(s)\n`);
    }
  }

  /** The lines a TTY shows (exported through render() for tests). */
  render(width = this.stream.columns ?? 100): string[] {
    const entries = [...this.entries.values()];
    const labelWidth = Math.min(40, Math.max(10, ...entries.map((e) => e.label.length)));
    const barWidth = Math.max(10, Math.min(40, width - labelWidth - 30));
    const paint = (s: string, code: number) => (this.colour ? `\u001b[${code}m${s}\u001b[39m` : s);
    const lines = entries.map((e) => {
      const colourCode = e.phase === 'failed' ? 31 : DONE.has(e.phase) ? 32 : 36;
      return `${e.label.slice(0, labelWidth).padEnd(labelWidth)} [${paint(bar(e.percent, barWidth), colourCode)}] ${e.percent.toFixed(1).padStart(5)}% ${e.phase}`;
    });
    const { percent, etaMs } = overallEta(entries, this.now());
    const done = entries.filter((e) => DONE.has(e.phase)).length;
    lines.push(`overall ${percent.toFixed(1)}%  ${done}/${entries.length} disks done  ETA ${etaMs === undefined ? '?' : formatDuration(etaMs)}`);
    return lines;
  }

  private scheduleDraw(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.redrawMs - (this.now() - this.lastDraw));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.draw();
    }, wait);
    this.timer.unref?.();
  }

  private clear(): void {
    if (this.drawnLines > 0) this.stream.write(`\u001b[${this.drawnLines}A\u001b[0J`);
    this.drawnLines = 0;
  }

  private draw(): void {
    this.clear();
    const lines = this.render();
    this.stream.write(`${lines.join('\n')}\n`);
    this.drawnLines = lines.length;
    this.lastDraw = this.now();
  }
}

/** A sink that shows nothing (-o json runs, tests). */
export const silentProgress: ProgressSink = { update() {}, log() {}, stop() {} };
