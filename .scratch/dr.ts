import yargs from 'yargs';
import { dryRunOption } from '../src/cli/common-flags.ts';
for (const argv of [['--dry-run'], ['--dry-run', 'x'], ['--dry-run=server'], []]) {
  try { const a = dryRunOption(yargs(argv)).strict().parseSync(); console.log(JSON.stringify(argv), a.dryRun, a['dry-run'], a._); } catch (e) { console.log('err', (e as Error).message); }
}
