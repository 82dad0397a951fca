// Task list, status, log and stop. Users see their own tasks (and their tokens'); others' need Sys.Audit on the node.
import { fail, permissionError } from '../errors';
import { hasPrivilege } from '../permissions';
import type { Router } from '../router';
import type { SimulatorState } from '../state';
import { parseUpid, type TaskRecord } from '../tasks';

function owns(authid: string, task: TaskRecord): boolean {
  return task.user === authid || task.user.startsWith(`${authid}!`);
}

function entry(t: TaskRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { upid: t.upid, node: t.node, pid: t.pid, pstart: t.pstart, starttime: t.starttime, type: t.type, id: t.id, user: t.user };
  if (t.status === 'stopped') Object.assign(out, { status: t.exitstatus, endtime: t.endtime });
  return out;
}

function lookup(state: SimulatorState, tasks: Map<string, TaskRecord>, node: string, upid: string, authid: string, priv: string): TaskRecord {
  const parsed = parseUpid(upid);
  if (!parsed) fail(`unable to parse worker upid '${upid}'`);
  if (parsed.node !== node) fail(`no such task '${upid}' on node '${node}'`);
  const task = tasks.get(upid);
  if (!task) fail(`no such task`);
  if (!owns(authid, task) && !hasPrivilege(state, authid, `/nodes/${node}`, priv)) permissionError(`/nodes/${node}, ${priv}`);
  return task;
}

export function registerTasks(r: Router): void {
  r.add('GET /nodes/{node}/tasks', ({ sim, authid, params, attributes }) => {
    const node = sim.node(params.node as string);
    const all = hasPrivilege(sim.state, authid, `/nodes/${node.name}`, 'Sys.Audit');
    const source = (params.source as string | undefined) ?? 'archive';
    const statusfilter = params.statusfilter ? String(params.statusfilter).split(/[,;\s]+/) : undefined;
    const list = [...sim.tasks.tasks.values()]
      .filter((t) => t.node === node.name && (all || owns(authid, t)))
      .filter((t) => (source === 'active' ? t.status === 'running' : true))
      .filter((t) => !params.typefilter || t.type === params.typefilter)
      .filter((t) => params.vmid === undefined || t.id === String(params.vmid))
      .filter((t) => !params.userfilter || t.user.includes(String(params.userfilter)))
      .filter((t) => params.since === undefined || t.starttime >= Number(params.since))
      .filter((t) => params.until === undefined || t.starttime <= Number(params.until))
      .filter((t) => String(params.errors ?? '0') !== '1' || (t.status === 'stopped' && t.exitstatus !== 'OK'))
      .filter((t) => {
        if (!statusfilter) return true;
        const kind = t.status === 'running' ? 'running' : t.exitstatus === 'OK' ? 'ok' : t.exitstatus?.startsWith('WARNINGS') ? 'warning' : 'error';
        return statusfilter.includes(kind);
      })
      .sort((a, b) => b.starttime - a.starttime || b.pid - a.pid);
    const start = Number(params.start ?? 0);
    const limit = Number(params.limit ?? 50);
    attributes.total = list.length;
    return list.slice(start, start + limit).map(entry);
  });

  r.add('GET /nodes/{node}/tasks/{upid}', ({ sim, params, authid }) => {
    lookup(sim.state, sim.tasks.tasks, params.node as string, params.upid as string, authid, 'Sys.Audit');
    return [{ name: 'log' }, { name: 'status' }];
  });

  r.add('GET /nodes/{node}/tasks/{upid}/status', ({ sim, params, authid }) => {
    const t = lookup(sim.state, sim.tasks.tasks, params.node as string, params.upid as string, authid, 'Sys.Audit');
    const out: Record<string, unknown> = { upid: t.upid, node: t.node, pid: t.pid, pstart: t.pstart, starttime: t.starttime, type: t.type, id: t.id, user: t.user, status: t.status };
    if (t.user.includes('!')) out.tokenid = t.user.split('!')[1];
    if (t.status === 'stopped') out.exitstatus = t.exitstatus;
    return out;
  });

  r.add('GET /nodes/{node}/tasks/{upid}/log', ({ sim, params, authid, attributes }) => {
    const t = lookup(sim.state, sim.tasks.tasks, params.node as string, params.upid as string, authid, 'Sys.Audit');
    const start = Number(params.start ?? 0);
    const limit = Number(params.limit ?? 50);
    const lines = t.log.length ? t.log : ['no content'];
    attributes.total = lines.length;
    return lines.slice(start, start + limit).map((text, i) => ({ n: start + i + 1, t: text }));
  });

  r.add('DELETE /nodes/{node}/tasks/{upid}', ({ sim, params, authid }) => {
    const t = lookup(sim.state, sim.tasks.tasks, params.node as string, params.upid as string, authid, 'Sys.Modify');
    sim.tasks.stop(t.upid);
    return null;
  });
}
