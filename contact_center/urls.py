"""The absolute URLs we hand to Twilio inside TwiML."""

from __future__ import annotations

from urllib.parse import urlencode


class WebhookUrls:
    def __init__(self, public_base_url: str) -> None:
        self.base = public_base_url.rstrip("/")

    def _url(self, path: str, **query: object) -> str:
        return f"{self.base}{path}" + (f"?{urlencode(query)}" if query else "")

    def step(self, node_id: str, attempt: int, visit: int) -> str:
        return self._url("/voice/step", node=node_id, attempt=attempt, visit=visit)

    def wait(self) -> str:
        return self._url("/voice/wait")

    def queue_result(self) -> str:
        return self._url("/voice/queue-result")

    def recording(self, node_id: str) -> str:
        return self._url("/voice/recording", node=node_id)

    def survey(self) -> str:
        return self._url("/voice/survey")

    def dial_result(self, agent_id: int) -> str:
        return self._url("/voice/dial-result", agent=agent_id)

    def agent_leg(self, call_sid: str, agent_id: int) -> str:
        return self._url("/voice/agent-leg", call=call_sid, agent=agent_id)
