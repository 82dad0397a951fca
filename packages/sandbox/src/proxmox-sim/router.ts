// Maps "METHOD /nodes/{node}/qemu/{vmid}/..." to handlers, with each method's schema definition attached.
import type { Simulation } from './core';
import type { PermissionSpec } from './permissions';
import servedSchema from './schema/served-schema.json';
import type { ServedMethod } from './schema/served-methods';
import type { ParameterSchema } from './validate';

export interface MethodDefinition {
  parameters: ParameterSchema;
  permissions: PermissionSpec;
  allowtoken: number;
  protected: number;
  returns: string;
}

export const METHOD_DEFINITIONS = servedSchema as unknown as Record<ServedMethod, MethodDefinition>;

export interface HandlerContext {
  sim: Simulation;
  /** user@realm or user@realm!token; undefined only for unauthenticated methods (the ticket call). */
  authid: string;
  params: Record<string, unknown>;
  /** Extra envelope attributes the real server adds for some calls ("total" for task logs, "changes" for network). */
  attributes: Record<string, unknown>;
}

export type Handler = (ctx: HandlerContext) => unknown;

interface Route {
  key: ServedMethod;
  method: string;
  segments: string[];
  definition: MethodDefinition;
  handler: Handler;
}

export class Router {
  private routes: Route[] = [];

  add(key: ServedMethod, handler: Handler): void {
    const [method, path] = key.split(' ');
    const definition = METHOD_DEFINITIONS[key];
    if (!definition) throw new Error(`no schema definition for ${key}`);
    this.routes.push({ key, method, segments: path.split('/').filter(Boolean), definition, handler });
  }

  /** Served method keys, for the conformance test. */
  keys(): ServedMethod[] {
    return this.routes.map((r) => r.key);
  }

  match(method: string, segments: string[]): { route: Route; uriParams: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const params = matchSegments(route.segments, segments);
      if (params) return { route, uriParams: params };
    }
    return undefined;
  }
}

function matchSegments(template: string[], actual: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i];
    const isLast = i === template.length - 1;
    if (i >= actual.length) return undefined;
    if (t.startsWith('{')) {
      const name = t.slice(1, -1);
      // A trailing volume may carry slashes ("local:iso/x.iso") when a client does not escape them.
      if (isLast && name === 'volume' && actual.length > template.length) {
        params[name] = actual.slice(i).join('/');
        return params;
      }
      params[name] = actual[i];
    } else if (t !== actual[i]) {
      return undefined;
    }
  }
  return actual.length === template.length ? params : undefined;
}
