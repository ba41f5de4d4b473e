"""``python -m contact_center.simulator``: place one simulated call against a running server."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .virtual import DEFAULT_BASE_URL, DEMO_AUTH_TOKEN, VirtualTwilio

#: The demo server's account when no Twilio account is configured.
DEMO_ACCOUNT_SID = "AC" + "0" * 32


def _digit_entry(value: str) -> str | None:
    # "-" stands for silence at a <Gather>.
    return None if value in ("-", "") else value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m contact_center.simulator",
        description="Call the contact center the way Twilio would, and print what the caller hears.",
    )
    parser.add_argument("--base-url", default=os.environ.get("PUBLIC_BASE_URL") or DEFAULT_BASE_URL,
                        help="our server's public base URL (env PUBLIC_BASE_URL)")
    parser.add_argument("--from", dest="from_", default="+15005550006", help="caller number")
    parser.add_argument("--to", default="+15005550001", help="our Twilio number")
    parser.add_argument("--digits", nargs="*", default=[], type=_digit_entry,
                        help="keys for each <Gather> in turn; '-' is silence")
    parser.add_argument("--talk-seconds", type=float, default=20.0, help="how long the agent talks")
    parser.add_argument("--message-seconds", type=float, default=5.0,
                        help="how long the caller speaks at a <Record> (a voicemail); 0 is silence")
    parser.add_argument("--hangup-after", type=float, default=None,
                        help="the caller hangs up after waiting this many seconds in a queue")
    parser.add_argument("--no-answer", action="store_true", help="the dialed agent does not answer")
    parser.add_argument("--api-port", type=int, default=int(os.environ.get("SIMULATOR_API_PORT") or 5081),
                        help="port of the fake Twilio REST API (env SIMULATOR_API_PORT)")
    parser.add_argument("--auth-token", default=os.environ.get("TWILIO_AUTH_TOKEN") or DEMO_AUTH_TOKEN,
                        help="token the webhooks are signed with (env TWILIO_AUTH_TOKEN)")
    parser.add_argument("--account-sid", default=os.environ.get("TWILIO_ACCOUNT_SID") or DEMO_ACCOUNT_SID)
    parser.add_argument("--time-scale", type=float, default=1.0, help="multiplies every pause")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    twilio = VirtualTwilio(args.base_url, args.auth_token, args.account_sid,
                           time_scale=args.time_scale, log=lambda line: print(line, flush=True))
    api_url = twilio.start_api("127.0.0.1", args.api_port)
    print(f"Fake Twilio REST API on {api_url}; calling {args.base_url} from {args.from_} to {args.to}")
    call = twilio.place_call(args.from_, args.to, digits=args.digits, talk_seconds=args.talk_seconds,
                             message_seconds=args.message_seconds, hangup_after_queue_seconds=args.hangup_after,
                             agent_answers=not args.no_answer)
    try:
        call.start()
        while not call.join(timeout=0.5):
            pass
    except KeyboardInterrupt:
        print("interrupted: hanging up")
        call.update_from_api(twiml=None, url=None, method="POST", hang_up=True)
        call.join(timeout=30)
    finally:
        twilio.stop_api()
    for error in call.errors:
        print(f"error {error.code} on {error.url}: {error.detail.splitlines()[-1]}")
    print(f"call {call.call_sid} {call.status}, {call.duration}s, application error heard: "
          f"{call.heard_application_error}")
    return 1 if call.heard_application_error or call.exception else 0


if __name__ == "__main__":
    sys.exit(main())
