/**
 * The store adapter: `openStore(dbPath)` gives the Store port on a SQLite file plus the run
 * folders next to it (`<dir of db>/runs`).
 */
import { dirname, join } from 'node:path';
import { openDatabase, type OpenDatabaseOptions } from './database';
import { FsRunFiles } from './run-files';
import { SqliteStore } from './sqlite-store';

export { DEFAULT_DB_RELATIVE_PATH, openDatabase } from './database';
export { FsRunFiles } from './run-files';
export { SqliteStore } from './sqlite-store';
export { SCHEMA_VERSION } from './migrations';

export interface OpenedStore {
  store: SqliteStore;
  files: FsRunFiles;
  /** Absolute path of the database file. */
  dbPath: string;
  close(): void;
}

/** Where openStore keeps the run folders of the database at `dbPath` by default. */
export function defaultRunsDir(dbPath: string): string {
  return join(dirname(dbPath), 'runs');
}

/** Opens the database at `dbPath` (see openDatabase for errors) with run folders in `<dirname>/runs`. */
export function openStore(
  dbPath: string,
  options: OpenDatabaseOptions & { runsDir?: string; stepSnapshots?: boolean } = {},
): OpenedStore {
  const db = openDatabase(dbPath, options);
  const store = new SqliteStore(db);
  const files = new FsRunFiles(options.runsDir ?? defaultRunsDir(dbPath), {
    ...(options.stepSnapshots === undefined ? {} : { stepSnapshots: options.stepSnapshots }),
  });
  return { store, files, dbPath, close: () => store.close() };
}
