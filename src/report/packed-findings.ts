// One server's findings, kept compactly until the report is written. A large cloud has ~34 findings per
// server (336,000 for 10,000 servers); as objects they were the largest thing a streamed plan kept alive
// besides the inventory (about 100 bytes each, plus a major garbage collector that walks every one of
// them again and again). Nearly all have the same shape (source, sourceName, serverId, attribute, outcome,
// severity, reason[, target]) with the server's own source, name and id, so each is kept as four slots of
// one array: attribute, target, reason, and outcome × severity as a small number. The report turns a
// server's list back into the same objects, in the same order and with the same key order, when it is
// written (toArray), one server at a time. A finding of any other shape is kept whole.
import type { Finding, Outcome, Severity } from '../translate/model.js';
import { sortFindings } from '../plan/build.js';

const OUTCOMES: readonly Outcome[] = ['exact', 'approximate', 'lost'];
const SEVERITIES: readonly Severity[] = ['info', 'warning', 'blocker', 'error'];
const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, blocker: 2, error: 3 };
const OUTCOME_INDEX: Record<string, number> = { exact: 0, approximate: 1, lost: 2 };
const SEVERITY_INDEX: Record<string, number> = { info: 0, warning: 1, blocker: 2, error: 3 };

/** The key order of a finding made by ServerFindings (translate/server-facts.ts), without and with target. */
const KEYS = ['source', 'sourceName', 'serverId', 'attribute', 'outcome', 'severity', 'reason', 'target'];

/** Does `f` have exactly the usual keys, in the usual order (target last and optional)? */
function usualShape(f: Finding): boolean {
  let i = 0;
  for (const key in f) {
    if (key !== KEYS[i]) return false;
    i++;
  }
  return i === 7 ? true : i === 8 && f.target !== undefined;
}

export interface FindingTally {
  exact: number;
  approximate: number;
  lost: number;
  /** Findings of severity "error". */
  errors: number;
  /** The worst severity among them ("info" when there are none). */
  severity: Severity;
}

/**
 * One copy of each distinct text. Findings repeat the same attribute, target and reason texts across
 * servers (10,000 servers: 336,000 findings but 53,000 distinct reasons and 15,000 distinct attributes),
 * each made anew per server; kept, one copy of each keeps the findings of a large cloud in about half the
 * memory. One table per plan, so that it goes with the findings it serves.
 */
export class TextInterner {
  private readonly texts = new Map<string, string>();
  intern(text: string): string {
    const known = this.texts.get(text);
    if (known !== undefined) return known;
    this.texts.set(text, text);
    return text;
  }
  /** The finding with its attribute, target and reason texts replaced by their shared copies. */
  internFinding(f: Finding): Finding {
    f.attribute = this.intern(f.attribute);
    f.reason = this.intern(f.reason);
    if (f.target !== undefined) f.target = this.intern(f.target);
    return f;
  }
}

export class PackedFindings {
  private source: string | undefined;
  private sourceName: string | undefined;
  /** Per usual finding: attribute, target (or undefined), reason, code; a finding of another shape: itself. */
  private readonly slots: (string | number | Finding | undefined)[] = [];
  /** Some finding has another source: toArray groups them by source, as sortFindings does. */
  private mixedSources = false;
  private count = 0;

  constructor(
    readonly serverId: string,
    private readonly texts: TextInterner = new TextInterner(),
  ) {}

  get length(): number {
    return this.count;
  }

  add(f: Finding): void {
    this.count++;
    if (this.source === undefined) {
      this.source = f.source;
      this.sourceName = f.sourceName;
    } else if (f.source !== this.source) {
      this.mixedSources = true;
    }
    const o = OUTCOME_INDEX[f.outcome];
    const s = SEVERITY_INDEX[f.severity];
    if (o !== undefined && s !== undefined && f.source === this.source && f.sourceName === this.sourceName && f.serverId === this.serverId && usualShape(f)) {
      const texts = this.texts;
      this.slots.push(texts.intern(f.attribute), f.target === undefined ? undefined : texts.intern(f.target), texts.intern(f.reason), o * 4 + s);
    } else {
      this.slots.push(this.texts.internFinding(f));
    }
  }

  /** The findings as objects, in production order (grouped by source when they have several). */
  toArray(): Finding[] {
    const out: Finding[] = [];
    const slots = this.slots;
    const source = this.source!;
    const sourceName = this.sourceName!;
    const serverId = this.serverId;
    for (let i = 0; i < slots.length; ) {
      const first = slots[i];
      if (typeof first === 'object') {
        out.push(first);
        i += 1;
        continue;
      }
      const target = slots[i + 1] as string | undefined;
      const reason = slots[i + 2] as string;
      const code = slots[i + 3] as number;
      const outcome = OUTCOMES[code >> 2]!;
      const severity = SEVERITIES[code & 3]!;
      // The same literal shapes as ServerFindings.add: same keys, same order.
      out.push(
        target !== undefined
          ? { source, sourceName, serverId, attribute: first as string, outcome, severity, reason, target }
          : { source, sourceName, serverId, attribute: first as string, outcome, severity, reason },
      );
      i += 4;
    }
    return this.mixedSources ? sortFindings(out) : out;
  }

  /** Counts per outcome, errors and the worst severity, without making the objects. */
  tally(): FindingTally {
    const counter = new TallyCounter();
    const slots = this.slots;
    for (let i = 0; i < slots.length; ) {
      const first = slots[i];
      if (typeof first === 'object') {
        counter.add(first.outcome, first.severity);
        i += 1;
      } else {
        const code = slots[i + 3] as number;
        counter.add(OUTCOMES[code >> 2]!, SEVERITIES[code & 3]!);
        i += 4;
      }
    }
    return counter.result();
  }
}

class TallyCounter {
  private readonly t: FindingTally = { exact: 0, approximate: 0, lost: 0, errors: 0, severity: 'info' };
  private worst = 0;
  add(outcome: Outcome, severity: Severity): void {
    this.t[outcome]++;
    if (severity === 'error') this.t.errors++;
    if (SEVERITY_RANK[severity] > this.worst) this.worst = SEVERITY_RANK[severity];
  }
  result(): FindingTally {
    this.t.severity = SEVERITIES[this.worst]!;
    return this.t;
  }
}

/** The tally of findings held as objects. */
export function tallyOf(findings: Finding[]): FindingTally {
  const counter = new TallyCounter();
  for (const f of findings) counter.add(f.outcome, f.severity);
  return counter.result();
}

/**
 * A server whose findings went straight into the report's text as it was translated (cli/plan-run.ts):
 * only their tally is kept, for the report's table and summary.
 */
export class TalliedFindings {
  constructor(readonly counts: FindingTally) {}
}
