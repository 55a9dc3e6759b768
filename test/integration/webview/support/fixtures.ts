/** View-model builders for the webview tests (what a host would derive from the store). */
import type {
  ForeachCounts,
  FormSchema,
  GateView,
  ReadinessProblem,
  RunDetail,
  RunStatus,
  StepKind,
  StepStatus,
  StepView,
  TemplateDetail,
} from '../../../../src/shared/protocol';

// Ten minutes ago, so durations and countdowns read like a real board.
const T0 = Date.now() - 600_000;

export function template(id: string, over: Partial<TemplateDetail> = {}): TemplateDetail {
  const steps = over.steps ?? [
    { id: 'plan', name: null, kind: 'agent' as StepKind, phase: 'plan', needs: [], foreach: null, agent: 'claude' },
    { id: 'test', name: null, kind: 'run' as StepKind, phase: 'verify', needs: ['plan'], foreach: null, agent: null },
  ];
  return {
    id,
    name: over.name ?? id.replace(/-/g, ' ').replace(/^\w/, (c) => c.toUpperCase()),
    description: `Does ${id} for you.`,
    category: 'quality',
    tags: [],
    source: 'builtin',
    stepKinds: [...new Set(steps.map((s) => s.kind))],
    triggers: [{ kind: 'manual', label: 'Run from the gallery, the board or the CLI' }],
    phases: [...new Set(steps.flatMap((s) => (s.phase ? [s.phase] : [])))],
    stepCount: steps.length,
    readmeMarkdown: null,
    sourcePath: `/ext/templates/${id}.yml`,
    steps,
    inputsSchema: { type: 'object', properties: {}, required: [] },
    readiness: [],
    ...over,
  };
}

export const MISSING_CLAUDE: ReadinessProblem = {
  code: 'missing-agent-cli',
  // As long as the host's (missingAgentCliMessage): the notice must lay out a message that wraps.
  message: 'The claude CLI (claude) is not on PATH: install it with npm i -g @anthropic-ai/claude-code, or set BATON_CLAUDE_PATH to its path.',
  fix: { action: 'install-agent-cli', label: 'Install claude', arg: 'claude' },
};

export const REVIEW_INPUTS: FormSchema = {
  type: 'object',
  properties: {
    depth: { type: 'string', title: 'Depth', enum: ['quick', 'thorough'], default: 'quick' },
    branch: { type: 'string', title: 'Branch', description: 'The branch to review', minLength: 1 },
    maxFiles: { type: 'integer', title: 'Max files', minimum: 1, default: 20 },
    token: { type: 'string', title: 'API token', secret: true },
  },
  required: ['branch'],
};

export function step(id: string, status: StepStatus, over: Partial<StepView> = {}): StepView {
  const reached = status !== 'pending';
  return {
    id,
    name: null,
    kind: 'run',
    phase: null,
    needs: [],
    itemKey: null,
    status,
    reached,
    attempt: reached ? 1 : 0,
    attempts: reached
      ? [{ number: 1, status: status === 'failed' ? 'failed' : status === 'running' ? 'running' : 'succeeded', startedAt: T0, finishedAt: status === 'running' ? null : T0 + 42_000, exitCode: status === 'failed' ? 1 : 0, error: status === 'failed' ? 'exit code 1' : null, costUsd: null }]
      : [],
    error: status === 'failed' ? 'Command failed with exit code 1' : null,
    startedAt: reached ? T0 : null,
    finishedAt: reached && status !== 'running' ? T0 + 42_000 : null,
    outputs: status === 'succeeded' ? { result: 'ok' } : null,
    summaryMarkdown: null,
    hasTranscript: false,
    foreach: null,
    ...over,
  };
}

export function foreachCounts(items: StepView[]): ForeachCounts {
  const c: ForeachCounts = { total: items.length, succeeded: 0, failed: 0, running: 0, waiting: 0, pending: 0, skipped: 0, cancelled: 0 };
  for (const i of items) {
    if (i.status === 'ready') c.pending++;
    else c[i.status]++;
  }
  return c;
}

export function run(id: string, status: RunStatus, over: Partial<RunDetail> = {}): RunDetail {
  const steps = over.steps ?? [step('build', status === 'pending' ? 'pending' : 'succeeded'), step('test', status === 'failed' ? 'failed' : status === 'succeeded' ? 'succeeded' : status === 'running' ? 'running' : 'pending', { needs: ['build'] })];
  const finished = ['succeeded', 'failed', 'cancelled'].includes(status);
  return {
    id,
    revision: 0,
    templateId: 'review-pr',
    templateName: 'Review PR',
    status,
    phase: status === 'pending' ? null : 'verify',
    phases: ['plan', 'verify'],
    currentStep: finished ? null : (steps.find((s) => s.status === 'running' || s.status === 'waiting')?.id ?? null),
    lastEvent: { text: status === 'running' ? 'agent: Read src/index.ts' : `run ${status}`, at: T0 + 30_000, type: 'step.progress' },
    stepsDone: steps.filter((s) => ['succeeded', 'failed', 'skipped', 'cancelled'].includes(s.status)).length,
    stepsTotal: steps.length,
    createdAt: T0,
    startedAt: status === 'pending' ? null : T0,
    finishedAt: finished ? T0 + 95_000 : null,
    costUsd: 0.42,
    failureReason: status === 'failed' ? 'test: Command failed with exit code 1' : null,
    waitingGates: [],
    stale: false,
    trigger: 'manual',
    archived: false,
    inputs: { branch: 'feature/login', depth: 'quick' },
    steps,
    comments: [],
    artifacts: [],
    outputs: null,
    summaryMarkdown: null,
    ...over,
  };
}

export function gate(id: number, runId: string, over: Partial<GateView> = {}): GateView {
  return {
    id,
    revision: 0,
    runId,
    templateName: 'Review PR',
    stepId: 'approve',
    itemKey: null,
    messageMarkdown: '## Ship the fix?\n\nThe agent changed **3 files**. Tests pass.',
    approvers: [],
    requestedAt: T0,
    dueAt: null,
    onTimeout: 'cancel',
    escalated: false,
    upstream: [],
    artifacts: [],
    formSchema: null,
    decision: null,
    canDecide: true,
    ...over,
  };
}

export { T0 };
