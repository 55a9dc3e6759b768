/**
 * Archived run ids from before they lived in the database: a VS Code window kept them in its
 * workspaceState. The first time a window opens the folder's database after the upgrade, they
 * move into the runs table (with their `run.archived` events), and the old copy is forgotten.
 */
import type { Engine } from '../core/engine';
import { isRunFinished } from '../core/model';

/** The ids where the host kept them (workspaceState in VS Code), read and cleared through callbacks. */
export interface LegacyArchivedRunIds {
  /** The stored ids; undefined when nothing is stored. */
  get(): unknown;
  /** Forgets them; called once they are in the database. */
  clear(): PromiseLike<void> | void;
}

export interface LegacyArchiveImport {
  /** Ids archived in the database by this import. */
  archived: string[];
  /** Ids left out: not a run of this database (any more), not finished, or already archived there. */
  skipped: string[];
}

/**
 * Moves the legacy archived ids into the database, then clears them. Undefined when nothing was
 * stored. The archive commit happens before the first await, so a view built right after the call
 * already shows it.
 */
export async function importLegacyArchivedRuns(legacy: LegacyArchivedRunIds, engine: Engine, by: string | null): Promise<LegacyArchiveImport | undefined> {
  const stored = legacy.get();
  if (stored === undefined) return undefined;
  const ids = Array.isArray(stored) ? [...new Set(stored.filter((id): id is string => typeof id === 'string'))] : [];
  const eligible = ids.filter((id) => {
    const run = engine.store.getRun(id);
    return run !== undefined && isRunFinished(run.status) && run.archivedAt === null;
  });
  // A run another process reopens between the check and the commit makes archiveRuns refuse the
  // whole set; the ids stay stored and the next window tries again.
  const archived = engine.archiveRuns(eligible, { by });
  await legacy.clear();
  const done = new Set(archived);
  return { archived, skipped: ids.filter((id) => !done.has(id)) };
}
