// Runs the `backup` command in a child process, as main.ts would (for the kill -9 test).
import yargs from 'yargs';
import { backupCommand } from '../../src/cli/backup.js';
import { withGlobalFlags } from '../../src/cli/common-flags.js';

try {
  await withGlobalFlags(yargs(process.argv.slice(2)))
    .command(backupCommand)
    .demandCommand(1)
    .strict()
    .fail((message, error) => {
      throw error ?? new Error(message);
    })
    .parseAsync();
} catch (error) {
  process.stderr.write(`error: ${(error as Error).message}\n`);
  process.exit(process.exitCode && process.exitCode !== 0 ? Number(process.exitCode) : 1);
}
process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
