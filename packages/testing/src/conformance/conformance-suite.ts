import { afterAll, afterEach, describe, it } from '@jest/globals';
import type { ConformanceCase, CaseRequirement } from './conformance-case';
import type { ConformanceOptions } from './conformance-options';
import { capabilityCases } from './cases/capability.cases';
import { deadLetterAdminCases } from './cases/dead-letter-admin.cases';
import { failureCases } from './cases/failure.cases';
import { headerCases } from './cases/headers.cases';
import { lifecycleCases } from './cases/lifecycle.cases';
import { routingCases } from './cases/routing.cases';
import { rpcCases } from './cases/rpc.cases';
import { ConformanceHarness } from './harness';

/** Every case of the delivery model, grouped as the suite reports them. */
export const CONFORMANCE_CASES: Readonly<Record<string, readonly ConformanceCase[]>> = {
  routing: routingCases,
  failures: failureCases,
  rpc: rpcCases,
  headers: headerCases,
  lifecycle: lifecycleCases,
  capabilities: capabilityCases,
  'dead-letter management': deadLetterAdminCases,
};

/**
 * Registers the conformance suite with jest: the whole delivery model, run against the transport
 * `options.createTransport` builds. Call it from a transport package's `conformance.spec.ts`. A
 * case needing a capability the transport declares it lacks is skipped with the reason in its
 * name and printed once, so nothing passes silently.
 *
 * Set `SWITCHYARD_CONFORMANCE_REPEAT=N` to run every case N times at once (stress mode: cases use
 * unique names, so they share the broker safely).
 */
export function runConformanceSuite(options: ConformanceOptions): void {
  const repeat = Math.max(1, Number(process.env.SWITCHYARD_CONFORMANCE_REPEAT ?? 1) || 1);
  describe(`${options.name} transport conformance`, () => {
    const harness = new ConformanceHarness(options);
    afterEach(() => harness.cleanup());
    if (options.teardown) afterAll(options.teardown);
    const skipped: string[] = [];
    for (const [group, cases] of Object.entries(CONFORMANCE_CASES)) {
      describe(group, () => {
        for (const conformanceCase of cases) {
          const missing = missingRequirement(options, conformanceCase.requires);
          if (missing) {
            skipped.push(`${conformanceCase.name}: ${missing}`);
            it.skip(`${conformanceCase.name} [skipped: ${missing}]`, () => undefined);
            continue;
          }
          const timeout = Math.round(
            (conformanceCase.timeoutMs ?? 30_000) * (options.timeScale ?? 1),
          );
          it(
            conformanceCase.name,
            async () => {
              await Promise.all(Array.from({ length: repeat }, () => conformanceCase.run(harness)));
            },
            timeout * repeat,
          );
        }
      });
    }
    if (skipped.length > 0) {
      console.info(
        `${options.name} conformance skips ${skipped.length} case(s):\n  ${skipped.join('\n  ')}`,
      );
    }
  });
}

function missingRequirement(
  options: ConformanceOptions,
  requirements: CaseRequirement | readonly CaseRequirement[] | undefined,
): string | undefined {
  if (requirements === undefined) return undefined;
  if (typeof requirements !== 'string') {
    for (const requirement of requirements) {
      const missing = missingRequirement(options, requirement);
      if (missing) return missing;
    }
    return undefined;
  }
  const requirement = requirements;
  if (requirement === 'deadLetterAdmin') {
    return options.deadLetterAdmin === false
      ? 'the suite was told the transport does not implement DeadLetterAdmin'
      : undefined;
  }
  if (requirement === 'dropConnections') {
    return options.dropConnections ? undefined : 'the suite was given no dropConnections hook';
  }
  return options.capabilities[requirement]
    ? undefined
    : `${options.name} declares no "${requirement}" capability`;
}
