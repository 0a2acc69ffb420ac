/**
 * The room as Redis keeps it: key names and the Lua scripts that change several keys at
 * once. Every key of a room carries the hash tag `{ROOM}`, so they all live in one slot and
 * a script may touch any of them.
 *
 *   tincan:{ROOM}:stream          the room's events in order (XADD by nodes, XREAD by every node)
 *   tincan:{ROOM}:epoch           random; a new value means Redis lost the room's data
 *   tincan:{ROOM}:nodes           set of node ids that registered
 *   tincan:{ROOM}:lease:NODE      exists while NODE is alive (PX lease, renewed by heartbeats)
 *   tincan:{ROOM}:members:NODE    hash: client id -> `IP:port` of NODE's clients in the room
 *   tincan:{ROOM}:seq             hash: node id -> last event sequence number appended
 *   tincan:{ROOM}:dead:NODE       tombstone: NODE was declared dead (its clients' departures announced)
 *
 * A stream entry is one event, fields:
 *   k  'j' join | 'l' line | 'q' leave (quit)
 *   o  ordinal: the stream's entries-added count once this entry was added (1, 2, 3, …);
 *      trimming never renumbers, so a reader that sees a jump knows how much it missed
 *   n  origin node id          s  the origin's sequence number (absent when a reaper wrote it)
 *   c  client id on that node  p  `IP:port` as that node saw the client
 *   t  the line (lines only)   r  the node that announced a dead node's departures (reaped leaves only)
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface RoomKeys {
  /** `tincan:{ROOM}:`, the prefix of every key of the room. */
  prefix: string;
  stream: string;
  epoch: string;
  nodes: string;
  seq: string;
  lease(node: string): string;
  members(node: string): string;
  dead(node: string): string;
}

export function roomKeys(room: string): RoomKeys {
  const prefix = `tincan:{${room}}:`;
  return {
    prefix,
    stream: `${prefix}stream`,
    epoch: `${prefix}epoch`,
    nodes: `${prefix}nodes`,
    seq: `${prefix}seq`,
    lease: (node) => `${prefix}lease:${node}`,
    members: (node) => `${prefix}members:${node}`,
    dead: (node) => `${prefix}dead:${node}`,
  };
}

export interface LuaScript {
  name: string;
  source: string;
  sha: string;
}

function script(name: string, body: string): LuaScript {
  const source = `${LUA_HELPERS}\n${body}`;
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

const LUA_HELPERS = `
local function info_field(info, name)
  for i = 1, #info, 2 do
    if info[i] == name then return info[i + 1] end
  end
  return nil
end
-- How many entries were ever added to the stream (trimming does not lower it): the next
-- entry's ordinal is this plus one. Readers detect a gap as a jump in ordinals.
local function entries_added(stream)
  if redis.call('EXISTS', stream) == 0 then return 0 end
  return tonumber(info_field(redis.call('XINFO', 'STREAM', stream), 'entries-added'))
end
local function ensure_epoch(key, fresh)
  local epoch = redis.call('GET', key)
  if not epoch then
    redis.call('SET', key, fresh)
    epoch = fresh
  end
  return epoch
end`;

/**
 * Appends a node's events in order, once each: an event whose sequence number is not above
 * the node's last appended one was appended before (a batch resent after a lost reply) and is
 * skipped. Joins and leaves update the node's member hash in the same step, so membership and
 * stream never disagree. A node declared dead may append nothing.
 *
 * KEYS: stream, seq, dead:NODE, members:NODE
 * ARGV: node, first seq, stream cap, then per event: kind, client, peer, text
 *       (kind 'm' asserts a member without an event: used after Redis lost its data)
 * Returns the node's last appended sequence number, or -1 if the node was declared dead.
 */
export const APPEND = script('append', `
if redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
local node = ARGV[1]
local last = tonumber(redis.call('HGET', KEYS[2], node) or '0')
local seq = tonumber(ARGV[2])
local ordinal = entries_added(KEYS[1])
local added = 0
for i = 4, #ARGV, 4 do
  if seq > last then
    local kind = ARGV[i]
    local s = string.format('%d', seq)
    if kind == 'l' then
      ordinal = ordinal + 1
      redis.call('XADD', KEYS[1], '*', 'k', 'l', 'o', string.format('%d', ordinal), 'n', node, 's', s, 'c', ARGV[i + 1], 'p', ARGV[i + 2], 't', ARGV[i + 3])
      added = added + 1
    elseif kind == 'j' then
      ordinal = ordinal + 1
      redis.call('XADD', KEYS[1], '*', 'k', 'j', 'o', string.format('%d', ordinal), 'n', node, 's', s, 'c', ARGV[i + 1], 'p', ARGV[i + 2])
      redis.call('HSET', KEYS[4], ARGV[i + 1], ARGV[i + 2])
      added = added + 1
    elseif kind == 'q' then
      ordinal = ordinal + 1
      redis.call('XADD', KEYS[1], '*', 'k', 'q', 'o', string.format('%d', ordinal), 'n', node, 's', s, 'c', ARGV[i + 1], 'p', ARGV[i + 2])
      redis.call('HDEL', KEYS[4], ARGV[i + 1])
      added = added + 1
    elseif kind == 'm' then
      redis.call('HSET', KEYS[4], ARGV[i + 1], ARGV[i + 2])
    end
    last = seq
  end
  seq = seq + 1
end
redis.call('HSET', KEYS[2], node, string.format('%d', last))
if added > 0 then redis.call('XTRIM', KEYS[1], 'MAXLEN', '~', ARGV[3]) end
return last
`);

/**
 * Heartbeat: renews the node's lease unless it was declared dead, and says which of the
 * candidate nodes (the registered ones plus those the caller knows) have no lease any more.
 * Also returns the room's epoch and the stream's last id, so a node notices when Redis lost
 * the room's data or went back to an older copy of it.
 *
 * KEYS: lease:NODE, dead:NODE, nodes, epoch, stream
 * ARGV: node, lease ms, fresh epoch (used if Redis has none), key prefix, then candidate node ids
 * Returns {'ok', epoch, last id, dead node ids...} or {'dead'}.
 */
export const HEARTBEAT = script('heartbeat', `
if redis.call('EXISTS', KEYS[2]) == 1 then return {'dead'} end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
redis.call('SADD', KEYS[3], ARGV[1])
local last = '0-0'
if redis.call('EXISTS', KEYS[5]) == 1 then last = info_field(redis.call('XINFO', 'STREAM', KEYS[5]), 'last-generated-id') end
local out = {'ok', ensure_epoch(KEYS[4], ARGV[3]), last}
local seen = {}
local candidates = redis.call('SMEMBERS', KEYS[3])
for i = 5, #ARGV do table.insert(candidates, ARGV[i]) end
for _, node in ipairs(candidates) do
  if node ~= ARGV[1] and not seen[node] then
    seen[node] = true
    if redis.call('EXISTS', ARGV[4] .. 'lease:' .. node) == 0 then table.insert(out, node) end
  end
end
return out
`);

/**
 * Announces the departure of every client of each dead node, once: the tombstone (SET NX)
 * makes sure only the first survivor to get there does it, and the member hash is deleted in
 * the same step. The caller adds the members it knows of (Redis may have lost them).
 *
 * KEYS: stream, nodes, seq
 * ARGV: key prefix, stream cap, reaper node id, tombstone seconds,
 *       then per dead node: node id, count N, N times (client id, peer)
 * Returns {leaves announced, reaped node ids...}.
 */
export const REAP = script('reap', `
local prefix = ARGV[1]
local ordinal = entries_added(KEYS[1])
local announced = 0
local out = {0}
local i = 5
while i <= #ARGV do
  local node = ARGV[i]
  local count = tonumber(ARGV[i + 1])
  local known = {}
  for k = 0, count - 1 do
    known[ARGV[i + 2 + 2 * k]] = ARGV[i + 3 + 2 * k]
  end
  i = i + 2 + 2 * count
  if node ~= ARGV[3] and redis.call('EXISTS', prefix .. 'lease:' .. node) == 0 then
    if redis.call('SET', prefix .. 'dead:' .. node, ARGV[3], 'NX', 'EX', ARGV[4]) then
      local hash = redis.call('HGETALL', prefix .. 'members:' .. node)
      for h = 1, #hash, 2 do known[hash[h]] = hash[h + 1] end
      local clients = {}
      for client in pairs(known) do table.insert(clients, client) end
      table.sort(clients, function(a, b) return tonumber(a) < tonumber(b) end)
      for _, client in ipairs(clients) do
        ordinal = ordinal + 1
        redis.call('XADD', KEYS[1], '*', 'k', 'q', 'o', string.format('%d', ordinal), 'n', node, 'c', client, 'p', known[client], 'r', ARGV[3])
        announced = announced + 1
      end
      table.insert(out, node)
    end
    redis.call('DEL', prefix .. 'members:' .. node)
    redis.call('SREM', KEYS[2], node)
    redis.call('HDEL', KEYS[3], node)
  end
end
if announced > 0 then redis.call('XTRIM', KEYS[1], 'MAXLEN', '~', ARGV[2]) end
out[1] = announced
return out
`);

/**
 * What a node needs to join: the room's epoch, the stream position to read from, and who is
 * in the room at exactly that position (membership changes only together with the stream).
 *
 * KEYS: stream, nodes, seq, epoch
 * ARGV: key prefix, fresh epoch
 * Returns {epoch, last id, entries added, {node, last seq, {client, peer, ...}}...}.
 */
export const SNAPSHOT = script('snapshot', `
local epoch = ensure_epoch(KEYS[4], ARGV[2])
local last, added = '0-0', 0
if redis.call('EXISTS', KEYS[1]) == 1 then
  local info = redis.call('XINFO', 'STREAM', KEYS[1])
  last = info_field(info, 'last-generated-id')
  added = info_field(info, 'entries-added')
end
local nodes = {}
for _, node in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  table.insert(nodes, {node, redis.call('HGET', KEYS[3], node) or '0', redis.call('HGETALL', ARGV[1] .. 'members:' .. node)})
end
return {epoch, last, added, nodes}
`);

/**
 * Reads the stream after a position, bounded in entries and in bytes, together with what
 * Redis records about the nodes the entries name, so the reader can check each entry against
 * it (anything with write access to the stream can XADD whatever it likes):
 *  - an entry a real node never writes (a value longer than `max value`, a text with CR or
 *    LF, too many fields) comes back as its id alone: the reader counts it and moves past it,
 *    and its bytes never leave Redis;
 *  - the entries stop before `max bytes` would be passed (at least one is returned), or
 *    once `max scan` bytes were looked at (dropped entries included: Redis waits meanwhile);
 *  - per node named: its sequence record (the last sequence number APPEND wrote for it, ''
 *    when there is none) and its tombstone (the node that reaped it, '' when it is alive);
 *  - per (node, client) that says a line: the client's label in the node's member hash ('' if none),
 *    for a reader that missed its join (it was away for longer than the stream keeps).
 * The records are read after the entries were written, so a real entry's sequence number is
 * never above its node's record (while the node is registered).
 *
 * KEYS: stream, seq
 * ARGV: key prefix, the id to read after, max entries, max bytes, max value bytes, max scan bytes
 * Returns {{{id, {field, value, ...}}...}, {node, sequence record, reaper, ...}, {node, client, label, ...}}.
 */
export const READ = script('read', `
local max_entries, max_bytes, max_value, max_scan = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local entries, facts, members, named = {}, {}, {}, {}
local bytes, scanned, after = 0, 0, ARGV[2]
while #entries < max_entries do
  local chunk = redis.call('XRANGE', KEYS[1], '(' .. after, '+', 'COUNT', math.min(16, max_entries - #entries))
  if #chunk == 0 then break end
  for _, entry in ipairs(chunk) do
    local id, fields = entry[1], entry[2]
    local size, real = #id, #fields <= 18
    for i = 1, #fields, 2 do
      local value = fields[i + 1]
      size = size + #fields[i] + #value
      if #fields[i] > 1 or #value > max_value or (fields[i] == 't' and string.find(value, '[\\r\\n]')) then real = false end
    end
    scanned = scanned + size
    if not real then
      fields = {}
      size = #id
    end
    if #entries > 0 and (bytes + size > max_bytes or scanned > max_scan) then return {entries, facts, members} end
    bytes = bytes + size
    table.insert(entries, {id, fields})
    after = id
    local node, client, line = nil, nil, false
    for i = 1, #fields, 2 do
      if fields[i] == 'n' then node = fields[i + 1] end
      if fields[i] == 'c' then client = fields[i + 1] end
      if fields[i] == 'k' and fields[i + 1] == 'l' then line = true end
    end
    if node and not named[node] then
      named[node] = true
      table.insert(facts, node)
      table.insert(facts, redis.call('HGET', KEYS[2], node) or '')
      table.insert(facts, redis.call('GET', ARGV[1] .. 'dead:' .. node) or '')
    end
    if line and node and client and not named[node .. ' ' .. client] then
      named[node .. ' ' .. client] = true
      table.insert(members, node)
      table.insert(members, client)
      table.insert(members, redis.call('HGET', ARGV[1] .. 'members:' .. node, client) or '')
    end
  end
end
return {entries, facts, members}
`);

/**
 * A clean goodbye: the node's clients have all left through the stream; forget the node.
 * KEYS: lease:NODE, nodes, seq, members:NODE   ARGV: node
 */
export const DEREGISTER = script('deregister', `
redis.call('DEL', KEYS[1], KEYS[4])
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1
`);

/**
 * Runs a script by its SHA1 and loads it on NOSCRIPT (a restarted Redis has an empty script
 * cache). Replies are Buffers: lines are bytes, not necessarily valid UTF-8.
 */
export async function runScript(redis: Redis, lua: LuaScript, keys: string[], args: Array<string | Buffer | number>): Promise<unknown> {
  try {
    return await redis.callBuffer('EVALSHA', lua.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return redis.callBuffer('EVAL', lua.source, keys.length, ...keys, ...args);
  }
}
