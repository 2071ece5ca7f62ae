#!/usr/bin/env node
// Reads machine files the way the Stately editor and its VS Code extension do: @xstate/machine-extractor 0.16.0
// parses the source text (no import, no execution) and rebuilds each createMachine() config it can follow.
// Usage: node tools/stately-extractor/extract.cjs FILE... → stdout: a JSON array, one entry per FILE:
//   { file, machines: [{ index, id, config }], errors: [string] }   (config is the extractor's toConfig(), or null)
// Exit 0 when every file was read, 2 when any file has errors, 1 on bad usage. Its xstate 4 peer lives here only.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { extractMachinesFromFile } = require('@xstate/machine-extractor');

function extractFile(file) {
  const result = { file, machines: [], errors: [] };
  let source;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch (err) {
    result.errors.push(`cannot read ${file}: ${err.message}`);
    return result;
  }
  let extracted;
  try {
    extracted = extractMachinesFromFile(source);
  } catch (err) {
    result.errors.push(`the extractor threw: ${err && err.message ? err.message : String(err)}`);
    return result;
  }
  if (!extracted || extracted.machines.length === 0) {
    result.errors.push('no createMachine() call found');
    return result;
  }
  extracted.machines.forEach((machine, index) => {
    if (!machine) {
      result.errors.push(`machine #${index}: the extractor could not parse the createMachine() call`);
      result.machines.push({ index, id: null, config: null });
      return;
    }
    let config;
    try {
      config = machine.toConfig();
    } catch (err) {
      result.errors.push(`machine #${index}: toConfig() threw: ${err && err.message ? err.message : String(err)}`);
    }
    if (!config) {
      result.errors.push(`machine #${index}: the config passed to createMachine() is not an object literal the extractor can follow`);
      result.machines.push({ index, id: null, config: null });
      return;
    }
    result.machines.push({ index, id: typeof config.id === 'string' ? config.id : null, config });
  });
  return result;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write(`usage: node ${path.relative(process.cwd(), __filename)} FILE...\n`);
  process.exit(1);
}
const results = files.map(extractFile);
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
process.exit(results.some((r) => r.errors.length > 0) ? 2 : 0);
