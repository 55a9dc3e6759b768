/**
 * Webhook trigger: `POST /hooks/<template-id>` on 127.0.0.1 only. Checks, in this order:
 * Host header is a loopback name (DNS-rebinding defence) 403; workspace trusted 403; template
 * exists with `on.webhook` 404; JSON content type 415; body at most 1 MB 413 (reading stops);
 * HMAC-SHA256 signature of the raw body, timing-safe, before any parsing 401; delivery id
 * present 400 and never seen 409; JSON body 400; inputs valid 422. Then 202 `{ runId }`.
 *
 * The parsed body is the run's trigger payload (`${{ trigger.<field> }}`); an object under
 * `inputs` in the body becomes the run's inputs (validated against the template).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultRunId } from '../core/engine';
import { describeError, InputInvalidError } from '../core/errors';
import type { JsonValue } from '../core/model';
import { instantiate } from '../core/template/inputs';
import type { TriggerHostPorts } from './ports';

/** Largest body accepted (bytes). */
export const WEBHOOK_BODY_LIMIT = 1024 * 1024;
/** Delivery ids (and event claims) are remembered this long; TriggerHost.start prunes older ones. */
export const WEBHOOK_DELIVERY_RETENTION_MS = 30 * 24 * 3600 * 1000;

/** Secret name for a template's webhook unless `on.webhook.secret` names one. */
export function webhookSecretName(templateId: string): string {
  return `webhook:${templateId}`;
}

/** `sha256=<hex>` of the body with `secret`: what a sender puts in `X-Baton-Signature-256`. */
export function signWebhookBody(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface WebhookServerOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port: number;
}

/** Thrown by `start` when the port is taken or not allowed. */
export class WebhookListenError extends Error {
  readonly code = 'webhook-listen-failed';
  constructor(port: number, cause: unknown) {
    super(`the webhook listener could not listen on 127.0.0.1:${port}: ${describeError(cause)}`, { cause });
    this.name = 'WebhookListenError';
  }
}

class HttpReply extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/** True when a Host header names this machine's loopback on `port` (a rebinding attacker's name does not). */
export function isLoopbackHostHeader(host: string | undefined, port: number): boolean {
  if (host === undefined) return false;
  const lower = host.toLowerCase();
  return LOOPBACK_HOSTS.some((name) => lower === `${name}:${port}` || (port === 80 && lower === name));
}

export class WebhookServer {
  private server: Server | undefined;
  private boundPort: number | undefined;

  constructor(private readonly ports: TriggerHostPorts) {}

  /** The port listened on, once started. */
  get port(): number | undefined {
    return this.boundPort;
  }

  /** `http://127.0.0.1:<port>/hooks/<id>` for a template, once started. */
  urlFor(templateId: string): string | undefined {
    return this.boundPort === undefined ? undefined : `http://127.0.0.1:${this.boundPort}/hooks/${encodeURIComponent(templateId)}`;
  }

  /** Listens on 127.0.0.1 and resolves with the port. */
  async start(options: WebhookServerOptions): Promise<number> {
    if (this.server) return this.boundPort!;
    const server = createServer((req, res) => {
      void this.serve(req, res);
    });
    server.requestTimeout = 30_000;
    server.headersTimeout = 10_000;
    await new Promise<void>((resolvePromise, reject) => {
      server.once('error', (error) => reject(new WebhookListenError(options.port, error)));
      server.listen(options.port, '127.0.0.1', () => resolvePromise());
    });
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
    this.ports.logger.info(`webhook listener on http://127.0.0.1:${this.boundPort}/hooks/<template-id>`);
    return this.boundPort;
  }

  /** Stops listening and closes open connections. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.boundPort = undefined;
    await new Promise<void>((resolvePromise) => {
      server.close(() => resolvePromise());
      server.closeAllConnections();
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const { status, body } = await this.accept(req);
      this.reply(res, status, body);
    } catch (error) {
      if (error instanceof HttpReply) {
        if (error.status === 413) {
          // Stop reading: answer and close the connection instead of draining the body.
          res.setHeader('Connection', 'close');
          this.reply(res, 413, { error: error.message });
          res.once('finish', () => req.destroy());
          return;
        }
        this.reply(res, error.status, { error: error.message });
        return;
      }
      this.ports.logger.error(`webhook request failed: ${describeError(error)}`);
      this.reply(res, 500, { error: 'internal error; see the Baton log' });
    }
  }

  private reply(res: ServerResponse, status: number, body: Record<string, JsonValue>): void {
    if (res.headersSent) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async accept(req: IncomingMessage): Promise<{ status: number; body: Record<string, JsonValue> }> {
    if (this.boundPort === undefined || !isLoopbackHostHeader(req.headers.host, this.boundPort)) throw new HttpReply(403, 'Host header must be 127.0.0.1, localhost or [::1] with the port');
    const match = /^\/hooks\/([^/?#]+)\/?(?:\?.*)?$/.exec(req.url ?? '');
    if (!match) throw new HttpReply(404, 'webhooks are POST /hooks/<template-id>');
    if (req.method !== 'POST') throw new HttpReply(405, 'webhooks are POST /hooks/<template-id>');
    const verdict = this.ports.trust();
    if (!verdict.trusted) throw new HttpReply(403, `the workspace is not trusted: ${verdict.reason}`);
    let templateId: string;
    try {
      templateId = decodeURIComponent(match[1]!);
    } catch {
      throw new HttpReply(404, 'bad template id in the path');
    }
    const template = this.ports.templates.find(templateId);
    if (!template || !template.definition.on.webhook) throw new HttpReply(404, `no template "${templateId}" with an on.webhook trigger`);
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'application/json' && !/^application\/[a-z0-9.+-]*\+json$/.test(contentType)) {
      throw new HttpReply(415, 'the body must be JSON (Content-Type: application/json)');
    }
    const declaredLength = Number(req.headers['content-length']);
    if (Number.isFinite(declaredLength) && declaredLength > WEBHOOK_BODY_LIMIT) throw new HttpReply(413, 'the body is larger than 1 MB');
    const raw = await readBody(req, WEBHOOK_BODY_LIMIT);

    const secretName = template.definition.on.webhook.secret ?? webhookSecretName(templateId);
    const secret = await this.ports.secrets.get(secretName);
    if (secret === undefined || secret === '') throw new HttpReply(401, `no secret "${secretName}" is set, so no delivery can be verified`);
    const signature = header(req, 'x-baton-signature-256') ?? header(req, 'x-hub-signature-256');
    if (signature === undefined) throw new HttpReply(401, 'missing X-Baton-Signature-256 (or X-Hub-Signature-256)');
    if (!verifyWebhookSignature(secret, raw, signature)) throw new HttpReply(401, 'the signature does not match the body');

    const deliveryId = header(req, 'x-baton-delivery') ?? header(req, 'x-github-delivery');
    if (deliveryId === undefined || deliveryId === '') throw new HttpReply(400, 'missing X-Baton-Delivery (or X-GitHub-Delivery) id');
    let body: JsonValue;
    try {
      body = JSON.parse(raw.toString('utf8')) as JsonValue;
    } catch (error) {
      throw new HttpReply(400, `the body is not valid JSON: ${describeError(error)}`);
    }
    let inputs: Record<string, JsonValue>;
    try {
      const given = isObject(body) && isObject(body.inputs) ? body.inputs : {};
      inputs = instantiate(template.definition, given);
    } catch (error) {
      if (error instanceof InputInvalidError) throw new HttpReply(422, error.message);
      throw error;
    }
    // Re-check after the awaits: trust may have been revoked meanwhile.
    const again = this.ports.trust();
    if (!again.trusted) throw new HttpReply(403, `the workspace is not trusted: ${again.reason}`);

    const now = this.ports.clock.now();
    const runId = defaultRunId(now);
    const bodySha256 = createHash('sha256').update(raw).digest('hex');
    const started = this.ports.store.transaction(() => {
      // The delivery and its run commit together: a replay never starts a second run.
      if (!this.ports.store.recordWebhookDelivery({ id: deliveryId, templateId, receivedAt: now, bodySha256, runId })) return undefined;
      return this.ports.engine.startRun(template.definition, {
        runId,
        inputs,
        trigger: { kind: 'webhook', payload: body },
      });
    });
    if (!started) throw new HttpReply(409, `delivery "${deliveryId}" was already received`);
    this.ports.logger.info(`webhook delivery ${deliveryId} started run ${started.id} of "${templateId}"`, { runId: started.id });
    return { status: 202, body: { runId: started.id } };
  }

}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `signature` is `sha256=<hex>` of the HMAC-SHA256 of `raw` with `secret` (compared timing-safe). */
export function verifyWebhookSignature(secret: string, raw: Buffer, signature: string): boolean {
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(signature.trim());
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(raw).digest();
  const given = Buffer.from(match[1]!, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Reads the body, failing with 413 as soon as it passes `limit` (without reading the rest). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        done = true;
        req.off('data', onData);
        req.pause();
        reject(new HttpReply(413, 'the body is larger than 1 MB'));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      if (!done) resolvePromise(Buffer.concat(chunks));
    });
    req.once('error', (error) => {
      if (!done) reject(new HttpReply(400, `the request broke off: ${describeError(error)}`));
    });
  });
}
