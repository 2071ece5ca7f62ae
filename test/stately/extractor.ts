// Runs Stately's static extractor (tools/stately-extractor, xstate 4) in a child process, so its xstate never meets
// ours, and compares what it read from each machine file with the machines that file exports at run time.
// Its packages are installed by the root `npm ci` (tools/stately-extractor is a `file:` development dependency, so
// its xstate 4 lands in tools/stately-extractor/node_modules); the suite installs nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AnyStateMachine } from 'xstate';
import { diffShapes, shapeOfExtracted, shapeOfMachine, type ExtractedStateConfig } from './chart-shape.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const EXTRACTOR_DIR = join(REPO_ROOT, 'tools/stately-extractor');
const EXTRACTOR_SCRIPT = join(EXTRACTOR_DIR, 'extract.cjs');

/** Every statechart file in machines/ (events.ts is type-only). */
export function machineFiles(): string[] {
  return readdirSync(join(REPO_ROOT, 'machines'))
    .filter((name) => name.endsWith('.ts') && name !== 'events.ts')
    .sort()
    .map((name) => join(REPO_ROOT, 'machines', name));
}

/** True when every pinned dependency of tools/stately-extractor is installed at its pinned version. */
function extractorInstalled(): boolean {
  const pins = (JSON.parse(readFileSync(join(EXTRACTOR_DIR, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies;
  return Object.entries(pins).every(([name, version]) => {
    const manifest = join(EXTRACTOR_DIR, 'node_modules', name, 'package.json');
    return existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version === version;
  });
}

/** Fails with what to do when the root install did not install the extractor's pinned packages. */
export function requireExtractor(): void {
  if (!extractorInstalled()) {
    throw new Error("tools/stately-extractor's packages are missing or not at their pinned versions: run 'npm ci' (or 'npm install') at the repository root");
  }
}

export interface ExtractedFile {
  readonly file: string;
  readonly machines: ReadonlyArray<{ index: number; id: string | null; config: ExtractedStateConfig | null }>;
  readonly errors: readonly string[];
}

/** One child process for all files (each start loads Babel). */
export function runExtractor(files: readonly string[]): Map<string, ExtractedFile> {
  const run = spawnSync(process.execPath, [EXTRACTOR_SCRIPT, ...files], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
  if (run.status !== 0 && run.status !== 2) {
    throw new Error(`extract.cjs exited with ${run.status}${run.error ? ` (${run.error.message})` : ''}:\n${run.stderr}`);
  }
  const results = JSON.parse(run.stdout) as ExtractedFile[];
  return new Map(results.map((r) => [r.file, r]));
}

const isMachine = (value: unknown): value is AnyStateMachine =>
  typeof value === 'object' && value !== null && 'root' in value && 'config' in value && typeof (value as { transition?: unknown }).transition === 'function';

export interface FileCheck {
  /** Repository-relative path. */
  readonly file: string;
  /** Machine ids the file exports at run time. */
  readonly machines: readonly string[];
  /** Empty when Stately reads every exported machine exactly as it runs. */
  readonly mismatches: readonly string[];
}

/** Compare a file's runtime machines (its exports) with what the extractor read from its text. */
export async function checkFile(file: string, extracted: ExtractedFile | undefined): Promise<FileCheck> {
  const rel = relative(REPO_ROOT, file);
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const runtime = Object.entries(mod).filter((entry): entry is [string, AnyStateMachine] => isMachine(entry[1]));
  const mismatches: string[] = [];
  if (!extracted) return { file: rel, machines: [], mismatches: [`${rel}: the extractor returned nothing for this file`] };
  mismatches.push(...extracted.errors.map((e) => `${rel}: ${e}`));
  if (runtime.length === 0) mismatches.push(`${rel}: exports no machine`);
  const readable = extracted.machines.filter((m) => m.config !== null);
  for (const [name, machine] of runtime) {
    const id = machine.root.id;
    const match = readable.find((m) => (m.id ?? '(machine)') === id);
    if (!match) {
      mismatches.push(`${rel}: ${name} (id '${id}') was not found by the extractor (extracted ids: ${JSON.stringify(readable.map((m) => m.id))})`);
      continue;
    }
    for (const line of diffShapes(shapeOfMachine(machine), shapeOfExtracted(match.config!, id))) mismatches.push(`${rel}: ${name}: ${line}`);
  }
  return { file: rel, machines: runtime.map(([, m]) => m.root.id), mismatches };
}
