/** Shared helpers for extension-host suites. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { Engine } from '../../../src/core/engine';
import type { RunRecord } from '../../../src/core/model';
import type { RunStep, TemplateDefinition } from '../../../src/core/template/types';
import { openStore, type OpenedStore } from '../../../src/store';
import type { BatonContainer } from '../../../src/vscode/container';

export const EXTENSION_ID = 'baton-dev.baton';

export async function waitUntil(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The running extension's container (what activate() returned). */
export async function batonContainer(): Promise<BatonContainer> {
  const extension = vscode.extensions.getExtension<BatonContainer>(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not loaded`);
  return extension.isActive ? extension.exports : extension.activate();
}

export function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder');
  return folder.uri.fsPath;
}

/**
 * The database as another process (the CLI, another window) sees it: its own connection and an
 * engine without executors, so only VS Code's worker executes steps.
 */
export function outsideEngine(): { engine: Engine; opened: OpenedStore } {
  const opened = openStore(`${workspaceDir()}/.baton/baton.db`);
  return { opened, engine: new Engine({ store: opened.store, files: opened.files, workspaceDir: workspaceDir() }) };
}

/** A normalized template of script steps, as the loader would produce it. */
export function scriptTemplate(id: string, steps: Array<{ id: string; run: string; needs?: string[] }>): TemplateDefinition {
  return {
    id,
    name: id,
    tags: [],
    phases: [],
    inputs: { properties: {}, required: [] },
    on: { manual: true, schedule: [], file: [], event: [] },
    env: {},
    defaults: {},
    steps: steps.map((s): RunStep => ({ kind: 'run', id: s.id, run: s.run, needs: s.needs ?? [], env: {}, continueOnError: false })),
  };
}

export async function waitForRun(engine: Engine, runId: string, statuses: readonly string[], timeoutMs = 30_000): Promise<RunRecord> {
  let run: RunRecord | undefined;
  await waitUntil(
    `run ${runId} to be ${statuses.join('/')} (is ${engine.getRun(runId).run.status})`,
    () => {
      run = engine.getRun(runId).run;
      return statuses.includes(run.status);
    },
    timeoutMs,
  );
  return run!;
}

/** `baton <args>` as a separate process on this workspace's database (the bundled CLI, run by the host's Node). */
export function batonCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not loaded`);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(extension.extensionPath, 'dist', 'cli.cjs'), ...args],
      { cwd: workspaceDir(), env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
