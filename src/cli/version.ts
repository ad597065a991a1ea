// `version`: what this build is, shaped like `kubectl version -o json` (clientVersion / serverVersion) so
// scripts that read kubectl's output read ours the same way. Without --client the API server of the current
// context is asked too, as kubectl does; the Kubernetes client is loaded only then.
import { spawnSync } from 'node:child_process';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { GlobalFlags } from './common-flags.js';
import { MigrateError } from '../errors.js';
import { TOOL_VERSION } from '../tool-version.js';

/** Filled in by the single-binary build (esbuild `define`, see scripts/package.sh); absent when run from dist/ or tsx. */
declare const __KOM_BUILD_INFO__: { version: string; gitCommit: string; gitTreeState: string; buildDate: string } | undefined;

export interface ClientVersion {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: 'clean' | 'dirty' | 'unknown';
  buildDate: string;
  nodeVersion: string;
  platform: string;
}

export interface ServerVersion {
  major?: string;
  minor?: string;
  gitVersion?: string;
  platform?: string;
  [key: string]: unknown;
}

export interface VersionInfo {
  clientVersion: ClientVersion;
  serverVersion?: ServerVersion;
}

export interface VersionArgs extends GlobalFlags {
  client: boolean;
  output?: 'json' | 'yaml';
}

/** Node names the CPU x64; Go (kubectl, krew selectors) names it amd64. */
export function goArch(arch: string): string {
  return ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' } as Record<string, string>)[arch] ?? arch;
}

/** Node names Windows win32; Go (kubectl's `platform`, krew selectors) names it windows. */
export function goOs(platform: string): string {
  return ({ win32: 'windows', sunos: 'solaris' } as Record<string, string>)[platform] ?? platform;
}

/** Build facts embedded by the bundler, else read from the source tree (development runs). */
function buildFacts(): { version: string; gitCommit: string; gitTreeState: string; buildDate: string } {
  if (typeof __KOM_BUILD_INFO__ !== 'undefined') return __KOM_BUILD_INFO__;
  // Running from dist/ or src/: .git is two levels above; the version is the build's constant (tool-version.ts).
  const root = new URL('../../', import.meta.url);
  const version = TOOL_VERSION;
  const git = (args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8', timeout: 2000 });
  const head = git(['rev-parse', 'HEAD']);
  const gitCommit = head.status === 0 ? head.stdout.trim() : 'unknown';
  const status = gitCommit === 'unknown' ? undefined : git(['status', '--porcelain', '--untracked-files=no']);
  const gitTreeState = !status || status.status !== 0 ? 'unknown' : status.stdout.trim() ? 'dirty' : 'clean';
  return { version, gitCommit, gitTreeState, buildDate: 'unknown' };
}

export function clientVersion(): ClientVersion {
  const facts = buildFacts();
  const [major = '0', minor = '0'] = facts.version.split('.');
  return {
    major,
    minor,
    gitVersion: `v${facts.version}`,
    gitCommit: facts.gitCommit,
    gitTreeState: facts.gitTreeState as ClientVersion['gitTreeState'],
    buildDate: facts.buildDate,
    nodeVersion: process.version,
    platform: `${goOs(process.platform)}/${goArch(process.arch)}`,
  };
}

/** The text kubectl prints without -o: one "Name: value" line per component. */
export function formatVersionText(info: VersionInfo): string {
  const lines = [`Client Version: ${info.clientVersion.gitVersion}`];
  lines.push(`Git Commit: ${info.clientVersion.gitCommit}`, `Build Date: ${info.clientVersion.buildDate}`, `Node Version: ${info.clientVersion.nodeVersion}`);
  if (info.serverVersion) lines.push(`Server Version: ${info.serverVersion.gitVersion ?? 'unknown'}`);
  return `${lines.join('\n')}\n`;
}

export async function formatVersion(info: VersionInfo, output: VersionArgs['output']): Promise<string> {
  if (output === 'json') return `${JSON.stringify(info, null, 2)}\n`;
  if (output === 'yaml') {
    const { default: yaml } = await import('js-yaml');
    return yaml.dump(info, { lineWidth: -1 });
  }
  return formatVersionText(info);
}

async function serverVersion(args: VersionArgs): Promise<ServerVersion> {
  const { loadKubeConfig, KubeClient, statusMessage } = await import('../kube/index.js');
  const { connectionOptions } = await import('./common-flags.js');
  const target = loadKubeConfig(connectionOptions(args));
  if (!target.ok) throw new MigrateError('kubernetes', target.error.message);
  const res = await new KubeClient(target.value).request('GET', '/version').catch((err: unknown) => {
    throw new MigrateError('kubernetes', err instanceof Error ? err.message : String(err));
  });
  if (res.status !== 200) throw new MigrateError('kubernetes', `GET /version on ${target.value.server}: ${statusMessage(res)}`);
  return res.body as ServerVersion;
}

function builder(argv: Argv) {
  return argv
    .option('client', { type: 'boolean', default: false, describe: 'Only the client (this plugin) version; do not contact the API server' })
    .option('output', {
      alias: 'o',
      type: 'string',
      choices: ['json', 'yaml'] as const,
      describe: 'Output format: json|yaml (same shape as kubectl version -o json)',
    })
    .example('$0 version --client', 'Version, git commit, build date and Node version of the plugin')
    .example('$0 version --client -o json', 'The same as JSON ({"clientVersion": {...}})')
    .example('$0 version -o yaml', 'Also the Kubernetes version of the current context');
}

export const versionCommand: CommandModule<object, VersionArgs> = {
  command: 'version',
  describe: 'Print the plugin version (and, without --client, the cluster version)',
  builder: builder as unknown as CommandModule<object, VersionArgs>['builder'],
  handler: async (args: ArgumentsCamelCase<VersionArgs>) => {
    const info: VersionInfo = { clientVersion: clientVersion() };
    if (args.client) {
      process.stdout.write(await formatVersion(info, args.output));
      return;
    }
    try {
      info.serverVersion = await serverVersion(args);
    } catch (error) {
      // As kubectl: the client part is still printed, then the error, and the exit code is 1.
      process.stdout.write(await formatVersion(info, args.output));
      throw error;
    }
    process.stdout.write(await formatVersion(info, args.output));
  },
};
