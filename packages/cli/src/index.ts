export { main } from './main';
export { loadService } from './load-service';
export { CliUsageError, ExitCode } from './cli-error';
export {
  type RunningWorker,
  startCommand,
  type StartCommandOptions,
} from './commands/start.command';
export { dlqCommand, type DlqCommandOptions } from './commands/dlq.command';
export { newCommand, type NewCommandOptions } from './commands/new.command';
export { routesCommand, type RoutesCommandOptions } from './commands/routes.command';
