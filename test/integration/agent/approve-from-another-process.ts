/**
 * Run as its own process by the MCP test: waits until the agent of <run>/<step> asks for approval,
 * then approves it through its own connection to the database, like a second VS Code window would.
 *
 *   node --import tsx approve-from-another-process.ts <dbPath> <runId> <stepId> <by>
 */
import { systemClock } from '../../../src/core/engine';
import { decideAgentApproval } from '../../../src/mcp/step-tools';
import { openStore } from '../../../src/store';

const [dbPath, runId, stepId, by] = process.argv.slice(2) as [string, string, string, string];
const opened = openStore(dbPath);
try {
  for (let i = 0; i < 600; i++) {
    const gate = opened.store.findGate(runId, stepId, null);
    if (gate && gate.decision === null) {
      const decided = decideAgentApproval(opened.store, systemClock, { runId, stepId, decision: 'approve', by, comment: 'go ahead' });
      process.stdout.write(`${decided.decision} ${decided.decidedBy}\n`);
      process.exit(0);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  process.stderr.write('no approval was requested within 60 s\n');
  process.exit(1);
} finally {
  opened.close();
}
