import { InvalidTopicError } from './errors';

const WORD = /^[A-Za-z0-9_\-:$]+$/;

/** Topics already checked; bounded, so services that mint topics freely do not grow it forever. */
const validTopics = new Set<string>();
const VALID_TOPICS_LIMIT = 10_000;

/**
 * Checks a concrete topic (what `publish` takes): dot-separated non-empty words, no wildcards.
 * Throws `InvalidTopicError` naming the problem.
 */
export function assertValidTopic(topic: string): void {
  if (validTopics.has(topic)) return;
  checkTopicWords(topic);
  if (validTopics.size >= VALID_TOPICS_LIMIT) validTopics.clear();
  validTopics.add(topic);
}

function checkTopicWords(topic: string): void {
  for (const word of splitWords(topic, 'topic')) {
    if (!WORD.test(word)) {
      throw new InvalidTopicError(
        `Topic "${topic}" has an invalid word "${word}": use letters, digits, "_", "-", ":" or "$"`,
      );
    }
  }
}

/** Whether `topic` is a valid concrete topic. */
export function isValidTopic(topic: string): boolean {
  try {
    assertValidTopic(topic);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks a subscription pattern: words as in a topic, or `*` (exactly one word) or `#` (zero or
 * more words) standing alone between dots.
 */
export function assertValidPattern(pattern: string): void {
  for (const word of splitWords(pattern, 'pattern')) {
    if (word !== '*' && word !== '#' && !WORD.test(word)) {
      throw new InvalidTopicError(
        `Pattern "${pattern}" has an invalid word "${word}": wildcards "*" and "#" must stand alone between dots`,
      );
    }
  }
}

/** Whether a pattern contains `*` or `#`. */
export function isWildcard(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('#');
}

/** A compiled pattern: a predicate over topics. */
export type TopicMatcher = (topic: string) => boolean;

/**
 * Compiles an AMQP-style pattern once: an exact pattern is a string comparison; a wildcard one is
 * a regular expression, so matching never allocates.
 */
export function compilePattern(pattern: string): TopicMatcher {
  assertValidPattern(pattern);
  if (!isWildcard(pattern)) return (topic) => topic === pattern;
  if (pattern === '#') return () => true;
  const regex = new RegExp(`^${patternToRegexSource(pattern)}$`);
  return (topic) => regex.test(topic);
}

/** Whether `topic` matches `pattern`; compiles on every call, so prefer `compilePattern`. */
export function matchesPattern(pattern: string, topic: string): boolean {
  return compilePattern(pattern)(topic);
}

function patternToRegexSource(pattern: string): string {
  const words = pattern.split('.');
  let source = '';
  words.forEach((word, index) => {
    const first = index === 0;
    if (word === '#') {
      // Zero or more words, with the dots that separate them from their neighbours.
      source += first ? '(?:[^.]+(?:\\.|$))*' : '(?:\\.[^.]+)*';
      return;
    }
    const escaped = word === '*' ? '[^.]+' : word.replace(/[$]/g, '\\$');
    const afterLeadingHash = index === 1 && words[0] === '#';
    source += first || afterLeadingHash ? escaped : `\\.${escaped}`;
  });
  return source;
}

function splitWords(value: string, what: string): string[] {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidTopicError(`A ${what} must be a non-empty string`);
  }
  const words = value.split('.');
  if (words.some((word) => word.length === 0)) {
    throw new InvalidTopicError(
      `${capitalize(what)} "${value}" has an empty word (check the dots)`,
    );
  }
  return words;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
