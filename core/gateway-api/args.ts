/**
 * Argument declarations for the gateway API: where a value travels over HTTP
 * and the check each transport applies to it. A failed check is
 * REQUEST_INVALID (a 400), never a 500 and never a handler called with junk.
 */
import { EdgePayError } from '../errors.ts';
import type { Arg, ArgPlace } from './declare.ts';

type Check<T> = (value: unknown, name: string) => T;

const invalid = (reason: string) => new EdgePayError('REQUEST_INVALID', { reason });

// ---- places ----

/** A field of the JSON body. */
export const inBody = <T>(field: string, check: Check<T>): Arg<T> => ({ place: { in: 'body', field }, check: (v) => check(v, field) });
/** The whole JSON body. */
export const asBody = <T>(name: string, check: Check<T>): Arg<T> => ({ place: { in: 'body-whole' }, check: (v) => check(v, name) });
/** A `:param` of the path. */
export const inPath = <T>(param: string, check: Check<T>): Arg<T> => ({ place: { in: 'path', param }, check: (v) => check(v, param) });
/** The query string, written by `toQuery` and read back by the check. */
export const inQuery = <T>(name: string, toQuery: (value: T) => string, check: Check<T>): Arg<T> => ({
  place: { in: 'query', toQuery } as ArgPlace,
  check: (v) => check(v, name),
});
/** The bearer header. */
export const inBearer = <T>(name: string, check: Check<T>): Arg<T> => ({ place: { in: 'bearer' }, check: (v) => check(v, name) });

// ---- checks ----

export const text =
  (min = 0, max = 1024): Check<string> =>
  (v, name) => {
    if (typeof v !== 'string' || v.length < min || v.length > max) throw invalid(min > 0 ? `${name} must be ${min} to ${max} characters` : `${name} is required`);
    return v;
  };

export const integer: Check<number> = (v, name) => {
  if (!Number.isInteger(v)) throw invalid(`${name} must be a whole number`);
  return v as number;
};

export const boolean: Check<boolean> = (v, name) => {
  if (typeof v !== 'boolean') throw invalid(`${name} must be true or false`);
  return v;
};

/** Passed on as it is: for values whose judge is the handler (a PIN: a wrong one counts towards the lock-out). */
export const asIs =
  <T>(): Check<T> =>
  (v) =>
    v as T;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** A JPEG or PNG in base64 (decoding it is the handler's job). */
export const base64Image: Check<string> = (v, name) => {
  if (typeof v !== 'string' || v.length === 0 || !BASE64.test(v)) throw invalid(`${name}: a frame must be a base64 JPEG or PNG`);
  return v;
};

/** A JSON object with these fields, each checked; other fields are dropped. */
export const object =
  <T extends Record<string, unknown>>(fields: { [K in keyof T]: Check<T[K]> }): Check<T> =>
  (v, name) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(`${name} must be a JSON object`);
    const out: Record<string, unknown> = {};
    for (const [k, check] of Object.entries(fields) as [string, Check<unknown>][]) out[k] = check((v as Record<string, unknown>)[k], k);
    return out as T;
  };

export const arrayOf =
  <T>(item: Check<T>, max = 100): Check<T[]> =>
  (v, name) => {
    if (!Array.isArray(v) || v.length > max) throw invalid(`${name} must be a list of at most ${max}`);
    return v.map((x) => item(x, name));
  };

/** May be absent (undefined); when present, checked. */
export const optional =
  <T>(check: Check<T>): Check<T | undefined> =>
  (v, name) =>
    v === undefined || v === null ? undefined : check(v, name);

/** A date as YYYY-MM-DD. */
export const isoDate: Check<string> = (v, name) => {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) throw invalid(`${name} must be a date (YYYY-MM-DD)`);
  return v;
};
