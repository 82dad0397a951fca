// Parameter verification against the official schema definitions, worded as PVE::JSONSchema words its errors.
// Indexed options ("net[n]") accept net0, net1, ... Values arrive as strings (form or query) or as JSON values.
import { paramError } from './errors';

export interface PropertySchema {
  type?: string;
  optional?: number;
  enum?: string[];
  pattern?: string;
  minimum?: number | string;
  maximum?: number | string;
  minLength?: number;
  maxLength?: number;
  format?: string;
  requires?: string;
  default?: unknown;
  items?: PropertySchema;
  alias?: string;
}

export interface ParameterSchema {
  additionalProperties?: number | boolean;
  properties: Record<string, PropertySchema>;
}

const regexCache = new Map<string, RegExp>();
function anchored(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    // Perl's (?^:...) resets flags; in JavaScript a plain non-capturing group means the same here.
    re = new RegExp(`^(?:${pattern.replace(/\(\?\^:/g, '(?:')})$`);
    regexCache.set(pattern, re);
  }
  return re;
}

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/;
const IPV6 = /^[0-9a-fA-F:]+(?:%\w+)?$/;

/** Format validators: the message a failing value gets (after "invalid format - "). */
const FORMATS: Record<string, (v: string) => string | undefined> = {
  'pve-vmid': (v) => (/^[1-9][0-9]{2,8}$/.test(v) ? undefined : 'value does not look like a valid VM ID'),
  'pve-node': (v) => (/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(v) ? undefined : 'value does not look like a valid node name'),
  'pve-storage-id': (v) => (/^[a-z][a-z0-9\-_.]*[a-z0-9]$/i.test(v) ? undefined : `storage ID '${v}' contains illegal characters`),
  'pve-configid': (v) => (/^[a-z][a-z0-9_-]+$/i.test(v) ? undefined : `invalid configuration ID '${v}'`),
  'pve-iface': (v) => (/^[a-z][a-z0-9_]{1,20}([:.]\d+)?$/i.test(v) ? undefined : `invalid network interface name '${v}'`),
  'pve-poolid': (v) => (/^[A-Za-z0-9.\-_]+$/.test(v) ? undefined : `pool name '${v}' contains invalid characters`),
  'pve-roleid': (v) => (/^[A-Za-z0-9.\-_]+$/.test(v) ? undefined : `role name '${v}' contains invalid characters`),
  'pve-userid': (v) => (/^[^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+$/.test(v) && v.length <= 64 ? undefined : `value '${v}' does not look like a valid user name`),
  'pve-realm': (v) => (/^[A-Za-z][A-Za-z0-9.\-_]+$/.test(v) ? undefined : `value '${v}' does not look like a valid realm`),
  'dns-name': (v) => (/^(([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)\.)*([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)$/.test(v) ? undefined : 'value does not look like a valid DNS name'),
  ipv4: (v) => (IPV4.test(v) ? undefined : 'value does not look like a valid IPv4 address'),
  ipv6: (v) => (IPV6.test(v) ? undefined : 'value does not look like a valid IPv6 address'),
  CIDRv4: (v) => {
    const m = /^(.+)\/(\d+)$/.exec(v);
    return m && IPV4.test(m[1]) && Number(m[2]) > 7 && Number(m[2]) <= 32 ? undefined : 'value does not look like a valid IPv4 CIDR network';
  },
  CIDRv6: (v) => {
    const m = /^(.+)\/(\d+)$/.exec(v);
    return m && IPV6.test(m[1]) && Number(m[2]) > 7 && Number(m[2]) <= 128 ? undefined : 'value does not look like a valid IPv6 CIDR network';
  },
  CIDR: (v) => (FORMATS.CIDRv4(v) === undefined || FORMATS.CIDRv6(v) === undefined ? undefined : 'value does not look like a valid CIDR network'),
};

const isInteger = (v: string) => /^[+-]?\d+$/.test(v);
const isNumber = (v: string) => /^[+-]?(\d+\.\d+|\d+\.|\.\d+|\d+)([eE][+-]?\d+)?$/.test(v);

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  return undefined;
}

function checkValue(name: string, value: unknown, schema: PropertySchema, errors: Record<string, string>): void {
  const type = schema.type;
  if (type === 'array') {
    const items = Array.isArray(value) ? value : [value];
    if (schema.items) items.forEach((item, i) => checkValue(`${name}[${i}]`, item, schema.items!, errors));
    return;
  }
  if (type === 'object') {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) errors[name] = "type check ('object') failed";
    return;
  }
  if (typeof value === 'boolean' && type === 'boolean') return;
  const text = scalarText(value);
  if (text === undefined) {
    errors[name] = `type check ('${type}') failed - got ${Array.isArray(value) ? 'ARRAY' : 'HASH'}`;
    return;
  }
  if (type === 'boolean' && text !== '0' && text !== '1') {
    errors[name] = `type check ('boolean') failed - got '${text}'`;
    return;
  }
  if (type === 'integer' && !isInteger(text)) {
    errors[name] = `type check ('integer') failed - got '${text}'`;
    return;
  }
  if (type === 'number' && !isNumber(text)) {
    errors[name] = `type check ('number') failed - got '${text}'`;
    return;
  }
  if (schema.format) {
    const formats = schema.format.endsWith('-list') ? text.split(/[,;\s\0]+/).filter(Boolean) : [text];
    const validator = FORMATS[schema.format.replace(/-list$/, '')];
    if (validator) {
      for (const item of formats) {
        const problem = validator(item);
        if (problem) {
          errors[name] = `invalid format - ${problem}\n`;
          return;
        }
      }
    }
  }
  if (schema.pattern && !anchored(schema.pattern).test(text)) {
    errors[name] = 'value does not match the regex pattern';
    return;
  }
  if (schema.maxLength !== undefined && text.length > schema.maxLength) {
    errors[name] = `value may only be ${schema.maxLength} characters long`;
    return;
  }
  if (schema.minLength !== undefined && text.length < schema.minLength) {
    errors[name] = `value must be at least ${schema.minLength} characters long`;
    return;
  }
  if (isNumber(text)) {
    const n = Number(text);
    if (schema.maximum !== undefined && n > Number(schema.maximum)) {
      errors[name] = `value must have a maximum value of ${schema.maximum}`;
      return;
    }
    if (schema.minimum !== undefined && n < Number(schema.minimum)) {
      errors[name] = `value must have a minimum value of ${schema.minimum}`;
      return;
    }
  }
  if (schema.enum && !schema.enum.includes(text)) {
    errors[name] = `value '${text}' does not have a value in the enumeration '${schema.enum.join(', ')}'`;
  }
}

interface CompiledSchema {
  fixed: Map<string, PropertySchema>;
  indexed: Array<{ prefix: string; schema: PropertySchema }>;
  additional: boolean;
}

const compiled = new WeakMap<ParameterSchema, CompiledSchema>();
function compile(schema: ParameterSchema): CompiledSchema {
  let c = compiled.get(schema);
  if (!c) {
    c = { fixed: new Map(), indexed: [], additional: !!schema.additionalProperties && schema.additionalProperties !== 0 };
    for (const [name, prop] of Object.entries(schema.properties)) {
      if (name.endsWith('[n]')) c.indexed.push({ prefix: name.slice(0, -3), schema: prop });
      else c.fixed.set(name, prop);
    }
    compiled.set(schema, c);
  }
  return c;
}

export function schemaFor(schema: ParameterSchema, name: string): PropertySchema | undefined {
  const c = compile(schema);
  const fixed = c.fixed.get(name);
  if (fixed) return fixed;
  for (const { prefix, schema: prop } of c.indexed) {
    if (name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length))) return prop;
  }
  return undefined;
}

/** Throws 400 "Parameter verification failed." with one error per parameter, or returns normally. */
export function validateParameters(schema: ParameterSchema, params: Record<string, unknown>): void {
  const c = compile(schema);
  const errors: Record<string, string> = {};
  for (const [name, prop] of c.fixed) {
    const value = params[name];
    if (value === undefined || value === null) {
      if (!prop.optional && !prop.alias) errors[name] = 'property is missing and it is not optional';
      continue;
    }
    checkValue(name, value, prop, errors);
  }
  for (const [name, value] of Object.entries(params)) {
    if (c.fixed.has(name)) {
      const requires = c.fixed.get(name)!.requires;
      if (requires && params[requires] === undefined) errors[requires] = `missing property - '${name}' requires this property`;
      continue;
    }
    const prop = schemaFor(schema, name);
    if (prop) {
      checkValue(name, value, prop, errors);
      continue;
    }
    if (!c.additional) errors[name] = 'property is not defined in schema and the schema does not allow additional properties';
  }
  if (Object.keys(errors).length) paramError(errors);
}
