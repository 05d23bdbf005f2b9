import type Database from 'better-sqlite3';

/**
 * One schema step. Versions go in steps of 10, leaving room for a fix-up between two
 * released versions without renumbering.
 */
export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}
