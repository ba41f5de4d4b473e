"""The leaderboard: a Redis sorted set of points per agent, fed by the ledger."""

from __future__ import annotations

import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contact_center import events
from contact_center.models import User
from gamification.models import PointsAward
from gamification.rules import awards_for, facts_from_events


class Leaderboard:
    def __init__(self, connection: redis.Redis, key: str = "cc:leaderboard") -> None:
        self.redis = connection
        self.key = key

    def add(self, agent_id: int, points: int) -> None:
        self.redis.zincrby(self.key, points, agent_id)

    def points(self, agent_id: int) -> int:
        return int(self.redis.zscore(self.key, agent_id) or 0)

    def top(self, session: Session, limit: int = 10) -> list[dict]:
        rows = self.redis.zrevrange(self.key, 0, limit - 1, withscores=True)
        ids = [int(agent_id) for agent_id, _ in rows]
        names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())
        return [
            {"agent_id": int(agent_id), "agent": names.get(int(agent_id), str(int(agent_id))), "points": int(score)}
            for agent_id, score in rows
        ]

    def rebuild(self, session: Session) -> None:
        """Recompute the set from the ledger (the ledger is the truth)."""
        totals = session.execute(
            select(PointsAward.agent_id, func.sum(PointsAward.points)).group_by(PointsAward.agent_id)
        ).all()
        with self.redis.pipeline() as pipe:
            pipe.delete(self.key)
            if totals:
                pipe.zadd(self.key, {str(agent_id): int(total) for agent_id, total in totals})
            pipe.execute()


def award_for_call(session: Session, call_sid: str) -> tuple[int | None, int]:
    """Write the call's awards to the ledger once: (agent, points newly given).

    The caller adds the points to the leaderboard after committing, so a failed
    commit never leaves points in Redis that the ledger does not have.
    """
    facts = facts_from_events(call_sid, events.for_call(session, call_sid))
    given = 0
    for award in awards_for(facts):
        exists = session.scalar(
            select(PointsAward.id).where(PointsAward.call_sid == call_sid, PointsAward.rule == award.rule)
        )
        if exists:
            continue
        session.add(PointsAward(agent_id=facts.agent_id, call_sid=call_sid, rule=award.rule, points=award.points))
        session.flush()
        given += award.points
    return facts.agent_id, given
