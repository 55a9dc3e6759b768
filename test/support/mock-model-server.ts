/**
 * A scripted model server on 127.0.0.1 for testing the real agent CLIs and the Anthropic SDK
 * offline. It speaks three wire formats, with server-sent events where the clients stream:
 *
 * - Anthropic Messages: `POST /v1/messages` (streaming and non-streaming) — Claude Code, @anthropic-ai/sdk
 * - OpenAI Responses:   `POST /v1/responses` (streaming) — Codex
 * - Gemini:             `POST /v1beta/models/<model>:streamGenerateContent?alt=sse` and `:generateContent`
 *
 * Each test enqueues the replies the "model" gives, in order (text, a tool call, an HTTP error,
 * or a function of the request). Every request is recorded with its parsed body so tests can
 * assert what a CLI actually sent (its prompt, its tools, the tool results it fed back).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ModelApi = 'anthropic' | 'openai' | 'gemini';

export interface MockUsage {
  inputTokens: number;
  outputTokens: number;
}

/** One scripted answer of the model. */
export type MockReply =
  | { type: 'text'; text: string; usage?: MockUsage }
  | {
      type: 'tool_call';
      /** Tool name as the client offered it (e.g. `Bash`, `shell`, `run_shell_command`, `mcp__baton__set_output`). */
      name: string;
      input: Record<string, unknown>;
      id?: string;
      /** OpenAI Responses only: the tool's namespace (Codex puts MCP tools in `mcp__<server>`). */
      namespace?: string;
      /** Text said before the call. */
      text?: string;
      usage?: MockUsage;
    }
  | { type: 'http_error'; status: number; message: string; errorType?: string }
  /** OpenAI Responses only: output items sent as they are (e.g. a Codex `tool_search_call`). */
  | { type: 'openai_items'; items: Array<Record<string, unknown>>; usage?: MockUsage }
  | ((request: RecordedModelRequest) => MockReply);

export interface RecordedModelRequest {
  api: ModelApi | 'other';
  method: string;
  /** Path with query. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body (undefined when empty or not JSON). */
  body: unknown;
  /** True for the requests answered from the reply queue (model turns). */
  modelTurn: boolean;
  /** What the mock answered (after resolving reply functions); undefined for non-model requests. */
  reply?: Exclude<MockReply, (request: RecordedModelRequest) => MockReply>;
}

export interface MockModelServerOptions {
  /**
   * Decides which model requests consume the reply queue. Clients make auxiliary calls
   * (titles, token counts, quota probes); those get `auxiliaryReply` instead. Default: all.
   */
  isModelTurn?(request: RecordedModelRequest): boolean;
  /** Answer for auxiliary requests and for model turns once the queue is empty. */
  fallbackReply?: MockReply;
}

const DEFAULT_USAGE: MockUsage = { inputTokens: 120, outputTokens: 30 };

/** A running mock; call `close()` when done. */
export class MockModelServer {
  readonly requests: RecordedModelRequest[] = [];
  private readonly queue: MockReply[] = [];
  private sequence = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly options: MockModelServerOptions,
  ) {}

  /** Starts a mock on 127.0.0.1 with an OS-chosen port. */
  static async start(options: MockModelServerOptions = {}): Promise<MockModelServer> {
    const holder: { mock?: MockModelServer } = {};
    const server = createServer((req, res) => {
      void holder.mock!.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `mock failure: ${String(error)}` } }));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    holder.mock = new MockModelServer(server, (server.address() as AddressInfo).port, options);
    return holder.mock;
  }

  /** `http://127.0.0.1:<port>` */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Appends replies to the queue; each model turn takes the next one. */
  enqueue(...replies: MockReply[]): void {
    this.queue.push(...replies);
  }

  /** Replies not used yet. */
  get pending(): number {
    return this.queue.length;
  }

  /** Requests that were model turns (answered from the queue), in order. */
  get modelTurns(): RecordedModelRequest[] {
    return this.requests.filter((r) => r.modelTurn);
  }

  /** Forgets recorded requests and queued replies (between steps of one test). */
  reset(): void {
    this.requests.length = 0;
    this.queue.length = 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private nextId(prefix: string): string {
    this.sequence += 1;
    return `${prefix}_mock${String(this.sequence).padStart(4, '0')}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = raw.length > 0 ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const url = req.url ?? '/';
    const path = url.split('?')[0]!;
    const api = apiOf(req.method ?? 'GET', path);
    const record: RecordedModelRequest = { api, method: req.method ?? 'GET', url, headers: req.headers, body, modelTurn: false };
    this.requests.push(record);

    if (api === 'other') {
      if (req.method === 'POST' && /:countTokens$/.test(path)) {
        sendJson(res, 200, { totalTokens: DEFAULT_USAGE.inputTokens });
        return;
      }
      sendJson(res, 404, { error: { message: `mock model server: no route for ${req.method} ${path}` } });
      return;
    }

    const isTurn = this.options.isModelTurn ? this.options.isModelTurn(record) : true;
    let reply: MockReply | undefined = isTurn ? this.queue.shift() : undefined;
    record.modelTurn = isTurn && reply !== undefined;
    reply ??= this.options.fallbackReply ?? { type: 'text', text: 'mock model server: no scripted reply left' };
    while (typeof reply === 'function') reply = reply(record);
    record.reply = reply;

    if (reply.type === 'http_error') {
      sendError(res, api, reply);
      return;
    }
    const streaming = api === 'gemini' ? path.endsWith(':streamGenerateContent') : (body as { stream?: boolean } | undefined)?.stream === true;
    const model = modelOf(api, path, body);
    if (reply.type === 'openai_items') {
      if (api !== 'openai') throw new Error(`an openai_items reply cannot answer a ${api} request`);
      this.streamOpenAi(res, reply, model, streaming);
      return;
    }
    switch (api) {
      case 'anthropic':
        if (streaming) this.streamAnthropic(res, reply, model);
        else sendJson(res, 200, this.anthropicMessage(reply, model));
        return;
      case 'openai':
        this.streamOpenAi(res, reply, model, streaming);
        return;
      case 'gemini':
        if (streaming) this.streamGemini(res, reply, model);
        else sendJson(res, 200, geminiChunk(reply, model, true));
        return;
    }
  }

  private anthropicBlocks(reply: TextOrTool): Array<Record<string, unknown>> {
    const blocks: Array<Record<string, unknown>> = [];
    if (reply.type === 'text') blocks.push({ type: 'text', text: reply.text });
    else {
      if (reply.text) blocks.push({ type: 'text', text: reply.text });
      blocks.push({ type: 'tool_use', id: reply.id ?? this.nextId('toolu'), name: reply.name, input: reply.input });
    }
    return blocks;
  }

  private anthropicMessage(reply: TextOrTool, model: string): Record<string, unknown> {
    const usage = reply.usage ?? DEFAULT_USAGE;
    return {
      id: this.nextId('msg'),
      type: 'message',
      role: 'assistant',
      model,
      content: this.anthropicBlocks(reply),
      stop_reason: reply.type === 'tool_call' ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage: anthropicUsage(usage),
    };
  }

  private streamAnthropic(res: ServerResponse, reply: TextOrTool, model: string): void {
    const usage = reply.usage ?? DEFAULT_USAGE;
    const message = this.anthropicMessage(reply, model);
    startSse(res);
    sse(res, 'message_start', {
      type: 'message_start',
      message: { ...message, content: [], stop_reason: null, usage: { ...anthropicUsage(usage), output_tokens: 1 } },
    });
    (message.content as Array<Record<string, unknown>>).forEach((block, index) => {
      if (block.type === 'text') {
        sse(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
        sse(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } });
      } else {
        sse(res, 'content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
        });
        sse(res, 'content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
        });
      }
      sse(res, 'content_block_stop', { type: 'content_block_stop', index });
    });
    sse(res, 'message_delta', {
      type: 'message_delta',
      delta: { stop_reason: message.stop_reason, stop_sequence: null },
      usage: { output_tokens: usage.outputTokens },
    });
    sse(res, 'message_stop', { type: 'message_stop' });
    res.end();
  }

  private streamOpenAi(res: ServerResponse, reply: Answer, model: string, streaming: boolean): void {
    const usage = reply.usage ?? DEFAULT_USAGE;
    const responseId = this.nextId('resp');
    const items: Array<Record<string, unknown>> = reply.type === 'openai_items' ? [...reply.items] : [];
    const textOf = reply.type === 'openai_items' ? undefined : reply.text;
    if (textOf) {
      items.push({
        type: 'message',
        id: this.nextId('msg'),
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: textOf, annotations: [] }],
      });
    }
    if (reply.type === 'tool_call') {
      items.push({
        type: 'function_call',
        id: this.nextId('fc'),
        call_id: reply.id ?? this.nextId('call'),
        name: reply.name,
        ...(reply.namespace ? { namespace: reply.namespace } : {}),
        arguments: JSON.stringify(reply.input),
        status: 'completed',
      });
    }
    const base = { id: responseId, object: 'response', created_at: Math.floor(Date.now() / 1000), model };
    const completed = {
      ...base,
      status: 'completed',
      output: items,
      usage: {
        input_tokens: usage.inputTokens,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: usage.outputTokens,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: usage.inputTokens + usage.outputTokens,
      },
    };
    if (!streaming) {
      sendJson(res, 200, completed);
      return;
    }
    startSse(res);
    let seq = 0;
    const emit = (type: string, data: Record<string, unknown>) => sse(res, type, { type, sequence_number: seq++, ...data });
    emit('response.created', { response: { ...base, status: 'in_progress', output: [] } });
    emit('response.in_progress', { response: { ...base, status: 'in_progress', output: [] } });
    items.forEach((item, outputIndex) => {
      if (item.type === 'message') {
        emit('response.output_item.added', { output_index: outputIndex, item: { ...item, status: 'in_progress', content: [] } });
        emit('response.content_part.added', {
          item_id: item.id,
          output_index: outputIndex,
          content_index: 0,
          part: { type: 'output_text', text: '', annotations: [] },
        });
        emit('response.output_text.delta', { item_id: item.id, output_index: outputIndex, content_index: 0, delta: textOf });
        emit('response.output_text.done', { item_id: item.id, output_index: outputIndex, content_index: 0, text: textOf });
        emit('response.content_part.done', {
          item_id: item.id,
          output_index: outputIndex,
          content_index: 0,
          part: { type: 'output_text', text: textOf, annotations: [] },
        });
      } else if (item.type === 'function_call') {
        emit('response.output_item.added', { output_index: outputIndex, item: { ...item, arguments: '', status: 'in_progress' } });
        emit('response.function_call_arguments.delta', { item_id: item.id, output_index: outputIndex, delta: item.arguments });
        emit('response.function_call_arguments.done', { item_id: item.id, output_index: outputIndex, arguments: item.arguments });
      } else {
        emit('response.output_item.added', { output_index: outputIndex, item });
      }
      emit('response.output_item.done', { output_index: outputIndex, item });
    });
    emit('response.completed', { response: completed });
    res.end();
  }

  private streamGemini(res: ServerResponse, reply: TextOrTool, model: string): void {
    startSse(res);
    res.write(`data: ${JSON.stringify(geminiChunk(reply, model, true))}\r\n\r\n`);
    res.end();
  }
}

type TextOrTool = Extract<MockReply, { type: 'text' | 'tool_call' }>;
type Answer = Extract<MockReply, { type: 'text' | 'tool_call' | 'openai_items' }>;

function apiOf(method: string, path: string): ModelApi | 'other' {
  if (method !== 'POST') return 'other';
  if (/^\/(v1\/)?messages$/.test(path)) return 'anthropic';
  if (/^\/(v1\/)?responses$/.test(path)) return 'openai';
  if (/:(streamGenerateContent|generateContent)$/.test(path)) return 'gemini';
  return 'other';
}

function modelOf(api: ModelApi, path: string, body: unknown): string {
  if (api === 'gemini') return /models\/([^:]+):/.exec(path)?.[1] ?? 'gemini-2.5-flash';
  const model = (body as { model?: unknown } | undefined)?.model;
  return typeof model === 'string' ? model : 'mock-model';
}

function anthropicUsage(usage: MockUsage): Record<string, number> {
  return {
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
}

function geminiChunk(reply: TextOrTool, model: string, final: boolean): Record<string, unknown> {
  const usage = reply.usage ?? DEFAULT_USAGE;
  const parts: Array<Record<string, unknown>> = [];
  if (reply.type === 'text') parts.push({ text: reply.text });
  else {
    if (reply.text) parts.push({ text: reply.text });
    parts.push({ functionCall: { ...(reply.id ? { id: reply.id } : {}), name: reply.name, args: reply.input } });
  }
  return {
    candidates: [{ content: { role: 'model', parts }, ...(final ? { finishReason: 'STOP' } : {}), index: 0 }],
    usageMetadata: {
      promptTokenCount: usage.inputTokens,
      candidatesTokenCount: usage.outputTokens,
      totalTokenCount: usage.inputTokens + usage.outputTokens,
    },
    modelVersion: model,
  };
}

function sendError(res: ServerResponse, api: ModelApi, reply: Extract<MockReply, { type: 'http_error' }>): void {
  switch (api) {
    case 'anthropic':
      sendJson(res, reply.status, { type: 'error', error: { type: reply.errorType ?? 'api_error', message: reply.message } });
      return;
    case 'openai':
      sendJson(res, reply.status, { error: { type: reply.errorType ?? 'invalid_request_error', code: reply.errorType ?? null, message: reply.message } });
      return;
    case 'gemini':
      sendJson(res, reply.status, {
        error: { code: reply.status, message: reply.message, status: reply.errorType ?? 'INVALID_ARGUMENT' },
      });
      return;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function startSse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
}

function sse(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** Every text a client sent as the user in one recorded model request (prompt + tool results), joined. */
export function userTextOf(request: RecordedModelRequest): string {
  const texts: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value === 'string') texts.push(value);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      for (const key of ['text', 'content', 'output', 'input', 'parts', 'response', 'functionResponse', 'error']) {
        if (key in record) collect(record[key]);
      }
    }
  };
  const body = request.body as Record<string, unknown> | undefined;
  if (!body) return '';
  if (request.api === 'anthropic') {
    for (const message of (body.messages as Array<Record<string, unknown>> | undefined) ?? []) {
      if (message.role === 'user') collect(message.content);
    }
  } else if (request.api === 'openai') {
    for (const item of (body.input as Array<Record<string, unknown>> | undefined) ?? []) {
      if (item.role === 'user' || item.type === 'function_call_output') collect(item.type === 'function_call_output' ? item.output : item.content);
    }
  } else if (request.api === 'gemini') {
    for (const content of (body.contents as Array<Record<string, unknown>> | undefined) ?? []) {
      if (content.role === 'user') collect(content.parts);
    }
  }
  return texts.join('\n');
}

/**
 * The texts of the user turns of one recorded request, each as the client sent it on its own (a
 * text block, a Responses input part, a Gemini part): Baton's prompt is one of them, exactly.
 */
export function userTextBlocks(request: RecordedModelRequest): string[] {
  const body = request.body as {
    messages?: Array<{ role: string; content: unknown }>;
    input?: Array<{ role?: string; content?: unknown }>;
    contents?: Array<{ role: string; parts?: unknown }>;
  };
  const texts = (content: unknown): string[] =>
    typeof content === 'string'
      ? [content]
      : Array.isArray(content)
        ? content.flatMap((part: { text?: unknown }) => (typeof part?.text === 'string' ? [part.text] : []))
        : [];
  return [
    ...(body?.messages ?? []).filter((m) => m.role === 'user').flatMap((m) => texts(m.content)),
    ...(body?.input ?? []).filter((i) => i.role === 'user').flatMap((i) => texts(i.content)),
    ...(body?.contents ?? []).filter((c) => c.role === 'user').flatMap((c) => texts(c.parts)),
  ];
}
