// Which cluster, user and namespace the plugin talks to, chosen the way kubectl chooses them:
// --kubeconfig, else $KUBECONFIG (a path list, merged), else ~/.kube/config (or in-cluster config);
// --context, else current-context; -n, else the context's namespace, else "default".
import { KubeConfig } from '@kubernetes/client-node';

export interface KubeConfigOptions {
  /** Path of a kubeconfig file; wins over $KUBECONFIG like kubectl's --kubeconfig. */
  kubeconfig?: string;
  /** Context name; wins over current-context. */
  context?: string;
  /** Namespace for objects that name none; wins over the context's namespace. */
  namespace?: string;
}

export interface KubeTarget {
  kc: KubeConfig;
  contextName: string;
  /** API server URL of the chosen context's cluster. */
  server: string;
  /** Namespace given to namespaced objects without one. */
  namespace: string;
}

export type KubeConfigError =
  | { code: 'kubeconfig-unreadable'; path: string; message: string }
  | { code: 'no-context'; message: string }
  | { code: 'context-not-found'; context: string; available: string[]; message: string }
  | { code: 'cluster-not-found'; context: string; message: string };

export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

export function loadKubeConfig(options: KubeConfigOptions = {}): Result<KubeTarget, KubeConfigError> {
  const kc = new KubeConfig();
  try {
    if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault();
  } catch (err) {
    const path = options.kubeconfig ?? process.env.KUBECONFIG ?? '~/.kube/config';
    return { ok: false, error: { code: 'kubeconfig-unreadable', path, message: `cannot read kubeconfig ${path}: ${errorText(err)}` } };
  }
  if (options.context) {
    const available = kc.getContexts().map((c) => c.name);
    if (!available.includes(options.context)) {
      return {
        ok: false,
        error: {
          code: 'context-not-found',
          context: options.context,
          available,
          message: `context "${options.context}" is not in the kubeconfig (contexts: ${available.join(', ') || 'none'})`,
        },
      };
    }
    kc.setCurrentContext(options.context);
  }
  const contextName = kc.getCurrentContext();
  const context = contextName ? kc.getContextObject(contextName) : null;
  // loadFromDefault falls back to a cluster at http://localhost:8080 with a context named
  // "loaded-context" when nothing is configured; kubectl refuses that case, so do we.
  if (!contextName || !context || (!options.kubeconfig && isFallbackConfig(kc))) {
    return { ok: false, error: { code: 'no-context', message: 'no kubeconfig context: pass --kubeconfig or --context, or set KUBECONFIG' } };
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    return { ok: false, error: { code: 'cluster-not-found', context: contextName, message: `context "${contextName}" names a cluster that is not in the kubeconfig` } };
  }
  const namespace = options.namespace || context.namespace || 'default';
  return { ok: true, value: { kc, contextName, server: cluster.server, namespace } };
}

function isFallbackConfig(kc: KubeConfig): boolean {
  const clusters = kc.getClusters();
  return kc.getCurrentContext() === 'loaded-context' && clusters.length === 1 && clusters[0]?.server === 'http://localhost:8080';
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
