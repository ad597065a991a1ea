// client-node's KubernetesObjectApi on the plugin's one transport: every request goes through
// KubeClient.exchange() (the kubeconfig's TLS and credentials, Impersonate-Group, plain http for
// `kubectl proxy`, --request-timeout, the -v request line), so that object reads and writes by kind need no
// table of API paths: KubernetesObjectApi finds each kind's resource (plural, namespaced) by discovery,
// once per group/version. Two additions it lacks: the collection path of a kind (what a watch opens) and a
// merge patch of a subresource (status), both built from its own path resolution.
import {
  ApiException,
  createConfiguration,
  HttpMethod,
  KubernetesObjectApi,
  PatchStrategy,
  ResponseContext,
  SelfDecodingBody,
  ServerConfiguration,
  wrapHttpLibrary,
  type KubernetesObject,
  type RequestContext,
  type V1APIResource,
} from '@kubernetes/client-node';
import { statusMessage, type KubeClient } from './client.js';

export { ApiException, PatchStrategy };

/** A KubernetesObjectApi whose requests travel through `client` (and are counted by `onRequest`). */
export class KubeObjectApi extends KubernetesObjectApi {
  constructor(client: KubeClient, onRequest?: () => void) {
    super(
      createConfiguration({
        baseServer: new ServerConfiguration(client.baseUrl, {}),
        // No auth methods: exchange() applies the kubeconfig's credentials itself, as for every other request.
        authMethods: {},
        httpApi: wrapHttpLibrary({
          async send(request: RequestContext): Promise<ResponseContext> {
            onRequest?.();
            const body = request.getBody();
            const res = await client.exchange(request.getHttpMethod(), new URL(request.getUrl()), {
              headers: request.getHeaders(),
              body: typeof body === 'string' ? body : undefined,
            });
            return new ResponseContext(res.status, res.headers, new SelfDecodingBody(Promise.resolve(Buffer.from(res.text, 'utf8'))));
          },
        }),
      }),
    );
    this.defaultNamespace = client.namespace;
  }

  /** Discoveries under way: concurrent first calls for one kind share one request. */
  private readonly discovering = new Map<string, Promise<V1APIResource | undefined>>();

  /**
   * The kind's resource as the server's discovery lists it (once; KubernetesObjectApi caches it);
   * undefined when the server does not serve it (asked again next time: a CRD may be installed meanwhile).
   */
  served(apiVersion: string, kind: string): Promise<V1APIResource | undefined> {
    const key = `${apiVersion}/${kind}`;
    let pending = this.discovering.get(key);
    if (!pending) {
      pending = this.resource(apiVersion, kind).catch((err: unknown) => {
        if (err instanceof ApiException && err.code === 404) return undefined;
        throw err;
      });
      this.discovering.set(key, pending);
      const forget = () => this.discovering.delete(key);
      pending.then((found) => found === undefined && forget(), forget);
    }
    return pending;
  }

  /** The path of a kind's collection (all namespaces when namespace is undefined): what a watch opens. */
  collectionPath(apiVersion: string, kind: string, namespace?: string): Promise<string> {
    return this.specUriPath({ apiVersion, kind, metadata: namespace ? { namespace } : {} }, 'list');
  }

  /** JSON merge patch of a subresource (e.g. status), which KubernetesObjectApi.patch cannot address. */
  async mergePatchSubresource<T extends KubernetesObject>(spec: T, subresource: string): Promise<T> {
    const path = `${await this.specUriPath({ ...spec, metadata: { ...spec.metadata } }, 'patch')}/${encodeURIComponent(subresource)}`;
    const request = this.configuration.baseServer.makeRequestContext(path, HttpMethod.PATCH);
    request.setHeaderParam('Accept', 'application/json');
    request.setHeaderParam('Content-Type', PatchStrategy.MergePatch);
    request.setBody(JSON.stringify(spec));
    return this.requestPromise<T>(request);
  }
}

/**
 * The object as plain JSON. KubernetesObjectApi hands back client-node's model instances (timestamps as
 * Date, classes); callers keep and compare the server's JSON form.
 */
export function plain<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** A refusal of the server: its status code and its own message (KubernetesObjectApi keeps the body as text). */
export function refusal(err: unknown): { code: number; message: string } | undefined {
  if (!(err instanceof ApiException)) return undefined;
  let body: unknown = err.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      // not JSON: statusMessage quotes the text
    }
  }
  return { code: err.code, message: statusMessage({ status: err.code, body }) };
}
