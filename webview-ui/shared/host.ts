/**
 * The webview's side of the host connection: the VS Code API (acquired once), an IPC client that
 * correlates request replies by id, notification subscriptions, and persisted panel state.
 */
import {
  isReplyMessage,
  type IpcCommand,
  type IpcError,
  type IpcNotification,
  type IpcRequest,
  type PanelContext,
  type PersistedPanelState,
} from '../../src/shared/protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState<T>(state: T): T;
}

declare global {
  function acquireVsCodeApi(): VsCodeApi;
}

let api: VsCodeApi | undefined;
/** The page's VS Code API; acquireVsCodeApi may be called only once per page. */
export function vscodeApi(): VsCodeApi {
  api ??= acquireVsCodeApi();
  return api;
}

/** A request the host answered with an error. */
export class HostRequestError extends Error {
  readonly code: string;
  constructor(error: IpcError) {
    super(error.message);
    this.code = error.code;
  }
}

type Listener = (params: unknown) => void;

/** Request/command/notification client over postMessage. */
export class IpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(private readonly api: VsCodeApi) {
    window.addEventListener('message', (event: MessageEvent) => this.receive(event.data));
  }

  request<P, R>(type: IpcRequest<P, R>, params: P): Promise<R> {
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.api.postMessage(type.create(id, params));
    });
  }

  command<P>(type: IpcCommand<P>, params: P): void {
    this.api.postMessage(type.create(params));
  }

  /** Subscribes to a notification; returns the unsubscribe function. */
  on<P>(type: IpcNotification<P>, listener: (params: P) => void): () => void {
    let set = this.listeners.get(type.method);
    if (!set) this.listeners.set(type.method, (set = new Set()));
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  }

  private receive(msg: unknown): void {
    if (isReplyMessage(msg)) {
      const waiter = this.pending.get(msg.id);
      if (!waiter) return;
      this.pending.delete(msg.id);
      if (msg.ok) waiter.resolve(msg.result);
      else waiter.reject(new HostRequestError(msg.error));
      return;
    }
    if (typeof msg === 'object' && msg !== null && (msg as { kind?: unknown }).kind === 'notification') {
      const { method, params } = msg as { method: string; params: unknown };
      for (const listener of this.listeners.get(method) ?? []) listener(params);
    }
  }
}

let client: IpcClient | undefined;
export function ipc(): IpcClient {
  client ??= new IpcClient(vscodeApi());
  return client;
}

/** The panel context: from saved state (restored panel) or from the page the host rendered. */
export function panelContext<C extends PanelContext>(panel: C['panel']): C {
  const saved = vscodeApi().getState() as Partial<PersistedPanelState> | undefined;
  if (saved?.context?.panel === panel) return saved.context as C;
  const raw = document.body.dataset.batonContext;
  const parsed = raw ? (JSON.parse(raw) as PanelContext) : { panel };
  return parsed as C;
}

/** The whole saved state of this webview (unknown shape: it may come from an older version). */
export function savedState<S extends object>(): Partial<S> {
  const saved = vscodeApi().getState();
  return typeof saved === 'object' && saved !== null ? (saved as Partial<S>) : {};
}

let pendingState: Record<string, unknown> | undefined;
/** Merges a patch into the saved state; written once per frame. */
export function saveState(patch: Record<string, unknown>): void {
  const base = pendingState ?? (savedState<Record<string, unknown>>() as Record<string, unknown>);
  pendingState = { ...base, ...patch };
  if (Object.keys(patch).length === 0) return;
  queueMicrotask(() => {
    if (!pendingState) return;
    vscodeApi().setState(pendingState);
    pendingState = undefined;
  });
}

/**
 * Collects items and hands them to `apply` once per animation frame, so a burst of events
 * becomes one render. Falls back to a timer when frames are throttled (hidden page).
 */
export function createFrameCoalescer<T>(apply: (batch: T[]) => void): (item: T) => void {
  let queue: T[] = [];
  let scheduled = false;
  const flush = () => {
    if (!scheduled) return;
    scheduled = false;
    const batch = queue;
    queue = [];
    apply(batch);
  };
  return (item: T) => {
    queue.push(item);
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(flush);
    setTimeout(flush, 100);
  };
}

/**
 * Runs `fn` once the next frame has been painted (a message posted from requestAnimationFrame is
 * handled right after that frame), for work the first frame does not show. Returns a cancel function.
 */
export function afterNextPaint(fn: () => void): () => void {
  let cancelled = false;
  const frame = requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      if (!cancelled) fn();
    };
    channel.port2.postMessage(null);
  });
  return () => {
    cancelled = true;
    cancelAnimationFrame(frame);
  };
}
