/**
 * Mango queries as index range scans.
 *
 * RxDB's query planner has already picked an index and computed its start and
 * end keys. We turn those keys into the same indexable strings RxDB's own
 * storages use, and let SQLite walk the index between them (see
 * index-keys.ts). Only what the index cannot decide runs in JavaScript: the
 * rest of the selector (RxDB's query matcher) and a sort the index does not
 * give (RxDB's sort comparator). When the index decides everything, skip and
 * limit go to SQLite as OFFSET/LIMIT and count is a COUNT(*) over the range.
 */
import type Database from 'better-sqlite3';
import { getQueryMatcher, getSortComparator, getStartIndexStringFromLowerBound, getStartIndexStringFromUpperBound, type PreparedQuery, type RxDocumentData, type RxJsonSchema } from 'rxdb';
import { storageError } from './errors.ts';
import { encodeIndexString, indexName, type IndexColumn } from './index-keys.ts';
import { quoteIdent } from './tables.ts';
import type { RowShapes } from './row-shapes.ts';

export type QueryContext = {
  db: Database.Database;
  tableName: string;
  schema: Readonly<RxJsonSchema<RxDocumentData<any>>>;
  indexColumns: IndexColumn[];
  /** Decodes rows of either format; callers run queries inside `shapes.reading()`. */
  shapes: RowShapes;
  /** Prepared statements by shape; a process runs few distinct shapes. */
  statements?: Map<string, Database.Statement>;
};

type Range = { column: string; where: string; params: Buffer[] };

/** What planning a query's SQL needs (no connection state). */
type PlanContext = Pick<QueryContext, 'tableName' | 'schema' | 'indexColumns'>;

function rangeOf(ctx: PlanContext, preparedQuery: PreparedQuery<any>): Range {
  const plan = preparedQuery.queryPlan;
  const name = indexName(plan.index);
  const col = ctx.indexColumns.find((c) => indexName(c.fields) === name);
  if (!col) {
    // RxDB's planner only picks schema indexes; a query that names another
    // index (`query.index`) must name one the schema declares.
    throw storageError('STORAGE_INDEX_MISSING', { index: plan.index, tableName: ctx.tableName });
  }
  const lower = getStartIndexStringFromLowerBound(ctx.schema, plan.index, plan.startKeys as any[]);
  const upper = getStartIndexStringFromUpperBound(ctx.schema, plan.index, plan.endKeys as any[]);
  const c = col.column;
  return {
    column: c,
    where: `${c} ${plan.inclusiveStart ? '>=' : '>'} ? AND ${c} ${plan.inclusiveEnd ? '<=' : '<'} ?`,
    params: [encodeIndexString(lower), encodeIndexString(upper)],
  };
}

/** Prepared once per SQL text; document reads are plucked (the data string only). */
function statement(ctx: QueryContext, sql: string, pluck = true): Database.Statement {
  ctx.statements ??= new Map();
  let stmt = ctx.statements.get(sql);
  if (!stmt) {
    stmt = ctx.db.prepare(sql);
    if (pluck) stmt.pluck();
    ctx.statements.set(sql, stmt);
  }
  return stmt;
}

/** The SQL a query runs; exported so a test can EXPLAIN QUERY PLAN it. */
export function querySql(ctx: PlanContext, preparedQuery: PreparedQuery<any>): { sql: string; params: unknown[] } {
  const range = rangeOf(ctx, preparedQuery);
  const plan = preparedQuery.queryPlan;
  const query = preparedQuery.query;
  const pushDown = plan.selectorSatisfiedByIndex && plan.sortSatisfiedByIndex;
  let sql = `SELECT data FROM ${quoteIdent(ctx.tableName)} WHERE ${range.where} ORDER BY ${range.column}, id`;
  const params: unknown[] = [...range.params];
  if (pushDown && (typeof query.limit === 'number' || query.skip)) {
    sql += ' LIMIT ? OFFSET ?';
    params.push(typeof query.limit === 'number' ? query.limit : -1, query.skip ?? 0);
  }
  return { sql, params };
}

export function runQuery(ctx: QueryContext, preparedQuery: PreparedQuery<any>): RxDocumentData<any>[] {
  const plan = preparedQuery.queryPlan;
  const query = preparedQuery.query;
  const { sql, params } = querySql(ctx, preparedQuery);
  const stmt = statement(ctx, sql);
  if (plan.selectorSatisfiedByIndex && plan.sortSatisfiedByIndex) {
    return ctx.shapes.decodeAll(stmt.all(...params) as string[]);
  }
  const skip = query.skip ?? 0;
  const limit = typeof query.limit === 'number' ? query.limit : Infinity;
  const skipPlusLimit = skip + limit;
  const matcher = plan.selectorSatisfiedByIndex ? undefined : getQueryMatcher(ctx.schema, query);
  const mustSort = !plan.sortSatisfiedByIndex;
  let rows: RxDocumentData<any>[] = [];
  for (const data of stmt.iterate(...params) as Iterable<string>) {
    const doc = ctx.shapes.decode(data);
    if (matcher && !matcher(doc)) continue;
    rows.push(doc);
    // In index order the first skip+limit matches are the answer; stop reading.
    if (!mustSort && rows.length >= skipPlusLimit) break;
  }
  if (mustSort) rows.sort(getSortComparator(ctx.schema, query));
  if (skip !== 0 || rows.length > skipPlusLimit) rows = rows.slice(skip, skipPlusLimit);
  return rows;
}

export function runCount(ctx: QueryContext, preparedQuery: PreparedQuery<any>): number {
  const range = rangeOf(ctx, preparedQuery);
  const t = quoteIdent(ctx.tableName);
  if (preparedQuery.queryPlan.selectorSatisfiedByIndex) {
    return statement(ctx, `SELECT COUNT(*) FROM ${t} WHERE ${range.where}`).get(...range.params) as number;
  }
  const matcher = getQueryMatcher(ctx.schema, preparedQuery.query);
  let n = 0;
  const stmt = statement(ctx, `SELECT data FROM ${t} WHERE ${range.where}`);
  for (const data of stmt.iterate(...range.params) as Iterable<string>) {
    if (matcher(ctx.shapes.decode(data))) n++;
  }
  return n;
}
