import { SqsAttributes } from './attributes';

/** One accepted value of the `swy-topic` attribute in an SNS filter policy. */
type Condition = string | { readonly prefix: string } | { readonly suffix: string };

/** The SNS filter policy of a queue's subscription, derived from the queue's patterns. */
export interface TopicFilter {
  /** The `FilterPolicy` JSON, or undefined when SNS must deliver everything. */
  readonly policy: string | undefined;
  /**
   * Whether SNS delivers exactly the matching topics. When false, SNS delivers a superset and the
   * subscriber's own pattern check deletes the rest (it checks every message either way).
   */
  readonly exact: boolean;
}

/** AWS's cap on the values of one filter policy. */
const MAX_CONDITIONS = 150;

/**
 * Translates `*`/`#` patterns into an SNS filter policy on the `swy-topic` attribute. SNS matches
 * whole values, prefixes and suffixes, but has no word wildcard, so:
 * - `a.b` → `"a.b"` (exact);
 * - `#` → no policy (exact);
 * - `a.b.#` → `"a.b"` or prefix `"a.b."` (exact);
 * - `#.a.b` → `"a.b"` or suffix `".a.b"` (exact);
 * - any other pattern → prefix of its leading literal words (`a.*.c` → prefix `"a."`), else
 *   suffix of its trailing literal words (`*.c` → suffix `".c"`), else everything (`*.*`) — a
 *   superset, trimmed by the subscriber.
 */
export function topicFilter(patterns: readonly string[]): TopicFilter {
  const conditions: Condition[] = [];
  let exact = true;
  for (const pattern of patterns) {
    const filter = patternFilter(pattern);
    if (filter === undefined) return { policy: undefined, exact: isCatchAll(pattern) };
    conditions.push(...filter.conditions);
    exact &&= filter.exact;
  }
  if (conditions.length > MAX_CONDITIONS) return { policy: undefined, exact: false };
  return { policy: JSON.stringify({ [SqsAttributes.topic]: conditions }), exact };
}

interface PatternFilter {
  readonly conditions: Condition[];
  readonly exact: boolean;
}

/** The conditions of one pattern; undefined when it can only be "everything". */
function patternFilter(pattern: string): PatternFilter | undefined {
  const words = pattern.split('.');
  const isWild = (word: string) => word === '*' || word === '#';
  const firstWild = words.findIndex(isWild);
  if (firstWild === -1) return { conditions: [pattern], exact: true };
  const lastWild = words.length - 1 - [...words].reverse().findIndex(isWild);
  const head = words.slice(0, firstWild).join('.');
  const tail = words.slice(lastWild + 1).join('.');
  const middle = words.slice(firstWild, lastWild + 1);
  const onlyHashes = middle.every((word) => word === '#');
  if (head && !tail && onlyHashes) {
    return { conditions: [head, { prefix: `${head}.` }], exact: true };
  }
  if (!head && tail && onlyHashes) {
    return { conditions: [tail, { suffix: `.${tail}` }], exact: true };
  }
  // Here a match always has a word besides the literal part, so the bare part needs no condition.
  if (head) return { conditions: [{ prefix: `${head}.` }], exact: false };
  if (tail) return { conditions: [{ suffix: `.${tail}` }], exact: false };
  return undefined;
}

function isCatchAll(pattern: string): boolean {
  return pattern.split('.').every((word) => word === '#');
}
