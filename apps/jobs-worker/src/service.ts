import { setTimeout as sleep } from 'node:timers/promises';
import { Consumer, type MessageContext, Retry, Subscribe, defineService } from '@switchyard/core';
import { IsBoolean, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

/** A job to run: `workMs` of work, or a job that can never succeed (`poison`). */
export class JobSubmitted {
  @IsString() id!: string;
  @IsInt() @Min(0) @Max(60_000) workMs!: number;
  @IsOptional() @IsBoolean() poison?: boolean;
}

/** Published once a job's work is done: by which worker process, at which attempt. */
export interface JobCompleted {
  readonly id: string;
  readonly worker: number;
  readonly attempt: number;
}

/** A job that fails however often it is tried: it ends in the dead-letter queue. */
export class PoisonJobError extends Error {
  override readonly name = 'PoisonJobError';
}

/**
 * Competing consumers with acknowledgement after processing: every worker started with this
 * service shares the `jobs.run` queue, a job is acknowledged only once its work is done and its
 * completion published, so a worker killed mid-job leaves it to the others, never lost.
 */
@Consumer({ group: 'jobs', concurrency: 4 })
export class JobRunner {
  @Subscribe('jobs.submitted', { schema: JobSubmitted })
  @Retry({ attempts: 3, backoff: { initialMs: 100, factor: 2, maxMs: 1_000 } })
  async run(job: JobSubmitted, ctx: MessageContext): Promise<void> {
    if (job.poison) throw new PoisonJobError(`job ${job.id} cannot be run`);
    await sleep(job.workMs);
    const completed: JobCompleted = { id: job.id, worker: process.pid, attempt: ctx.attempt };
    await ctx.publish('jobs.completed', completed, { key: job.id });
  }
}

/** What `switchyard start dist/service.js` runs. */
export default defineService({ consumers: [JobRunner] });
