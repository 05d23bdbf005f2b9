/**
 * The base of every domain's tables (photos, masks, datasets, ...): the Store owns the
 * connection and hands each domain the same prepared statements, transactions and clock,
 * so a save that spans domains is still one transaction and one timestamp source.
 */
import type { Statements } from './statements';

/** What the Store lends to the tables of each domain. */
export interface StoreContext {
  sql: Statements;
  /** Runs `work` in one transaction (nested calls become savepoints). */
  transaction: <T>(work: () => T) => T;
  /** The store clock's time as ISO 8601 (tests pin the clock). */
  timestamp: () => string;
}

export abstract class StoreTables {
  protected readonly sql: Statements;
  protected readonly transaction: StoreContext['transaction'];
  protected readonly timestamp: StoreContext['timestamp'];

  constructor(context: StoreContext) {
    this.sql = context.sql;
    this.transaction = context.transaction;
    this.timestamp = context.timestamp;
  }
}
