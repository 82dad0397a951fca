// prometheus-pve-exporter as the monitoring chart deploys it: the real exporter run for the chart's exporter pod
// (pod-runner.ts), with the pod's arguments and its config Secret (the PVEAuditor token, the CA), in a network
// namespace of its own (it serves :9221 on every interface, as in a pod), reaching the Proxmox simulator. Its output
// is the pod's container log, which the sandbox's vlagent collects (step7.logs). The sandbox's Prometheus scrapes
// the exporter the sandbox starts itself (monitoring/index.ts), which exists before any chart is installed.
import { toolPath } from '../../../../src/tools/tool-paths';
import { portOf } from '../kubernetes/ports';
import type { OperatorContext } from './context';
import type { RunnableImage } from './pod-processes';
import { podRunner } from './pod-runner';

export const PVE_EXPORTER_CONTROLLER = 'pve-exporter';

export const PVE_EXPORTER_IMAGES: RunnableImage[] = [{ image: /(^|\/)prometheus-pve-exporter(:|@|$)/, binary: () => toolPath('PVE_EXPORTER', 'pve-exporter') }];

/** The simulator's port: the exporter collects from the Proxmox API when it is scraped. */
const proxmoxPort = (ctx: OperatorContext): number[] => [portOf(ctx.proxmox.url)];

export const startPveExporterPods = podRunner({ name: PVE_EXPORTER_CONTROLLER, images: PVE_EXPORTER_IMAGES, labelSelector: 'app.kubernetes.io/name=prometheus-pve-exporter', reach: proxmoxPort });
