// The Cluster API managers as cluster-api-operator deploys them: the pods of the providers' Deployments run the real
// managers built by `npm run tools` (pod-runner.ts), with the Deployment's own arguments, the configSecret variables
// the operator put in their environment, the webhook certificate cert-manager issued (mounted under /tmp, where
// controller-runtime reads it), their service account (leader election in the pod's namespace) and a network
// namespace of their own: kube-apiserver calls their webhooks through their Services at the pod address
// (kubernetes/pod-network.ts). Only the released versions the tools build are run; a pod asking another tag is not.
import { toolPath } from '../../../../src/tools/tool-paths';
import { portOf } from '../kubernetes/ports';
import type { OperatorContext } from './context';
import type { RunnableImage } from './pod-processes';
import { podRunner } from './pod-runner';

export const CAPI_PROVIDER_PODS_CONTROLLER = 'capi-provider-pods';

/** The manager images of the providers' components (their tags as capi-components.sh sets them) and the binaries. */
export const CAPI_PROVIDER_IMAGES: RunnableImage[] = [
  { image: /\/cluster-api-controller:v1\.10\.4$/, binary: () => toolPath('CAPI_MANAGER', 'capi') },
  { image: /\/cluster-api-provider-proxmox:v0\.7\.2$/, binary: () => toolPath('CAPMOX_MANAGER', 'capi') },
  { image: /\/cluster-api-ipam-in-cluster-controller:v1\.0\.3$/, binary: () => toolPath('CAPI_IPAM_MANAGER', 'capi') },
];

/** The API server (every manager) and the Proxmox simulator (CAPMOX). */
const reach = (ctx: OperatorContext): number[] => [portOf(ctx.kube.server), portOf(ctx.proxmox.url)];

export const startCapiProviderPods = podRunner({ name: CAPI_PROVIDER_PODS_CONTROLLER, images: CAPI_PROVIDER_IMAGES, anyImageOwns: true, reach });
