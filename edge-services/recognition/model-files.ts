/**
 * Finds the models and WASM binaries inside node_modules and loads them from
 * disk: nothing is fetched at run time (DESIGN.md section 6).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { io } from '@tensorflow/tfjs-core';

const require = createRequire(import.meta.url);

/** @vladmandic/human's `models/` folder (its package.json is not exported, so go from its main file). */
export function humanModelsDir(): string {
  return join(dirname(require.resolve('@vladmandic/human')), '..', 'models');
}

/** The folder with tfjs-backend-wasm's three .wasm files (plain, SIMD, threaded SIMD). */
export function tfjsWasmDir(): string {
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
}

export function zxingReaderWasmPath(): string {
  return require.resolve('zxing-wasm/reader/zxing_reader.wasm');
}

/**
 * A tf.io model artifacts object from a TF.js graph model on disk
 * (model.json + its weight shards), for `loadGraphModel(tf.io.fromMemory(...))`.
 */
export function readGraphModelArtifacts(modelJsonPath: string): io.ModelArtifacts {
  const json = JSON.parse(readFileSync(modelJsonPath, 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: io.WeightsManifestEntry[] }[];
    format?: string;
    generatedBy?: string;
    convertedBy?: string;
    signature?: object;
    userDefinedMetadata?: Record<string, unknown>;
  };
  const dir = dirname(modelJsonPath);
  const weightSpecs: io.WeightsManifestEntry[] = [];
  const shards: Buffer[] = [];
  for (const group of json.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const path of group.paths) shards.push(readFileSync(join(dir, path)));
  }
  const all = Buffer.concat(shards);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  return {
    modelTopology: json.modelTopology,
    weightSpecs,
    weightData,
    ...(json.format ? { format: json.format } : {}),
    ...(json.generatedBy ? { generatedBy: json.generatedBy } : {}),
    ...(json.convertedBy ? { convertedBy: json.convertedBy } : {}),
    ...(json.signature ? { signature: json.signature } : {}),
  };
}
