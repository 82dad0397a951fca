// Loads upstream CRDs from the folders scripts/tools/crds.sh found in the Go module cache, applies CRDs and waits
// until the apiserver serves them (condition Established).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { toolPath } from '../../../../src/tools/tool-paths';
import { waitForCondition } from '../../../../src/kubernetes/wait';
import { type KubeClient } from '../../../../src/kubernetes/client';
import { type KubeObject } from '../../../../src/kubernetes/types';

/** tools.env keys of the CRD folders (scripts/tools/crds.sh). */
export const CRD_SOURCES = {
  /** Cluster API core v1.10: clusters, machines, ... and ipaddresses/ipaddressclaims. */
  capi: 'CRDS_CAPI',
  /** cluster-api-operator: coreproviders, infrastructureproviders, ipamproviders, ... */
  capiOperator: 'CRDS_CAPI_OPERATOR',
  /** external-snapshotter: volumesnapshots, volumesnapshotclasses, volumesnapshotcontents. */
  volumeSnapshot: 'CRDS_VOLUME_SNAPSHOT',
} as const;

export type CrdSource = keyof typeof CRD_SOURCES;

/** Every CustomResourceDefinition in the YAML files of a folder (other documents, e.g. kustomization.yaml, skipped). */
export function readCrdDir(dir: string): KubeObject[] {
  const crds: KubeObject[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const obj = doc.toJS() as KubeObject | null;
      if (obj?.kind === 'CustomResourceDefinition') crds.push(obj);
    }
  }
  return crds;
}

export function upstreamCrds(source: CrdSource): KubeObject[] {
  return readCrdDir(toolPath(CRD_SOURCES[source], 'crds'));
}

/** Applies the CRDs (with the given labels) and resolves once each is Established. */
export async function applyCrds(client: KubeClient, crds: KubeObject[], labels: Record<string, string> = {}): Promise<void> {
  for (const crd of crds) {
    await client.apply({ ...crd, metadata: { ...crd.metadata, labels: { ...crd.metadata.labels, ...labels } } });
  }
  for (const crd of crds) {
    await waitForCondition(client, { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: crd.metadata.name }, 'Established', { timeoutMs: 60_000 });
  }
}
