// Authentication and access control: tickets, effective permissions, users, API tokens, ACLs and roles.
import { randomUUID } from 'node:crypto';
import { ApiError, fail, paramError } from '../errors';
import { hasPrivilege, permissions, requireAll } from '../permissions';
import { BUILTIN_ROLES } from '../roles';
import type { Router } from '../router';
import { aclType, normalizeAclPath, type SimulatorState, type UserState } from '../state';

const authFailure = () => new ApiError(401, 'authentication failure\n');
const bool = (v: unknown) => v === true || String(v) === '1';

/** The capability summary the web UI reads from a fresh ticket. */
function capabilities(state: SimulatorState, userid: string): Record<string, Record<string, number>> {
  const groups: Record<string, [string, RegExp]> = {
    vms: ['/vms', /^VM\./],
    storage: ['/storage', /^Datastore\./],
    access: ['/access', /^(User|Group|Permissions|Realm)\./],
    nodes: ['/nodes', /^Sys\./],
    dc: ['/', /^(Sys\.Audit|Sys\.Modify|SDN\.|Mapping\.)/],
    sdn: ['/sdn', /^SDN\./],
    mapping: ['/mapping', /^Mapping\./],
  };
  const out: Record<string, Record<string, number>> = {};
  for (const [name, [path, re]] of Object.entries(groups)) {
    out[name] = {};
    for (const [priv] of permissions(state, userid, path)) if (re.test(priv)) out[name][priv] = 1;
  }
  return out;
}

function userEntry(u: UserState, full: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { userid: u.userid, enable: u.enable ? 1 : 0, expire: u.expire, 'realm-type': u.userid.split('@')[1] };
  if (u.email) out.email = u.email;
  if (u.firstname) out.firstname = u.firstname;
  if (u.lastname) out.lastname = u.lastname;
  if (u.comment) out.comment = u.comment;
  if (u.groups.size) out.groups = [...u.groups].join(',');
  if (full) out.tokens = [...u.tokens.values()].map((t) => ({ tokenid: t.tokenid, expire: t.expire, privsep: t.privsep ? 1 : 0, ...(t.comment ? { comment: t.comment } : {}) }));
  return out;
}

export function registerAccess(r: Router): void {
  r.add('GET /access/ticket', () => null);

  r.add('POST /access/ticket', ({ sim, params }) => {
    let username = String(params.username);
    if (params.realm && !username.includes('@')) username = `${username}@${params.realm}`;
    const password = String(params.password);
    if (params['tfa-challenge'] !== undefined || params.otp !== undefined) throw authFailure();
    const state = sim.state;
    if (password.startsWith('PVE:')) {
      // Renewal (or verification): a valid ticket of the same user stands in for the password.
      const entry = sim.auth.verifyTicket(password);
      if (!entry || entry.userid !== username) throw authFailure();
      const user = state.users.get(username);
      if (!user || !user.enable) throw authFailure();
    } else {
      try {
        sim.auth.checkPassword(username, password);
      } catch {
        throw authFailure();
      }
    }
    if (params.path !== undefined) {
      const privs = String(params.privs).split(/[,;\s]+/).filter(Boolean);
      const have = permissions(state, username, normalizeAclPath(String(params.path)));
      if (!privs.every((p) => have.has(p))) throw authFailure();
      return { username };
    }
    const { ticket, csrf } = sim.auth.issueTicket(username);
    const out: Record<string, unknown> = { username, ticket, CSRFPreventionToken: csrf, cap: capabilities(state, username) };
    if (state.clusterName) out.clustername = state.clusterName;
    return out;
  });

  r.add('GET /access/permissions', ({ sim, authid, params }) => {
    const state = sim.state;
    const target = (params.userid as string | undefined) ?? authid;
    if (target !== authid) {
      const ownToken = target.startsWith(`${authid}!`);
      if (!ownToken) requireAll(state, authid, '/access', ['Sys.Audit']);
      if (target.includes('!') ? !state.findToken(target) : !state.users.has(target)) fail(`no such user ('${target}')`);
    }
    const render = (path: string) => Object.fromEntries([...permissions(state, target, path)].map(([p, prop]) => [p, prop ? 1 : 0]));
    if (params.path !== undefined) {
      const path = normalizeAclPath(String(params.path));
      const perms = render(path);
      return Object.keys(perms).length ? { [path]: perms } : {};
    }
    const paths = new Set(['/', '/access', '/access/groups', '/nodes', '/pool', '/sdn', '/storage', '/vms', '/mapping']);
    for (const e of state.acl) paths.add(e.path);
    for (const n of state.nodes.keys()) paths.add(`/nodes/${n}`);
    for (const p of state.pools.keys()) paths.add(`/pool/${p}`);
    const out: Record<string, Record<string, number>> = {};
    for (const path of [...paths].sort()) {
      const perms = render(path);
      if (Object.keys(perms).length) out[path] = perms;
    }
    return out;
  });

  r.add('GET /access/users', ({ sim, authid, params }) => {
    const state = sim.state;
    const selfUser = authid.split('!')[0];
    const seeAll = hasPrivilege(state, authid, '/access/groups', 'User.Modify') || hasPrivilege(state, authid, '/access/groups', 'Sys.Audit');
    return [...state.users.values()]
      .filter((u) => seeAll || u.userid === selfUser)
      .filter((u) => params.enabled === undefined || u.enable === bool(params.enabled))
      .map((u) => userEntry(u, bool(params.full)));
  });

  r.add('POST /access/users', ({ sim, params }) => {
    const userid = String(params.userid);
    const state = sim.state;
    if (state.users.has(userid)) fail(`create user failed: user '${userid}' already exists`);
    const groups = String(params.groups ?? '').split(/[,;\s]+/).filter(Boolean);
    for (const g of groups) if (!state.groups.has(g)) fail(`create user failed: no such group '${g}'`);
    state.users.set(userid, {
      userid, password: params.password as string | undefined, enable: params.enable === undefined ? true : bool(params.enable),
      expire: Number(params.expire ?? 0), email: params.email as string | undefined, firstname: params.firstname as string | undefined,
      lastname: params.lastname as string | undefined, comment: params.comment as string | undefined, groups: new Set(groups), tokens: new Map(),
    });
    return null;
  });

  r.add('GET /access/users/{userid}', ({ sim, params }) => {
    const u = sim.state.users.get(String(params.userid));
    if (!u) fail(`no such user ('${params.userid}')`);
    const { userid: _u, 'realm-type': _r, ...rest } = userEntry(u, false);
    const tokens = Object.fromEntries([...u.tokens.values()].map((t) => [t.tokenid, { expire: t.expire, privsep: t.privsep ? 1 : 0, ...(t.comment ? { comment: t.comment } : {}) }]));
    return { ...rest, groups: [...u.groups], tokens };
  });

  r.add('DELETE /access/users/{userid}', ({ sim, params }) => {
    const userid = String(params.userid);
    if (!sim.state.users.delete(userid)) fail(`delete user failed: no such user ('${userid}')`);
    sim.state.acl = sim.state.acl.filter((e) => e.ugid !== userid && !e.ugid.startsWith(`${userid}!`));
    return null;
  });

  r.add('GET /access/users/{userid}/token', ({ sim, params }) => {
    const u = sim.state.users.get(String(params.userid));
    if (!u) fail(`no such user ('${params.userid}')`);
    return [...u.tokens.values()].map((t) => ({ tokenid: t.tokenid, expire: t.expire, privsep: t.privsep ? 1 : 0, ...(t.comment ? { comment: t.comment } : {}) }));
  });

  r.add('GET /access/users/{userid}/token/{tokenid}', ({ sim, params }) => {
    const u = sim.state.users.get(String(params.userid));
    if (!u) fail(`no such user ('${params.userid}')`);
    const t = u.tokens.get(String(params.tokenid));
    if (!t) fail(`no such token '${params.tokenid}' for user '${params.userid}'`);
    return { expire: t.expire, privsep: t.privsep ? 1 : 0, ...(t.comment ? { comment: t.comment } : {}) };
  });

  r.add('POST /access/users/{userid}/token/{tokenid}', ({ sim, params }) => {
    const userid = String(params.userid);
    const tokenid = String(params.tokenid);
    const u = sim.state.users.get(userid);
    if (!u) fail(`no such user ('${userid}')`);
    if (u.tokens.has(tokenid)) fail(`Token already exists.`);
    const secret = randomUUID();
    const privsep = params.privsep === undefined ? true : bool(params.privsep);
    u.tokens.set(tokenid, { tokenid, secret, privsep, expire: Number(params.expire ?? u.expire ?? 0), comment: params.comment as string | undefined });
    return { 'full-tokenid': `${userid}!${tokenid}`, info: { privsep: privsep ? 1 : 0, expire: Number(params.expire ?? 0), ...(params.comment ? { comment: params.comment } : {}) }, value: secret };
  });

  r.add('DELETE /access/users/{userid}/token/{tokenid}', ({ sim, params }) => {
    const userid = String(params.userid);
    const tokenid = String(params.tokenid);
    const u = sim.state.users.get(userid);
    if (!u) fail(`no such user ('${userid}')`);
    if (!u.tokens.delete(tokenid)) fail(`no such token '${tokenid}' for user '${userid}'`);
    sim.state.acl = sim.state.acl.filter((e) => e.ugid !== `${userid}!${tokenid}`);
    return null;
  });

  r.add('GET /access/acl', ({ sim, authid }) => {
    const state = sim.state;
    return state.acl
      .filter((e) => authid === 'root@pam' || hasPrivilege(state, authid, e.path, 'Sys.Audit') || hasPrivilege(state, authid, e.path, 'Permissions.Modify'))
      .map((e) => ({ path: e.path, type: e.type, ugid: e.type === 'group' ? e.ugid.slice(1) : e.ugid, roleid: e.roleid, propagate: e.propagate ? 1 : 0 }));
  });

  r.add('PUT /access/acl', ({ sim, params }) => {
    const state = sim.state;
    const path = normalizeAclPath(String(params.path));
    const roles = String(params.roles).split(/[,;\s]+/).filter(Boolean);
    for (const role of roles) if (!state.roles.has(role)) fail(`role '${role}' does not exist`);
    const propagate = params.propagate === undefined ? true : bool(params.propagate);
    const remove = bool(params.delete);
    const subjects: string[] = [];
    for (const u of String(params.users ?? '').split(/[,;\s]+/).filter(Boolean)) {
      if (!state.users.has(u)) fail(`user '${u}' does not exist`);
      subjects.push(u);
    }
    for (const g of String(params.groups ?? '').split(/[,;\s]+/).filter(Boolean)) {
      if (!state.groups.has(g)) fail(`group '${g}' does not exist`);
      subjects.push(`@${g}`);
    }
    for (const t of String(params.tokens ?? '').split(/[,;\s]+/).filter(Boolean)) {
      if (!state.findToken(t)) fail(`no such token '${t.split('!')[1]}' for user '${t.split('!')[0]}'`);
      subjects.push(t);
    }
    if (!subjects.length) paramError({ users: 'at least one of users, groups or tokens is required' });
    for (const ugid of subjects) {
      for (const roleid of roles) {
        state.acl = state.acl.filter((e) => !(e.path === path && e.ugid === ugid && e.roleid === roleid));
        if (!remove) state.acl.push({ path, ugid, type: aclType(ugid), roleid, propagate });
      }
    }
    return null;
  });

  r.add('GET /access/roles', ({ sim }) =>
    [...sim.state.roles].map(([roleid, privs]) => ({ roleid, privs: [...privs].sort().join(','), special: roleid in BUILTIN_ROLES ? 1 : 0 })),
  );

  r.add('GET /access/roles/{roleid}', ({ sim, params }) => {
    const privs = sim.state.roles.get(String(params.roleid));
    if (!privs) fail(`role '${params.roleid}' does not exist`);
    return Object.fromEntries([...privs].sort().map((p) => [p, 1]));
  });
}
