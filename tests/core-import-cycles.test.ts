/**
 * No import loop inside core, type-only imports included: a loop (as once
 * between core/recognition/enrolment.ts and core/schemas/index.ts) makes the
 * order in which modules run decide what is defined, and collections register
 * themselves as their module runs (core/collections/registry.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findImports } from './architecture.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Every cycle's files, from a graph of file -> files it imports. */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[][] = [];
  const visit = (file: string, path: string[]) => {
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next) && graph.has(next)) visit(next, path);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file, []);
  return cycles;
}

function coreGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        const file = relative(ROOT, path);
        const refs = findImports(readFileSync(path, 'utf8')).filter((r) => r.specifier.startsWith('.'));
        graph.set(
          file,
          refs.map((r) => normalize(join(dirname(file), r.specifier))),
        );
      }
    }
  };
  walk(join(ROOT, 'core'));
  return graph;
}

describe('core has no import loop', () => {
  it('finds a planted loop (the check can fail)', () => {
    const planted = new Map([
      ['core/recognition/enrolment.ts', ['core/schemas/index.ts']],
      ['core/schemas/index.ts', ['core/recognition/enrolment.ts']],
      ['core/money.ts', []],
    ]);
    assert.deepEqual(findCycles(planted), [['core/recognition/enrolment.ts', 'core/schemas/index.ts', 'core/recognition/enrolment.ts']]);
  });

  it('has none between its files', () => {
    const graph = coreGraph();
    assert.ok(graph.size > 30, 'read core');
    assert.deepEqual(findCycles(graph), []);
  });
});
