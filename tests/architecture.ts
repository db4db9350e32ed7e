/**
 * The dependency rules of DESIGN.md section 2, as code.
 *
 *  - core imports nothing of ours and no Node- or browser-only API
 *    (packages only as `import type`, so nothing of them runs in core).
 *  - sync imports core. server imports core only (DESIGN.md allows sync's
 *    protocol types; those now live in core/sync-protocol, so the rule is
 *    tighter). edge-services imports core and sync. main imports core and
 *    starts edge-services. renderer imports core only.
 *  - A folder is reached only through its index.ts.
 *  - Inside server/, each context (a subfolder) is reached through its own
 *    index.ts too, and the imports between contexts run one way: a context
 *    may import only the contexts before it in SERVER_CONTEXTS. Files at
 *    server/'s top (the composition root: app, start, cli, index) may import
 *    any context's index.ts. Flows (server/flows/<flow>/) come after every
 *    shared context, and one flow never imports another.
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
  // The wire contracts the server shares with the gateway are core's (core/sync-protocol, core/server-api).
  server: { core: 'any' },
  'edge-services': { core: 'any', sync: 'any' },
  main: { core: 'any', 'edge-services': 'any' },
  renderer: { core: 'any' },
  // Benchmarks and cross-cutting tests measure and check everything.
  bench: { core: 'any', sync: 'any', server: 'any', 'edge-services': 'any', main: 'any', renderer: 'any' },
  tests: { core: 'any', sync: 'any', server: 'any', 'edge-services': 'any', main: 'any', renderer: 'any', bench: 'any' },
};

/**
 * The server's contexts, lowest first: each may import only those before it.
 * `db` and `http` are infrastructure (the database interface, HTTP error and
 * metrics plumbing); the money ledger comes before everything that moves
 * money; `testing` is test support and may reach anything.
 */
export const SERVER_CONTEXTS = ['db', 'http', 'auth', 'ledger', 'replication', 'payments', 'wallet', 'payment-requests', 'otp', 'issuer', 'admin', 'flows'] as const;

/** Tests and the helpers beside them that start servers for tests. */
export function isTestSupport(path: string): boolean {
  const name = path.split('/').at(-1) ?? '';
  return name.endsWith('.test.ts') || name.startsWith('test-') || name === 'testing.ts';
}

/** The context of a path inside server/ ('' for a file at server/'s top), or undefined outside server/. */
export function serverContextOf(path: string): string | undefined {
  const parts = path.split('/');
  if (parts[0] !== 'server') return undefined;
  if (parts.length === 2) return '';
  // server/flows/<flow>/... : each flow is a context of its own, after the shared ones.
  if (parts[1] === 'flows' && parts.length >= 4) return `flows/${parts[2]}`;
  return parts[1];
}

/**
 * The rule between two files inside server/ (paths relative to the
 * repository root). Tests and test support (`*.test.ts`, `test-*.ts`,
 * `testing.ts`) are exempt: a context's test sets up a whole server through
 * the composition root and server/testing, like any other test.
 */
export function checkServerImport(fromPath: string, target: string): string | undefined {
  if (isTestSupport(fromPath)) return undefined;
  const from = serverContextOf(fromPath);
  const to = serverContextOf(target);
  if (from === undefined || to === undefined || from === to || from === 'testing') return undefined;
  if (to === '') return 'no context imports the composition root (server/*.ts)';
  const entry = `server/${to}/index.ts`;
  if (target !== entry) return `reach server/${to} through ${entry} only`;
  if (from === '') return undefined;
  if (to === 'testing') return 'only tests and server/testing may import server/testing';
  const rank = (c: string) => (SERVER_CONTEXTS as readonly string[]).indexOf(c.startsWith('flows/') ? 'flows' : c);
  for (const c of [from, to]) {
    if (rank(c) < 0) return `server/${c} is not a known context (add it to SERVER_CONTEXTS in tests/architecture.ts)`;
  }
  if (from.startsWith('flows/') && to.startsWith('flows/')) return `one flow may not import another (${from} -> ${to})`;
  if (rank(to) >= rank(from)) {
    return `server/${from} may not import server/${to}: contexts import only those before them (${SERVER_CONTEXTS.join(' < ')})`;
  }
  return undefined;
}

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
    const names = /^\{([\s\S]*)\}$/
      .exec(braces.trim())?.[1]
      ?.split(',')
      .map((n) => n.trim())
      .filter(Boolean);
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
      if (to === from) {
        if (from === 'server') {
          const problem = checkServerImport(path, target);
          if (problem) problems.push(`${where}: ${problem}`);
        }
        continue;
      }
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
