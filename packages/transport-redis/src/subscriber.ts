import { randomBytes } from 'node:crypto';
import {
  type DeliveryHandler,
  type Logger,
  type Settlement,
  type Subscription,
  type SubscriptionSpec,
  errorMessage,
} from '@switchyard/core';
import type { Redis } from 'ioredis';
import type { RedisConnections } from './connections';
import type { Delivery } from './delivery';
import type { DiscoveryWatcher, TopicDiscovery } from './discovery';
import { Dispatcher } from './dispatcher';
import { isNoGroupError } from './errors';
import { HeldDeliveries } from './held-deliveries';
import { type StreamEntry, decodeEntry } from './headers';
import type { ResolvedRedisOptions } from './options';
import { Reclaimer } from './reclaimer';
import type { DelayedScheduler } from './scheduler';
import type { RedisScripts } from './scripts';
import { Settler } from './settler';
import { StreamReader } from './stream-reader';
import type { RedisTopology } from './topology';
import { QueueStreams } from './queue-streams';

/** Everything a subscription shares with its transport. */
export interface SubscriberContext {
  readonly redis: Redis;
  readonly scripts: RedisScripts;
  readonly topology: RedisTopology;
  readonly connections: RedisConnections;
  readonly scheduler: DelayedScheduler;
  readonly discovery: TopicDiscovery;
  readonly options: ResolvedRedisOptions;
}

/** Longest pause between failed reads while Redis is unreachable. */
const MAX_BACKOFF_MS = 1_000;

/**
 * One queue consumed by this instance: a consumer (named `consumer`) in the group named after the
 * queue, on every stream bound to it — the topic streams its patterns match and the queue's own
 * retry stream — read with one blocking `XREADGROUP` for up to `prefetch` entries.
 */
export class RedisSubscription implements Subscription, DiscoveryWatcher {
  private readonly streams: QueueStreams;
  private readonly held = new HeldDeliveries();
  private readonly dispatcher: Dispatcher;
  private readonly settler: Settler;
  private readonly reclaimer: Reclaimer;
  private readonly retiring = new Set<Promise<void>>();
  private reader: StreamReader | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private closing: Promise<void> | undefined;
  /** Look for own pending entries before the next read: at start (a consumer name may be reused) and after a reconnect. */
  private recoverOwn = true;
  private capacityWaiter: (() => void) | undefined;
  private readonly logger: Logger;

  constructor(
    private readonly context: SubscriberContext,
    private readonly spec: SubscriptionSpec,
    private readonly handler: DeliveryHandler,
    private readonly consumer: string,
  ) {
    const { redis, scripts, topology, scheduler, options } = context;
    this.logger = options.logger;
    this.streams = new QueueStreams(
      { redis, scripts, topology, logger: this.logger },
      spec.queue,
      spec.patterns,
      () => void this.reader?.interrupt(),
    );
    this.settler = new Settler(
      {
        redis,
        scripts,
        topology,
        scheduler,
        queue: spec.queue,
        handler: spec.handler,
        deadLetterMaxLen: options.deadLetterMaxLen,
        logger: this.logger,
      },
      (delivery) => this.dispatcher.settled(delivery),
      () => this.wakeReader(),
    );
    this.dispatcher = new Dispatcher(spec.concurrency, spec.ordered, {
      handle: (delivery) => this.handle(delivery),
      settle: (delivery, settlement) => this.settler.settle(delivery, settlement),
      beforeRetryInPlace: (delivery) => this.recordRedelivery(delivery),
      finished: (delivery) => this.release(delivery),
    });
    this.reclaimer = new Reclaimer(
      redis,
      scripts,
      {
        group: spec.queue,
        consumer,
        claimIdleMs: options.claimIdleMs,
        claimIntervalMs: options.claimIntervalMs,
        logger: this.logger,
      },
      {
        streams: () => this.streams.keys(),
        free: () => this.free(),
        held: () => this.held.values(),
        heldIds: (stream) => this.held.entryIds(stream),
        accept: (entry, count) => this.accept(entry, count),
      },
    );
  }

  /** Declares the groups, starts reading; resolves once messages published from now on arrive. */
  async start(): Promise<void> {
    const { redis, connections, discovery, options, scheduler } = this.context;
    await this.streams.declare();
    const blocking = await connections.open('blocking', randomBytes(4).toString('hex'));
    this.reader = new StreamReader(
      blocking,
      redis,
      { group: this.spec.queue, consumer: this.consumer, blockMs: options.blockMs },
      () => {
        this.recoverOwn = true;
        void this.reader?.interrupt();
      },
    );
    if (this.streams.hasWildcards) await discovery.watch(this);
    scheduler.startSweeping();
    this.reclaimer.start();
    this.loop = this.readLoop();
  }

  /** A topic seen by discovery. */
  offer(topic: string): void {
    if (!this.stopping) this.streams.offer(topic);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** The streams read now (for the queue-size probe). */
  streamKeys(): string[] {
    return this.streams.keys();
  }

  private async readLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      await this.capacity();
      if (this.stopping) break;
      try {
        if (this.recoverOwn) {
          this.recoverOwn = false;
          await this.reclaimer.recoverOwn();
        }
        const entries = await (this.reader as StreamReader).read(
          () => this.streams.keys(),
          this.free(),
        );
        for (const entry of entries) {
          if (!this.held.repeats(entry.stream, entry.entryId)) this.accept(entry, 1);
        }
        failures = 0;
      } catch (error) {
        if (this.stopping) break;
        failures++;
        if (isNoGroupError(error)) {
          this.recoverOwn = true;
          this.held.groupRecreated();
          await this.streams.redeclare();
        } else if (failures > 1) {
          this.logger.warn(`Reading ${this.spec.queue} failed; retrying`, {
            error: errorMessage(error),
          });
        }
        await pause(Math.min(MAX_BACKOFF_MS, 50 * 2 ** Math.min(failures, 5)));
      }
    }
  }

  /** Takes in an entry read or claimed, which is not held yet. */
  private accept(entry: StreamEntry, deliveryCount: number): void {
    const { stream, entryId } = entry;
    const message = decodeEntry(
      entry,
      this.streams.sourceOf(stream),
      this.spec.queue,
      deliveryCount,
    );
    const delivery: Delivery = {
      stream,
      entryId,
      message,
      deliveryCount,
      acked: false,
    };
    this.held.add(delivery);
    if (message.attempt > this.spec.maxAttempts) {
      this.retire(this.settler.redeliveryLimit(delivery, this.spec.maxAttempts), delivery);
      return;
    }
    this.dispatcher.add(delivery);
  }

  private handle(delivery: Delivery): Settlement | undefined | Promise<Settlement | undefined> {
    if (this.spec.ackMode === 'before-handler' && !delivery.acked) {
      return this.handleAcknowledged(delivery);
    }
    return this.handler(delivery.message);
  }

  /** At-most-once: acknowledge, then run the handler; skip it if the ack failed. */
  private async handleAcknowledged(delivery: Delivery): Promise<Settlement | undefined> {
    try {
      await this.settler.ack(delivery);
    } catch (error) {
      this.logger.warn(`Could not acknowledge ${delivery.message.id} before its handler`, {
        error: errorMessage(error),
      });
      return undefined;
    }
    return this.handler(delivery.message);
  }

  /** Persists the count of an in-place retry, so a crash during it resumes at the right attempt. */
  private async recordRedelivery(delivery: Delivery): Promise<void> {
    await this.context.redis
      .xclaim(
        delivery.stream,
        this.spec.queue,
        this.consumer,
        0,
        delivery.entryId,
        'RETRYCOUNT',
        delivery.deliveryCount,
        'JUSTID',
      )
      .catch(() => undefined);
  }

  private retire(settling: Promise<void>, delivery: Delivery): void {
    const done = settling.finally(() => {
      this.retiring.delete(done);
      this.release(delivery);
    });
    this.retiring.add(done);
  }

  private release(delivery: Delivery): void {
    this.held.delete(delivery);
    this.wakeReader();
  }

  private wakeReader(): void {
    const waiter = this.capacityWaiter;
    if (waiter && this.canRead()) {
      this.capacityWaiter = undefined;
      waiter();
    }
  }

  /**
   * Prefetch slots not taken by a delivery waiting for, or in, its handler or settlement. A
   * delivery whose `XACK` is already on its way is done with: it stays held (so no claim takes it
   * back) until Redis answers, but its slot is free, so the next read travels alongside the
   * acknowledgement instead of one round trip after it — as a RabbitMQ consumer's window reopens
   * when the broker receives its ack, not when the client hears of it.
   */
  private free(): number {
    return this.spec.prefetch - this.held.size + this.settler.acking;
  }

  /**
   * Reads refill the prefetch in batches: once half of it is free (or nothing is held but
   * acknowledgements on their way), not for every slot that frees, which would mean one
   * `XREADGROUP` per message under load. Half the prefetch (by default at least the concurrency)
   * still keeps the handlers busy meanwhile.
   */
  private canRead(): boolean {
    const free = this.free();
    return free === this.spec.prefetch || free >= Math.ceil(this.spec.prefetch / 2);
  }

  private capacity(): Promise<void> {
    if (this.canRead() || this.stopping) return Promise.resolve();
    return new Promise((resolve) => (this.capacityWaiter = resolve));
  }

  /**
   * Stops reading and claiming, hands back what was fetched but not started, waits until every
   * started message is settled, then leaves the group (when nothing is pending for it).
   */
  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.context.discovery.unwatch(this);
    this.capacityWaiter?.();
    await this.reclaimer.stopClaiming();
    await this.reader?.interrupt(true);
    await this.loop;
    const unstarted = this.dispatcher.stop();
    try {
      await this.reclaimer.handBack(unstarted);
    } catch (error) {
      this.logger.warn(`Handing back ${unstarted.length} unstarted messages failed`, {
        error: errorMessage(error),
      });
    }
    for (const delivery of unstarted) this.held.delete(delivery);
    await this.dispatcher.idle();
    await Promise.all(this.retiring);
    this.reclaimer.stop();
    await this.context.scripts
      .dropConsumer(this.streams.keys(), this.spec.queue, this.consumer)
      .catch(() => undefined);
    this.reader?.close();
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
