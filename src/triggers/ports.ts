/**
 * What the triggers need from their host. VS Code (src/vscode) and the CLI each fill these
 * ports; nothing in src/triggers knows which one it runs in.
 */
import type { StartRunOptions } from '../core/engine';
import type { EventRecord, RunRecord } from '../core/model';
import type { Clock, EventQuery, Logger, RunQuery, SecretSource, TriggerStore } from '../core/ports';
import type { LoadedTemplate, TemplateDefinition } from '../core/template/types';

/** The templates triggers watch (TemplateRegistry satisfies it). */
export interface TriggerTemplates {
  list(): readonly LoadedTemplate[];
  find(id: string): LoadedTemplate | undefined;
  onDidChange(listener: () => void): { dispose(): void };
}

/** The part of the Engine triggers use (Engine satisfies it). */
export interface TriggerEngine {
  startRun(template: TemplateDefinition, options?: StartRunOptions): RunRecord;
  listRuns(query?: RunQuery): RunRecord[];
  getRun(runId: string): { run: RunRecord };
  listEvents(afterId: number, query?: EventQuery): EventRecord[];
  maxEventId(): number;
}

/**
 * Durable trigger state. MUST be the same store object the engine writes through: a claim (a
 * schedule tick, a webhook delivery, an event) and the run it starts commit in one transaction.
 */
export type TriggerStorePort = TriggerStore & { transaction<T>(fn: () => T): T };

/** Workspace Trust: an untrusted workspace starts nothing by itself. */
export type TrustVerdict = { trusted: true } | { trusted: false; reason: string };

/** What happened to a file: VS Code's onDidSaveTextDocument / FileSystemWatcher, or node:fs watch. */
export type FileEventKind = 'save' | 'create' | 'delete';

export interface FileEvent {
  /** Absolute path, or relative to the workspace folder. */
  path: string;
  kind: FileEventKind;
}

/** Pushes file events to the file trigger. */
export interface FileEventSource {
  onFileEvent(listener: (event: FileEvent) => void): { dispose(): void };
}

/** A VS Code task (or any external job) that ended; exit code undefined counts as success. */
export interface TaskEnd {
  name: string;
  exitCode: number | undefined;
}

export interface TriggerHostPorts {
  templates: TriggerTemplates;
  engine: TriggerEngine;
  store: TriggerStorePort;
  clock: Clock;
  logger: Logger;
  trust(): TrustVerdict;
  /** Webhook HMAC keys: `on.webhook.secret` names one, else `webhook:<template-id>`. */
  secrets: SecretSource;
  /** Omit to disable file triggers. */
  files?: FileEventSource;
}
