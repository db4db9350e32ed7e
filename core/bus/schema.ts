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

export type BusSchema = StringSchema | IntegerSchema | NumberSchema | BooleanSchema | ConstSchema | ArraySchema | ObjectSchema | OneOfSchema;

/** The first problem found, with a JSON-pointer-like path; `undefined` when valid. */
export type SchemaProblem = { readonly path: string; readonly problem: string };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A schema turned into a function: the first problem (path relative to the value), or undefined. */
type Validator = (value: unknown) => SchemaProblem | undefined;

/**
 * Every schema is compiled once into a tree of closures, one per node, each
 * knowing its node's shape: a payload is validated on every bus message, and
 * walking the schema objects themselves (eight shapes through one function)
 * made every property read in it megamorphic.
 */
const validators = new WeakMap<BusSchema, Validator>();

export function validateSchema(schema: BusSchema, value: unknown, path = ''): SchemaProblem | undefined {
  const problem = compile(schema)(value);
  return problem && path !== '' ? { path: path + problem.path, problem: problem.problem } : problem;
}

function compile(schema: BusSchema): Validator {
  let validator = validators.get(schema);
  if (!validator) {
    validator = build(schema);
    validators.set(schema, validator);
  }
  return validator;
}

/** A problem one level down: its path gets the key in front (built only when something is wrong). */
function under(key: string | number, problem: SchemaProblem): SchemaProblem {
  return { path: `/${key}${problem.path}`, problem: problem.problem };
}

const fail = (problem: string): SchemaProblem => ({ path: '', problem });

// Paths are relative to the value and built on the way out of a failure, so a
// valid message (every message but the rare bad one) allocates no path strings.
function build(schema: BusSchema): Validator {
  if ('oneOf' in schema) {
    const alternatives = schema.oneOf.map(compile);
    return (value) => {
      for (const alternative of alternatives) {
        if (alternative(value) === undefined) return undefined;
      }
      return fail('matches none of the allowed shapes');
    };
  }
  if ('const' in schema) {
    const expected = schema.const;
    const problem = `must be ${JSON.stringify(expected)}`;
    return (value) => (value === expected ? undefined : fail(problem));
  }
  switch (schema.type) {
    case 'string': {
      const { maxLength, minLength } = schema;
      const allowed = schema.enum ? new Set(schema.enum) : undefined;
      const pattern = schema.pattern === undefined ? undefined : new RegExp(schema.pattern, 'u');
      return (value) => {
        if (typeof value !== 'string') return fail('must be a string');
        if (value.length > maxLength) return fail(`longer than ${maxLength}`);
        if (minLength !== undefined && value.length < minLength) return fail(`shorter than ${minLength}`);
        if (allowed !== undefined && !allowed.has(value)) return fail(`must be one of ${[...allowed].join(', ')}`);
        if (pattern !== undefined && !pattern.test(value)) return fail(`does not match ${schema.pattern}`);
        return undefined;
      };
    }
    case 'integer':
    case 'number': {
      const { type, minimum, maximum } = schema;
      const integer = type === 'integer';
      return (value) => {
        if (typeof value !== 'number' || !Number.isFinite(value)) return fail(`must be a finite ${type}`);
        if (integer && !Number.isSafeInteger(value)) return fail('must be a safe integer');
        if (minimum !== undefined && value < minimum) return fail(`below ${minimum}`);
        if (maximum !== undefined && value > maximum) return fail(`above ${maximum}`);
        return undefined;
      };
    }
    case 'boolean':
      return (value) => (typeof value === 'boolean' ? undefined : fail('must be a boolean'));
    case 'array': {
      const { maxItems, minItems } = schema;
      const items = compile(schema.items);
      return (value) => {
        if (!Array.isArray(value)) return fail('must be an array');
        if (value.length > maxItems) return fail(`more than ${maxItems} items`);
        if (minItems !== undefined && value.length < minItems) return fail(`fewer than ${minItems} items`);
        for (let i = 0; i < value.length; i++) {
          const problem = items(value[i]);
          if (problem) return under(i, problem);
        }
        return undefined;
      };
    }
    case 'object': {
      const required = [...schema.required];
      const open = schema.additionalProperties;
      // A Map, not the properties object: a key such as "constructor" or "__proto__" must not find anything inherited.
      const properties = new Map(Object.entries(schema.properties).map(([key, child]) => [key, compile(child)]));
      return (value) => {
        if (!isPlainObject(value)) return fail('must be an object');
        for (const key of required) {
          if (!Object.hasOwn(value, key)) return { path: `/${key}`, problem: 'is required' };
        }
        // for-in with hasOwn rather than Object.keys: the same own enumerable string keys in the same order, without an array per object.
        for (const key in value) {
          if (!Object.hasOwn(value, key)) continue;
          const property = properties.get(key);
          if (!property) {
            if (open) continue;
            return { path: `/${key}`, problem: 'is not allowed' };
          }
          const problem = property(value[key]);
          if (problem) return under(key, problem);
        }
        return undefined;
      };
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

export function object<P extends Record<string, BusSchema>, O extends keyof P & string = never>(properties: P, optional: readonly O[] = []): TypedObjectSchema<P, O> {
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
