/**
 * The dependency rules of DESIGN.md section 2, as code.
 *
 *  - core imports nothing of ours and no Node- or browser-only API
 *    (packages only as `import type`, so nothing of them runs in core).
 *  - sync imports core. server imports core and sync's protocol types
 *    (type-only). edge-services imports core and sync. main imports core and
 *    starts edge-services. renderer imports core only.
 *  - A folder is reached only through its index.ts.
 * Test files may import test tools (node:test, other storages) but still obey
 * the folder rules, so a test cannot hide a forbidden dependency.
 */
import { builtinModules } from 'node:module';
import { posix } from 'node:path';

export const FOLDERS = ['core', 'sync', 'server', 'edge-services', 'main', 'renderer', 'bench', 'tests'] as const;
export type Folder = (typeof FOLDERS)[number];

/** Which of our folders each folder may import, and whether only types. */
export const ALLOWED: Record<Folder, Partial<Record<Folder, 'any' | 'type-only'>>> = {
  core: {},
  sync: { core: 'any' },
  server: { core: 'any', sync: 'type-only' },
  'edge-services': { core: 'any', sync: 'any' },
  main: { core: 'any', 'edge-services': 'any' },
  renderer: { core: 'any' },
  // Benchmarks and cross-cutting tests measure and check everything.
  bench: { core: 'any', sync: 'any', server: 'any', 'edge-services': 'any', main: 'any', renderer: 'any' },
  tests: { core: 'any', sync: 'any', server: 'any', 'edge-services': 'any', main: 'any', renderer: 'any', bench: 'any' },
};

export type ImportRef = { specifier: string; typeOnly: boolean; line: number };

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, 'node:' + m]));

/**
 * Finds every module reference: static imports and re-exports (with their
 * `type` modifier), dynamic `import()`, and `require()`. Comments are blanked
 * first so an example in a comment does not count.
 */
export function findImports(source: string): ImportRef[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const refs: ImportRef[] = [];
  const lineOf = (index: number) => code.slice(0, index).split('\n').length;
  const statement = /\b(import|export)\s+(type\s+)?([^'";()=]*?)\s*from\s*['"]([^'"]+)['"]/g;
  for (const m of code.matchAll(statement)) {
    const braces = m[3] ?? '';
    // `import { type A, type B } from` is type-only too when every name is.
    const names = /^\{([\s\S]*)\}$/.exec(braces.trim())?.[1]?.split(',').map((n) => n.trim()).filter(Boolean);
    const allTypeNames = !!names && names.length > 0 && names.every((n) => n.startsWith('type '));
    refs.push({ specifier: m[4]!, typeOnly: !!m[2] || allTypeNames, line: lineOf(m.index!) });
  }
  for (const m of code.matchAll(/\bimport\s+['"]([^'"]+)['"]/g)) refs.push({ specifier: m[1]!, typeOnly: false, line: lineOf(m.index!) });
  for (const m of code.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) refs.push({ specifier: m[1]!, typeOnly: false, line: lineOf(m.index!) });
  for (const m of code.matchAll(/\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) refs.push({ specifier: m[1]!, typeOnly: false, line: lineOf(m.index!) });
  return refs;
}

export function folderOf(path: string): Folder | undefined {
  const first = path.split('/')[0];
  return (FOLDERS as readonly string[]).includes(first ?? '') ? (first as Folder) : undefined;
}

/** Checks one file (path relative to the repository root, POSIX separators). */
export function checkFile(path: string, source: string): string[] {
  const from = folderOf(path);
  if (!from) return [];
  const isTest = path.endsWith('.test.ts');
  const problems: string[] = [];
  for (const ref of findImports(source)) {
    const where = `${path}:${ref.line} imports '${ref.specifier}'`;
    if (ref.specifier.startsWith('.')) {
      const target = posix.normalize(posix.join(posix.dirname(path), ref.specifier));
      const to = folderOf(target);
      if (!to) {
        problems.push(`${where}: outside the source folders`);
        continue;
      }
      if (to === from) continue;
      const rule = ALLOWED[from][to];
      if (!rule) problems.push(`${where}: ${from} may not import ${to}`);
      else if (rule === 'type-only' && !ref.typeOnly) problems.push(`${where}: ${from} may import only types from ${to}`);
      if (target !== `${to}/index.ts`) problems.push(`${where}: reach ${to} through ${to}/index.ts only`);
      continue;
    }
    if (from === 'core' && !isTest) {
      if (NODE_BUILTINS.has(ref.specifier)) problems.push(`${where}: core may not use Node APIs`);
      else if (!ref.typeOnly) problems.push(`${where}: core may import packages only as types`);
    }
    if (from === 'renderer' && NODE_BUILTINS.has(ref.specifier)) problems.push(`${where}: the renderer may not use Node APIs`);
  }
  return problems;
}
