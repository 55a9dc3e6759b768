/** The run engine: public surface for the CLI, the VS Code extension and tests. */
export {
  DEFAULT_LEASE_MS,
  Engine,
  aggregateItemOutputs,
  applyInputDefaults,
  statusFunctionsFor,
  systemClock,
  upstreamBitsOf,
  type EngineDeps,
  type GateDecisionInput,
  type ChainOptions,
  type ExecutionReport,
  type RecordOutcome,
  type RunDetail,
  type StartRunOptions,
  type StepClaim,
} from './engine';
export { EventFeed, type EventBatch, type EventLog } from './eventFeed';
export { Worker, WorkerStoppedError, type WorkerOptions, type WorkerRunOptions, type WorkerStats } from './worker';
export { defaultRunId, redact, stepLabel } from './rules';
export { JITTER_RATIO, NO_RETRY, computeRetryDelay, retryPolicyFor, shouldRetry } from './retry';
export { buildStepGraph, descendantsOf, graphProblems, type StepGraph } from './graph';
