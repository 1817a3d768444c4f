import { UnknownTransportError } from './errors';
import type { Transport } from './transport';

/**
 * Builds a transport from its URL, exactly as given: some are no WHATWG URL (a broker list such as
 * `kafka://a:9092,b:9092`), so each transport parses its own.
 */
export type TransportFactory = (url: string) => Transport;

/** `scheme://…`: the scheme picks the transport; the rest is the transport's to read. */
const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** A transport package's entry in the registry. */
export interface TransportPlugin {
  /** URL schemes it serves, without the colon (`amqp`, `amqps`). */
  readonly schemes: readonly string[];
  /** npm package name, shown in errors. */
  readonly packageName: string;
  readonly create: TransportFactory;
}

const plugins = new Map<string, TransportPlugin>();

/**
 * Where the official transports live. When a URL names a scheme no plugin registered yet, the
 * registry loads this package, whose entry point registers itself. This is a table of package
 * names only: core never knows how a broker works.
 */
const KNOWN_PACKAGES: Readonly<Record<string, string>> = {
  memory: '@switchyard/testing',
  amqp: '@switchyard/rabbitmq',
  amqps: '@switchyard/rabbitmq',
  kafka: '@switchyard/kafka',
  redis: '@switchyard/redis',
  rediss: '@switchyard/redis',
  sqs: '@switchyard/sqs',
};

/** Makes a transport package's schemes available to `createTransport`. Called by the package. */
export function registerTransport(plugin: TransportPlugin): void {
  for (const scheme of plugin.schemes) plugins.set(scheme, plugin);
}

/**
 * Creates the transport a URL names (`memory://`, `amqp://user:pass@host`, `kafka://host:9092`,
 * `redis://host:6379`, `sqs://region?endpoint=…`). An unknown scheme fails with
 * `UnknownTransportError` listing what is installed.
 */
export function createTransport(url: string): Transport {
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    throw new UnknownTransportError(
      `"${url}" is not a transport URL; expected e.g. memory:// or amqp://localhost`,
    );
  }
  const plugin = plugins.get(scheme) ?? loadKnownPlugin(scheme);
  if (!plugin) {
    const installed = installedSchemes();
    throw new UnknownTransportError(
      `No transport handles "${scheme}://". Installed: ${installed.length ? installed.join(', ') : 'none'}.` +
        (KNOWN_PACKAGES[scheme] ? ` Install ${KNOWN_PACKAGES[scheme]} for ${scheme}://.` : ''),
    );
  }
  return plugin.create(url);
}

/** Schemes that can be served now, registered or loadable. */
export function installedSchemes(): string[] {
  for (const scheme of Object.keys(KNOWN_PACKAGES)) {
    try {
      if (!plugins.has(scheme)) loadKnownPlugin(scheme);
    } catch {
      // A package that fails to load is not installed as far as this list is concerned; asking
      // for its scheme reports the load error itself.
    }
  }
  return [...plugins.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([scheme, plugin]) => `${scheme}:// (${plugin.packageName})`);
}

function loadKnownPlugin(scheme: string): TransportPlugin | undefined {
  const packageName = KNOWN_PACKAGES[scheme];
  if (!packageName) return undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional peer, loaded by name
    require(packageName);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
  }
  return plugins.get(scheme);
}
