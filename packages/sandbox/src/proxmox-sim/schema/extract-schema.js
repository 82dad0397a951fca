#!/usr/bin/env node
// Extracts, from the official Proxmox VE API schema (apischema.json), the definitions of the methods the simulator
// serves (served-methods.ts) into served-schema.json: parameters (without descriptions), permissions, allowtoken,
// protected and the top-level return type. The simulator validates requests against this file.
//
//   node packages/sandbox/src/proxmox-sim/schema/extract-schema.js PATH/TO/apischema.json
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const schemaPath = process.argv[2] || process.env.PVE_API_SCHEMA;
if (!schemaPath) {
  console.error('usage: extract-schema.js PATH/TO/apischema.json (or set PVE_API_SCHEMA)');
  process.exit(2);
}

const servedSource = readFileSync(join(__dirname, 'served-methods.ts'), 'utf8');
const served = [...servedSource.matchAll(/'((?:GET|POST|PUT|DELETE) [^']+)'/g)].map((m) => m[1]);

const index = new Map();
function walk(node) {
  for (const [method, info] of Object.entries(node.info || {})) index.set(`${method} ${node.path}`, info);
  for (const child of node.children || []) walk(child);
}
for (const root of JSON.parse(readFileSync(schemaPath, 'utf8'))) walk(root);

// Keys that matter for validation; descriptions and rendering hints are dropped to keep the file small.
const KEPT = ['type', 'optional', 'enum', 'pattern', 'minimum', 'maximum', 'minLength', 'maxLength', 'requires', 'default', 'items', 'alias'];

function trimProperty(prop) {
  const out = {};
  for (const key of KEPT) if (prop[key] !== undefined) out[key] = key === 'items' ? trimProperty(prop.items) : prop[key];
  if (typeof prop.format === 'string') out.format = prop.format;
  else if (prop.format && typeof prop.format === 'object') out.format = 'property-string';
  return out;
}

const result = {};
const missing = [];
for (const key of served) {
  const info = index.get(key);
  if (!info) {
    missing.push(key);
    continue;
  }
  const params = info.parameters || {};
  const properties = {};
  for (const [name, prop] of Object.entries(params.properties || {})) properties[name] = trimProperty(prop);
  result[key] = {
    parameters: { additionalProperties: params.additionalProperties ?? 1, properties },
    permissions: info.permissions || null,
    allowtoken: info.allowtoken ?? 1,
    protected: info.protected ?? 0,
    returns: info.returns && info.returns.type ? info.returns.type : 'null',
  };
}
if (missing.length) {
  console.error(`not in the schema: ${missing.join(', ')}`);
  process.exit(1);
}
writeFileSync(join(__dirname, 'served-schema.json'), JSON.stringify(result, null, 1) + '\n');
console.log(`wrote ${Object.keys(result).length} methods to served-schema.json`);
