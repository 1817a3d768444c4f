import { describe, expect, it } from '@jest/globals';
import { type Logger, Switchyard, silentLogger } from '@switchyard/core';
import { KafkaTransport } from './transport';
import { KAFKA_BROKERS, useSharedBroker } from './test-support/kafka-test-env';

useSharedBroker();

/** A logger that keeps every line it is given. */
function recordingLogger(): Logger & { readonly lines: string[] } {
  const lines: string[] = [];
  const keep = (message: string) => void lines.push(message);
  return { lines, info: keep, warn: keep, error: keep };
}

async function connectAndClose(transport: KafkaTransport): Promise<void> {
  await transport.connect();
  await transport.close();
}

describe('Kafka transport logging', () => {
  const url = `kafka://${KAFKA_BROKERS}?logLevel=debug`;

  it("sends kafkajs's entries, down to ?logLevel=, to the app's logger", async () => {
    const appLogger = recordingLogger();
    const transport = new KafkaTransport(url);
    await Switchyard.create({ transport, logger: appLogger });
    await connectAndClose(transport);
    expect(appLogger.lines).toContainEqual(
      expect.stringMatching(/^kafkajs Connection: Connecting/),
    );
  });

  it("keeps a logger named in its own settings over the app's", async () => {
    const own = recordingLogger();
    const transport = new KafkaTransport(url, { logger: own });
    await Switchyard.create({ transport, logger: silentLogger });
    await connectAndClose(transport);
    expect(own.lines.length).toBeGreaterThan(0);
  });
});
