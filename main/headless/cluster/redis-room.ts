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
 *   tincan:{ROOM}:joined:NODE     hash: client id -> when its join was added (ms, from its entry id)
 *   tincan:{ROOM}:names           hash: a name's look-alike key -> `NODE CLIENT IP:port NAME`, its one holder
 *   tincan:{ROOM}:named:NODE      hash: client id -> the look-alike key of the name it holds
 *   tincan:{ROOM}:said            list: ids of the room's last lines (newest first, at most SAID_KEPT),
 *                                 each from a client its node had in its member hash under that label
 *   tincan:{ROOM}:seq             hash: node id -> last event sequence number appended
 *   tincan:{ROOM}:ids:NODE        hash: sequence number -> the id of the entry APPEND added with it
 *                                 (NODE's last 2 × stream cap sequence numbers), so a reader can tell
 *                                 NODE's entry from one XADDed with the same number
 *   tincan:{ROOM}:dead:NODE       tombstone: NODE was declared dead (its clients' departures announced)
 *
 * A stream entry is one event, fields:
 *   k  'j' join | 'l' line | 'q' leave (quit) | 'n' name taken, changed or dropped
 *   o  ordinal: the stream's entries-added count once this entry was added (1, 2, 3, …);
 *      trimming never renumbers, so a reader that sees a jump knows how much it missed
 *   n  origin node id          s  the origin's sequence number (absent when a reaper wrote it)
 *   c  client id on that node  p  `IP:port` as that node saw the client
 *   t  the line (lines only)   r  the node that announced a dead node's departures (reaped leaves only)
 *   a  the new name, h  its look-alike key (name entries; both absent when the name was dropped)
 *
 * Names are unique room-wide because only APPEND grants them, one event at a time, against
 * the `names` hash: a name whose key another client holds is refused (no entry; the caller
 * is told who holds it). A name leaves with its person: a departure (APPEND), a dead node
 * (REAP) or a clean goodbye (DEREGISTER) releases it in the same step.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { MAX_REPLAY_LINES } from '../../chat/replay';

export interface RoomKeys {
  /** `tincan:{ROOM}:`, the prefix of every key of the room. */
  prefix: string;
  stream: string;
  epoch: string;
  nodes: string;
  seq: string;
  names: string;
  said: string;
  lease(node: string): string;
  members(node: string): string;
  joined(node: string): string;
  named(node: string): string;
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
    names: `${prefix}names`,
    said: `${prefix}said`,
    lease: (node) => `${prefix}lease:${node}`,
    members: (node) => `${prefix}members:${node}`,
    joined: (node) => `${prefix}joined:${node}`,
    named: (node) => `${prefix}named:${node}`,
    dead: (node) => `${prefix}dead:${node}`,
  };
}

/** Line ids `said` keeps: the most catch-up a node offers (the server's MAX_REPLAY_LINES). */
export const SAID_KEPT = MAX_REPLAY_LINES;

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
-- NODE's CLIENT gives up the name it holds (if any): the look-alike key is free again unless
-- someone else holds it now. Returns whether it held one.
local function release_name(prefix, node, client)
  local named = prefix .. 'named:' .. node
  local key = redis.call('HGET', named, client)
  if not key then return false end
  local holder = redis.call('HGET', prefix .. 'names', key)
  local owner = node .. ' ' .. client .. ' '
  if holder and string.sub(holder, 1, #owner) == owner then redis.call('HDEL', prefix .. 'names', key) end
  redis.call('HDEL', named, client)
  return true
end
-- Everything NODE's clients held in the room goes with the node.
local function release_node(prefix, node)
  local named = redis.call('HGETALL', prefix .. 'named:' .. node)
  for h = 1, #named, 2 do release_name(prefix, node, named[h]) end
  redis.call('DEL', prefix .. 'named:' .. node, prefix .. 'joined:' .. node, prefix .. 'members:' .. node, prefix .. 'ids:' .. node)
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
 * A name event (kind 'n', text `KEY\nNAME`, or '' to drop the name) is a claim: granted only
 * to a member, when no other client holds the key and the node holds fewer than `max names`;
 * a refused claim adds no entry (it still uses up its sequence number).
 *
 * A line from a member under its own label is also listed in `said`, for catch-up.
 *
 * KEYS: stream, seq, dead:NODE, members:NODE, names, named:NODE, joined:NODE, said
 * ARGV: node, first seq, stream cap, key prefix, max names, then per event: kind, client, peer, text
 *       (kind 'm' asserts a member without an event: used after Redis lost its data)
 * Returns {the node's last appended sequence number, then per refused claim: its sequence
 * number, the holder's name and label ('' and '' when the node holds too many names)}, or {-1}
 * if the node was declared dead.
 */
export const APPEND = script('append', `
if redis.call('EXISTS', KEYS[3]) == 1 then return {-1} end
local node = ARGV[1]
local last = tonumber(redis.call('HGET', KEYS[2], node) or '0')
local seq = tonumber(ARGV[2])
local prefix, max_names = ARGV[4], tonumber(ARGV[5])
local ordinal = entries_added(KEYS[1])
local added = 0
local said = false
local refused = {}
local ids, kept = prefix .. 'ids:' .. node, 2 * tonumber(ARGV[3])
for i = 6, #ARGV, 4 do
  if seq > last then
    local kind = ARGV[i]
    local s = string.format('%d', seq)
    if seq > kept then redis.call('HDEL', ids, string.format('%d', seq - kept)) end
    if kind == 'l' then
      ordinal = ordinal + 1
      local id = redis.call('XADD', KEYS[1], '*', 'k', 'l', 'o', string.format('%d', ordinal), 'n', node, 's', s, 'c', ARGV[i + 1], 'p', ARGV[i + 2], 't', ARGV[i + 3])
      redis.call('HSET', ids, s, id)
      if redis.call('HGET', KEYS[4], ARGV[i + 1]) == ARGV[i + 2] then
        redis.call('LPUSH', KEYS[8], id)
        said = true
      end
      added = added + 1
    elseif kind == 'j' then
      ordinal = ordinal + 1
      local id = redis.call('XADD', KEYS[1], '*', 'k', 'j', 'o', string.format('%d', ordinal), 'n', node, 's', s, 'c', ARGV[i + 1], 'p', ARGV[i + 2])
      redis.call('HSET', ids, s, id)
      redis.call('HSET', KEYS[4], ARGV[i + 1], ARGV[i + 2])
      redis.call('HSET', KEYS[7], ARGV[i + 1], string.match(id, '^%d+'))
      added = added + 1
    elseif kind == 'q' then
      ordinal = ordinal + 1
      redis.call('HSET', ids, s, redis.call('XADD', KEYS[1], '*', 'k', 'q', 'o', string.format('%d', ordinal), 'n', node, 's', s, 'c', ARGV[i + 1], 'p', ARGV[i + 2]))
      redis.call('HDEL', KEYS[4], ARGV[i + 1])
      redis.call('HDEL', KEYS[7], ARGV[i + 1])
      release_name(prefix, node, ARGV[i + 1])
      added = added + 1
    elseif kind == 'm' then
      redis.call('HSET', KEYS[4], ARGV[i + 1], ARGV[i + 2])
    elseif kind == 'n' and redis.call('HGET', KEYS[4], ARGV[i + 1]) == ARGV[i + 2] then
      local client, peer, text = ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
      local owner = node .. ' ' .. client .. ' '
      if text == '' then
        if release_name(prefix, node, client) then
          ordinal = ordinal + 1
          redis.call('HSET', ids, s, redis.call('XADD', KEYS[1], '*', 'k', 'n', 'o', string.format('%d', ordinal), 'n', node, 's', s, 'c', client, 'p', peer))
          added = added + 1
        end
      else
        local newline = string.find(text, '\\n', 1, true)
        local key, name = string.sub(text, 1, newline - 1), string.sub(text, newline + 1)
        local holder = redis.call('HGET', KEYS[5], key)
        if holder and string.sub(holder, 1, #owner) ~= owner then
          local holder_peer, holder_name = string.match(holder, '^%S+ %S+ (%S+) (.+)$')
          table.insert(refused, s)
          table.insert(refused, holder_name or '?')
          table.insert(refused, holder_peer or '?')
        elseif not redis.call('HGET', KEYS[6], client) and redis.call('HLEN', KEYS[6]) >= max_names then
          table.insert(refused, s)
          table.insert(refused, '')
          table.insert(refused, '')
        else
          release_name(prefix, node, client)
          redis.call('HSET', KEYS[5], key, owner .. peer .. ' ' .. name)
          redis.call('HSET', KEYS[6], client, key)
          ordinal = ordinal + 1
          redis.call('HSET', ids, s, redis.call('XADD', KEYS[1], '*', 'k', 'n', 'o', string.format('%d', ordinal), 'n', node, 's', s, 'c', client, 'p', peer, 'a', name, 'h', key))
          added = added + 1
        end
      end
    end
    last = seq
  end
  seq = seq + 1
end
redis.call('HSET', KEYS[2], node, string.format('%d', last))
if added > 0 then redis.call('XTRIM', KEYS[1], 'MAXLEN', '~', ARGV[3]) end
if said then redis.call('LTRIM', KEYS[8], 0, ${SAID_KEPT - 1}) end
table.insert(refused, 1, last)
return refused
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
    release_node(prefix, node)
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
 * in the room at exactly that position, since when and under which names (membership and
 * names change only together with the stream).
 *
 * KEYS: stream, nodes, seq, epoch, names
 * ARGV: key prefix, fresh epoch
 * Returns {epoch, last id, entries added, {{node, last seq, {client, peer, ...}, {client, joined ms, ...}}...},
 *          {key, `NODE CLIENT IP:port NAME`, ...}}.
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
  table.insert(nodes, {node, redis.call('HGET', KEYS[3], node) or '0', redis.call('HGETALL', ARGV[1] .. 'members:' .. node),
    redis.call('HGETALL', ARGV[1] .. 'joined:' .. node)})
end
return {epoch, last, added, nodes, redis.call('HGETALL', KEYS[5])}
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
 *  - per (node, client) that says a line or names itself: the client's label in the node's
 *    member hash ('' if none), for a reader that missed its join (it was away for longer than
 *    the stream keeps);
 *  - per name key in a name entry: its holder now (`NODE CLIENT IP:port NAME`, '' if none), so
 *    a reader can tell a granted name from one that was never granted;
 *  - per entry with a sequence number: the id APPEND recorded for that node and number ('' if
 *    none), so a reader can tell the node's entry from one XADDed with the same number (which
 *    the sequence record alone cannot, once the node's real entry with that number is in).
 * The records are read after the entries were written, so a real entry's sequence number is
 * never above its node's record (while the node is registered).
 *
 * KEYS: stream, seq
 * ARGV: key prefix, the id to read after, max entries, max bytes, max value bytes, max scan bytes
 * Returns {{{id, {field, value, ...}}...}, {node, sequence record, reaper, ...}, {node, client, label, ...}, {key, holder, ...},
 * {node, entry id, recorded id, ...}}.
 */
export const READ = script('read', `
local max_entries, max_bytes, max_value, max_scan = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local entries, facts, members, named, holders, recorded = {}, {}, {}, {}, {}, {}
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
    if #entries > 0 and (bytes + size > max_bytes or scanned > max_scan) then return {entries, facts, members, holders, recorded} end
    bytes = bytes + size
    table.insert(entries, {id, fields})
    after = id
    local node, client, line, key, seq = nil, nil, false, nil, nil
    for i = 1, #fields, 2 do
      if fields[i] == 'n' then node = fields[i + 1] end
      if fields[i] == 's' then seq = fields[i + 1] end
      if fields[i] == 'c' then client = fields[i + 1] end
      if fields[i] == 'k' and (fields[i + 1] == 'l' or fields[i + 1] == 'n') then line = true end
      if fields[i] == 'h' then key = fields[i + 1] end
    end
    if key and not named['h ' .. key] then
      named['h ' .. key] = true
      table.insert(holders, key)
      table.insert(holders, redis.call('HGET', ARGV[1] .. 'names', key) or '')
    end
    if node and not named[node] then
      named[node] = true
      table.insert(facts, node)
      table.insert(facts, redis.call('HGET', KEYS[2], node) or '')
      table.insert(facts, redis.call('GET', ARGV[1] .. 'dead:' .. node) or '')
    end
    if node and seq then
      table.insert(recorded, node)
      table.insert(recorded, id)
      table.insert(recorded, redis.call('HGET', ARGV[1] .. 'ids:' .. node, seq) or '')
    end
    if line and node and client and not named[node .. ' ' .. client] then
      named[node .. ' ' .. client] = true
      table.insert(members, node)
      table.insert(members, client)
      table.insert(members, redis.call('HGET', ARGV[1] .. 'members:' .. node, client) or '')
    end
  end
end
return {entries, facts, members, holders, recorded}
`);

/**
 * Catch-up for a node that joins: the room's last lines up to the stream position `upto` (what
 * the node reads live comes after it), newest first from `said`, so only lines a node appended
 * for one of its members under that member's label; bounded in lines and in bytes, and without
 * entries trimmed from the stream since or that a node never writes (as READ drops them).
 *
 * KEYS: said, stream
 * ARGV: upto (an entry id), max lines, max bytes, max value bytes
 * Returns {{id, {field, value, ...}}...}, oldest first.
 */
export const HISTORY = script('history', `
local upto, max_lines, max_bytes, max_value = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local function after(a, b)
  local ams, aseq = string.match(a, '^(%d+)-(%d+)$')
  local bms, bseq = string.match(b, '^(%d+)-(%d+)$')
  if not ams or not bms then return true end
  if #ams ~= #bms then return #ams > #bms end
  if ams ~= bms then return ams > bms end
  return tonumber(aseq) > tonumber(bseq)
end
local kept, bytes = {}, 0
for _, id in ipairs(redis.call('LRANGE', KEYS[1], 0, ${SAID_KEPT - 1})) do
  if #kept >= max_lines then break end
  if not after(id, upto) then
    local found = redis.call('XRANGE', KEYS[2], id, id)
    if #found == 1 then
      local fields, size, real = found[1][2], 0, true
      for i = 1, #fields, 2 do
        size = size + #fields[i + 1]
        if #fields[i + 1] > max_value or (fields[i] == 't' and string.find(fields[i + 1], '[\\r\\n]')) then real = false end
      end
      if real then
        if bytes + size > max_bytes then break end
        bytes = bytes + size
        table.insert(kept, found[1])
      end
    end
  end
end
local oldest_first = {}
for i = #kept, 1, -1 do table.insert(oldest_first, kept[i]) end
return oldest_first
`);

/**
 * A clean goodbye: the node's clients have all left through the stream; forget the node (and
 * anything its clients still held).
 * KEYS: lease:NODE, nodes, seq   ARGV: node, key prefix
 */
export const DEREGISTER = script('deregister', `
redis.call('DEL', KEYS[1])
release_node(ARGV[2], ARGV[1])
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
