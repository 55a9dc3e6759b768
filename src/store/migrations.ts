/**
 * Numbered schema migrations. `PRAGMA user_version` holds the number of the last one applied;
 * each runs in its own IMMEDIATE transaction. Append new entries; never edit an applied one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'runs, steps, attempts, events, gates, comments, artifacts, schedules, webhook deliveries',
    sql: `
CREATE TABLE runs (
  id                 TEXT PRIMARY KEY,
  template_id        TEXT NOT NULL,
  template_name      TEXT NOT NULL,
  status             TEXT NOT NULL,
  phase              TEXT,
  trigger_kind       TEXT NOT NULL,
  trigger_payload    TEXT,
  parent_run_id      TEXT REFERENCES runs(id),
  parent_step_row_id INTEGER,
  outputs            TEXT,
  error              TEXT,
  unfinished_steps   INTEGER NOT NULL DEFAULT 0,
  failed_steps       INTEGER NOT NULL DEFAULT 0,
  created_at         INTEGER NOT NULL,
  started_at         INTEGER,
  finished_at        INTEGER,
  updated_at         INTEGER NOT NULL
);
CREATE INDEX runs_by_created ON runs(created_at);

-- Immutable snapshots live apart from the hot run row: SQLite rewrites a whole row on UPDATE,
-- and a run row is updated on every step transition.
CREATE TABLE run_snapshots (
  run_id     TEXT PRIMARY KEY REFERENCES runs(id),
  definition TEXT NOT NULL,
  inputs     TEXT NOT NULL
);
CREATE INDEX runs_by_status ON runs(status, created_at);
CREATE INDEX runs_by_template ON runs(template_id, created_at);
CREATE INDEX runs_by_parent ON runs(parent_run_id) WHERE parent_run_id IS NOT NULL;

-- One row per step instance. Top-level steps have item_key ''; foreach items have their key
-- and parent_row_id. Leases are columns: a running step with a lease_owner is held by a worker.
CREATE TABLE steps (
  id               INTEGER PRIMARY KEY,
  run_id           TEXT NOT NULL REFERENCES runs(id),
  step_id          TEXT NOT NULL,
  item_key         TEXT NOT NULL DEFAULT '',
  item_index       INTEGER,
  parent_row_id    INTEGER REFERENCES steps(id),
  kind             TEXT NOT NULL,
  status           TEXT NOT NULL,
  phase            TEXT,
  attempts         INTEGER NOT NULL DEFAULT 0,
  failures         INTEGER NOT NULL DEFAULT 0,
  needs_remaining  INTEGER NOT NULL DEFAULT 0,
  upstream         INTEGER NOT NULL DEFAULT 0,
  item             TEXT,
  outputs          TEXT,
  error            TEXT,
  due_at           INTEGER,
  lease_owner      TEXT,
  lease_expires_at INTEGER,
  child_run_id     TEXT,
  session_id       TEXT,
  transcript_path  TEXT,
  created_at       INTEGER NOT NULL,
  started_at       INTEGER,
  finished_at      INTEGER,
  updated_at       INTEGER NOT NULL,
  UNIQUE (run_id, step_id, item_key)
);
CREATE INDEX steps_by_run_status ON steps(run_id, status);
CREATE INDEX steps_ready ON steps(id) WHERE status = 'ready';
CREATE INDEX steps_leased ON steps(lease_expires_at) WHERE status = 'running' AND lease_owner IS NOT NULL;
CREATE INDEX steps_due ON steps(due_at) WHERE status = 'waiting' AND due_at IS NOT NULL;
CREATE INDEX steps_items ON steps(parent_row_id, status, item_index) WHERE parent_row_id IS NOT NULL;

CREATE TABLE attempts (
  id          INTEGER PRIMARY KEY,
  step_row_id INTEGER NOT NULL REFERENCES steps(id),
  run_id      TEXT NOT NULL,
  step_id     TEXT NOT NULL,
  item_key    TEXT,
  number      INTEGER NOT NULL,
  status      TEXT NOT NULL,
  owner       TEXT,
  error       TEXT,
  exit_code   INTEGER,
  cost_usd    REAL,
  started_at  INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX attempts_by_step ON attempts(step_row_id, number);

-- Append-only; the id is the cursor every reader polls with.
CREATE TABLE events (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id   TEXT NOT NULL,
  step_id  TEXT,
  item_key TEXT,
  type     TEXT NOT NULL,
  payload  TEXT NOT NULL,
  at       INTEGER NOT NULL
);
CREATE INDEX events_by_run ON events(run_id, id);

CREATE TABLE gates (
  id           INTEGER PRIMARY KEY,
  run_id       TEXT NOT NULL REFERENCES runs(id),
  step_row_id  INTEGER NOT NULL UNIQUE REFERENCES steps(id),
  step_id      TEXT NOT NULL,
  item_key     TEXT NOT NULL DEFAULT '',
  message      TEXT NOT NULL,
  approvers    TEXT NOT NULL,
  form         TEXT,
  requested_at INTEGER NOT NULL,
  due_at       INTEGER,
  escalated    INTEGER NOT NULL DEFAULT 0,
  decision     TEXT,
  decided_by   TEXT,
  decided_at   INTEGER,
  comment      TEXT,
  form_inputs  TEXT
);
CREATE INDEX gates_by_run ON gates(run_id, step_id, item_key);
CREATE INDEX gates_open ON gates(requested_at) WHERE decision IS NULL;

CREATE TABLE comments (
  id         INTEGER PRIMARY KEY,
  run_id     TEXT NOT NULL REFERENCES runs(id),
  step_id    TEXT,
  author     TEXT NOT NULL,
  body       TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX comments_by_run ON comments(run_id, id);

CREATE TABLE artifacts (
  id         INTEGER PRIMARY KEY,
  run_id     TEXT NOT NULL REFERENCES runs(id),
  step_id    TEXT,
  name       TEXT NOT NULL,
  path       TEXT NOT NULL,
  media_type TEXT,
  size_bytes INTEGER,
  created_at INTEGER NOT NULL
);
CREATE INDEX artifacts_by_run ON artifacts(run_id, id);

-- Used by the cron trigger: one row per (template, schedule index).
CREATE TABLE schedules (
  id            TEXT PRIMARY KEY,
  template_id   TEXT NOT NULL,
  cron          TEXT NOT NULL,
  timezone      TEXT,
  catchup       TEXT NOT NULL DEFAULT 'latest',
  enabled       INTEGER NOT NULL DEFAULT 1,
  last_fired_at INTEGER,
  next_fire_at  INTEGER,
  updated_at    INTEGER NOT NULL
);
CREATE INDEX schedules_due ON schedules(next_fire_at) WHERE enabled = 1;

-- Used by the webhook trigger for replay protection.
CREATE TABLE webhook_deliveries (
  id          TEXT PRIMARY KEY,
  template_id TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  body_sha256 TEXT,
  run_id      TEXT
);
CREATE INDEX webhook_deliveries_by_time ON webhook_deliveries(received_at);
`,
  },
  {
    version: 2,
    name: 'run concurrency groups',
    sql: `
ALTER TABLE runs ADD COLUMN concurrency_key TEXT;
CREATE INDEX runs_by_concurrency ON runs(concurrency_key, status, created_at) WHERE concurrency_key IS NOT NULL;
`,
  },
  {
    version: 3,
    name: 'active-step counter on runs instead of a (run, status) index',
    // Every step transition moved an entry of steps_by_run_status between key ranges: about a
    // quarter of the pages each step commit wrote. A counter on the (already dirty) run row
    // answers "does this run have active steps" without it.
    sql: `
ALTER TABLE runs ADD COLUMN active_steps INTEGER NOT NULL DEFAULT 0;
UPDATE runs SET active_steps = (
  SELECT count(*) FROM steps WHERE steps.run_id = runs.id
    AND (status IN ('ready', 'running') OR (status = 'waiting' AND kind <> 'gate')));
DROP INDEX steps_by_run_status;
`,
  },
  {
    version: 4,
    name: 'fewer pages per step commit: events without AUTOINCREMENT, one index of live steps, item indexes that steps do not move through',
    // A step's commit wrote ~10 pages; two of them were bookkeeping. AUTOINCREMENT updates
    // sqlite_sequence on every event insert; without it a new id is max(id) + 1, which is just as
    // monotonic as long as no event is ever deleted, so deleting events is refused outright (the
    // ids are the replay cursor of every reader). steps_ready and steps_leased were two indexes
    // each step moved through; one (status, id) index of ready and running steps serves the
    // claim (ready, by id) and the lease sweep (running steps: as many as workers run at once).
    // steps_items had the status in its key, so every move of a foreach item moved its entry;
    // now the item list is keyed by what never changes, and a partial index holds the pending
    // items only (an item leaves it once, when it becomes ready).
    sql: `
CREATE TABLE events_v4 (
  id       INTEGER PRIMARY KEY,
  run_id   TEXT NOT NULL,
  step_id  TEXT,
  item_key TEXT,
  type     TEXT NOT NULL,
  payload  TEXT NOT NULL,
  at       INTEGER NOT NULL
);
INSERT INTO events_v4 (id, run_id, step_id, item_key, type, payload, at)
  SELECT id, run_id, step_id, item_key, type, payload, at FROM events ORDER BY id;
DROP TABLE events;
ALTER TABLE events_v4 RENAME TO events;
CREATE INDEX events_by_run ON events(run_id, id);
CREATE TRIGGER events_are_append_only BEFORE DELETE ON events
BEGIN
  SELECT RAISE(ABORT, 'events are append-only: their ids are the cursor readers replay from');
END;
DROP INDEX steps_ready;
DROP INDEX steps_leased;
CREATE INDEX steps_live ON steps(status, id) WHERE status IN ('ready', 'running');
DROP INDEX steps_items;
CREATE INDEX steps_items ON steps(parent_row_id, item_index) WHERE parent_row_id IS NOT NULL;
CREATE INDEX steps_pending_items ON steps(parent_row_id, item_index) WHERE status = 'pending' AND parent_row_id IS NOT NULL;
`,
  },
  {
    version: 5,
    name: 'archived runs',
    // Archiving lived in each VS Code window's workspaceState, which other windows and the CLI
    // could not see. In the run row, with an event per change, every reader's cursor carries it.
    // No index: the board reads every run it lists anyway, and `baton runs` walks runs_by_created.
    sql: `
ALTER TABLE runs ADD COLUMN archived_at INTEGER;
`,
  },
  {
    version: 6,
    name: 'attempts that cost',
    // The board shows what each run cost: the sum of its attempts' cost_usd, for every run at
    // once. Only agent attempts report a cost, so a partial index keeps that read to them instead
    // of every step and attempt of every run.
    sql: `
CREATE INDEX attempts_with_cost ON attempts(step_row_id, cost_usd) WHERE cost_usd IS NOT NULL;
`,
  },
];

/** The schema version this code writes and understands. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
