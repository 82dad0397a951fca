// CRDs the sandbox needs whose upstream YAML is not published in a downloadable Go module: Flux's HelmRelease
// (helm-controller's api module carries only the Go types) and the VictoriaMetrics operator's VMServiceScrape (its
// module is not served). They are kept
// open (unknown fields preserved) with the status subresource, which is all the steps and the seed rely on: the
// real schemas are what CozyStack installs on a real cluster.
import type { KubeObject } from '../../../../src/kubernetes/types';

interface OpenCrdSpec {
  group: string;
  kind: string;
  plural: string;
  scope: 'Namespaced' | 'Cluster';
  versions: string[];
  shortNames?: string[];
  categories?: string[];
}

function openCrd(spec: OpenCrdSpec): KubeObject {
  const storage = spec.versions[spec.versions.length - 1];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${spec.plural}.${spec.group}` },
    spec: {
      group: spec.group,
      names: {
        kind: spec.kind,
        listKind: `${spec.kind}List`,
        plural: spec.plural,
        singular: spec.kind.toLowerCase(),
        ...(spec.shortNames ? { shortNames: spec.shortNames } : {}),
        ...(spec.categories ? { categories: spec.categories } : {}),
      },
      scope: spec.scope,
      versions: spec.versions.map((name) => ({
        name,
        served: true,
        storage: name === storage,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          },
        },
      })),
    },
  };
}

/** Flux helm-controller's HelmRelease, helm.toolkit.fluxcd.io/v2 (the version CozyStack's releases use). */
export const HELM_RELEASE_CRD = openCrd({
  group: 'helm.toolkit.fluxcd.io',
  kind: 'HelmRelease',
  plural: 'helmreleases',
  scope: 'Namespaced',
  versions: ['v2'],
  shortNames: ['hr'],
  categories: ['all'],
});

/**
 * The VictoriaMetrics operator's VMServiceScrape, operator.victoriametrics.com/v1beta1: the scrape object CozyStack's
 * monitoring (VictoriaMetrics) reads, which the monitoring chart renders where the cluster serves it.
 */
export const VM_SERVICE_SCRAPE_CRD = openCrd({
  group: 'operator.victoriametrics.com',
  kind: 'VMServiceScrape',
  plural: 'vmservicescrapes',
  scope: 'Namespaced',
  versions: ['v1beta1'],
  shortNames: ['vmss'],
});
