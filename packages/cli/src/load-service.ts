import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { type ServiceDefinition, type Type, isConsumerClass } from '@switchyard/core';
import { CliUsageError } from './cli-error';

/**
 * Loads a service module: its `default` or `service` export when that is a service definition
 * (an object with `consumers`), else every exported `@Consumer` class.
 */
export function loadService(entry: string): ServiceDefinition {
  const path = resolve(entry);
  if (!existsSync(path))
    throw new CliUsageError(`Entry "${entry}" does not exist (looked at ${path})`);
  const exports = requireEntry(entry, path);
  for (const name of ['default', 'service']) {
    const candidate = exports[name];
    if (isServiceDefinition(candidate)) return candidate;
  }
  const consumers = Object.values(exports).filter(isConsumerClass) as Type[];
  if (consumers.length === 0) {
    throw new CliUsageError(
      `Entry "${entry}" exports no service: export default defineService({ consumers: [...] }) or export @Consumer classes`,
    );
  }
  return { consumers };
}

function requireEntry(entry: string, path: string): Record<string, unknown> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the entry is chosen at run time
    return require(path) as Record<string, unknown>;
  } catch (error) {
    if (extname(path) === '.ts' && error instanceof SyntaxError) {
      throw new CliUsageError(
        `Entry "${entry}" is TypeScript; build it (tsc) and pass the compiled .js file, or run under ts-node — decorator metadata needs the TypeScript compiler`,
        { cause: error },
      );
    }
    throw error;
  }
}

function isServiceDefinition(value: unknown): value is ServiceDefinition {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as ServiceDefinition).consumers)
  );
}
