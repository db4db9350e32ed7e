/**
 * Picks the TensorFlow.js backend: `@tensorflow/tfjs-node` where it installed
 * (an optional dependency: its install downloads libtensorflow, which build
 * machines cannot), otherwise the WASM backend (SIMD where the CPU has it),
 * otherwise the plain JavaScript CPU backend. Whatever is chosen is reported.
 *
 * The WASM backend is pointed at the .wasm files inside its own package, so
 * it never fetches anything.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { join } from 'node:path';
import { tfjsWasmDir } from './model-files.ts';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export type BackendPreference = BackendName | 'auto';

export type BackendInfo = {
  /** TF.js's name: `tensorflow` is tfjs-node. */
  name: BackendName;
  /** For WASM: whether the SIMD build is in use. */
  simd?: boolean;
  /** For WASM: threads in use (1 without the threaded build). */
  threads?: number;
  /** Why better backends were not used, e.g. "tfjs-node: not installed". */
  notes: string[];
  /** The @tensorflow/tfjs-core version. */
  tfjsVersion: string;
};

let wasmPathsSet = false;
function pointWasmAtLocalFiles(): void {
  if (wasmPathsSet) return;
  const dir = tfjsWasmDir();
  // A file map (not a URL prefix): each build's absolute path on disk.
  setWasmPaths({
    'tfjs-backend-wasm.wasm': join(dir, 'tfjs-backend-wasm.wasm'),
    'tfjs-backend-wasm-simd.wasm': join(dir, 'tfjs-backend-wasm-simd.wasm'),
    'tfjs-backend-wasm-threaded-simd.wasm': join(dir, 'tfjs-backend-wasm-threaded-simd.wasm'),
  });
  wasmPathsSet = true;
}

/** The optional native backend: registers `tensorflow` if the package and its library load. */
async function tryTfjsNode(): Promise<string | undefined> {
  try {
    // A computed name: the package is optional and usually absent, and tsc must not need its types.
    const name = '@tensorflow/tfjs-node';
    await import(name);
    return undefined;
  } catch (err) {
    const code = (err as { code?: string }).code;
    return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'
      ? 'tfjs-node: not installed'
      : `tfjs-node: failed to load (${String((err as Error).message ?? err)
          .split('\n')[0]
          ?.slice(0, 160)})`;
  }
}

/** Sets up and activates a backend; `auto` tries tensorflow, then wasm, then cpu. */
export async function selectBackend(preference: BackendPreference = 'auto'): Promise<BackendInfo> {
  const notes: string[] = [];
  const order: BackendName[] = preference === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [preference];
  for (const name of order) {
    try {
      if (name === 'tensorflow') {
        const problem = await tryTfjsNode();
        if (problem) {
          notes.push(problem);
          continue;
        }
      }
      if (name === 'wasm') pointWasmAtLocalFiles();
      if (!(await tf.setBackend(name))) {
        notes.push(`${name}: could not be initialised`);
        continue;
      }
      await tf.ready();
      const info: BackendInfo = { name, notes, tfjsVersion: tf.version_core };
      if (name === 'wasm') {
        info.simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
        const mt = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) as boolean;
        info.threads = mt ? Math.max(1, (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount()) : 1;
      }
      return info;
    } catch (err) {
      notes.push(
        `${name}: ${String((err as Error).message ?? err)
          .split('\n')[0]
          ?.slice(0, 160)}`,
      );
    }
  }
  throw new Error(`no TensorFlow.js backend could be started: ${notes.join('; ')}`);
}
