// A client for the Proxmox simulator's own control endpoint (/_sim, see proxmox-sim/admin.ts): its state, its
// request counts and its faults, from another process (tests and benchmarks that drive a sandbox from outside).
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import type { FaultSettings } from './proxmox-sim/faults';
import type { ClientCounts } from './proxmox-sim/server';

export interface SimulatorSnapshot {
  vms: { vmid: number; node: string; status: string; config: Record<string, unknown> }[];
  nodes: { name: string; storages: { id: string; volumes: { volid: string; size: number; vmid?: number }[] }[] }[];
  tasks: { upid: string; type: string; id: string; status: string; exitstatus?: string }[];
}

export interface SimulatorRequests {
  count: number;
  byClient: Record<string, ClientCounts>;
}

export class SimulatorAdmin {
  private readonly http: AxiosInstance;

  constructor(endpoint: { url: string; caFile: string }) {
    this.http = axios.create({ baseURL: endpoint.url, httpsAgent: new Agent({ ca: readFileSync(endpoint.caFile) }), timeout: 10_000 });
  }

  async snapshot(): Promise<SimulatorSnapshot> {
    return (await this.http.get('/_sim/state')).data as SimulatorSnapshot;
  }

  async requests(): Promise<SimulatorRequests> {
    const { count, byClient } = (await this.http.get('/_sim/requests', { params: { limit: 0 } })).data as SimulatorRequests;
    return { count, byClient };
  }

  async setFaults(faults: FaultSettings): Promise<void> {
    await this.http.put('/_sim/faults', JSON.stringify(faults), { headers: { 'content-type': 'application/json' } });
  }

  async clearFaults(): Promise<void> {
    await this.http.delete('/_sim/faults');
  }
}
