/** `baton approve|reject <run> <gate>`: decides a waiting gate, from any process. */
import { parseCommandArgs, parseKeyValues } from '../args';
import { coerceInputString } from '../../core/template';
import type { JsonValue } from '../../core/model';
import { currentUser } from '../runtime';
import { expectPositionals, openRuntimeForRun } from './control';
import type { CliCommand } from './index';

function helpFor(verb: 'approve' | 'reject'): string {
  return `Usage: baton ${verb} <run> <gate> [--comment <text>] [--input k=v]… [--item <key>] [--by <name>] [--json] [--db <path>]

${verb === 'approve' ? 'Approves' : 'Rejects'} a gate step that is waiting for a decision. Exactly one decision is ever
stored: deciding a gate that was already decided fails (exit code 4) and changes nothing.
${verb === 'approve' ? 'The run goes on with the steps after the gate.' : 'The gate step fails; steps that need it do not run.'}

Options:
  --comment <text>  recorded with the decision (and as a comment on the run)
  --input k=v       a field of the gate's form (repeatable); typed by the form's schema
  --item <key>      for a gate inside a foreach: the item
  --by <name>       who decides (default $BATON_USER, else the OS user); checked against approvers
  --json            print the gate record as JSON
  --db <path>       database file (default .baton/baton.db)`;
}

function gateCommand(verb: 'approve' | 'reject'): CliCommand {
  const help = helpFor(verb);
  return {
    summary: verb === 'approve' ? 'approve a waiting gate' : 'reject a waiting gate',
    help,
    async run(args, io) {
      const { values, positionals } = parseCommandArgs(args, {
        comment: { type: 'string' },
        input: { type: 'string', multiple: true },
        item: { type: 'string' },
        by: { type: 'string' },
      });
      if (values.help) {
        io.stdout(`${help}\n`);
        return 0;
      }
      const [runArg, gateId] = expectPositionals(positionals, ['<run>', '<gate>']) as [string, string];
      const raw = parseKeyValues(values.input, 'input');
      const { runtime, runId } = await openRuntimeForRun(io, values.db, runArg);
      try {
        const { engine } = runtime;
        const step = engine.getRunDefinition(runId).steps.find((s) => s.id === gateId);
        const form = step?.kind === 'gate' ? step.inputs : undefined;
        // Typed by the form's schema here; the engine validates the values against it.
        const inputs: Record<string, JsonValue> = {};
        for (const [name, text] of Object.entries(raw)) inputs[name] = coerceInputString(text, form?.properties[name]);
        const gate = engine.decideGate(runId, gateId, {
          decision: verb,
          by: values.by ?? currentUser(io),
          ...(values.comment === undefined ? {} : { comment: values.comment }),
          ...(Object.keys(inputs).length > 0 ? { inputs } : {}),
          ...(values.item === undefined ? {} : { itemKey: values.item }),
        });
        if (values.json) {
          io.stdout(`${JSON.stringify(gate, null, 2)}\n`);
        } else {
          const run = engine.getRun(runId).run;
          io.stdout(`gate ${gateId} in run ${runId} ${gate.decision} by ${gate.decidedBy ?? '?'}; run is ${run.status}\n`);
        }
        return 0;
      } finally {
        await runtime.close();
      }
    },
  };
}

export const approveCommand = gateCommand('approve');
export const rejectCommand = gateCommand('reject');
