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

export class PackedFindings {
  private source: string | undefined;
  private sourceName: string | undefined;
  /** Per usual finding: attribute, target (or undefined), reason, code; a finding of another shape: itself. */
  private readonly slots: (string | number | Finding | undefined)[] = [];
  /** Some finding has another source: toArray groups them by source, as sortFindings does. */
  private mixedSources = false;
  private count = 0;

  constructor(readonly serverId: string) {}

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
      this.slots.push(f.attribute, f.target, f.reason, o * 4 + s);
    } else {
      this.slots.push(f);
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
    const t: FindingTally = { exact: 0, approximate: 0, lost: 0, errors: 0, severity: 'info' };
    let worst = 0;
    const slots = this.slots;
    const note = (outcome: Outcome, severity: Severity) => {
      t[outcome]++;
      if (severity === 'error') t.errors++;
      if (SEVERITY_RANK[severity] > worst) worst = SEVERITY_RANK[severity];
    };
    for (let i = 0; i < slots.length; ) {
      const first = slots[i];
      if (typeof first === 'object') {
        note(first.outcome, first.severity);
        i += 1;
      } else {
        const code = slots[i + 3] as number;
        note(OUTCOMES[code >> 2]!, SEVERITIES[code & 3]!);
        i += 4;
      }
    }
    t.severity = SEVERITIES[worst]!;
    return t;
  }
}
