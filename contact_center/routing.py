"""The routing engine: which agent gets which waiting call, kept in Redis.

Every decision that touches more than one key is a Lua script, so it is atomic
across web processes: one call is never offered to two agents, and an agent
never holds two offers. Python only chooses *when* to run the scripts.

Keys (``P`` is the prefix):
  P:call:<sid>           hash: queue, skills, priority, score, state, agent, offer_id
  P:waiting              zset of calls not yet offered, best first
  P:queue:<name>         zset of a queue's calls not yet accepted, by enqueue time
  P:queues               set of queue names ever used
  P:offers               zset of offered calls by offer expiry
  P:agent:<id>           hash: name, skills, state, since, call_sid
  P:agent:<id>:skills    set of the agent's skills
  P:agents               set of agent ids known to routing
  P:available            zset of available agents by idle-since (longest idle first)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import redis

from contact_center.exceptions import AgentStateError, OfferNotValid

#: A console that has not said it is alive for this long no longer counts. Browsers
#: run a hidden tab's timers as rarely as once a minute, hence the margin.
CONSOLE_TTL_SECONDS = 150.0
#: Priority outweighs any plausible wait: a day is 86,400 s.
PRIORITY_WEIGHT = 10_000_000

_DISPATCH = """
local p, now, expires = ARGV[1], ARGV[2], ARGV[3]
local calls = redis.call('ZRANGE', p..':waiting', 0, -1)
local agents = redis.call('ZRANGE', p..':available', 0, -1)
local taken, out = {}, {}
-- Calls that need the same skills as one nobody free could take are skipped:
-- this keeps a long queue from costing calls x agents every run.
local unmatched = {}
local free = #agents
for _, sid in ipairs(calls) do
  if free == 0 then break end
  local c = p..':call:'..sid
  local skills = redis.call('HGET', c, 'skills') or ''
  local matched = false
  local agents_to_try = agents
  if unmatched[skills] then agents_to_try = {} end
  for _, aid in ipairs(agents_to_try) do
    if not taken[aid] then
      local ok = true
      for skill in string.gmatch(skills, '%S+') do
        if redis.call('SISMEMBER', p..':agent:'..aid..':skills', skill) == 0 then
          ok = false
          break
        end
      end
      if ok then
        taken[aid] = true
        free = free - 1
        local offer = tostring(redis.call('INCR', p..':offer_seq'))
        redis.call('ZREM', p..':available', aid)
        redis.call('HSET', p..':agent:'..aid, 'state', 'offered', 'since', now, 'call_sid', sid)
        redis.call('HSET', c, 'state', 'offered', 'agent', aid, 'offer_id', offer,
                   'offer_expires', expires)
        redis.call('ZREM', p..':waiting', sid)
        redis.call('ZADD', p..':offers', expires, sid)
        table.insert(out, {sid, aid, offer, expires})
        matched = true
        break
      end
    end
  end
  if not matched then unmatched[skills] = true end
end
return out
"""

_ENQUEUE = """
local p, sid, queue, skills, priority, score, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local c = p..':call:'..sid
if redis.call('EXISTS', c) == 1 then return 0 end
redis.call('HSET', c, 'state', 'waiting', 'queue', queue, 'skills', skills, 'priority', priority,
           'score', score, 'enqueued_at', now)
redis.call('ZADD', p..':waiting', score, sid)
redis.call('ZADD', p..':queue:'..queue, now, sid)
redis.call('SADD', p..':queues', queue)
return 1
"""

# Put an offered call back in line; the agent goes to ARGV[4] (missed, away).
_WITHDRAW_OFFER = """
local p, sid, now, agent_state = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local c = p..':call:'..sid
if redis.call('HGET', c, 'state') ~= 'offered' then return false end
local aid = redis.call('HGET', c, 'agent')
local offer = redis.call('HGET', c, 'offer_id')
if ARGV[5] and ARGV[5] ~= '' and (ARGV[5] ~= aid or ARGV[6] ~= offer) then return false end
redis.call('ZREM', p..':offers', sid)
redis.call('HSET', c, 'state', 'waiting')
redis.call('HDEL', c, 'agent', 'offer_id', 'offer_expires')
redis.call('HINCRBY', c, 'offers_lapsed', 1)
redis.call('ZADD', p..':waiting', redis.call('HGET', c, 'score'), sid)
local a = p..':agent:'..aid
if redis.call('HGET', a, 'call_sid') == sid then
  redis.call('HSET', a, 'state', agent_state, 'since', now)
  redis.call('HDEL', a, 'call_sid')
  redis.call('ZREM', p..':available', aid)
end
return {sid, aid, offer}
"""

_ACCEPT = """
local p, sid, aid, offer, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local c = p..':call:'..sid
if redis.call('HGET', c, 'state') ~= 'offered' then return 'not offered' end
if redis.call('HGET', c, 'agent') ~= aid then return 'offered to another agent' end
if redis.call('HGET', c, 'offer_id') ~= offer then return 'offer replaced' end
redis.call('ZREM', p..':offers', sid)
redis.call('ZREM', p..':queue:'..redis.call('HGET', c, 'queue'), sid)
redis.call('HSET', c, 'state', 'connecting')
redis.call('HSET', p..':agent:'..aid, 'state', 'busy', 'since', now)
return 'ok'
"""

# End a call in whatever state it is; frees or wraps up its agent.
_END_CALL = """
local p, sid, now = ARGV[1], ARGV[2], ARGV[3]
local c = p..':call:'..sid
local state = redis.call('HGET', c, 'state')
if not state then return false end
local aid = redis.call('HGET', c, 'agent') or ''
redis.call('ZREM', p..':waiting', sid)
redis.call('ZREM', p..':offers', sid)
redis.call('ZREM', p..':queue:'..redis.call('HGET', c, 'queue'), sid)
redis.call('DEL', c)
if aid ~= '' then
  local a = p..':agent:'..aid
  if redis.call('HGET', a, 'call_sid') == sid then
    if state == 'offered' or state == 'connecting' then
      redis.call('HSET', a, 'state', 'available', 'since', now)
      redis.call('HDEL', a, 'call_sid')
      redis.call('ZADD', p..':available', now, aid)
    else
      redis.call('HSET', a, 'state', 'wrap_up', 'since', now)
    end
  end
end
return {state, aid}
"""

# An accepted call whose agent leg failed goes back to the head of its line.
_REQUEUE = """
local p, sid, now, agent = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local c = p..':call:'..sid
local state = redis.call('HGET', c, 'state')
if state ~= 'connecting' then return false end
local aid = redis.call('HGET', c, 'agent')
if aid ~= agent then return false end
redis.call('HSET', c, 'state', 'waiting')
redis.call('HDEL', c, 'agent', 'offer_id', 'offer_expires')
redis.call('ZADD', p..':waiting', redis.call('HGET', c, 'score'), sid)
redis.call('ZADD', p..':queue:'..redis.call('HGET', c, 'queue'),
           redis.call('HGET', c, 'enqueued_at'), sid)
local a = p..':agent:'..aid
if redis.call('HGET', a, 'call_sid') == sid then
  redis.call('HSET', a, 'state', 'missed', 'since', now)
  redis.call('HDEL', a, 'call_sid')
end
return aid
"""

# Agent-chosen states. Offered/busy agents cannot walk away from a call here.
_SET_AGENT_STATE = """
local p, aid, state, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local a = p..':agent:'..aid
local current = redis.call('HGET', a, 'state') or 'offline'
if current == 'busy' or current == 'offered' then return current end
-- Wrap-up ends only by finishing it, so every call's handle time is known.
if current == 'wrap_up' and ARGV[5] ~= '1' then return current end
redis.call('HSET', a, 'state', state, 'since', now)
redis.call('HDEL', a, 'call_sid')
if state == 'available' then
  redis.call('ZADD', p..':available', now, aid)
else
  redis.call('ZREM', p..':available', aid)
end
return 'ok'
"""


@dataclass(frozen=True)
class Offer:
    call_sid: str
    agent_id: int
    offer_id: str
    expires_at: float


@dataclass(frozen=True)
class Lapse:
    call_sid: str
    agent_id: int
    offer_id: str


@dataclass(frozen=True)
class EndedCall:
    previous_state: str
    agent_id: int | None


class Router:
    def __init__(
        self,
        connection: redis.Redis,
        offer_timeout: float,
        prefix: str = "cc",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.redis = connection
        self.offer_timeout = offer_timeout
        self.prefix = prefix
        self.clock = clock
        self._enqueue = connection.register_script(_ENQUEUE)
        self._dispatch = connection.register_script(_DISPATCH)
        self._withdraw = connection.register_script(_WITHDRAW_OFFER)
        self._accept = connection.register_script(_ACCEPT)
        self._end_call = connection.register_script(_END_CALL)
        self._requeue = connection.register_script(_REQUEUE)
        self._set_state = connection.register_script(_SET_AGENT_STATE)

    def _key(self, *parts: object) -> str:
        return ":".join([self.prefix, *map(str, parts)])

    def _now(self) -> str:
        return repr(self.clock())

    # -- agents ---------------------------------------------------------------

    def register_agent(self, agent_id: int, name: str, skills: Iterable[str]) -> None:
        """Make an agent known with their current skills; state is kept."""
        skills = sorted(set(skills))
        skills_key = self._key("agent", agent_id, "skills")
        with self.redis.pipeline() as pipe:
            pipe.hset(self._key("agent", agent_id), mapping={"name": name, "skills": " ".join(skills)})
            pipe.hsetnx(self._key("agent", agent_id), "state", "offline")
            pipe.hsetnx(self._key("agent", agent_id), "since", self._now())
            pipe.delete(skills_key)
            if skills:
                pipe.sadd(skills_key, *skills)
            pipe.sadd(self._key("agents"), agent_id)
            pipe.execute()

    def set_agent_state(self, agent_id: int, state: str, *, ending_wrap_up: bool = False) -> None:
        """Move an agent to available, away or offline, if their state allows."""
        if state not in ("available", "away", "offline"):
            raise AgentStateError(f"agents cannot choose the state '{state}'")
        result = self._set_state(
            args=[self.prefix, agent_id, state, self._now(), "1" if ending_wrap_up else "0"]
        )
        if result != b"ok":
            current = result.decode()
            raise AgentStateError(f"cannot go {state} while {current.replace('_', '-')}")

    def state_was_lost(self) -> bool:
        """True the first time it is asked after Redis started empty (a restart with nothing on disk)."""
        return bool(self.redis.set(self._key("alive"), 1, nx=True))

    def reset_consoles(self) -> None:
        """Forget open consoles and idle availability: no console survived a restart.

        Only for a single web process (the demo); agents on calls keep their state.
        """
        for raw in self.redis.smembers(self._key("agents")):
            agent_id = int(raw)
            self.redis.delete(self._key("consoles", agent_id))
            try:
                self.set_agent_state(agent_id, "offline")
            except AgentStateError:
                pass  # offered, busy or in wrap-up: the clock, the call or the agent moves them

    def agent(self, agent_id: int) -> dict[str, str]:
        return _decode(self.redis.hgetall(self._key("agent", agent_id)))

    # -- calls ----------------------------------------------------------------

    def enqueue(
        self, call_sid: str, queue: str, skills: Iterable[str], priority: int = 0,
        enqueued_at: float | None = None,
    ) -> bool:
        """Put a call in line; ``False`` if it is already there (a retry).

        ``enqueued_at`` keeps a restored call's place in line.
        """
        now = self.clock() if enqueued_at is None else enqueued_at
        score = now - priority * PRIORITY_WEIGHT
        added = self._enqueue(args=[self.prefix, call_sid, queue, " ".join(skills), priority,
                                    repr(score), repr(now)])
        return bool(added)

    def call(self, call_sid: str) -> dict[str, str]:
        return _decode(self.redis.hgetall(self._key("call", call_sid)))

    def dispatch(self) -> list[Offer]:
        """Offer every waiting call that some available agent can take."""
        now = self.clock()
        rows = self._dispatch(args=[self.prefix, repr(now), repr(now + self.offer_timeout)])
        return [Offer(sid.decode(), int(aid), offer.decode(), float(exp)) for sid, aid, offer, exp in rows]

    def expire_offers(self) -> list[Lapse]:
        """Take back offers nobody accepted in time; their agents become *missed*."""
        now = self._now()
        lapses = []
        for sid in self.redis.zrangebyscore(self._key("offers"), "-inf", now):
            row = self._withdraw(args=[self.prefix, sid, now, "missed"])
            if row:
                lapses.append(Lapse(row[0].decode(), int(row[1]), row[2].decode()))
        return lapses

    def decline(self, agent_id: int, call_sid: str, offer_id: str) -> None:
        row = self._withdraw(args=[self.prefix, call_sid, self._now(), "away", agent_id, offer_id])
        if not row:
            raise OfferNotValid("this offer is no longer yours to decline")

    def accept(self, agent_id: int, call_sid: str, offer_id: str) -> None:
        result = self._accept(args=[self.prefix, call_sid, agent_id, offer_id, self._now()])
        if result != b"ok":
            raise OfferNotValid(f"cannot accept: {result.decode()}")

    def mark_connected(self, call_sid: str) -> None:
        key = self._key("call", call_sid)
        if self.redis.hget(key, "state") == b"connecting":
            self.redis.hset(key, "state", "connected")

    def requeue(self, call_sid: str, agent_id: int) -> int | None:
        """``agent_id``'s leg failed: the call goes back to the head of its line.

        ``None`` if the call is not being connected to that agent (any more).
        """
        agent = self._requeue(args=[self.prefix, call_sid, self._now(), agent_id])
        return int(agent) if agent else None

    def console_seen(self, agent_id: int, console_id: str, ttl: float = CONSOLE_TTL_SECONDS) -> None:
        """A console (browser tab) of the agent is alive; it must say so again within ``ttl``.

        Presence expires instead of being counted, so consoles of a web process
        that died (and never said goodbye) stop counting on their own.
        """
        self.redis.zadd(self._key("consoles", agent_id), {console_id: self.clock() + ttl})

    def console_gone(self, agent_id: int, console_id: str) -> int:
        """A console closed; returns how many of the agent's consoles are still alive."""
        self.redis.zrem(self._key("consoles", agent_id), console_id)
        return self.live_consoles(agent_id)

    def live_consoles(self, agent_id: int) -> int:
        key = self._key("consoles", agent_id)
        self.redis.zremrangebyscore(key, "-inf", self.clock())
        return int(self.redis.zcard(key))

    def idle_agents_without_console(self) -> list[int]:
        """Available, away or missed agents whose every console has gone quiet."""
        idle = []
        for raw in self.redis.smembers(self._key("agents")):
            agent_id = int(raw)
            state = self.redis.hget(self._key("agent", agent_id), "state")
            if state in (b"available", b"away", b"missed") and self.live_consoles(agent_id) == 0:
                idle.append(agent_id)
        return sorted(idle)

    def end_call(self, call_sid: str) -> EndedCall | None:
        """The caller is gone; ``None`` if routing no longer knew the call."""
        row = self._end_call(args=[self.prefix, call_sid, self._now()])
        if not row:
            return None
        state, agent = row[0].decode(), row[1].decode()
        return EndedCall(state, int(agent) if agent else None)

    # -- the board --------------------------------------------------------------

    def snapshot(self, queue_names: Iterable[str] = ()) -> dict:
        """Queues (those used, and ``queue_names`` even if empty) and agents."""
        # Pushed on every state change: one round trip for the sets, one for the rest.
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.smembers(self._key("queues"))
            pipe.smembers(self._key("agents"))
            used, agent_ids = pipe.execute()
        names = sorted({q.decode() for q in used} | set(queue_names))
        agent_ids = sorted(int(a) for a in agent_ids)
        with self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.zcard(self._key("queue", name))
                pipe.zrange(self._key("queue", name), 0, 0, withscores=True)
            for agent_id in agent_ids:
                pipe.hgetall(self._key("agent", agent_id))
            replies = pipe.execute()
        queues = [
            {"name": name, "waiting": waiting, "oldest_enqueued_at": oldest[0][1] if oldest else None}
            for name, waiting, oldest in zip(names, replies[0:2 * len(names):2], replies[1:2 * len(names):2],
                                              strict=True)
        ]
        agents = []
        for agent_id, raw in zip(agent_ids, replies[2 * len(names):], strict=True):
            info = _decode(raw)
            agents.append({
                "id": agent_id,
                "name": info.get("name", str(agent_id)),
                "state": info.get("state", "offline"),
                "since": float(info.get("since", 0)),
                "call_sid": info.get("call_sid"),
            })
        return {"queues": queues, "agents": agents, "now": self.clock()}


def _decode(raw: dict[bytes, bytes]) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in raw.items()}
