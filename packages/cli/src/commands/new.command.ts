import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CliUsageError } from '../cli-error';
import { type PackageSource, type ServiceNames, serviceFiles } from '../scaffold/templates';

/** Options of `switchyard new`. */
export interface NewCommandOptions {
  readonly name: string;
  /** Parent folder of the new service. Default the current directory. */
  readonly directory: string;
  /**
   * Depend on the @switchyard packages by npm version instead of linking the ones this CLI runs
   * from (which is what works before they are published).
   */
  readonly fromRegistry: boolean;
}

/** Scaffolds a service folder: a consumer with a validated message, an RPC handler, a test, a README. */
export function newCommand(options: NewCommandOptions, out: NodeJS.WritableStream): string {
  const names = serviceNames(options.name);
  const folder = resolve(options.directory, names.kebab);
  if (existsSync(folder) && readdirSync(folder).length > 0) {
    throw new CliUsageError(`${folder} exists and is not empty`);
  }
  const files = serviceFiles(names, packageSource(options.fromRegistry));
  for (const [path, content] of Object.entries(files)) {
    const target = join(folder, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  out.write(
    `Created ${folder}\n  cd ${folder}\n  npm install\n  npm test     # on the embedded broker\n  npm start    # a worker on memory:// until Ctrl-C\n`,
  );
  return folder;
}

function serviceNames(name: string): ServiceNames {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) {
    throw new CliUsageError(
      `Service name "${name}" must be lower-case words joined by "-", e.g. "invoices" or "order-history"`,
    );
  }
  const pascal = name
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
  return { kebab: name, pascal, topic: name };
}

function packageSource(fromRegistry: boolean): PackageSource {
  if (fromRegistry) {
    const manifest = readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8');
    const { version } = JSON.parse(manifest) as { version: string };
    return { core: `^${version}`, testing: `^${version}`, cli: `^${version}` };
  }
  const link = (name: string) =>
    `file:${dirname(require.resolve(`@switchyard/${name}/package.json`))}`;
  return { core: link('core'), testing: link('testing'), cli: link('cli') };
}
