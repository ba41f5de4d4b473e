"""Named errors of the contact-center domain."""


class ContactCenterError(Exception):
    """Base class for every error the domain raises on purpose."""


class FlowError(ContactCenterError):
    """A flow file that cannot be used; says which file, node and why."""

    def __init__(self, file: str, node: str | None, reason: str) -> None:
        self.file, self.node, self.reason = file, node, reason
        where = f"{file}: node '{node}'" if node else file
        super().__init__(f"{where}: {reason}")


class UnknownCall(ContactCenterError):
    """A webhook or action names a call this system has no record of."""


class OfferNotValid(ContactCenterError):
    """An accept or decline for an offer that expired, moved or never existed."""


class AgentStateError(ContactCenterError):
    """An agent asked for a state change that their current state forbids."""


class TelephonyError(ContactCenterError):
    """Twilio's REST API refused or could not be reached.

    ``call_gone`` says Twilio knows the call is over (or never heard of it), so
    retrying is pointless: the caller has left.
    """

    def __init__(self, message: str, call_gone: bool = False) -> None:
        super().__init__(message)
        self.call_gone = call_gone
