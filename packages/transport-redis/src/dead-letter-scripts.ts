import type { Redis } from 'ioredis';
import { type Argument, type ScriptCall, define } from './scripts';

/**
 * Adds a message to a queue's retry stream, only if the queue's group exists there, in one step:
 * a redelivery never creates a stream nobody reads. Returns 1, or 0 when the group is missing.
 * KEYS: queue stream. ARGV: group, MAXLEN (0 = none), fields….
 */
const REDELIVER = `local groups = redis.pcall('XINFO', 'GROUPS', KEYS[1])
if type(groups) ~= 'table' or groups.err then return 0 end
local found = false
for _, group in ipairs(groups) do
  for i = 1, #group, 2 do
    if group[i] == 'name' and group[i + 1] == ARGV[1] then found = true end
  end
end
if not found then return 0 end
if tonumber(ARGV[2]) > 0 then
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
else
  redis.call('XADD', KEYS[1], '*', unpack(ARGV, 3))
end
return 1`;

/**
 * Deletes, among up to ARGV[2] entries after ARGV[1] ('-' = from the start), those whose message
 * id is one of the ids given, reading ids the way `decodeEntry` does: the `id` field, or
 * `<topic>@<entry id>` for an entry without `id` or without `body`. Only ids cross the wire, not
 * bodies. Returns { removed, last entry id read or '' when the stream is exhausted }.
 * KEYS: dead-letter stream. ARGV: after, page size, ids….
 */
const DELETE_PAGE = `local wanted = {}
for i = 3, #ARGV do wanted[ARGV[i]] = true end
local start = ARGV[1]
if start ~= '-' then start = '(' .. start end
local size = tonumber(ARGV[2])
local entries = redis.call('XRANGE', KEYS[1], start, '+', 'COUNT', size)
local doomed = {}
for _, entry in ipairs(entries) do
  local fields = entry[2]
  local id, topic, body
  for i = 1, #fields, 2 do
    local name = fields[i]
    if name == 'id' then id = fields[i + 1]
    elseif name == 'topic' then topic = fields[i + 1]
    elseif name == 'body' then body = true end
  end
  if id == nil or body == nil then id = (topic or '') .. '@' .. entry[1] end
  if wanted[id] then doomed[#doomed + 1] = entry[1] end
end
local removed = 0
if #doomed > 0 then removed = redis.call('XDEL', KEYS[1], unpack(doomed)) end
local last = ''
if #entries == size then last = entries[#entries][1] end
return { removed, last }`;

/** The Lua scripts behind dead-letter management (`DeadLetterAdmin`). */
export class DeadLetterScripts {
  private readonly redeliverCall: ScriptCall;
  private readonly deletePageCall: ScriptCall;

  constructor(redis: Redis) {
    this.redeliverCall = define(redis, 'swyRedeliver', 1, REDELIVER);
    this.deletePageCall = define(redis, 'swyDeleteDeadLetters', 1, DELETE_PAGE);
  }

  /** Adds `fields` to `stream` if `group` exists on it; resolves to whether it did. */
  async redeliver(
    stream: string,
    group: string,
    maxLen: number,
    fields: readonly Argument[],
  ): Promise<boolean> {
    return Number(await this.redeliverCall(stream, group, maxLen, ...fields)) === 1;
  }

  /**
   * Deletes the entries with one of `ids` among up to `size` entries after `after` ('-' for the
   * start); resolves to how many, and where the next page starts (`undefined` at the end).
   */
  async deletePage(
    stream: string,
    after: string,
    size: number,
    ids: readonly string[],
  ): Promise<{ removed: number; last: string | undefined }> {
    const [removed, last] = (await this.deletePageCall(stream, after, size, ...ids)) as [
      number,
      string,
    ];
    return { removed: Number(removed), last: last === '' ? undefined : String(last) };
  }
}
