/** What a scaffolded service is called, in the spellings its files need. */
export interface ServiceNames {
  /** npm name and folder, e.g. `invoices`. */
  readonly kebab: string;
  /** Class prefix, e.g. `Invoices`. */
  readonly pascal: string;
  /** Topic prefix, e.g. `invoices`. */
  readonly topic: string;
}

/** Where the @switchyard packages come from: `file:` links to a checkout, or npm version ranges. */
export type PackageSource = Readonly<Record<'core' | 'testing' | 'cli', string>>;

/** Every file of a new service, by path relative to its folder. */
export function serviceFiles(names: ServiceNames, source: PackageSource): Record<string, string> {
  return {
    'package.json': packageJson(names, source),
    'tsconfig.json': TSCONFIG,
    '.gitignore': 'node_modules/\ndist/\n',
    'src/messages.ts': messages(names),
    [`src/${names.kebab}.consumer.ts`]: consumer(names),
    'src/service.ts': service(names),
    'src/service.test.ts': test(names),
    'README.md': readme(names),
  };
}

function packageJson(names: ServiceNames, source: PackageSource): string {
  const manifest = {
    name: names.kebab,
    version: '0.1.0',
    private: true,
    description: `The ${names.kebab} service, built with Switchyard`,
    scripts: {
      build: 'tsc -p .',
      start: 'npm run build && switchyard start dist/service.js',
      test: 'npm run build && node --test dist/',
    },
    dependencies: {
      '@switchyard/cli': source.cli,
      '@switchyard/core': source.core,
      '@switchyard/testing': source.testing,
      'class-validator': '^0.14.3',
      'reflect-metadata': '^0.2.2',
    },
    devDependencies: {
      '@types/node': '^20.19.0',
      typescript: '~5.9.3',
    },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

const TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2022',
      module: 'Node16',
      moduleResolution: 'Node16',
      strict: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      esModuleInterop: true,
      skipLibCheck: true,
      rootDir: 'src',
      outDir: 'dist',
      types: ['node'],
    },
    include: ['src'],
  },
  null,
  2,
)}\n`;

function messages({ pascal }: ServiceNames): string {
  return `import { IsInt, IsString, Min } from 'class-validator';

/** A request for work, validated before the handler sees it. */
export class ${pascal}Requested {
  @IsString() id!: string;
  @IsInt() @Min(1) quantity!: number;
}
`;
}

function consumer({ pascal, topic }: ServiceNames): string {
  return `import { Consumer, type MessageContext, RpcHandler, Subscribe } from '@switchyard/core';
import { ${pascal}Requested } from './messages';

/** Handles ${topic} work and answers status requests. */
@Consumer({ group: '${topic}', concurrency: 4 })
export class ${pascal}Consumer {
  /** Ids handled by this process, for the status reply. */
  readonly handled = new Set<string>();

  @Subscribe('${topic}.requested', { schema: ${pascal}Requested })
  async onRequested(request: ${pascal}Requested, ctx: MessageContext): Promise<void> {
    this.handled.add(request.id);
    await ctx.publish('${topic}.completed', { id: request.id, quantity: request.quantity });
  }

  @RpcHandler('${topic}.status')
  status(request: { id: string }): { id: string; done: boolean } {
    return { id: request.id, done: this.handled.has(request.id) };
  }
}
`;
}

function service({ pascal, kebab }: ServiceNames): string {
  return `import 'reflect-metadata';
import { defineService } from '@switchyard/core';
import { ${pascal}Consumer } from './${kebab}.consumer';

/** What \`switchyard start dist/service.js\` runs; the transport comes from --transport or SWITCHYARD_TRANSPORT. */
export default defineService({ consumers: [${pascal}Consumer] });
`;
}

function test({ pascal, topic }: ServiceNames): string {
  return `import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DeadLetterHeaders, Switchyard, silentLogger } from '@switchyard/core';
import { MemoryTransport, waitFor } from '@switchyard/testing';
import service from './service';

// The service on the embedded broker: no server needed.
const transport = new MemoryTransport();
let app: Switchyard;

before(async () => {
  app = await Switchyard.create({ ...service, transport, logger: silentLogger });
  await app.start();
});

after(() => app.stop());

test('handles a request and reports it done', async () => {
  await app.bus.publish('${topic}.requested', { id: 'r-1', quantity: 2 });
  await waitFor(async () => (await app.bus.request<{ done: boolean }>('${topic}.status', { id: 'r-1' })).done);
});

test('dead-letters a request that fails validation', async () => {
  await app.bus.publish('${topic}.requested', { id: 'r-2', quantity: 0 });
  const [letter] = await waitFor(async () => {
    const letters = await transport.peekDeadLetters('${topic}.onRequested', 10);
    return letters.length > 0 ? letters : undefined;
  });
  assert.equal(letter.headers[DeadLetterHeaders.reason], 'SWY_VALIDATION_FAILED');
});

test('exports ${pascal}Consumer in the service', () => {
  assert.equal(service.consumers?.length, 1);
});
`;
}

function readme({ kebab, topic }: ServiceNames): string {
  return `# ${kebab}

A message-driven service built with [Switchyard](https://github.com/switchyard).

\`\`\`sh
npm install
npm test                                  # builds, then tests on the embedded broker
npm start                                 # runs the worker on memory:// (Ctrl-C to stop)
npm start -- --transport amqp://localhost # … or on a real broker
\`\`\`

- \`src/messages.ts\` — message classes, validated with class-validator.
- \`src/${kebab}.consumer.ts\` — \`${topic}.requested\` events and the \`${topic}.status\` RPC.
- \`src/service.ts\` — what \`switchyard start\` runs.
- \`src/service.test.ts\` — tests on the in-memory transport.

Metrics and health: http://localhost:9464/metrics and /health while the worker runs.
`;
}
