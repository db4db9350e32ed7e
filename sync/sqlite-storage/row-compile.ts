/**
 * Code generated once per row shape (row-codec.ts says what a shape is):
 *
 * - a decoder, which builds the document from a split row with one object
 *   literal: V8 builds a literal from a boilerplate, several times cheaper than
 *   JSON.parse finding each key and growing each object;
 * - an encoder, the write path's fast path for a document of a shape already
 *   seen: it checks the document has exactly that shape and collects its values,
 *   without building the template text and looking it up. Whenever it is not
 *   sure (any other key, type, length, prototype, a value JSON would skip) it
 *   says no, and the caller takes the general path (`shapeDocument`), so it can
 *   only ever agree with it (tested on random documents).
 *
 * Keys enter generated code only as JSON string literals, which are valid
 * JavaScript string literals, so no key can inject code; a template that is not
 * one row-codec.ts writes is refused before any code is generated.
 */
import { MAX_SHAPE_DEPTH, UNSAFE_STRING } from './row-codec.ts';

export class ShapeTemplateError extends Error {}

type Template = 's' | 'n' | 'b' | null | Template[] | { [key: string]: Template };

/** The template of `shapeText`, checked to hold only what row-codec.ts writes. */
function parseTemplate(shapeText: string): { [key: string]: Template } {
  let template: unknown;
  try {
    template = JSON.parse(shapeText);
  } catch {
    throw new ShapeTemplateError('shape template is not JSON');
  }
  const check = (t: unknown, depth: number): void => {
    if (depth > MAX_SHAPE_DEPTH) throw new ShapeTemplateError('shape template too deep');
    if (t === 's' || t === 'n' || t === 'b' || t === null) return;
    if (Array.isArray(t)) {
      for (const e of t) check(e, depth + 1);
      return;
    }
    if (typeof t === 'object') {
      for (const key of Object.keys(t)) {
        if (key === '__proto__') throw new ShapeTemplateError('shape template names __proto__');
        check((t as Record<string, unknown>)[key], depth + 1);
      }
      return;
    }
    throw new ShapeTemplateError('shape template holds ' + JSON.stringify(t));
  };
  if (typeof template !== 'object' || template === null || Array.isArray(template)) {
    throw new ShapeTemplateError('shape template is not an object');
  }
  check(template, 0);
  return template as { [key: string]: Template };
}

export type RowDecoder = {
  /** Number of parts a row of this shape splits into (its id plus its values). */
  readonly width: number;
  /** Builds the document from the split row (part 0 is the shape id). */
  readonly build: (parts: string[]) => unknown;
};

export function compileDecoder(shapeText: string): RowDecoder {
  const template = parseTemplate(shapeText);
  let next = 1;
  const gen = (t: Template): string => {
    if (t === 's') return `v[${next++}]`;
    if (t === 'n') return `+v[${next++}]`;
    if (t === 'b') return `v[${next++}]==="1"`;
    if (t === null) return 'null';
    if (Array.isArray(t)) return '[' + t.map(gen).join(',') + ']';
    return (
      '{' +
      Object.keys(t)
        .map((key) => JSON.stringify(key) + ':' + gen(t[key]!))
        .join(',') +
      '}'
    );
  };
  const body = gen(template);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from a checked template, see above
  const build = new Function('v', `'use strict'; return ${body};`) as (parts: string[]) => unknown;
  return { width: next, build };
}

/** Pushes the document's values onto `values` and returns true, or returns false (values then undefined). */
export type RowEncoder = (doc: unknown, values: string[]) => boolean;

export function compileEncoder(shapeText: string): RowEncoder {
  const template = parseTemplate(shapeText);
  const lines: string[] = [];
  let n = 0;
  // `x` is a local holding the value at this place of the document.
  const gen = (t: Template, x: string): void => {
    if (t === 's') lines.push(`if (typeof ${x} !== 'string' || U.test(${x})) return false; v.push(${x});`);
    else if (t === 'n') lines.push(`if (typeof ${x} !== 'number' || !isFinite(${x})) return false; v.push(String(${x}));`);
    else if (t === 'b') lines.push(`if (typeof ${x} !== 'boolean') return false; v.push(${x} ? '1' : '0');`);
    else if (t === null) lines.push(`if (${x} !== null) return false;`);
    else if (Array.isArray(t)) {
      lines.push(`if (!Array.isArray(${x}) || P(${x}) !== AP || ${x}.length !== ${t.length}) return false;`);
      t.forEach((e, i) => {
        const el = 'x' + n++;
        lines.push(`const ${el} = ${x}[${i}];`);
        gen(e, el);
      });
    } else {
      const keys = Object.keys(t);
      const k = 'k' + n++;
      lines.push(
        `if (typeof ${x} !== 'object' || ${x} === null || Array.isArray(${x})) return false;`,
        `{ const p = P(${x}); if (p !== OP && p !== null) return false; }`,
        `if (typeof ${x}.toJSON === 'function') return false;`,
        `const ${k} = Object.keys(${x});`,
        `if (${k}.length !== ${keys.length}${keys.map((key, i) => ` || ${k}[${i}] !== ${JSON.stringify(key)}`).join('')}) return false;`,
      );
      for (const key of keys) {
        const child = 'x' + n++;
        lines.push(`const ${child} = ${x}[${JSON.stringify(key)}];`);
        gen(t[key]!, child);
      }
    }
  };
  gen(template, 'd');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from a checked template, see above
  const make = new Function('U', 'P', 'OP', 'AP', `'use strict'; return function (d, v) {\n${lines.join('\n')}\nreturn true;\n};`);
  return make(UNSAFE_STRING, Object.getPrototypeOf, Object.prototype, Array.prototype) as RowEncoder;
}
