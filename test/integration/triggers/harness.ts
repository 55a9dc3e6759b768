/** A workspace with a real database, an engine and the trigger ports, for trigger tests. */
import { join } from 'node:path';
import { Engine, systemClock } from '../../../src/core/engine';
import type { Clock, Logger } from '../../../src/core/ports';
import type { LoadedTemplate, TemplateDefinition } from '../../../src/core/template/types';
import { openStore, type OpenedStore } from '../../../src/store';
import type { FileEvent, TriggerHostPorts, TriggerTemplates, TrustVerdict } from '../../../src/triggers';
import { CommandExecutor, tempDir } from '../../support/engine-fixtures';

/** Templates held in memory; `set` replaces them and notifies like a registry reload. */
export class MemoryTemplates implements TriggerTemplates {
  private byId = new Map<string, LoadedTemplate>();
  private readonly listeners = new Set<() => void>();
  constructor(definitions: TemplateDefinition[] = []) {
    this.set(definitions);
  }
  set(definitions: TemplateDefinition[]): void {
    this.byId = new Map(
      definitions.map((definition) => [
        definition.id,
        { definition, sourcePath: `/templates/${definition.id}.yaml`, source: 'workspace' as const, hash: definition.id },
      ]),
    );
    for (const listener of this.listeners) listener();
  }
  list(): LoadedTemplate[] {
    return [...this.byId.values()];
  }
  find(id: string): LoadedTemplate | undefined {
    return this.byId.get(id);
  }
  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }
}

/** A file event source the test pushes events into. */
export class ManualFileEvents {
  private readonly listeners = new Set<(event: FileEvent) => void>();
  onFileEvent(listener: (event: FileEvent) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }
  fire(event: FileEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

export interface LoggedLine {
  level: string;
  message: string;
}

export interface TriggerEnv {
  dir: string;
  dbPath: string;
  opened: OpenedStore;
  engine: Engine;
  templates: MemoryTemplates;
  fileEvents: ManualFileEvents;
  secrets: Map<string, string>;
  trust: { verdict: TrustVerdict };
  logged: LoggedLine[];
  ports: TriggerHostPorts;
  /** Every run in the database. */
  runCount(): number;
  close(): void;
}

/** Opens (or joins, with `dir`) a workspace database and builds the ports on it. */
export function createTriggerEnv(options: { templates?: TemplateDefinition[]; clock?: Clock; dir?: string } = {}): TriggerEnv {
  const temp = options.dir ? { dir: options.dir, cleanup: () => {} } : tempDir('baton-triggers-');
  const dbPath = join(temp.dir, '.baton', 'baton.db');
  const opened = openStore(dbPath);
  const clock = options.clock ?? systemClock;
  const engine = new Engine({ store: opened.store, files: opened.files, workspaceDir: temp.dir, clock, executors: [new CommandExecutor()] });
  const templates = new MemoryTemplates(options.templates ?? []);
  const fileEvents = new ManualFileEvents();
  const secrets = new Map<string, string>();
  const trust: { verdict: TrustVerdict } = { verdict: { trusted: true } };
  const logged: LoggedLine[] = [];
  const log =
    (level: string) =>
    (message: string): void => {
      logged.push({ level, message });
    };
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const ports: TriggerHostPorts = {
    templates,
    engine,
    store: opened.store,
    clock,
    logger,
    trust: () => trust.verdict,
    secrets: { get: async (name) => secrets.get(name) },
    files: fileEvents,
  };
  return {
    dir: temp.dir,
    dbPath,
    opened,
    engine,
    templates,
    fileEvents,
    secrets,
    trust,
    logged,
    ports,
    runCount: () => engine.listRuns({ limit: 100_000 }).length,
    close() {
      opened.close();
      temp.cleanup();
    },
  };
}
