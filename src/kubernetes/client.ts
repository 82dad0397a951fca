// The project's Kubernetes client: server-side apply of typed and unstructured objects (field manager
// "cozy-proxmox"), reads, lists and deletes by apiVersion/kind, the status subresource, and the server version.
// Every error is left as the client raised it; the activity layer classifies it (activities/kubernetes/to-failure.ts).
import type { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { isMissingResourceType, isNotFound } from './errors';
import { loadKubeConfig, type KubeconfigSource } from './kubeconfig';
import { kubernetesClientModule } from './module';
import { rawRequest } from './raw-request';
import type { KubeObject, ObjectRef } from './types';

export const FIELD_MANAGER = 'cozy-proxmox';
const APPLY_PATCH = 'application/apply-patch+yaml';

type UriAction = 'create' | 'delete' | 'patch' | 'read' | 'list' | 'replace';

interface PathAwareObjectApi extends KubernetesObjectApi {
  uriPath(spec: { apiVersion: string; kind: string; metadata: { name?: string; namespace?: string } }, action: UriAction): Promise<string>;
}

async function makeObjectApi(kc: KubeConfig): Promise<PathAwareObjectApi> {
  const k8s = await kubernetesClientModule();
  // The object API resolves kinds to resource paths through discovery; the subclass lends that to the status
  // subresource and to watches.
  class PathAware extends k8s.KubernetesObjectApi {
    uriPath(spec: Parameters<PathAwareObjectApi['uriPath']>[0], action: UriAction): Promise<string> {
      return this.specUriPath({ ...spec, metadata: { ...spec.metadata } }, action);
    }
    useNamespaceOf(config: KubeConfig): void {
      this.setDefaultNamespace(config);
    }
  }
  const api = kc.makeApiClient(PathAware);
  api.useNamespaceOf(kc);
  return api;
}

export interface ApplyOptions {
  /** Take over fields another manager owns (what the sandbox and idempotent steps want); default true. */
  force?: boolean;
  /** Admit the object (admission webhooks included) without storing it. */
  dryRun?: boolean;
}

export class KubeClient {
  private constructor(
    readonly kc: KubeConfig,
    private readonly objects: PathAwareObjectApi,
  ) {}

  static async connect(source: KubeconfigSource = {}): Promise<KubeClient> {
    return KubeClient.fromKubeConfig(await loadKubeConfig(source));
  }

  static async fromKubeConfig(kc: KubeConfig): Promise<KubeClient> {
    return new KubeClient(kc, await makeObjectApi(kc));
  }

  get server(): string {
    return this.kc.getCurrentCluster()?.server ?? '';
  }

  /**
   * Server-side apply: creates the object or updates the fields this manager sets. Sent as JSON without the
   * client's typed serializer, which would drop fields its models do not know (x-kubernetes-* in CRD schemas).
   */
  async apply<T extends KubeObject>(obj: T, opts: ApplyOptions = {}): Promise<T> {
    const path = await this.objects.uriPath(obj, 'patch');
    const res = await rawRequest(this.kc, `${path}?fieldManager=${FIELD_MANAGER}&force=${opts.force ?? true}${opts.dryRun ? '&dryRun=All' : ''}`, { method: 'PATCH', body: obj, contentType: APPLY_PATCH });
    return JSON.parse(res.body) as T;
  }

  /** Server-side apply to the status subresource (what a controller does when it reports conditions). */
  async applyStatus<T extends KubeObject>(obj: T): Promise<T> {
    const path = await this.objects.uriPath(obj, 'patch');
    const res = await rawRequest(this.kc, `${path}/status?fieldManager=${FIELD_MANAGER}&force=true`, {
      method: 'PATCH',
      body: { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace }, status: obj.status },
      contentType: APPLY_PATCH,
    });
    return JSON.parse(res.body) as T;
  }

  /** Creates the object, or replaces it whole when it exists (PUT with its current resourceVersion). */
  async createOrReplace<T extends KubeObject>(obj: T): Promise<T> {
    const ref = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace };
    const current = await this.find(ref);
    if (!current) {
      const res = await rawRequest(this.kc, await this.objects.uriPath(obj, 'create'), { method: 'POST', body: obj });
      return JSON.parse(res.body) as T;
    }
    const body = { ...obj, metadata: { ...obj.metadata, resourceVersion: current.metadata.resourceVersion } };
    const res = await rawRequest(this.kc, await this.objects.uriPath(obj, 'replace'), { method: 'PUT', body });
    return JSON.parse(res.body) as T;
  }

  async get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T> {
    return (await this.objects.read({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } })) as unknown as T;
  }

  /** The object, or undefined when it does not exist (a missing resource type still throws). */
  async find<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    try {
      return await this.get<T>(ref);
    } catch (err) {
      if (isNotFound(err) && !isMissingResourceType(err)) return undefined;
      throw err;
    }
  }

  /** Objects of the kind; the selectors let the API server filter, so that only what is asked crosses the wire. */
  async list<T extends KubeObject = KubeObject>(apiVersion: string, kind: string, namespace?: string, labelSelector?: string, fieldSelector?: string): Promise<T[]> {
    const result = await this.objects.list(apiVersion, kind, namespace, undefined, undefined, undefined, fieldSelector, labelSelector);
    return result.items as unknown as T[];
  }

  /** Deletes the object; true if it existed. */
  async delete(ref: ObjectRef): Promise<boolean> {
    try {
      await this.objects.delete({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } }, undefined, undefined, undefined, undefined, 'Background');
      return true;
    } catch (err) {
      if (isNotFound(err) && !isMissingResourceType(err)) return false;
      throw err;
    }
  }

  /** Path of the collection an object lives in (for watches), e.g. /apis/apps/v1/namespaces/x/deployments. */
  collectionPath(ref: Omit<ObjectRef, 'name'>): Promise<string> {
    return this.objects.uriPath({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { namespace: ref.namespace } }, 'list');
  }

  /** GET of an API path, parsed; used for /version and for latency samples. */
  async getPath<T = unknown>(path: string, timeoutMs = 10_000): Promise<T> {
    const res = await rawRequest(this.kc, path, { timeoutMs });
    return JSON.parse(res.body) as T;
  }

  async serverVersion(): Promise<{ gitVersion: string; major: string; minor: string; platform?: string }> {
    return this.getPath('/version');
  }
}
