/**
 * The gallery's side: template summaries and details, the readiness check (can this template
 * run here, and what fixes it), suggestions from the workspace's files, and "Duplicate to
 * workspace".
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname, isAbsolute, join, relative } from 'node:path';
import type { InvalidTemplate, RegistryNotice } from '../core/template';
import type { AgentKind, LoadedTemplate, StepKind, TemplateDefinition } from '../core/template/types';
import { agentAdapter } from '../executors/agent/adapters';
import { ANTHROPIC_KEY_SECRET } from '../executors/llm';
import { MCP_CONFIG_FILES, readMcpConfig } from '../executors/mcp-client';
import type {
  BrokenTemplate,
  DuplicateTemplateReply,
  ReadinessProblem,
  SuggestedTemplate,
  TemplateDetail,
  TemplateStepView,
  TemplateSummary,
  TemplateTriggerView,
} from '../shared/protocol';

/** What the readiness check asks the host about (trust, secrets, installed CLIs). */
export interface ReadinessEnvironment {
  trusted(): boolean;
  hasSecret(name: string): Promise<boolean>;
  /** Absolute path of the agent CLI, or undefined when it is not installed. */
  findAgentCli(kind: AgentKind): string | undefined;
  /** The adapter's path variable (BATON_CLAUDE_PATH, ...) when it is set: then it, not PATH, names the CLI. */
  agentCliOverride(kind: AgentKind): string | undefined;
}

/**
 * Why the agent CLI cannot be found, for the user. A path variable that is set wins over PATH,
 * so when it points nowhere, that (not "install it") is what needs fixing.
 */
export function missingAgentCliMessage(kind: AgentKind, override: string | undefined): string {
  const adapter = agentAdapter(kind);
  return override
    ? `${adapter.pathEnvVar} is set to ${override}, which is not an executable file: point it at the ${kind} CLI, or unset it to use ${adapter.executable} from PATH (${adapter.installHint}).`
    : `The ${kind} CLI (${adapter.executable}) is not on PATH: ${adapter.installHint}, or set ${adapter.pathEnvVar} to its path.`;
}

function triggerViews(definition: TemplateDefinition): TemplateTriggerView[] {
  const views: TemplateTriggerView[] = [];
  if (definition.on.manual) views.push({ kind: 'manual', label: 'run by hand' });
  for (const s of definition.on.schedule) views.push({ kind: 'schedule', label: `cron ${s.cron}${s.timezone ? ` (${s.timezone})` : ''}` });
  for (const f of definition.on.file) views.push({ kind: 'file', label: `on ${f.events.join('/')} of ${f.paths.join(', ')}` });
  if (definition.on.webhook) views.push({ kind: 'webhook', label: `webhook /hooks/${definition.id}` });
  for (const e of definition.on.event) views.push({ kind: 'event', label: `on ${e.type}${e.if ? ` if ${e.if}` : ''}` });
  return views;
}

export function templateSummary(template: LoadedTemplate): TemplateSummary {
  const { definition } = template;
  const kinds: StepKind[] = [];
  for (const step of definition.steps) if (!kinds.includes(step.kind)) kinds.push(step.kind);
  return {
    id: definition.id,
    name: definition.name,
    description: definition.description ?? null,
    category: definition.category ?? null,
    tags: definition.tags,
    source: template.source,
    stepKinds: kinds,
    triggers: triggerViews(definition),
    phases: definition.phases,
    stepCount: definition.steps.length,
  };
}

function stepViews(definition: TemplateDefinition): TemplateStepView[] {
  return definition.steps.map((s) => ({
    id: s.id,
    name: s.name ?? null,
    kind: s.kind,
    phase: s.phase ?? null,
    needs: s.needs,
    foreach: s.foreach ?? null,
    agent: s.kind === 'agent' ? s.agent : null,
  }));
}

/** Names after `secrets.` anywhere in the template (steps, env), plus the key llm steps need. */
export function secretsUsed(definition: TemplateDefinition): string[] {
  const names = new Set<string>();
  for (const match of JSON.stringify([definition.steps, definition.env]).matchAll(/\bsecrets\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(match[1]!);
  if (definition.steps.some((s) => s.kind === 'llm')) names.add(ANTHROPIC_KEY_SECRET);
  return [...names].sort();
}

/**
 * The MCP config file the executor reads (the first that exists) with its server names, or why
 * it cannot be read; when there is none, the file to create.
 */
function mcpServerNames(workspaceDir: string): { path: string; names: Set<string>; error?: string } {
  for (const file of MCP_CONFIG_FILES) {
    const path = join(workspaceDir, file);
    if (!existsSync(path)) continue;
    try {
      return { path, names: new Set(Object.keys(readMcpConfig(path, process.env))) };
    } catch (error) {
      return { path, names: new Set(), error: error instanceof Error ? error.message : String(error) };
    }
  }
  return { path: join(workspaceDir, MCP_CONFIG_FILES[0]), names: new Set() };
}

/** Why the template cannot run here now, each with the button that fixes it. Empty: ready. */
export async function readinessOf(definition: TemplateDefinition, workspaceDir: string, env: ReadinessEnvironment): Promise<ReadinessProblem[]> {
  const problems: ReadinessProblem[] = [];
  if (!env.trusted()) {
    problems.push({
      code: 'untrusted-workspace',
      message: 'This workspace is not trusted: Baton runs no scripts or agents here until you trust it.',
      fix: { action: 'manage-trust', label: 'Manage Workspace Trust', arg: null },
    });
  }
  const agents = [...new Set(definition.steps.flatMap((s) => (s.kind === 'agent' ? [s.agent] : [])))];
  for (const kind of agents) {
    if (env.findAgentCli(kind)) continue;
    problems.push({
      code: 'missing-agent-cli',
      message: missingAgentCliMessage(kind, env.agentCliOverride(kind)),
      fix: { action: 'install-agent-cli', label: `Install ${kind}`, arg: kind },
    });
  }
  for (const name of secretsUsed(definition)) {
    if (await env.hasSecret(name)) continue;
    problems.push({
      code: 'missing-secret',
      message: `The secret ${name} is not set.`,
      fix: { action: 'set-secret', label: `Set ${name}`, arg: name },
    });
  }
  const servers = definition.steps.flatMap((s) => (s.kind === 'mcp' ? [s.server] : []));
  if (servers.length > 0) {
    const config = mcpServerNames(workspaceDir);
    const file = relative(workspaceDir, config.path);
    const fix = { action: 'open-settings' as const, label: `Open ${file}`, arg: config.path };
    // A file the executor cannot read fails every mcp step: say why, not "no server" for each.
    if (config.error) problems.push({ code: 'missing-mcp-server', message: `The MCP servers cannot be read: ${config.error}`, fix });
    else {
      for (const server of new Set(servers)) {
        if (!config.names.has(server)) problems.push({ code: 'missing-mcp-server', message: `No MCP server "${server}" in ${file}.`, fix });
      }
    }
  }
  return problems;
}

/**
 * What keeps a template that loaded from running as written: a `workflow:` step naming no known
 * template, templates that start each other in a cycle. Fixed in the template's file.
 */
export function templateProblems(templateId: string, notices: readonly RegistryNotice[]): ReadinessProblem[] {
  return notices
    .filter((n) => n.templateId === templateId && (n.code === 'unknown-workflow' || n.code === 'workflow-cycle'))
    .map((n) => ({ code: 'invalid-template', message: `${capitalize(n.message)}.`, fix: { action: 'open-source', label: 'Open template', arg: null } }));
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export async function templateDetail(template: LoadedTemplate, workspaceDir: string, env: ReadinessEnvironment, notices: readonly RegistryNotice[]): Promise<TemplateDetail> {
  const { definition } = template;
  return {
    ...templateSummary(template),
    readmeMarkdown: definition.description ?? null,
    sourcePath: template.sourcePath,
    steps: stepViews(definition),
    inputsSchema: { type: 'object', properties: definition.inputs.properties, required: definition.inputs.required },
    readiness: [...templateProblems(definition.id, notices), ...(await readinessOf(definition, workspaceDir, env))],
  };
}

/** A template file that does not load, with its problems (errors first, then in file order). */
export function brokenTemplateView(invalid: InvalidTemplate, workspaceDir: string): BrokenTemplate {
  const inside = relative(workspaceDir, invalid.sourcePath);
  const problems = [...invalid.problems].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1) || a.line - b.line || a.column - b.column);
  return {
    sourcePath: invalid.sourcePath,
    displayPath: inside.startsWith('..') || isAbsolute(inside) ? invalid.sourcePath : inside,
    source: invalid.source,
    problems: problems.map((p) => ({ line: p.line, column: p.column, field: p.path, code: p.code, message: p.message })),
  };
}

/** Marker files of ecosystems -> tags of templates that fit them. */
const SUGGESTIONS: Array<{ file: string; tags: string[] }> = [
  { file: 'package.json', tags: ['node', 'npm', 'javascript', 'typescript'] },
  { file: 'Cargo.toml', tags: ['rust', 'cargo'] },
  { file: 'pyproject.toml', tags: ['python'] },
  { file: 'requirements.txt', tags: ['python'] },
  { file: 'go.mod', tags: ['go'] },
];

/** Templates whose tags match what the workspace contains (e.g. `package.json found`). */
export function suggestTemplates(templates: readonly LoadedTemplate[], workspaceDir: string): SuggestedTemplate[] {
  const suggested: SuggestedTemplate[] = [];
  for (const { file, tags } of SUGGESTIONS) {
    if (!existsSync(join(workspaceDir, file))) continue;
    for (const t of templates) {
      if (suggested.some((s) => s.templateId === t.definition.id)) continue;
      if (t.definition.tags.some((tag) => tags.includes(tag.toLowerCase()))) suggested.push({ templateId: t.definition.id, reason: `${file} found` });
    }
  }
  return suggested;
}

/**
 * Copies a template into the workspace's templates folder under a new id (`<id>-copy`,
 * `<id>-copy-2`, ...), so a built-in template can be edited without touching the original.
 */
export function duplicateTemplate(template: LoadedTemplate, templatesDir: string, takenIds: ReadonlySet<string>): DuplicateTemplateReply {
  const ext = extname(template.sourcePath) || '.yml';
  const id = template.definition.id;
  let newId = `${id}-copy`;
  for (let n = 2; takenIds.has(newId) || existsSync(join(templatesDir, `${newId}${ext}`)); n++) newId = `${id}-copy-${n}`;
  let text: string;
  try {
    text = readFileSync(template.sourcePath, 'utf8');
  } catch (error) {
    return { ok: false, message: `cannot read ${template.sourcePath}: ${(error as Error).message}` };
  }
  // The id is a top-level `id:` (YAML) or an `id:` property (TypeScript); the first one is the template's.
  const idPattern = /^(\s*id\s*:\s*)(['"]?)([\w.-]+)\2/m;
  if (!idPattern.test(text)) return { ok: false, message: `no \`id:\` found in ${basename(template.sourcePath)} to rename` };
  const renamed = text.replace(idPattern, (_m, prefix: string, quote: string) => `${prefix}${quote}${newId}${quote}`);
  mkdirSync(templatesDir, { recursive: true });
  const sourcePath = join(templatesDir, `${newId}${ext}`);
  writeFileSync(sourcePath, renamed, { flag: 'wx' });
  return { ok: true, templateId: newId, sourcePath };
}
