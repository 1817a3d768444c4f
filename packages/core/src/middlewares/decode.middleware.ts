import type { Codec } from '../codec';
import type { Middleware } from '../pipeline/middleware';

/** Decodes the body into `ctx.payload`; an undecodable body throws `DecodeError` (dead-letter now). */
export function decodeMiddleware(codec: Codec): Middleware {
  return (ctx, next) => {
    ctx.payload = codec.decode(ctx.message.body, ctx.message.headers);
    return next(ctx);
  };
}
