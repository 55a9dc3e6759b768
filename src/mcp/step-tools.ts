/**
 * What Baton's MCP server does for one running agent step, independent of the MCP transport:
 * read the step's context, set outputs, attach artifacts, comment, report progress and ask a
 * human for approval. Effects land in the run's database (events, comments, artifacts, gates)
 * and run folder, in the same transactions the engine uses.
 *
 * Outputs set here are kept in `<stepDir>/mcp-outputs.json`; the AgentExecutor merges them into
 * the step's outputs when the agent finishes, so they are recorded with the step's result.
 */
import { copyFileSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import Ajv from 'ajv';
import type { Engine } from '../core/engine';
import { recordStepApprovalDecision, type ApprovalDecisionInput } from '../core/engine/approvals';
import { StepNotFoundError, UsageError } from '../core/errors';
import { EventType, GateDecision, type GateRecord, type JsonValue, type Outputs } from '../core/model';
import type { Clock, Store } from '../core/ports';
import type { StepDefinition } from '../core/template/types';
import { AGENT_MCP_OUTPUTS_FILE, readLatestPromptSources } from '../executors/agent/executor';

/** File in the step folder holding outputs set through MCP (read by the AgentExecutor). */
export const MCP_OUTPUTS_FILE = AGENT_MCP_OUTPUTS_FILE;
/** Output names Baton sets itself for agent steps. */
const RESERVED_OUTPUTS = ['result'];

export interface StepToolsDeps {
  store: Store;
  engine: Pick<Engine, 'addComment' | 'addArtifact'>;
  clock: Clock;
  runId: string;
  stepId: string;
  itemKey: string | null;
  stepDir: string;
  artifactsDir: string;
  /** The agent's working directory: relative artifact paths are resolved against it. */
  cwd: string;
  /** How often request_approval looks for a decision (default 500 ms). */
  approvalPollMs?: number;
}

export interface StepContext {
  runId: string;
  stepId: string;
  itemKey: string | null;
  goal: string;
  instructions: string;
  acceptance: string | null;
  inputs: Record<string, JsonValue>;
  upstream: Record<string, Outputs>;
  declaredOutputs: Record<string, JsonValue> | null;
}

export class BatonStepTools {
  private readonly ajv = new Ajv({ allErrors: true, strict: false });

  constructor(private readonly deps: StepToolsDeps) {}

  /** The step's instructions, the run's goal and inputs, and the outputs of the steps it needs. */
  getStepContext(): StepContext {
    const { store, runId, stepId } = this.deps;
    const run = store.getRun(runId);
    const definition = store.getRunDefinition(runId);
    if (!run || !definition) throw new StepNotFoundError(runId, stepId);
    const step = this.step();
    const upstream: Record<string, Outputs> = {};
    for (const need of step.needs) upstream[need] = store.findStep(runId, need, null)?.outputs ?? {};
    // Resolved by the AgentExecutor for this attempt (the definition holds them unresolved).
    const assembled = readLatestPromptSources(this.deps.stepDir);
    return {
      runId,
      stepId,
      itemKey: this.deps.itemKey,
      goal: definition.description ? `${definition.name}: ${definition.description}` : definition.name,
      instructions: assembled?.instructions ?? (step.kind === 'agent' ? step.prompt : ''),
      acceptance: assembled?.acceptance ?? step.acceptance ?? null,
      inputs: run.inputs,
      upstream,
      declaredOutputs: (step.outputs as Record<string, JsonValue> | undefined) ?? null,
    };
  }

  /** Sets one output; checked against the step's declared `outputs` schema when it has one. */
  setOutput(name: string, value: JsonValue): Outputs {
    if (RESERVED_OUTPUTS.includes(name)) throw new UsageError(`output "${name}" is reserved: Baton sets it to the agent's final answer`);
    const declared = this.step().outputs;
    if (declared && Object.keys(declared).length > 0) {
      const schema = declared[name];
      if (schema === undefined) {
        throw new UsageError(`step ${this.deps.stepId} declares no output "${name}"; declared: ${Object.keys(declared).join(', ')}`);
      }
      const { description: _description, ...rules } = schema as Record<string, unknown>;
      if (Object.keys(rules).length > 0) {
        const validate = this.ajv.compile(rules);
        if (!validate(value)) {
          const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '(value)'} ${e.message ?? 'is invalid'}`).join('; ');
          throw new UsageError(`output "${name}" does not match its schema: ${problems}`);
        }
      }
    }
    const outputs = readMcpOutputs(this.deps.stepDir);
    outputs[name] = value;
    const file = join(this.deps.stepDir, MCP_OUTPUTS_FILE);
    mkdirSync(this.deps.stepDir, { recursive: true });
    writeFileSync(`${file}.tmp`, `${JSON.stringify(outputs, null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
    this.progress(`output ${name} set`, { output: name });
    return outputs;
  }

  /** Copies a file into the run's artifacts and records it. */
  addArtifact(path: string, name?: string, mediaType?: string): { id: number; name: string; path: string; sizeBytes: number } {
    const source = isAbsolute(path) ? path : resolve(this.deps.cwd, path);
    let size: number;
    try {
      const stat = statSync(source);
      if (!stat.isFile()) throw new UsageError(`${path} is not a file`);
      size = stat.size;
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`no such file: ${path} (looked at ${source})`);
    }
    const artifactName = name && name.trim() !== '' ? basename(name) : basename(source);
    mkdirSync(this.deps.artifactsDir, { recursive: true });
    const target = join(this.deps.artifactsDir, artifactName);
    copyFileSync(source, target);
    const record = this.deps.engine.addArtifact(this.deps.runId, {
      name: artifactName,
      path: target,
      stepId: this.deps.stepId,
      sizeBytes: size,
      ...(mediaType ? { mediaType } : {}),
    });
    return { id: record.id, name: artifactName, path: target, sizeBytes: size };
  }

  addComment(body: string): { id: number } {
    if (body.trim() === '') throw new UsageError('a comment needs text');
    const comment = this.deps.engine.addComment(this.deps.runId, { author: `agent:${this.deps.stepId}`, body, stepId: this.deps.stepId });
    return { id: comment.id };
  }

  /** Appends a progress message to the run's event log. */
  reportProgress(message: string, percent?: number): void {
    this.progress(message, percent === undefined ? {} : { percent });
  }

  /**
   * Opens an approval for this step and waits until someone decides it (from any process:
   * `decideAgentApproval`). Resolves with the decision; rejects when `signal` aborts.
   */
  async requestApproval(message: string, signal?: AbortSignal): Promise<GateRecord> {
    const { store, runId, stepId, itemKey, clock } = this.deps;
    store.transaction(() => {
      const row = store.findStep(runId, stepId, itemKey);
      if (!row) throw new StepNotFoundError(runId, stepId);
      store.insertGate({ runId, stepRowId: row.id, stepId, itemKey, message, approvers: [], form: null, requestedAt: clock.now(), dueAt: null });
      store.appendEvent({ runId, stepId, itemKey, type: EventType.GateRequested, payload: { message, source: 'agent' }, at: clock.now() });
    });
    for (;;) {
      const gate = store.findGate(runId, stepId, itemKey);
      if (gate && gate.decision !== null) return gate;
      if (signal?.aborted) {
        this.abandonOpenApproval();
        throw signal.reason instanceof Error ? signal.reason : new Error('approval request aborted');
      }
      await clock.sleep(this.deps.approvalPollMs ?? 500, signal);
    }
  }

  /**
   * The agent stopped waiting (it exited, was cancelled or timed out): an approval nobody can
   * act on any more must not stay open, or the run would look like it waits for a person.
   * Closes this step's undecided approval as cancelled (no-op when there is none).
   */
  abandonOpenApproval(): void {
    const { store, runId, stepId, itemKey, clock } = this.deps;
    store.transaction(() => {
      const gate = store.findGate(runId, stepId, itemKey);
      if (!gate || gate.decision !== null) return;
      const now = clock.now();
      const comment = 'the agent stopped waiting for this approval';
      if (!store.updateOpenGate(gate.id, { decision: GateDecision.Cancelled, decidedBy: 'baton', decidedAt: now, comment })) return;
      store.appendEvent({
        runId,
        stepId,
        itemKey,
        type: EventType.GateDecided,
        payload: { decision: GateDecision.Cancelled, by: 'baton', comment, source: 'agent' },
        at: now,
      });
    });
  }

  private step(): StepDefinition {
    const step = this.deps.store.getRunDefinition(this.deps.runId)?.steps.find((s) => s.id === this.deps.stepId);
    if (!step) throw new StepNotFoundError(this.deps.runId, this.deps.stepId);
    return step;
  }

  private progress(text: string, extra: Record<string, JsonValue>): void {
    const { store, runId, stepId, itemKey, clock } = this.deps;
    store.transaction(() => {
      store.appendEvent({
        runId,
        stepId,
        itemKey,
        type: EventType.StepProgress,
        payload: { kind: 'message', text, source: 'mcp', ...extra },
        at: clock.now(),
      });
    });
  }
}

/** Outputs set through MCP so far (empty when none). */
export function readMcpOutputs(stepDir: string): Outputs {
  try {
    const value = JSON.parse(readFileSync(join(stepDir, MCP_OUTPUTS_FILE), 'utf8')) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Outputs) : {};
  } catch {
    return {};
  }
}

/**
 * Decides an approval an agent asked for (request_approval). One transaction; a second decision
 * throws GateAlreadyDecidedError. Works from any process that opens the run's database.
 * (`Engine.decideGate` records such decisions the same way.)
 */
export function decideAgentApproval(store: Store, clock: Clock, input: ApprovalDecisionInput): GateRecord {
  return store.transaction(() => recordStepApprovalDecision(store, clock, input));
}
