/**
 * `baton ask "<what you want>"`: one Messages call picks the template that fits the sentence
 * best and fills its inputs; the inputs are checked like `baton run --input` (instantiate),
 * the choice is printed, and after a confirmation (or `--yes`) the run starts and is followed
 * like `baton run`.
 */
import { createInterface } from 'node:readline';
import { InputInvalidError, StepFailedError, UsageError } from '../../core/errors';
import type { JsonValue } from '../../core/model';
import { instantiate, type LoadedTemplate } from '../../core/template';
import { DEFAULT_LLM_MODEL, callMessages, extractJson, schemaErrors } from '../../executors/llm';
import { parseCommandArgs } from '../args';
import { executeAndFollow } from '../follow';
import { EnvSecretSource, cliTemplateRegistry, openRuntime, resolveDbPath, workspaceOf } from '../runtime';
import type { CliCommand, CliIO } from './index';

const help = `Usage: baton ask "<what you want>" [--yes] [--detach] [--model <name>] [--json] [--db <path>]

Asks a model (one Anthropic Messages call) which template fits the request best and what its
inputs should be, checks the inputs against the template, prints the choice and asks before
starting the run (answer y). The run is then followed like \`baton run\`.

The API key is the secret ANTHROPIC_API_KEY ($BATON_SECRET_ANTHROPIC_API_KEY or
$ANTHROPIC_API_KEY); $BATON_ANTHROPIC_BASE_URL or $ANTHROPIC_BASE_URL change the endpoint.

Options:
  --yes, -y          start without asking
  --detach           only create the run and print its id
  --model <name>     model to ask (default $BATON_ASK_MODEL, else ${DEFAULT_LLM_MODEL})
  --json             print the choice (and with --yes the final run) as JSON
  --db <path>        database file (default .baton/baton.db)

Exit codes: 0 the run succeeded (or was started with --detach), 1 it failed or was not
confirmed, 2 usage or the model's inputs do not fit the template, 3 no template fits.`;

/** What the model must answer. */
const CHOICE_SCHEMA = {
  type: 'object',
  properties: {
    template: { type: ['string', 'null'] },
    inputs: { type: 'object' },
    reason: { type: 'string' },
  },
  required: ['template', 'inputs', 'reason'],
} as const;

export interface TemplateChoice {
  template: string | null;
  inputs: Record<string, JsonValue>;
  reason: string;
}

/** The prompt that shows the model the catalogue (ids, descriptions, input schemas). */
export function choicePrompt(request: string, templates: readonly LoadedTemplate[]): string {
  const catalogue = templates.map(({ definition: d }) => ({
    id: d.id,
    name: d.name,
    ...(d.description ? { description: d.description } : {}),
    ...(d.category ? { category: d.category } : {}),
    ...(d.tags.length > 0 ? { tags: d.tags } : {}),
    inputs: { properties: d.inputs.properties, required: d.inputs.required },
  }));
  return [
    'You choose which workflow template to run for a request, and fill in its inputs.',
    '',
    'Templates (JSON):',
    '```json',
    JSON.stringify(catalogue, null, 2),
    '```',
    '',
    'Request:',
    request,
    '',
    'Answer with only a JSON object: {"template": "<id>", "inputs": {<name>: <value>, ...}, "reason": "<one sentence>"}.',
    'Inputs must follow the template\'s input schema (types, enums; every required input). Leave out inputs with good defaults.',
    'If no template fits, answer {"template": null, "inputs": {}, "reason": "<why>"}.',
  ].join('\n');
}

/** Parses and checks the model's answer; throws StepFailedError naming what is wrong. */
export function parseChoice(text: string): TemplateChoice {
  const parsed = extractJson(text);
  if (!parsed.ok) throw new StepFailedError(`the model's answer is not JSON: ${text.slice(0, 200)}`);
  const problems = schemaErrors(CHOICE_SCHEMA as unknown as Record<string, unknown>, parsed.value);
  if (problems.length > 0) throw new StepFailedError(`the model's answer has the wrong shape: ${problems.join('; ')}`);
  return parsed.value as unknown as TemplateChoice;
}

async function confirm(io: CliIO, question: string): Promise<boolean> {
  io.stdout(question);
  const lines = createInterface({ input: io.stdin, terminal: false });
  try {
    for await (const line of lines) return /^\s*y(es)?\s*$/i.test(line);
    return false;
  } finally {
    lines.close();
  }
}

export const askCommand: CliCommand = {
  summary: 'pick a template for a sentence with a model, fill its inputs, and run it',
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      yes: { type: 'boolean', short: 'y', default: false },
      detach: { type: 'boolean', short: 'd', default: false },
      model: { type: 'string' },
    });
    if (values.help) {
      io.stdout(`${help}\n`);
      return 0;
    }
    const request = positionals.join(' ').trim();
    if (request === '') throw new UsageError('say what you want, e.g. baton ask "review my last commit"');

    const workspaceDir = workspaceOf(io, resolveDbPath(io, values.db));
    const registry = cliTemplateRegistry(io, workspaceDir);
    try {
      await registry.ready();
      const templates = registry.list({ trigger: 'manual' });
      if (templates.length === 0) {
        io.stderr('baton ask: no templates to choose from (add one to .baton/templates/)\n');
        return 3;
      }
      const reply = await callMessages(
        { secrets: new EnvSecretSource(io.env), env: io.env },
        {
          prompt: choicePrompt(request, templates),
          model: values.model ?? (io.env.BATON_ASK_MODEL || DEFAULT_LLM_MODEL),
          maxTokens: 2048,
          ...(io.signal ? { signal: io.signal } : {}),
        },
      );
      const choice = parseChoice(reply.text);
      if (choice.template === null) {
        io.stderr(`baton ask: no template fits: ${choice.reason}\n`);
        return 3;
      }
      const template = registry.find(choice.template);
      if (!template) {
        io.stderr(`baton ask: the model chose "${choice.template}", which is not a template here (${templates.map((t) => t.definition.id).join(', ')})\n`);
        return 3;
      }
      let inputs: Record<string, JsonValue>;
      try {
        inputs = instantiate(template.definition, choice.inputs);
      } catch (error) {
        if (!(error instanceof InputInvalidError)) throw error;
        io.stderr(
          `baton ask: the model chose ${template.definition.id} but its inputs do not fit:\n` +
            error.problems.map((p) => `  ${p.field}: ${p.message}`).join('\n') +
            `\nproposed inputs: ${JSON.stringify(choice.inputs)}\nstart it yourself: baton run ${template.definition.id} --input name=value …\n`,
        );
        return 2;
      }

      if (values.json && !values.yes) {
        io.stdout(`${JSON.stringify({ template: template.definition.id, inputs, reason: choice.reason }, null, 2)}\n`);
      } else if (!values.json) {
        io.stdout(`template: ${template.definition.id}  (${template.definition.name})\n`);
        io.stdout(`why:      ${choice.reason}\n`);
        const names = Object.keys(inputs);
        if (names.length > 0) {
          io.stdout('inputs:\n');
          for (const name of names) io.stdout(`  ${name} = ${JSON.stringify(inputs[name])}\n`);
        }
      }
      if (!values.yes && !(await confirm(io, 'Start this run? [y/N] '))) {
        io.stdout('not started\n');
        return 1;
      }

      const runtime = openRuntime(io, values.db, { templates: registry });
      try {
        const { engine } = runtime;
        const afterEventId = engine.maxEventId();
        const run = engine.startRun(template.definition, {
          inputs,
          trigger: { kind: 'cli', payload: { source: template.sourcePath, ask: request } },
        });
        if (values.detach) {
          io.stdout(values.json ? `${JSON.stringify(run, null, 2)}\n` : `${run.id}\n`);
          return 0;
        }
        if (!values.json) io.stdout(`run ${run.id}  ${template.definition.id}  (${template.sourcePath})\n`);
        return await executeAndFollow(runtime, run.id, io, { json: values.json, afterEventId });
      } finally {
        await runtime.close();
      }
    } finally {
      registry.dispose();
    }
  },
};
