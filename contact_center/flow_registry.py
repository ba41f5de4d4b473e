"""Flow versions: the current one for new calls, the stored ones for live calls."""

from __future__ import annotations

from sqlalchemy import select

from contact_center.db import Database
from contact_center.flows import Flow, flow_from_definition
from contact_center.models import FlowVersion


class FlowRegistry:
    def __init__(self, db: Database, flows: dict[str, Flow]) -> None:
        self.db = db
        self.current = dict(flows)
        self._versions: dict[tuple[str, str], Flow] = {
            (flow.name, flow.version): flow for flow in flows.values()
        }

    def publish(self) -> None:
        """Store every current version so calls can find it after a redeploy."""
        with self.db.session() as session:
            for flow in self.current.values():
                exists = session.scalar(
                    select(FlowVersion.id).where(
                        FlowVersion.name == flow.name, FlowVersion.version == flow.version
                    )
                )
                if not exists:
                    session.add(FlowVersion(
                        name=flow.name, version=flow.version, definition=dict(flow.definition)
                    ))

    def queue_names(self) -> set[str]:
        """Every queue a current flow can send callers to."""
        return {
            node.get("queue")
            for flow in self.current.values()
            for node in flow.nodes.values()
            if node.type == "enqueue"
        }

    def for_number(self, called: str, default: str) -> Flow:
        """The flow that answers calls to ``called``, else the default flow."""
        for flow in self.current.values():
            if called in flow.numbers:
                return flow
        return self.current[default]

    def latest(self, name: str) -> Flow:
        return self.current[name]

    def version(self, name: str, version: str) -> Flow:
        key = (name, version)
        if key not in self._versions:
            with self.db.session() as session:
                row = session.scalar(
                    select(FlowVersion).where(
                        FlowVersion.name == name, FlowVersion.version == version
                    )
                )
            if row is None:
                raise LookupError(f"flow {name} version {version} was never loaded")
            self._versions[key] = flow_from_definition(row.definition, f"{name}@{version}")
        return self._versions[key]
