// Which cluster, user and namespace the plugin talks to, chosen the way kubectl chooses them
// (k8s.io/cli-runtime genericclioptions.ConfigFlags):
// --kubeconfig, else $KUBECONFIG (a path list, merged), else ~/.kube/config (or in-cluster config);
// --context, else current-context; --cluster / --user override the context's; --server, --token,
// --certificate-authority, --insecure-skip-tls-verify override the cluster's and user's fields; --as /
// --as-group impersonate; -n, else the context's namespace, else "default". With --server and no
// kubeconfig at all (e.g. `kubectl proxy` on http://127.0.0.1:8001), that server is used without credentials.
import { KubeConfig } from '@kubernetes/client-node';

export interface KubeConfigOptions {
  /** Path of a kubeconfig file; wins over $KUBECONFIG like kubectl's --kubeconfig. */
  kubeconfig?: string;
  /** Context name; wins over current-context. */
  context?: string;
  /** kubeconfig cluster to use instead of the context's. */
  cluster?: string;
  /** kubeconfig user to use instead of the context's. */
  user?: string;
  /** Namespace for objects that name none; wins over the context's namespace. */
  namespace?: string;
  /** API server URL; wins over the cluster's. http:// is allowed (kubectl proxy). */
  server?: string;
  /** Bearer token; wins over the user's credentials. */
  token?: string;
  /** --as */
  impersonate?: string;
  /** --as-group (repeatable) */
  impersonateGroups?: string[];
  /** Path of a CA bundle; wins over the cluster's. */
  certificateAuthority?: string;
  insecureSkipTlsVerify?: boolean;
  /** Milliseconds per request; 0: no limit; undefined: the client's default. */
  requestTimeoutMs?: number;
}

export interface KubeTarget {
  kc: KubeConfig;
  contextName: string;
  /** API server URL of the chosen context's cluster. */
  server: string;
  /** Namespace given to namespaced objects without one. */
  namespace: string;
  /** Impersonate-Group headers (client-node sends Impersonate-User only). */
  impersonateGroups?: string[];
  /** Milliseconds per request; 0: no limit; undefined: the client's default. */
  requestTimeoutMs?: number;
}

export type KubeConfigError =
  | { code: 'kubeconfig-unreadable'; path: string; message: string }
  | { code: 'no-context'; message: string }
  | { code: 'context-not-found'; context: string; available: string[]; message: string }
  | { code: 'cluster-not-found'; context: string; message: string }
  | { code: 'user-not-found'; context: string; message: string }
  | { code: 'invalid-flags'; message: string };

export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

type Cluster = ReturnType<KubeConfig['getClusters']>[number];
type User = ReturnType<KubeConfig['getUsers']>[number];
type Context = ReturnType<KubeConfig['getContexts']>[number];

export function loadKubeConfig(options: KubeConfigOptions = {}): Result<KubeTarget, KubeConfigError> {
  const kc = new KubeConfig();
  try {
    if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault();
  } catch (err) {
    // As kubectl: with --server, a missing default kubeconfig does not matter (no credentials then).
    if (options.server && !options.kubeconfig) return withOverrides(kc, emptyCredentials(options.server), options);
    const path = options.kubeconfig ?? process.env.KUBECONFIG ?? '~/.kube/config';
    return { ok: false, error: { code: 'kubeconfig-unreadable', path, message: `cannot read kubeconfig ${path}: ${errorText(err)}` } };
  }
  if (options.server) {
    try {
      const url = new URL(options.server);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`scheme ${url.protocol}`);
    } catch {
      return { ok: false, error: { code: 'invalid-flags', message: `--server ${JSON.stringify(options.server)} is not an http:// or https:// URL` } };
    }
  }
  if (options.insecureSkipTlsVerify && options.certificateAuthority) {
    return { ok: false, error: { code: 'invalid-flags', message: 'specifying a root certificates file with the insecure flag is not allowed' } };
  }
  // loadFromDefault falls back to a cluster at http://localhost:8080 with a context named
  // "loaded-context" when nothing is configured; kubectl refuses that case unless --server names a server.
  const fallback = !options.kubeconfig && isFallbackConfig(kc);
  if (fallback && options.server) return withOverrides(kc, emptyCredentials(options.server), options);
  if (options.context) {
    const available = kc.getContexts().map((c) => c.name);
    if (!available.includes(options.context) || fallback) {
      return {
        ok: false,
        error: {
          code: 'context-not-found',
          context: options.context,
          available: fallback ? [] : available,
          message: `context "${options.context}" is not in the kubeconfig (contexts: ${(fallback ? [] : available).join(', ') || 'none'})`,
        },
      };
    }
    kc.setCurrentContext(options.context);
  }
  const contextName = kc.getCurrentContext();
  const context = contextName ? kc.getContextObject(contextName) : null;
  if (!contextName || !context || fallback) {
    return { ok: false, error: { code: 'no-context', message: 'no kubeconfig context: pass --kubeconfig, --context or --server, or set KUBECONFIG' } };
  }
  const clusterName = options.cluster ?? context.cluster;
  const cluster = kc.getCluster(clusterName);
  if (!cluster) {
    const known =
      kc
        .getClusters()
        .map((c) => c.name)
        .join(', ') || 'none';
    const what = options.cluster
      ? `cluster "${options.cluster}" is not in the kubeconfig`
      : `context "${contextName}" names a cluster that is not in the kubeconfig`;
    return { ok: false, error: { code: 'cluster-not-found', context: contextName, message: `${what} (clusters: ${known})` } };
  }
  const userName = options.user ?? context.user;
  const user = kc.getUser(userName) ?? (options.user ? undefined : { name: userName });
  if (!user) {
    const known =
      kc
        .getUsers()
        .map((u) => u.name)
        .join(', ') || 'none';
    return { ok: false, error: { code: 'user-not-found', context: contextName, message: `user "${options.user}" is not in the kubeconfig (users: ${known})` } };
  }
  return withOverrides(kc, { context: { ...context, cluster: cluster.name, user: user.name }, cluster, user }, options);
}

/** A context for --server alone: no credentials, as kubectl with an empty kubeconfig. */
function emptyCredentials(server: string): { context: Context; cluster: Cluster; user: User } {
  return {
    context: { name: 'flags', cluster: 'flags', user: 'flags' },
    cluster: { name: 'flags', server, skipTLSVerify: false },
    user: { name: 'flags' },
  };
}

/** Rebuilds the configuration around the chosen context with the flag overrides applied. */
function withOverrides(
  kc: KubeConfig,
  chosen: { context: Context; cluster: Cluster; user: User },
  options: KubeConfigOptions,
): Result<KubeTarget, KubeConfigError> {
  let cluster: Cluster = { ...chosen.cluster, server: options.server ?? chosen.cluster.server };
  // Plain http (kubectl proxy): client-node refuses it unless TLS verification is off, which means nothing there.
  if (cluster.server.startsWith('http:')) cluster = { ...cluster, skipTLSVerify: true };
  if (options.certificateAuthority) cluster = { ...cluster, caFile: options.certificateAuthority, caData: undefined };
  if (options.insecureSkipTlsVerify) cluster = { ...cluster, skipTLSVerify: true, caFile: undefined, caData: undefined };
  let user: User = { ...chosen.user };
  // A token given on the command line replaces the user's other ways to authenticate, as kubectl's --token does.
  if (options.token)
    user = { name: user.name, token: options.token, certData: user.certData, certFile: user.certFile, keyData: user.keyData, keyFile: user.keyFile };
  if (options.impersonate) user = { ...user, impersonateUser: options.impersonate };
  const context: Context = { ...chosen.context };
  const target = new KubeConfig();
  target.loadFromOptions({
    clusters: [...kc.getClusters().filter((c) => c.name !== cluster.name), cluster],
    users: [...kc.getUsers().filter((u) => u.name !== user.name), user],
    contexts: [...kc.getContexts().filter((c) => c.name !== context.name), context],
    currentContext: context.name,
  });
  const namespace = options.namespace || context.namespace || 'default';
  return {
    ok: true,
    value: {
      kc: target,
      contextName: context.name,
      server: cluster.server,
      namespace,
      ...(options.impersonateGroups?.length ? { impersonateGroups: options.impersonateGroups } : {}),
      ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    },
  };
}

function isFallbackConfig(kc: KubeConfig): boolean {
  const clusters = kc.getClusters();
  return kc.getCurrentContext() === 'loaded-context' && clusters.length === 1 && clusters[0]?.server === 'http://localhost:8080';
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
