// backup, import and cutover take every option of `plan` that shapes the plan (issue 12 item 1: the
// workflow used to rebuild the plan without --volume-mode, --access-mode, --network-map, ...).
import yargs, { type Argv } from 'yargs';
import { describe, expect, it } from 'vitest';
import { backupCommand } from '../../../src/cli/backup.js';
import { cutoverCommand } from '../../../src/cli/cutover.js';
import { importCommand } from '../../../src/cli/import.js';
import { planCommand } from '../../../src/cli/plan.js';
import { PLAN_OPTION_KEYS } from '../../../src/cli/plan-options.js';

const optionsOf = (command: { builder?: unknown }) => {
  const argv = (command.builder as (a: Argv) => Argv)(yargs([]));
  return new Set(Object.keys((argv as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions().key));
};
const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

describe('plan options on the workflow commands', () => {
  const plan = optionsOf(planCommand);
  it.each([
    ['backup', backupCommand],
    ['import', importCommand],
    ['cutover', cutoverCommand],
  ] as const)('%s takes every plan-shaping option of plan, and --replan', (_name, command) => {
    const options = optionsOf(command);
    for (const key of PLAN_OPTION_KEYS) {
      expect(plan.has(kebab(key)), `plan --${kebab(key)}`).toBe(true);
      expect(options.has(kebab(key)), `--${kebab(key)}`).toBe(true);
    }
    expect(options.has('replan')).toBe(true);
  });

  // Options of `plan` that decide what it outputs or applies, not what is planned.
  const OUTPUT_ONLY = new Set([
    'inventory',
    'out',
    'output',
    'report-format',
    'report',
    'strict',
    'apply',
    'include-workloads',
    'force-conflicts',
    'show-exact',
    'dry-run',
    'replan',
  ]);
  it('every other option of plan is a plan-shaping option the workflow commands take (none forgotten)', () => {
    const shaping = [...plan].filter((k) => !OUTPUT_ONLY.has(k) && k.length > 1 && !/[A-Z]/.test(k) && k !== 'help' && k !== 'version' && k !== '$0');
    expect(shaping.sort()).toEqual(PLAN_OPTION_KEYS.map(kebab).sort());
    for (const command of [backupCommand, importCommand, cutoverCommand]) {
      const options = optionsOf(command);
      expect(shaping.filter((k) => !options.has(k))).toEqual([]);
    }
  });
});
