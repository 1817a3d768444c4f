import type { Type } from '../decorators/metadata';
import { schemaVersionOf, upcastersOf } from '../decorators/upcast.decorator';
import { UpcastError } from '../errors';
import { Headers } from '../headers';
import type { Middleware } from '../pipeline/middleware';

/**
 * Lifts older payloads to the schema's current version before validation. The version comes from
 * the `schema-version` header, else a numeric `version` field of the payload, else 1. A payload
 * newer than the schema, or one no upcaster chain leads from, fails with `UpcastError` and is
 * dead-lettered rather than misread.
 */
export function upcastMiddleware(schema: Type): Middleware {
  const current = schemaVersionOf(schema);
  const upcasters = upcastersOf(schema);
  return (ctx, next) => {
    let version = messageVersion(ctx.message.headers[Headers.schemaVersion], ctx.payload);
    if (version > current) {
      throw new UpcastError(
        `Payload is ${schema.name} version ${version}, newer than the version ${current} this handler understands`,
      );
    }
    let payload = ctx.payload as Record<string, unknown>;
    while (version < current) {
      const step = upcasters.get(version);
      if (!step) {
        throw new UpcastError(
          `${schema.name} has no upcaster from version ${version} (current version ${current})`,
        );
      }
      payload = step.upcast(payload);
      version = step.to;
    }
    ctx.payload = payload;
    return next(ctx);
  };
}

function messageVersion(header: string | undefined, payload: unknown): number {
  if (header !== undefined) {
    const parsed = Number(header);
    if (Number.isInteger(parsed) && parsed > 0) return parsed;
  }
  if (typeof payload === 'object' && payload !== null) {
    const field = (payload as { version?: unknown }).version;
    if (typeof field === 'number' && Number.isInteger(field) && field > 0) return field;
  }
  return 1;
}
