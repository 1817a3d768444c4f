import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const demo = join(__dirname, '..', 'apps', 'orders-service', 'dist', 'main.js');

describe('the orders-service example (what `npm start` runs)', () => {
  it('runs every scenario on the embedded broker and ends with the expected outcomes', async () => {
    if (!existsSync(demo))
      throw new Error(`${demo} is missing: run "npm run build" first (npm test does)`);
    const { stdout } = await run(process.execPath, [demo, '--transport', 'memory://e2e-demo'], {
      timeout: 60_000,
    });
    expect(stdout).toContain('invoiced o-1004: 10 USD'); // the V1 order, upcast with the default currency
    expect(stdout).toContain('failed as it should: SWY_NO_ROUTE');
    expect(stdout).toMatch(
      /support\s+answered t-3 \(priority 9\)[\s\S]*support\s+answered t-2 \(priority 1\)/,
    );
    expect(stdout).toContain('captured 120 for o-1001 in one transaction');
    expect(stdout).toMatch(/retried 2, dead-lettered 4, duplicates skipped 1/);
    expect(stdout).toMatch(/warehouse commands per instance: A [1-5], B [1-5]/);
    expect(stdout).toMatch(/fraud\.check\s+FraudServiceError after 3 attempt\(s\)/);
    expect(stdout.match(/SWY_VALIDATION_FAILED after 1 attempt\(s\)/g)).toHaveLength(3);
    expect(stdout.match(/invoiced o-1001/g)).toHaveLength(1);
  });
});
