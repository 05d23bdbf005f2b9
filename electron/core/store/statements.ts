/**
 * Prepared statements, cached by their SQL text, with every execution timed: a query
 * slower than the threshold is logged with its SQL, so a missing index shows up in the
 * log before it shows up as a stutter in the grid.
 */
import type Database from 'better-sqlite3';
import type { SqliteDatabase } from './database';

/** Queries slower than this are logged (Signal Desktop uses the same figure). */
export const SLOW_QUERY_MS = 40;

export type SlowQueryLogger = (message: string) => void;

type Params = readonly unknown[] | [Record<string, unknown>];

export class Statements {
  readonly #db: SqliteDatabase;
  readonly #cache = new Map<string, Database.Statement>();
  readonly #log: SlowQueryLogger;
  readonly #thresholdMs: number;

  constructor(db: SqliteDatabase, log: SlowQueryLogger, thresholdMs = SLOW_QUERY_MS) {
    this.#db = db;
    this.#log = log;
    this.#thresholdMs = thresholdMs;
  }

  get<T>(sql: string, ...params: Params): T | undefined {
    return this.#timed(sql, () => this.#prepare(sql).get(...params) as T | undefined);
  }

  all<T>(sql: string, ...params: Params): T[] {
    return this.#timed(sql, () => this.#prepare(sql).all(...params) as T[]);
  }

  run(sql: string, ...params: Params): Database.RunResult {
    return this.#timed(sql, () => this.#prepare(sql).run(...params));
  }

  /** First column of the first row (for COUNT(*) and the like). */
  value<T>(sql: string, ...params: Params): T | undefined {
    return this.#timed(sql, () => this.#prepare(sql, true).get(...params) as T | undefined);
  }

  #prepare(sql: string, pluck = false): Database.Statement {
    // pluck() changes the statement itself, so plucking statements are cached apart.
    const key = pluck ? `pluck:${sql}` : sql;
    let statement = this.#cache.get(key);
    if (!statement) {
      statement = this.#db.prepare(sql);
      if (pluck) {
        statement.pluck();
      }
      this.#cache.set(key, statement);
    }
    return statement;
  }

  #timed<T>(sql: string, run: () => T): T {
    const start = performance.now();
    const result = run();
    const elapsed = performance.now() - start;
    if (elapsed > this.#thresholdMs) {
      this.#log(`slow query (${elapsed.toFixed(1)} ms): ${sql.replace(/\s+/g, ' ').trim()}`);
    }
    return result;
  }
}
