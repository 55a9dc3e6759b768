/**
 * `mcp` steps against the real reference MCP servers (@modelcontextprotocol/server-everything
 * and server-filesystem from npm) over stdio, in real engine runs on a real database.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Worker, type Engine } from '../../../src/core/engine';
import type { JsonValue } from '../../../src/core/model';
import type { McpStep, StepDefinition } from '../../../src/core/template/types';
import { McpExecutor, expandVariables } from '../../../src/executors/mcp-client';
import { createEngineHarness, template, waitUntil, type EngineHarness } from '../../support/engine-fixtures';

const require = createRequire(import.meta.url);
const EVERYTHING = join(dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist', 'index.js');
const FILESYSTEM = join(dirname(require.resolve('@modelcontextprotocol/server-filesystem/package.json')), 'dist', 'index.js');

function mcpStep(id: string, server: string, tool: string, args: Record<string, JsonValue>, extras: Partial<McpStep> = {}): McpStep {
  return { kind: 'mcp', id, server, tool, args, needs: [], env: {}, continueOnError: false, ...extras };
}

async function runToEnd(engine: Engine, runId: string): Promise<void> {
  const done = () => ['succeeded', 'failed', 'cancelled'].includes(engine.getRun(runId).run.status);
  await new Worker(engine, { pollMs: 5 }).run({ until: done });
}

/** The pids the executor reported for the servers it started. */
function serverPids(harness: EngineHarness, runId: string): number[] {
  return harness.opened.store
    .listEvents(0, { runId })
    .map((e) => JSON.stringify(e.payload))
    .flatMap((text) => [...text.matchAll(/started \(pid (\d+)\)/g)].map((m) => Number(m[1])));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('mcp steps against real MCP servers', function () {
  this.timeout(60_000);
  let harness: EngineHarness;

  beforeEach(() => {
    harness = createEngineHarness();
    mkdirSync(join(harness.dir, '.baton'), { recursive: true });
    writeFileSync(
      join(harness.dir, '.baton', 'mcp.json'),
      JSON.stringify({
        mcpServers: {
          everything: { command: '${NODE_BIN}', args: [EVERYTHING, 'stdio'] },
          files: { command: process.execPath, args: [FILESYSTEM, harness.dir] },
        },
      }),
    );
    harness.engine.registerExecutor(new McpExecutor({ workspaceDir: harness.dir, env: { ...process.env, NODE_BIN: process.execPath } }));
  });
  afterEach(() => harness.close());

  function start(steps: StepDefinition[], inputs: Record<string, JsonValue> = {}) {
    return harness.engine.startRun(template('mcp-test', steps), { inputs });
  }

  it('calls tools on stdio servers: echo and structured content from server-everything, a file read through server-filesystem', async () => {
    writeFileSync(join(harness.dir, 'notes.txt'), 'hello from a file\n');
    const run = start(
      [
        mcpStep('echo', 'everything', 'echo', { message: 'hi ${{ inputs.who }}' }),
        mcpStep('weather', 'everything', 'get-structured-content', { location: 'Chicago' }),
        mcpStep('read', 'files', 'read_text_file', { path: join(harness.dir, 'notes.txt') }),
      ],
      { who: 'Baton' },
    );
    await runToEnd(harness.engine, run.id);
    const state = harness.engine.getRun(run.id);
    const byId = Object.fromEntries(state.steps.map((s) => [s.stepId, s]));
    assert.equal(byId.echo!.status, 'succeeded', byId.echo!.error ?? '');
    assert.equal(byId.echo!.outputs?.text, 'Echo: hi Baton');
    assert.equal(byId.echo!.outputs?.result, 'Echo: hi Baton');
    assert.deepEqual(byId.echo!.outputs?.content, [{ type: 'text', text: 'Echo: hi Baton' }]);

    assert.equal(byId.weather!.status, 'succeeded', byId.weather!.error ?? '');
    assert.equal(byId.weather!.outputs?.temperature, 36);
    assert.equal(byId.weather!.outputs?.conditions, 'Light rain / drizzle');
    assert.deepEqual(byId.weather!.outputs?.result, { temperature: 36, conditions: 'Light rain / drizzle', humidity: 82 });

    assert.equal(byId.read!.status, 'succeeded', byId.read!.error ?? '');
    assert.match(String(byId.read!.outputs?.text), /hello from a file/);

    const pids = serverPids(harness, run.id);
    assert.equal(pids.length, 3, 'one server process per step');
    await waitUntil('the MCP servers to exit', () => pids.every((pid) => !alive(pid)), 10_000);
  });

  it('reports a tool error with the server message, without retrying bad arguments', async () => {
    const retry = { max: 3, backoff: 'fixed' as const, delayMs: 10, maxDelayMs: 10 };
    const run = start([
      mcpStep('missing', 'files', 'read_text_file', { path: join(harness.dir, 'nope.txt') }, { retry }),
      mcpStep('badargs', 'everything', 'get-sum', { a: 'one' }, { retry }),
      mcpStep('unknown', 'nosuch', 'echo', {}),
    ]);
    await runToEnd(harness.engine, run.id);
    const state = harness.engine.getRun(run.id);
    assert.equal(state.run.status, 'failed');
    const byId = Object.fromEntries(state.steps.map((s) => [s.stepId, s]));
    assert.equal(byId.missing!.status, 'failed');
    assert.match(byId.missing!.error ?? '', /MCP tool files\/read_text_file failed: .*(ENOENT|no such file)/i);
    assert.equal(harness.opened.store.listAttempts(byId.missing!.id).length, 1);
    assert.equal(byId.badargs!.status, 'failed');
    assert.match(byId.badargs!.error ?? '', /get-sum.*(invalid|expected number)/i);
    assert.equal(harness.opened.store.listAttempts(byId.badargs!.id).length, 1);
    assert.match(byId.unknown!.error ?? '', /no MCP server "nosuch" \(known: everything, files\)/);
  });

  it('kills the server when the step is cancelled mid-call', async () => {
    const run = start([mcpStep('long', 'everything', 'trigger-long-running-operation', { duration: 30, steps: 30 })]);
    const worker = new Worker(harness.engine, { pollMs: 5 });
    const done = worker.run({ until: () => ['succeeded', 'failed', 'cancelled'].includes(harness.engine.getRun(run.id).run.status) });
    await waitUntil('the server to start', () => serverPids(harness, run.id).length === 1, 20_000);
    const [pid] = serverPids(harness, run.id);
    harness.engine.cancelRun(run.id, { by: 'test' });
    await done;
    assert.equal(harness.engine.getRun(run.id).run.status, 'cancelled');
    await waitUntil('the server to be killed', () => !alive(pid!), 5_000);
  });

  it('times out a slow tool, kills the server, and fails retryably', async () => {
    const run = start([mcpStep('slow', 'everything', 'trigger-long-running-operation', { duration: 30, steps: 30 }, { timeoutMs: 1500 })]);
    await runToEnd(harness.engine, run.id);
    const step = harness.engine.getRun(run.id).steps[0]!;
    assert.equal(step.status, 'failed');
    assert.match(step.error ?? '', /timed out/);
    const [pid] = serverPids(harness, run.id);
    assert.ok(pid);
    await waitUntil('the server to be killed', () => !alive(pid), 5_000);
  });
});

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('mcp steps over Streamable HTTP', function () {
  this.timeout(60_000);
  let harness: EngineHarness;
  let server: ChildProcess | undefined;

  afterEach(() => {
    server?.kill('SIGKILL');
    harness?.close();
  });

  it('calls a tool on server-everything over Streamable HTTP, with ${VAR} in the URL expanded', async () => {
    const port = await freePort();
    server = spawn(process.execPath, [EVERYTHING, 'streamableHttp'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    server.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    server.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    await waitUntil('the HTTP server to listen', () => /listening on port/i.test(log), 20_000);

    harness = createEngineHarness();
    mkdirSync(join(harness.dir, '.baton'), { recursive: true });
    writeFileSync(
      join(harness.dir, '.baton', 'mcp.json'),
      JSON.stringify({ mcpServers: { web: { type: 'http', url: 'http://127.0.0.1:${MCP_PORT}/mcp', headers: { 'X-Test': 'baton' } } } }),
    );
    harness.engine.registerExecutor(new McpExecutor({ workspaceDir: harness.dir, env: { MCP_PORT: String(port) } }));
    const run = harness.engine.startRun(template('http', [mcpStep('sum', 'web', 'get-sum', { a: 2, b: 40 })]));
    await runToEnd(harness.engine, run.id);
    const step = harness.engine.getRun(run.id).steps[0]!;
    assert.equal(step.status, 'succeeded', step.error ?? '');
    assert.match(String(step.outputs?.text), /42/);
  });

  it('a server that is not listening is a retryable failure naming the server', async () => {
    const port = await freePort();
    harness = createEngineHarness();
    mkdirSync(join(harness.dir, '.baton'), { recursive: true });
    writeFileSync(join(harness.dir, '.baton', 'mcp.json'), JSON.stringify({ mcpServers: { web: { type: 'http', url: `http://127.0.0.1:${port}/mcp` } } }));
    harness.engine.registerExecutor(new McpExecutor({ workspaceDir: harness.dir }));
    const run = harness.engine.startRun(
      template('down', [mcpStep('sum', 'web', 'get-sum', { a: 1, b: 2 }, { retry: { max: 2, backoff: 'fixed', delayMs: 10, maxDelayMs: 10 } })]),
    );
    await runToEnd(harness.engine, run.id);
    const step = harness.engine.getRun(run.id).steps[0]!;
    assert.equal(step.status, 'failed');
    assert.match(step.error ?? '', /cannot reach MCP server "web" at http:\/\/127\.0\.0\.1:\d+\/mcp/);
    assert.equal(harness.opened.store.listAttempts(step.id).length, 2, 'retried');
  });
});

describe('expandVariables', () => {
  it('expands ${VAR} and ${VAR:-default} like Claude Code', () => {
    assert.equal(expandVariables('a ${X} ${Y:-dflt} ${Z}', { X: '1' }), 'a 1 dflt ');
  });
});
