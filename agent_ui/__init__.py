"""The agent console and the supervisor board: pages and their Socket.IO namespaces."""

from agent_ui.sockets import AgentNamespace, SupervisorNamespace
from agent_ui.views import blueprint

__all__ = ["AgentNamespace", "SupervisorNamespace", "blueprint"]
