// Answers shell completion requests (`--get-yargs-completions`, sent by the scripts of `completion
// bash|zsh|fish` and by kubectl through kubectl_complete-openstack_migrate). yargs completes commands, flags
// and choices; this adds what it cannot know, the way kubectl completes:
//   --context / --cluster / --user   names from the kubeconfig
//   -n / --namespace                 namespaces from the cluster (a short request; nothing when unreachable)
//   cutover|backup|import <TAB>      server names from the inventory given with -i
//   -i and other file flags          files (no candidates: every shell script falls back to file names)
// and drops yargs' bogus `--n`, `--v`, `--i`, `--o`… (a one-letter alias is -n, never --n).
// With OSM_COMPLETE_DIRECTIVE=1 (set by the kubectl helper) a last line `:<n>` is printed, as cobra's
// ShellCompDirective that kubectl reads from plugin helpers: 4 = no file completion, 0 = default (files).
import { readFileSync } from 'node:fs';

type Shell = 'bash' | 'zsh' | 'fish';
type Parser = { exitProcess(enabled: boolean): Parser; parseAsync(): Promise<unknown> };

const FILE_FLAGS = new Set([
  '-i',
  '--inventory',
  '--config',
  '--kubeconfig',
  '--output-file',
  '--report',
  '--certificate-authority',
  '--out',
  '--nfs-manifests',
  '--os-cacert',
]);
const SERVER_COMMANDS = new Set(['cutover', 'backup', 'import']);
const DIRECTIVE_NO_FILES = 4;
const DIRECTIVE_DEFAULT = 0;

export function shellOf(env: NodeJS.ProcessEnv = process.env): Shell {
  if (env.SHELL?.includes('fish')) return 'fish';
  if (env.SHELL?.includes('zsh') || env.ZSH_NAME?.includes('zsh')) return 'zsh';
  return 'bash';
}

/** A candidate in the form the shell's script reads: bash the value, zsh value:description, fish value<TAB>description. */
export function formatCandidate(shell: Shell, value: string, description = ''): string {
  if (shell === 'bash' || !description) return shell === 'zsh' ? value.replaceAll(':', '\\:') : value;
  return shell === 'zsh' ? `${value.replaceAll(':', '\\:')}:${description}` : `${value}\t${description}`;
}

/** The value of a flag among the words (--flag VALUE or --flag=VALUE), the last one given. */
export function flagValue(words: readonly string[], ...names: string[]): string | undefined {
  let value: string | undefined;
  for (const [i, word] of words.entries()) {
    for (const n of names) {
      if (word === n && i + 1 < words.length - 1) value = words[i + 1];
      else if (word.startsWith(`${n}=`)) value = word.slice(n.length + 1);
    }
  }
  return value;
}

/** What to offer for `current`, given the words before it; undefined: let yargs answer. */
export async function dynamicCandidates(words: readonly string[]): Promise<{ values: [string, string?][]; files?: boolean } | undefined> {
  const current = words.at(-1) ?? '';
  const prev = words.at(-2) ?? '';
  const kubeconfigOptions = async () => {
    const { connectionOptions } = await import('./common-flags.js');
    return connectionOptions({
      kubeconfig: flagValue(words, '--kubeconfig'),
      context: flagValue(words, '--context'),
      cluster: flagValue(words, '--cluster'),
      user: flagValue(words, '--user'),
      server: flagValue(words, '--server', '-s'),
      token: flagValue(words, '--token'),
      requestTimeout: 3000,
      v: 0,
    });
  };
  if (FILE_FLAGS.has(prev)) return { values: [], files: true };
  if (prev === '--context' || prev === '--cluster' || prev === '--user') {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    try {
      const path = flagValue(words, '--kubeconfig');
      if (path) kc.loadFromFile(path);
      else kc.loadFromDefault();
    } catch {
      return { values: [] };
    }
    const list =
      prev === '--context'
        ? kc.getContexts().map((c) => [c.name, `cluster ${c.cluster}, user ${c.user}`] as [string, string])
        : prev === '--cluster'
          ? kc.getClusters().map((c) => [c.name, c.server] as [string, string])
          : kc.getUsers().map((u) => [u.name] as [string]);
    return { values: list.filter(([v]) => v.startsWith(current)) };
  }
  if (prev === '-n' || prev === '--namespace')
    return { values: (await namespaces(await kubeconfigOptions())).filter((n) => n.startsWith(current)).map((n) => [n]) };
  const command = words.find((w) => !w.startsWith('-'));
  if (command && SERVER_COMMANDS.has(command) && !current.startsWith('-') && !prev.startsWith('-') && words.indexOf(command) < words.length - 1) {
    const inventory = flagValue(words, '-i', '--inventory');
    if (!inventory) return { values: [] };
    const { default: yaml } = await import('js-yaml');
    return { values: serverNames(inventory, yaml).filter(([n]) => n.startsWith(current)) };
  }
  return undefined;
}

async function namespaces(options: import('../kube/config.js').KubeConfigOptions): Promise<string[]> {
  try {
    const [{ loadKubeConfig }, { KubeClient }] = await Promise.all([import('../kube/config.js'), import('../kube/client.js')]);
    const target = loadKubeConfig(options);
    if (!target.ok) return [];
    const res = await new KubeClient(target.value).request('GET', '/api/v1/namespaces');
    if (res.status !== 200) return [];
    return ((res.body as { items?: { metadata: { name: string } }[] }).items ?? []).map((i) => i.metadata.name);
  } catch {
    return [];
  }
}

/** Server names (and their projects) from an inventory file, without validating it: completion must be quick. */
function serverNames(file: string, yaml: { load(text: string): unknown }): [string, string][] {
  try {
    const text = readFileSync(file, 'utf8');
    // Both formats: JSON is YAML.
    const inv = yaml.load(text) as { servers?: { name?: string; id?: string; projectId?: string }[] };
    return (inv.servers ?? []).filter((s) => typeof s.name === 'string').map((s) => [s.name as string, `server ${s.id ?? ''}`.trim()]);
  } catch {
    return [];
  }
}

/** Runs yargs' own completion for the words and returns its lines (it prints them with console.log). */
async function yargsCandidates(words: string[], buildParser: (words: string[]) => unknown): Promise<string[]> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) => lines.push(parts.map(String).join(' '));
  try {
    await (buildParser(['--get-yargs-completions', 'kubectl-openstack_migrate', ...words]) as Parser).exitProcess(false).parseAsync();
  } catch {
    // a parse error while completing: offer what was collected
  } finally {
    console.log = log;
  }
  return lines;
}

/** Prints the candidates for `words` (the words after the program name; the last is being completed). */
export async function answerCompletion(words: string[], buildParser: (words: string[]) => unknown): Promise<number> {
  const shell = shellOf();
  const directive = process.env.OSM_COMPLETE_DIRECTIVE === '1';
  const dynamic = await dynamicCandidates(words);
  let lines: string[];
  let files = false;
  if (dynamic) {
    lines = dynamic.values.map(([v, d]) => formatCandidate(shell, v, d));
    files = Boolean(dynamic.files);
  } else {
    // yargs offers every alias as --x; one-letter aliases are typed -x, and -x is already offered.
    lines = (await yargsCandidates(words, buildParser)).filter((l) => !/^--[A-Za-z](?:$|[\t:])/.test(l));
    files = lines.length === 0;
  }
  for (const l of lines) process.stdout.write(`${l}\n`);
  if (directive) process.stdout.write(`:${files ? DIRECTIVE_DEFAULT : DIRECTIVE_NO_FILES}\n`);
  return 0;
}
