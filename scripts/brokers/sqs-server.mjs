// Runs the fauxqs SQS/SNS emulator bound to loopback only.
//
// fauxqs' own CLI (startFauxqs) always listens on 0.0.0.0, so this launcher
// builds the app itself and binds it to SQS_HOST (default 127.0.0.1).
// It is started by scripts/brokers/sqs.sh; it is not meant to be imported.
//
// Environment:
//   FAUXQS_DIR       npm prefix that fauxqs is installed under (required)
//   SQS_HOST         address to bind, default 127.0.0.1
//   SQS_PORT         port to bind, default 4566
//   SQS_REQUEST_LOG  "false" turns off fauxqs' per-request log lines

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const fauxqsDir = process.env.FAUXQS_DIR;
if (!fauxqsDir) {
  console.error('sqs-server: FAUXQS_DIR must point at the npm prefix holding fauxqs');
  process.exit(2);
}
const host = process.env.SQS_HOST || '127.0.0.1';
const port = Number.parseInt(process.env.SQS_PORT || '4566', 10);
const logger = process.env.SQS_REQUEST_LOG !== 'false';

// fauxqs is installed outside the repository, so ESM's file-relative lookup
// cannot find it by name; load its entry point from the install prefix.
const packageDir = join(fauxqsDir, 'node_modules', 'fauxqs');
const manifest = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8'));
const { buildApp } = await import(pathToFileURL(join(packageDir, manifest.main)).href);

const app = buildApp({ logger });
await app.listen({ host, port });
console.log(`sqs-server: fauxqs ${manifest.version} listening on http://${host}:${port}`);

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    app.close().then(
      () => process.exit(0),
      (err) => {
        console.error('sqs-server: error while closing', err);
        process.exit(1);
      },
    );
  });
}
