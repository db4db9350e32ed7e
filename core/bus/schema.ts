/**
 * A small JSON Schema subset and its validator, for bus payloads.
 *
 * Why our own and not ajv here: core is type-checked without Node or DOM types
 * and may import packages only as types, so it cannot run ajv. The subset is
 * deliberately tiny (object with closed properties, string, integer, number,
 * boolean, array, enum, const) and every schema written with it is also a valid
 * JSON Schema (draft 2020-12), so a device vendor can validate against the same
 * documents with any standard tool.
 *
 * Objects are always closed (`additionalProperties: false`): an unexpected
 * field is refused, which is what keeps a `pan` or `track2` field from ever
 * riding along in a payload (DESIGN.md section 4).
 */

export type StringSchema = {
  readonly type: 'string';
  readonly minLength?: number;
  readonly maxLength: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly description?: string;
};
export type IntegerSchema = { readonly type: 'integer'; readonly minimum?: number; readonly maximum?: number; readonly description?: string };
export type NumberSchema = { readonly type: 'number'; readonly minimum?: number; readonly maximum?: number; readonly description?: string };
export type BooleanSchema = { readonly type: 'boolean'; readonly description?: string };
export type ConstSchema = { readonly const: string | number | boolean; readonly description?: string };
export type ArraySchema = {
  readonly type: 'array';
  readonly items: BusSchema;
  readonly minItems?: number;
  readonly maxItems: number;
  readonly description?: string;
};
export type ObjectSchema = {
  readonly type: 'object';
  readonly properties: Readonly<Record<string, BusSchema>>;
  readonly required: readonly string[];
  /** Always false in message schemas; true only for a wrapper whose content is checked by another schema. */
  readonly additionalProperties: boolean;
  readonly description?: string;
};
/** One alternative must match (used for replies: ok or error). */
export type OneOfSchema = { readonly oneOf: readonly BusSchema[]; readonly description?: string };

export type BusSchema =
  | StringSchema
  | IntegerSchema
  | NumberSchema
  | BooleanSchema
  | ConstSchema
  | ArraySchema
  | ObjectSchema
  | OneOfSchema;

/** The first problem found, with a JSON-pointer-like path; `undefined` when valid. */
export type SchemaProblem = { readonly path: string; readonly problem: string };

/** Compiled patterns are cached: a payload is validated on every bus message. */
const patternCache = new Map<string, RegExp>();
function compiled(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (!re) {
    re = new RegExp(pattern, 'u');
    patternCache.set(pattern, re);
  }
  return re;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function validateSchema(schema: BusSchema, value: unknown, path = ''): SchemaProblem | undefined {
  const problem = check(schema, value);
  return problem && path !== '' ? { path: path + problem.path, problem: problem.problem } : problem;
}

/** A problem one level down: its path gets the key in front (built only when something is wrong). */
function under(key: string | number, problem: SchemaProblem): SchemaProblem {
  return { path: `/${key}${problem.path}`, problem: problem.problem };
}

// Paths are relative to `value` and built on the way out of a failure, so a
// valid message (every message but the rare bad one) allocates no path strings.
function check(schema: BusSchema, value: unknown): SchemaProblem | undefined {
  if ('oneOf' in schema) {
    for (const alternative of schema.oneOf) {
      if (check(alternative, value) === undefined) return undefined;
    }
    return { path: '', problem: 'matches none of the allowed shapes' };
  }
  if ('const' in schema) {
    return value === schema.const ? undefined : { path: '', problem: `must be ${JSON.stringify(schema.const)}` };
  }
  switch (schema.type) {
    case 'string': {
      if (typeof value !== 'string') return { path: '', problem: 'must be a string' };
      if (value.length > schema.maxLength) return { path: '', problem: `longer than ${schema.maxLength}` };
      if (schema.minLength !== undefined && value.length < schema.minLength) return { path: '', problem: `shorter than ${schema.minLength}` };
      if (schema.enum && !schema.enum.includes(value)) return { path: '', problem: `must be one of ${schema.enum.join(', ')}` };
      if (schema.pattern !== undefined && !compiled(schema.pattern).test(value)) return { path: '', problem: `does not match ${schema.pattern}` };
      return undefined;
    }
    case 'integer':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return { path: '', problem: `must be a finite ${schema.type}` };
      if (schema.type === 'integer' && !Number.isSafeInteger(value)) return { path: '', problem: 'must be a safe integer' };
      if (schema.minimum !== undefined && value < schema.minimum) return { path: '', problem: `below ${schema.minimum}` };
      if (schema.maximum !== undefined && value > schema.maximum) return { path: '', problem: `above ${schema.maximum}` };
      return undefined;
    }
    case 'boolean':
      return typeof value === 'boolean' ? undefined : { path: '', problem: 'must be a boolean' };
    case 'array': {
      if (!Array.isArray(value)) return { path: '', problem: 'must be an array' };
      if (value.length > schema.maxItems) return { path: '', problem: `more than ${schema.maxItems} items` };
      if (schema.minItems !== undefined && value.length < schema.minItems) return { path: '', problem: `fewer than ${schema.minItems} items` };
      for (let i = 0; i < value.length; i++) {
        const problem = check(schema.items, value[i]);
        if (problem) return under(i, problem);
      }
      return undefined;
    }
    case 'object': {
      if (!isPlainObject(value)) return { path: '', problem: 'must be an object' };
      for (const key of schema.required) {
        if (!Object.hasOwn(value, key)) return { path: `/${key}`, problem: 'is required' };
      }
      // for-in with hasOwn rather than Object.keys: the same own enumerable string keys in the same order, without an array per object.
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        const property = Object.hasOwn(schema.properties, key) ? schema.properties[key] : undefined;
        if (!property) {
          if (schema.additionalProperties) continue;
          return { path: `/${key}`, problem: 'is not allowed' };
        }
        const problem = check(property, value[key]);
        if (problem) return under(key, problem);
      }
      return undefined;
    }
  }
}

// Small constructors so that message catalogs read like the protocol documents.
// They keep literal types (property names, enum values, which fields are
// optional) so that `Infer<Schema>` gives the TypeScript type of a payload.

/** An object schema that remembers its properties and which of them are optional. */
export type TypedObjectSchema<P extends Record<string, BusSchema>, O extends keyof P> = ObjectSchema & {
  readonly properties: P;
  /** Type-level only: never present at run time. */
  readonly __optional?: O;
};

export function object<P extends Record<string, BusSchema>, O extends keyof P & string = never>(
  properties: P,
  optional: readonly O[] = [],
): TypedObjectSchema<P, O> {
  const required = Object.keys(properties).filter((k) => !(optional as readonly string[]).includes(k));
  return { type: 'object', properties, required, additionalProperties: false };
}
export const str = (maxLength: number, extra: Omit<StringSchema, 'type' | 'maxLength' | 'enum'> = {}): StringSchema => ({ type: 'string', maxLength, ...extra });
export const int = (minimum?: number, maximum?: number): IntegerSchema => ({
  type: 'integer',
  ...(minimum === undefined ? {} : { minimum }),
  ...(maximum === undefined ? {} : { maximum }),
});
export const num = (minimum?: number, maximum?: number): NumberSchema => ({
  type: 'number',
  ...(minimum === undefined ? {} : { minimum }),
  ...(maximum === undefined ? {} : { maximum }),
});
export const bool = (): BooleanSchema => ({ type: 'boolean' });
export function oneOfStrings<const E extends string>(values: readonly E[]): StringSchema & { readonly enum: readonly E[] } {
  return { type: 'string', maxLength: Math.max(...values.map((v) => v.length)), enum: values };
}
export function array<I extends BusSchema>(items: I, maxItems: number, minItems?: number): Omit<ArraySchema, 'items'> & { readonly items: I } {
  return minItems === undefined ? { type: 'array', items, maxItems } : { type: 'array', items, maxItems, minItems };
}
export function constant<const C extends string | number | boolean>(value: C): ConstSchema & { readonly const: C } {
  return { const: value };
}

/** The TypeScript type of values a schema admits. */
export type Infer<S> = S extends { readonly const: infer C }
  ? C
  : S extends { readonly type: 'string'; readonly enum: readonly (infer E)[] }
    ? E
    : S extends { readonly type: 'string' }
      ? string
      : S extends { readonly type: 'integer' | 'number' }
        ? number
        : S extends { readonly type: 'boolean' }
          ? boolean
          : S extends { readonly type: 'array'; readonly items: infer I }
            ? Infer<I>[]
            : S extends TypedObjectSchema<infer P, infer O>
              ? { -readonly [K in Exclude<keyof P, O>]: Infer<P[K]> } & { -readonly [K in O]?: Infer<P[K]> }
              : unknown;

export const oneOf = (...alternatives: BusSchema[]): OneOfSchema => ({ oneOf: alternatives });
