// Commands whose implementation has not landed yet. They say so and exit 2 (usage), never pretend to succeed.
import type { CommandModule } from 'yargs';
import { MigrateError } from '../errors.js';

function notYet(name: string, describe: string): CommandModule {
  return {
    command: `${name}`,
    describe: `${describe} (not available in this version)`,
    builder: (y) => y.strict(false),
    handler: () => {
      throw new MigrateError('not-implemented', `"${name}" is not available in this version of kubectl-openstack-migrate yet`);
    },
  };
}

export const notYetCommands: CommandModule[] = [
  notYet('import', 'Import the disk copies into DataVolumes'),
  notYet('cutover <server>', 'Stop the source server and start it on KubeVirt'),
  notYet('status', 'Show the migration state from the cluster'),
];
