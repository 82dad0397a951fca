// The outputs of a step that later steps and undos read, one schema per producing step. The producer's outputs are
// checked against it at compile time (`satisfies OutputsOf<...>`); a reader gets them typed, or undefined when the
// step has not passed yet (an undo runs whatever the step got to) or recorded something else.
import { z } from 'zod';

export const STEP_OUTPUTS = {
  'kubernetes.test-namespace': z.object({ namespace: z.string(), created: z.boolean() }),
  'step2.create-bridge': z.object({ bridge: z.string(), node: z.string(), created: z.boolean() }),
  'step3.vm-provisioned': z.object({ vmid: z.number(), node: z.string(), machine: z.string(), kubernetesNode: z.string() }),
  'step4.join': z.object({ nodeName: z.string(), joined: z.boolean(), caCertHash: z.string().optional() }),
  'step5.volume': z.object({
    claim: z.string(),
    namespace: z.string(),
    pv: z.string(),
    volumeId: z.string(),
    node: z.string(),
    vmid: z.number(),
    sizeBytes: z.number(),
  }),
  'step8.workload': z.object({
    namespace: z.string(),
    deployment: z.string(),
    claim: z.string(),
    pod: z.string(),
    node: z.string(),
    vmid: z.number(),
    proxmoxNode: z.string(),
  }),
} as const;

export type OutputStep = keyof typeof STEP_OUTPUTS;
export type OutputsOf<S extends OutputStep> = z.infer<(typeof STEP_OUTPUTS)[S]>;

export function outputsOf<S extends OutputStep>(input: { outputs: Record<string, unknown> }, step: S): OutputsOf<S> | undefined {
  const raw = input.outputs[step];
  if (raw === undefined) return undefined;
  const parsed = STEP_OUTPUTS[step].safeParse(raw);
  return parsed.success ? (parsed.data as OutputsOf<S>) : undefined;
}
