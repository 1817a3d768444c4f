export { main } from './main';
export { loadService } from './load-service';
export { CliUsageError, ExitCode } from './cli-error';
export { startCommand, type StartCommandOptions } from './commands/start.command';
export { routesCommand, type RoutesCommandOptions } from './commands/routes.command';
