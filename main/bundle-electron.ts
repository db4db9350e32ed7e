/**
 * Bundles the Electron entry points for packaging (electron-builder.yml):
 *   main/electron-main.ts        -> <out>/electron-main.mjs   (ESM; packages stay external)
 *   main/preload.ts              -> <out>/preload.cjs         (one CommonJS file: a sandboxed
 *                                   preload may require only 'electron')
 *   main/gateway-process-main.ts -> <out>/gateway-process.mjs (utility process; native
 *                                   modules and other packages stay external)
 * Run: `npm run build:electron` (builds the UI too). Packaging itself
 * (`npx electron-builder`) needs the Electron binary and runs on a release
 * machine; nothing in `npm test` downloads or starts Electron.
 */
import { build } from 'esbuild';
import { join } from 'node:path';

const here = import.meta.dirname;

export async function bundleElectron(outDir = join(here, 'dist')): Promise<string[]> {
  const common = { bundle: true, platform: 'node' as const, target: 'node20', sourcemap: true, logLevel: 'warning' as const };
  await build({
    ...common,
    entryPoints: { 'electron-main': join(here, 'electron-main.ts'), 'gateway-process': join(here, 'gateway-process-main.ts') },
    outdir: outDir,
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    // Native modules (better-sqlite3, zeromq, node-hid) and the rest load from node_modules.
    packages: 'external',
  });
  await build({
    ...common,
    entryPoints: { preload: join(here, 'preload.ts') },
    outdir: outDir,
    format: 'cjs',
    outExtension: { '.js': '.cjs' },
    external: ['electron'],
  });
  return ['electron-main.mjs', 'gateway-process.mjs', 'preload.cjs'].map((f) => join(outDir, f));
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const files = await bundleElectron(process.argv[2]);
  for (const f of files) console.log('bundled', f);
}
