/**
 * Opening the workspace database: checks that the file is a SQLite database this code
 * understands (without touching it when it is not), sets the pragmas, applies migrations.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { DatabaseCorruptError, DatabaseTooNewError } from '../core/errors';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations';

/** Default location inside a workspace folder. */
export const DEFAULT_DB_RELATIVE_PATH = join('.baton', 'baton.db');

const SQLITE_HEADER = 'SQLite format 3\u0000';
const GITIGNORE = '# Written by Baton: run state is local, templates are meant to be committed.\nbaton.db*\nruns/\n';

export interface OpenDatabaseOptions {
  /** ms a writer waits for the lock before SQLITE_BUSY (default 5000). */
  busyTimeoutMs?: number;
}

/**
 * Opens (creating if needed) the database at `path`, applies pending migrations and returns it.
 * Throws DatabaseCorruptError / DatabaseTooNewError without modifying the file.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): DatabaseSync {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  if (basename(dir) === '.baton' && !existsSync(join(dir, '.gitignore'))) {
    writeFileSync(join(dir, '.gitignore'), GITIGNORE);
  }
  assertSqliteHeader(path);

  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
  } catch (error) {
    throw new DatabaseCorruptError(path, error);
  }
  try {
    // Read-only probes first: nothing may be written to a file we are going to refuse.
    let version: number;
    try {
      db.exec(`PRAGMA busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
      version = Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
      db.prepare('SELECT count(*) AS n FROM sqlite_master').get();
    } catch (error) {
      throw new DatabaseCorruptError(path, error);
    }
    if (version > SCHEMA_VERSION) throw new DatabaseTooNewError(path, version, SCHEMA_VERSION);

    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA foreign_keys = ON');
    // Each step commit dirties ~10 pages; checkpointing (which fsyncs) every 1000 pages, the
    // default, made checkpoints cost as much as the commits. 10000 pages keeps the WAL under ~40 MB
    // and the size limit truncates it again after a checkpoint.
    db.exec('PRAGMA wal_autocheckpoint = 10000');
    db.exec('PRAGMA journal_size_limit = 67108864');
    migrate(db, path);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function assertSqliteHeader(path: string): void {
  if (!existsSync(path)) return;
  if (statSync(path).size === 0) return;
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(16);
    const read = readSync(fd, header, 0, 16, 0);
    if (read < 16 || header.toString('latin1') !== SQLITE_HEADER) {
      throw new DatabaseCorruptError(path, new Error('not a SQLite 3 file (bad header)'));
    }
  } finally {
    closeSync(fd);
  }
}

/** Applies every migration newer than the file's user_version, one IMMEDIATE transaction each. */
function migrate(db: DatabaseSync, path: string): void {
  for (const migration of MIGRATIONS) {
    db.exec('BEGIN IMMEDIATE');
    try {
      // Re-read under the write lock: another process may have migrated meanwhile.
      const current = Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
      if (current > SCHEMA_VERSION) throw new DatabaseTooNewError(path, current, SCHEMA_VERSION);
      if (current >= migration.version) {
        db.exec('COMMIT');
        continue;
      }
      db.exec(migration.sql);
      db.exec(`PRAGMA user_version = ${migration.version}`);
      db.exec('COMMIT');
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw error;
    }
  }
}
