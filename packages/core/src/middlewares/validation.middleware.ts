import { plainToInstance } from 'class-transformer';
import { type ValidationError, validateSync } from 'class-validator';
import type { Type } from '../decorators/metadata';
import { ValidationFailedError } from '../errors';
import type { Middleware } from '../pipeline/middleware';

/**
 * Turns the payload into an instance of `schema` (class-transformer) and validates it
 * (class-validator, synchronously: async validators are not run). A failure throws
 * `ValidationFailedError`, which dead-letters the message at once with every violation listed.
 * Unknown properties are kept, so newer producers do not break older consumers.
 */
export function validationMiddleware(schema: Type): Middleware {
  return (ctx, next) => {
    const plain = ctx.payload;
    if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
      throw new ValidationFailedError(`Payload for ${schema.name} must be a JSON object`, [
        `payload: expected an object, got ${Array.isArray(plain) ? 'an array' : String(plain)}`,
      ]);
    }
    const instance = plainToInstance(schema, plain) as object;
    const errors = validateSync(instance, { forbidUnknownValues: true });
    if (errors.length > 0) {
      const violations = flatten(errors, '');
      throw new ValidationFailedError(
        `Payload does not match ${schema.name}: ${violations.join('; ')}`,
        violations,
      );
    }
    ctx.payload = instance;
    return next(ctx);
  };
}

function flatten(errors: readonly ValidationError[], prefix: string): string[] {
  const lines: string[] = [];
  for (const error of errors) {
    const path = prefix + error.property;
    for (const message of Object.values(error.constraints ?? {})) lines.push(`${path}: ${message}`);
    if (error.children?.length) lines.push(...flatten(error.children, `${path}.`));
  }
  return lines;
}
