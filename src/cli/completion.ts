// `completion bash|zsh|fish`: shell completion for every name the plugin is run by.
//
// The bash and zsh scripts are yargs' own templates; the fish script is ours (yargs' fish template turns
// file names off, and -i must complete files). Each asks the hidden `--get-yargs-completions` flag at run
// time (answered by complete.ts: commands, flags, choices, contexts, namespaces, server names), once per
// executable name:
//   kubectl-openstack_migrate  the name kubectl and krew use (a dash in a plugin command is an underscore in the file name)
//   kubectl-openstack-migrate  the name `npm install -g` puts on PATH
// `kubectl openstack-migrate <TAB>` is completed by kubectl itself (kubectl ≥ 1.26, with `kubectl completion
// bash|zsh` loaded): it runs an executable named `kubectl_complete-openstack_migrate` from PATH with the words
// after the plugin name and prints what it prints. That helper (scripts/kubectl_complete-openstack_migrate)
// ships next to the binary: build/ and the release archive.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';

export const PLUGIN_EXECUTABLE = 'kubectl-openstack_migrate';
export const NPM_EXECUTABLE = 'kubectl-openstack-migrate';
/** kubectl's lookup: the plugin file name with `_complete` inserted before the first dash (plugin_completion.go). */
export const KUBECTL_COMPLETION_HELPER = 'kubectl_complete-openstack_migrate';

export type CompletionShell = 'bash' | 'zsh' | 'fish';

export interface CompletionArgs {
  shell: CompletionShell;
}

/** yargs picks the template from $SHELL when its instance is created; build one per shell with SHELL set so. */
async function yargsScript(shell: 'bash' | 'zsh', executable: string): Promise<string> {
  const { default: yargs } = await import('yargs');
  const saved = { SHELL: process.env.SHELL, ZSH_NAME: process.env.ZSH_NAME };
  process.env.SHELL = shell === 'zsh' ? '/bin/zsh' : '/bin/bash';
  delete process.env.ZSH_NAME;
  try {
    const parser = yargs().scriptName(executable).completion('completion', false);
    const script = await new Promise<string>((resolve, reject) =>
      parser.parse(['completion'], {}, (err, _argv, output) => (err ? reject(err) : resolve(output))),
    );
    // The template's install hint names `completion`; ours needs the shell.
    return `${script.replaceAll(`${executable} completion >>`, `${executable} completion ${shell} >>`).trimEnd()}\n`;
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/**
 * fish: candidates from the plugin as value<TAB>description; none means "complete file names" (the
 * inventory, kubeconfig, output files), as bash's `-o default` and zsh's `_default` do in yargs' scripts.
 */
function fishScript(executable: string): string {
  // Distinct per executable: the two names differ only in - and _.
  const fn = executable === PLUGIN_EXECUTABLE ? '__kubectl_openstack_migrate_plugin_complete' : '__kubectl_openstack_migrate_npm_complete';
  return [
    `function ${fn}`,
    '    set -l words (commandline -opc) (commandline -ct)',
    `    set -l out (env SHELL=fish ${executable} --get-yargs-completions ${executable} $words[2..-1])`,
    '    if test (count $out) -eq 0',
    '        __fish_complete_path (commandline -ct)',
    '    else',
    "        printf '%s\n' $out",
    '    end',
    'end',
    `complete -c ${executable} -f -a '(${fn})'`,
    '',
  ].join('\n');
}

export async function completionScript(shell: CompletionShell): Promise<string> {
  const header = [
    `# Shell completion for kubectl-openstack-migrate (${shell}).`,
    `#   ${PLUGIN_EXECUTABLE} / ${NPM_EXECUTABLE} <TAB>: the functions below.`,
    `#   kubectl openstack-migrate <TAB>: kubectl's own completion (source <(kubectl completion ${shell})) runs`,
    `#   ${KUBECTL_COMPLETION_HELPER} from PATH; it ships next to the binary in the release archive.`,
    '',
  ].join('\n');
  if (shell === 'fish') return `${header}${fishScript(PLUGIN_EXECUTABLE)}${fishScript(NPM_EXECUTABLE)}`;
  const scripts = [await yargsScript(shell, PLUGIN_EXECUTABLE), await yargsScript(shell, NPM_EXECUTABLE)] as const;
  if (shell === 'zsh') {
    // An autoloaded completion file is named by its first line; list both executables there.
    const plugin = scripts[0].replace(`#compdef ${PLUGIN_EXECUTABLE}\n`, '');
    const npm = scripts[1].replace(`#compdef ${NPM_EXECUTABLE}\n`, '');
    return `#compdef ${PLUGIN_EXECUTABLE} ${NPM_EXECUTABLE}\n${header}${plugin}${npm}`;
  }
  return `${header}${scripts.join('')}`;
}

function builder(argv: Argv) {
  return argv
    .positional('shell', { type: 'string', choices: ['bash', 'zsh', 'fish'] as const, default: 'bash' as const, describe: 'Shell to generate the script for' })
    .example('source <($0 completion bash)', 'Completion in the current bash session')
    .example('$0 completion zsh > "${fpath[1]}/_kubectl-openstack_migrate"', 'Install for zsh (start a new shell afterwards)')
    .example('$0 completion fish > ~/.config/fish/completions/kubectl-openstack_migrate.fish', 'Install for fish')
    .example('source <(kubectl completion bash)', `With ${KUBECTL_COMPLETION_HELPER} on PATH: complete \`kubectl openstack-migrate\` too`);
}

export const completionCommand: CommandModule<object, CompletionArgs> = {
  command: 'completion [shell]',
  describe: 'Print the shell completion script (bash, zsh or fish)',
  builder: builder as unknown as CommandModule<object, CompletionArgs>['builder'],
  handler: async (args: ArgumentsCamelCase<CompletionArgs>) => {
    process.stdout.write(await completionScript(args.shell));
  },
};
