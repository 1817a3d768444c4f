import { RpcRemoteError, RpcTimeoutError } from './errors';
import { Headers } from './headers';
import type { Codec } from './codec';
import type { InboundMessage } from './message';
import type { SwitchyardMetrics } from './metrics';
import type { Transport } from './transport';

interface PendingRequest {
  readonly topic: string;
  readonly startedAt: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The requester's side of RPC: one reply inbox per app, opened on the first request, and a table
 * of pending requests by correlation id. A reply whose request already timed out is dropped and
 * counted — it can never reach another caller, since every request has its own id.
 */
export class RpcClient {
  private readonly pending = new Map<string, PendingRequest>();
  private inbox: Promise<string> | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly codec: Codec,
    private readonly metrics: SwitchyardMetrics,
  ) {}

  /** The reply address, opening the inbox on first use. */
  replyAddress(): Promise<string> {
    this.inbox ??= this.transport.openReplyInbox((reply) => this.onReply(reply));
    return this.inbox;
  }

  /** Waits for the reply correlated with `correlationId`; `send` publishes the request. */
  async call<R>(
    topic: string,
    correlationId: string,
    timeoutMs: number,
    send: () => Promise<void>,
  ): Promise<R> {
    const reply = new Promise<unknown>((resolve, reject) => {
      const startedAt = performance.now();
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        this.observe(topic, startedAt, 'timeout');
        reject(new RpcTimeoutError(topic, timeoutMs));
      }, timeoutMs);
      this.pending.set(correlationId, { topic, startedAt, resolve, reject, timer });
    });
    // The reply can come (and fail) before the broker confirms the request: keep that rejection
    // handled until the caller awaits it below.
    reply.catch(() => undefined);
    try {
      await send();
    } catch (error) {
      this.settle(correlationId)?.reject(error as Error);
    }
    return reply as Promise<R>;
  }

  /** Rejects every pending request (used when the app stops). */
  rejectAll(error: Error): void {
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(error);
  }

  private onReply(reply: InboundMessage): void {
    const correlationId = reply.headers[Headers.correlationId];
    const request = correlationId === undefined ? undefined : this.settle(correlationId);
    if (!request) {
      this.metrics.rpcLateReplies.inc();
      return;
    }
    const remoteCode = reply.headers[Headers.errorCode];
    if (remoteCode !== undefined) {
      this.observe(request.topic, request.startedAt, 'error');
      const message = reply.headers[Headers.errorMessage] ?? 'RPC handler failed';
      request.reject(new RpcRemoteError(message, remoteCode));
      return;
    }
    try {
      const value = this.codec.decode(reply.body, reply.headers);
      this.observe(request.topic, request.startedAt, 'success');
      request.resolve(value);
    } catch (error) {
      this.observe(request.topic, request.startedAt, 'error');
      request.reject(error as Error);
    }
  }

  private settle(correlationId: string): PendingRequest | undefined {
    const request = this.pending.get(correlationId);
    if (!request) return undefined;
    this.pending.delete(correlationId);
    clearTimeout(request.timer);
    return request;
  }

  private observe(topic: string, startedAt: number, status: string): void {
    this.metrics.rpcDuration.observe({ topic, status }, (performance.now() - startedAt) / 1000);
  }
}
