import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SwitchyardMetrics } from './metrics';

/** Health as `/health` reports it. */
export interface HealthReport {
  readonly status: 'starting' | 'up' | 'stopping' | 'down';
  readonly transport: string;
  readonly queues: readonly string[];
}

/** Serves `/metrics` (Prometheus text) and `/health` (JSON; 200 when up, 503 otherwise). */
export class HttpEndpoint {
  private server: Server | undefined;

  constructor(
    private readonly metrics: SwitchyardMetrics,
    private readonly health: () => HealthReport,
  ) {}

  /** Listens on `port` (0 picks a free one) and resolves with the bound port. */
  async listen(port: number, host = '0.0.0.0'): Promise<number> {
    const server = createServer((req, res) => {
      if (req.url === '/metrics') {
        this.metrics.render().then(
          (text) => {
            res.writeHead(200, { 'content-type': this.metrics.registry.contentType });
            res.end(text);
          },
          (error: unknown) => {
            res.writeHead(500).end(String(error));
          },
        );
      } else if (req.url === '/health') {
        const report = this.health();
        res.writeHead(report.status === 'up' ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify(report));
      } else {
        res.writeHead(404).end();
      }
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
