import { type HandlerOptions, methodMetadata } from './metadata';

/**
 * Answers requests sent with `bus.request(topic, …)`: the method's return value (or resolved
 * promise) is the reply. A handler that fails for good replies with an error, so the caller gets
 * `RpcRemoteError` at once instead of waiting for a timeout.
 */
export function RpcHandler(
  topic: string,
  options: Omit<HandlerOptions, 'guarantee'> = {},
): MethodDecorator {
  return (prototype, method) => {
    const record = methodMetadata(prototype, method);
    record.kinds.push('@RpcHandler');
    record.rpcTopic = topic;
    record.options = options;
  };
}
