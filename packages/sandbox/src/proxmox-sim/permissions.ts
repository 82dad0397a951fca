// Privilege evaluation as Proxmox VE does it: ACL entries on the path and its parents (the deepest level that has an
// entry for the subject wins; entries on parents count only when they propagate), tokens with privilege separation
// get the intersection of their own and their user's privileges, root@pam may do anything, and pool membership
// extends /vms/<id> and /storage/<id>. Also the permission checks of the API schema (perm, and, or, userid-...).
import { permissionError, fail } from './errors';
import { ALL_PRIVILEGES } from './roles';
import type { AclEntry, SimulatorState } from './state';

/** privilege -> propagate flag */
export type PrivilegeMap = Map<string, boolean>;

function rolesForSubject(state: SimulatorState, subject: string, path: string): Map<string, boolean> {
  const levels = path === '/' ? ['/'] : ['/', ...path.split('/').slice(1).map((_, i, parts) => `/${parts.slice(0, i + 1).join('/')}`)];
  const isToken = subject.includes('!');
  const user = isToken ? undefined : state.users.get(subject);
  let roles = new Map<string, boolean>();
  levels.forEach((level, i) => {
    const final = i === levels.length - 1;
    const here = state.acl.filter((e) => e.path === level);
    if (!here.length) return;
    const pick = (entries: AclEntry[]): Map<string, boolean> | undefined => {
      const found = new Map<string, boolean>();
      for (const e of entries) if (final || e.propagate) found.set(e.roleid, e.propagate);
      return found.size ? found : undefined;
    };
    const own = pick(here.filter((e) => e.type !== 'group' && e.ugid === subject));
    if (own) {
      roles = own;
      return;
    }
    if (user) {
      const groups = pick(here.filter((e) => e.type === 'group' && user.groups.has(e.ugid.slice(1))));
      if (groups) roles = groups;
    }
  });
  if (roles.has('NoAccess')) return new Map([['NoAccess', roles.get('NoAccess')!]]);
  return roles;
}

function privilegesFromRoles(state: SimulatorState, roles: Map<string, boolean>, into: PrivilegeMap): void {
  for (const [role, propagate] of roles) {
    for (const priv of state.roles.get(role) ?? []) into.set(priv, (into.get(priv) ?? false) || propagate);
  }
}

/** Effective privileges of a user or token (user@realm!name) on a path. */
export function permissions(state: SimulatorState, authid: string, path: string): PrivilegeMap {
  if (authid === 'root@pam') return new Map(ALL_PRIVILEGES.map((p) => [p, true]));
  const bang = authid.indexOf('!');
  let userPerms: PrivilegeMap | undefined;
  if (bang >= 0) {
    const found = state.findToken(authid);
    if (!found) return new Map();
    userPerms = permissions(state, found.user.userid, path);
    if (!found.token.privsep) return userPerms;
  } else {
    const user = state.users.get(authid);
    if (!user || !user.enable) return new Map();
  }
  const privs: PrivilegeMap = new Map();
  privilegesFromRoles(state, rolesForSubject(state, authid, path), privs);
  const vm = /^\/vms\/(\d+)$/.exec(path);
  const storage = /^\/storage\/([^/]+)$/.exec(path);
  const pool = vm ? state.poolOfVm(Number(vm[1])) : storage ? state.poolOfStorage(storage[1]) : undefined;
  if (pool) privilegesFromRoles(state, rolesForSubject(state, authid, `/pool/${pool}`), privs);
  if (userPerms) {
    for (const [priv, propagate] of [...privs]) {
      if (!userPerms.has(priv)) privs.delete(priv);
      else privs.set(priv, propagate && userPerms.get(priv)!);
    }
  }
  return privs;
}

export function hasPrivilege(state: SimulatorState, authid: string, path: string, priv: string): boolean {
  return permissions(state, authid, path).has(priv);
}

/** check(): all privileges needed; throws 403 naming the first missing one, like the real server. */
export function requireAll(state: SimulatorState, authid: string, path: string, privs: string[]): void {
  const have = permissions(state, authid, path);
  for (const p of privs) if (!have.has(p)) permissionError(`${path}, ${p}`);
}

/** check_any(): one of the privileges is enough; the error lists them joined by '|'. */
export function requireAny(state: SimulatorState, authid: string, path: string, privs: string[]): void {
  const have = permissions(state, authid, path);
  if (!privs.some((p) => have.has(p))) permissionError(`${path}, ${privs.join('|')}`);
}

export type PermissionSpec = { user?: string; check?: unknown[] } | null;
type Params = Record<string, unknown>;

function templatePath(template: string, params: Params): string {
  const filled = template.replace(/\{([^}]+)\}/g, (_, k: string) => (params[k] === undefined ? `{${k}}` : String(params[k])));
  return filled.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
}

function userExists(state: SimulatorState, userid: unknown, noerr: boolean): boolean {
  if (typeof userid === 'string' && state.users.has(userid)) return true;
  if (noerr) return false;
  return fail(`no such user ('${String(userid)}')`);
}

function evaluate(state: SimulatorState, check: unknown[], authid: string, params: Params, noerr: boolean): boolean {
  const test = check[0];
  if (test === 'and') {
    for (const sub of check.slice(1)) if (!evaluate(state, sub as unknown[], authid, params, noerr)) return false;
    return true;
  }
  if (test === 'or') {
    for (const sub of check.slice(1)) if (evaluate(state, sub as unknown[], authid, params, true)) return true;
    if (noerr) return false;
    return permissionError();
  }
  if (test === 'perm') {
    const [, tmpl, privs, ...rest] = check as [string, string, string[], ...unknown[]];
    const options: Record<string, unknown> = {};
    for (let i = 0; i + 1 < rest.length; i += 2) options[rest[i] as string] = rest[i + 1];
    const required = options.require_param as string | undefined;
    if (required && params[required] === undefined) {
      if (noerr) return false;
      return permissionError();
    }
    const path = templatePath(tmpl, params);
    const have = permissions(state, authid, path);
    const ok = options.any ? privs.some((p) => have.has(p)) : privs.every((p) => have.has(p));
    if (ok) return true;
    if (noerr) return false;
    if (options.any) return permissionError(`${path}, ${privs.join('|')}`);
    return permissionError(`${path}, ${privs.find((p) => !have.has(p))}`);
  }
  if (test === 'userid-param') {
    const userid = params.userid as string;
    if (check[1] === 'self') {
      if (!userExists(state, userid, noerr)) return false;
      if (authid === userid) return true;
      if (noerr) return false;
      return permissionError();
    }
    const realm = String(userid ?? '').split('@')[1] ?? '';
    const path = `/access/realm/${realm}`;
    if (hasPrivilege(state, authid, path, 'Realm.AllocateUser')) return true;
    if (noerr) return false;
    return permissionError(`${path}, Realm.AllocateUser`);
  }
  if (test === 'userid-group') {
    const privs = check[1] as string[];
    const options: Record<string, unknown> = {};
    for (let i = 2; i + 1 < check.length; i += 2) options[check[i] as string] = check[i + 1];
    const creating = options.groups_param === 'create';
    if (!creating && !userExists(state, params.userid, noerr)) return false;
    const onAll = permissions(state, authid, '/access/groups');
    if (privs.some((p) => onAll.has(p))) return true;
    const groups = creating ? String(params.groups ?? '').split(',').filter(Boolean) : [...(state.users.get(String(params.userid))?.groups ?? [])];
    if (groups.length && groups.every((g) => privs.some((p) => hasPrivilege(state, authid, `/access/groups/${g}`, p)))) return true;
    if (noerr) return false;
    return permissionError(`/access/groups, ${privs.join('|')}`);
  }
  if (test === 'perm-modify') {
    const path = templatePath(check[1] as string, params);
    const privs = ['Permissions.Modify'];
    if (/^\/storage\/.+$/.test(path)) privs.push('Datastore.Allocate');
    else if (/^\/vms\/.+$/.test(path)) privs.push('VM.Allocate');
    else if (/^\/pool\/.+$/.test(path)) privs.push('Pool.Allocate');
    const have = permissions(state, authid, path);
    if (privs.some((p) => have.has(p))) return true;
    if (noerr) return false;
    return permissionError(`${path}, ${privs.join('|')}`);
  }
  throw new Error(`unsupported permission check '${String(test)}'`);
}

/** check_api2_permissions(): what the schema's `permissions` say, evaluated before the parameters are verified. */
export function checkApiPermissions(state: SimulatorState, spec: PermissionSpec, authid: string | undefined, params: Params): void {
  if (!authid) {
    if (spec?.user === 'world') return;
    permissionError('user != null');
  }
  if (authid === 'root@pam') return;
  if (!spec) permissionError('user != root@pam');
  if (spec.user === 'all' || spec.user === 'world') return;
  if (spec.check) {
    evaluate(state, spec.check, authid, params, false);
    return;
  }
  permissionError();
}
