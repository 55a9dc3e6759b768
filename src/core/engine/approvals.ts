/**
 * Deciding an approval a running step asked for itself (an agent's `request_approval`), as
 * opposed to a `gate` step. The step keeps running — the agent process polls the gate row and
 * reads the decision — so deciding it only records the decision; it never finishes the step.
 */
import { GateAlreadyDecidedError, GateNotAllowedError, GateNotFoundError } from '../errors';
import { EventType, GateDecision, type GateRecord } from '../model';
import type { Clock, Store } from '../ports';

export interface ApprovalDecisionInput {
  runId: string;
  stepId: string;
  itemKey?: string | null;
  decision: 'approve' | 'reject';
  by: string;
  comment?: string;
}

/**
 * Records the one decision of an open step-requested approval: updates the gate row and appends
 * gate.decided. Must run inside a store transaction; a second decision throws GateAlreadyDecidedError.
 */
export function recordStepApprovalDecision(store: Store, clock: Clock, input: ApprovalDecisionInput): GateRecord {
  const itemKey = input.itemKey ?? null;
  const gate = store.findGate(input.runId, input.stepId, itemKey);
  if (!gate) throw new GateNotFoundError(input.runId, input.stepId);
  if (gate.decision !== null) throw new GateAlreadyDecidedError(input.runId, input.stepId, gate.decision, gate.decidedBy);
  if (gate.approvers.length > 0 && !gate.approvers.includes(input.by)) {
    throw new GateNotAllowedError(input.stepId, input.by, gate.approvers);
  }
  const decision = input.decision === 'approve' ? GateDecision.Approved : GateDecision.Rejected;
  const now = clock.now();
  const changed = store.updateOpenGate(gate.id, { decision, decidedBy: input.by, decidedAt: now, comment: input.comment ?? null });
  if (!changed) throw new GateAlreadyDecidedError(input.runId, input.stepId, 'decided', null);
  store.appendEvent({
    runId: input.runId,
    stepId: input.stepId,
    itemKey,
    type: EventType.GateDecided,
    payload: { decision, by: input.by, comment: input.comment ?? null, source: 'agent' },
    at: now,
  });
  return store.findGate(input.runId, input.stepId, itemKey) as GateRecord;
}
