"""The shipped support flow rendered to TwiML, and callers' digits walked through it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from twilio.twiml.voice_response import VoiceResponse

from contact_center.flows import Flow, load_flows, parse_flow
from contact_center.ivr import EnqueueSpec, enter, handle_digits, hold_twiml

SHIPPED_FLOWS = Path(__file__).resolve().parent.parent / "ivr_flows"


class Urls:
    """A StepUrls for tests: plain, recognisable URLs."""

    base = "https://cc.test/voice"

    def step(self, node_id: str, attempt: int, visit: int) -> str:
        return f"{self.base}/step?node={node_id}&attempt={attempt}&visit={visit}"

    def survey(self) -> str:
        return f"{self.base}/survey"

    def wait(self) -> str:
        return f"{self.base}/wait"

    def queue_result(self) -> str:
        return f"{self.base}/queue-result"


@pytest.fixture(scope="module")
def support() -> Flow:
    return load_flows(SHIPPED_FLOWS)["support"]


@pytest.fixture
def urls() -> Urls:
    return Urls()


def xml(twiml: VoiceResponse) -> ET.Element:
    return ET.fromstring(twiml.to_xml().encode("utf-8"))


def says(element: ET.Element) -> list[tuple[str, str]]:
    """The (text, language) of the element's direct <Say> children, in order."""
    return [(say.text, say.get("language")) for say in element.findall("Say")]


def step_query(url: str, with_visit: bool = False) -> dict[str, str]:
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    if not with_visit:
        query.pop("visit")
    return query


def gather_of(root: ET.Element) -> ET.Element:
    gathers = root.findall("Gather")
    assert len(gathers) == 1, ET.tostring(root)
    return gathers[0]


# -- entering the flow -----------------------------------------------------------------


def test_language_menu_gathers_one_digit_with_both_languages(support, urls):
    step = enter(support, "language", urls)

    gather = gather_of(xml(step.twiml))
    assert gather.get("numDigits") == "1"
    assert gather.get("actionOnEmptyResult") == "true"
    assert gather.get("input") == "dtmf"
    assert gather.get("timeout") == "5"
    assert step_query(gather.get("action")) == {"node": "language", "attempt": "1"}
    assert says(gather) == [
        ("Thank you for calling. For English, press 1.", "en-US"),
        ("Для русского языка нажмите 2.", "ru-RU"),
    ]
    assert step.entered == ["language"]
    assert step.enqueue is None
    assert not step.hung_up


def test_menu_redirects_to_itself_if_gather_falls_through(support, urls):
    root = xml(enter(support, "language", urls).twiml)

    redirect = root.find("Redirect")
    assert redirect is not None
    assert step_query(redirect.text) == {"node": "language", "attempt": "1"}
    assert [child.tag for child in root] == ["Gather", "Redirect"]


# -- digits ------------------------------------------------------------------------------


def test_pressing_2_opens_the_russian_menu(support, urls):
    step = handle_digits(support, "language", 1, "2", urls)

    gather = gather_of(xml(step.twiml))
    assert step_query(gather.get("action")) == {"node": "menu_ru", "attempt": "1"}
    assert [language for _, language in says(gather)] == ["ru-RU"]
    assert step.entered == ["menu_ru"]


def test_russian_billing_choice_enqueues_with_billing_and_russian_skills(support, urls):
    handle_digits(support, "language", 1, "2", urls)
    step = handle_digits(support, "menu_ru", 1, "1", urls)

    root = xml(step.twiml)
    enqueue = root.find("Enqueue")
    assert enqueue is not None
    assert enqueue.text == "billing"
    assert enqueue.get("waitUrl") == urls.wait()
    assert enqueue.get("action") == urls.queue_result()
    assert enqueue.get("method") == "POST"
    assert step.enqueue == EnqueueSpec(
        node_id="billing_ru", queue="billing", skills=("billing", "russian"), priority=0
    )
    assert step.entered == ["billing_ru"]
    assert not step.hung_up


def test_no_input_reprompts_with_the_no_input_prompt_and_next_attempt(support, urls):
    step = handle_digits(support, "menu_en", 1, None, urls)

    root = xml(step.twiml)
    assert says(root) == [("Sorry, I did not hear a choice.", "en-US")]
    gather = gather_of(root)
    assert step_query(gather.get("action")) == {"node": "menu_en", "attempt": "2"}
    assert [child.tag for child in root] == ["Say", "Gather", "Redirect"]
    # A reprompt is not a new visit to the node.
    assert step.entered == []


def test_empty_digits_count_as_no_input(support, urls):
    step = handle_digits(support, "menu_en", 2, "", urls)

    root = xml(step.twiml)
    assert says(root) == [("Sorry, I did not hear a choice.", "en-US")]
    assert step_query(gather_of(root).get("action"))["attempt"] == "3"


def test_invalid_digit_reprompts_with_the_invalid_prompt(support, urls):
    step = handle_digits(support, "menu_ru", 1, "7", urls)

    root = xml(step.twiml)
    assert says(root) == [("Извините, такого варианта нет.", "ru-RU")]
    assert step_query(gather_of(root).get("action")) == {"node": "menu_ru", "attempt": "2"}


def test_after_the_last_attempt_the_caller_goes_to_the_fallback(support, urls):
    # menu_en allows 3 attempts; its fallback is the technical queue.
    step = handle_digits(support, "menu_en", 3, "7", urls)

    root = xml(step.twiml)
    assert says(root) == [("Sorry, that is not a valid choice.", "en-US")]
    assert root.find("Gather") is None
    assert root.find("Enqueue").text == "technical"
    assert step.enqueue.node_id == "technical_en"
    assert step.entered == ["technical_en"]


def test_attempts_before_the_last_still_reprompt(support, urls):
    step = handle_digits(support, "language", 2, None, urls)

    gather = gather_of(xml(step.twiml))
    assert step_query(gather.get("action")) == {"node": "language", "attempt": "3"}


def test_language_menu_falls_back_to_the_english_menu(support, urls):
    step = handle_digits(support, "language", 3, None, urls)

    root = xml(step.twiml)
    assert says(root) == [("Sorry, we did not hear a choice.", "en-US")]
    assert step_query(gather_of(root).get("action")) == {"node": "menu_en", "attempt": "1"}
    assert step.entered == ["menu_en"]


# -- the end of the IVR ------------------------------------------------------------------


def test_goodbye_says_goodbye_and_hangs_up(support, urls):
    step = handle_digits(support, "menu_en", 1, "9", urls)

    root = xml(step.twiml)
    assert [child.tag for child in root] == ["Say", "Hangup"]
    assert says(root) == [("Thank you for calling. Goodbye.", "en-US")]
    assert step.hung_up
    assert step.enqueue is None


def test_russian_goodbye_is_said_in_russian(support, urls):
    step = enter(support, "goodbye_ru", urls)

    root = xml(step.twiml)
    assert says(root) == [("Спасибо за звонок. До свидания.", "ru-RU")]
    assert root[-1].tag == "Hangup"


def test_say_nodes_chain_into_one_response(urls):
    flow = parse_flow("chain.yaml", """
name: chain
start: hello
nodes:
  hello: {type: say, say: "Hello.", next: notice}
  notice: {type: say, say: "Calls are recorded.", next: bye}
  bye: {type: hangup}
""")

    step = enter(flow, "hello", urls)

    root = xml(step.twiml)
    assert [child.tag for child in root] == ["Say", "Say", "Hangup"]
    assert [text for text, _ in says(root)] == ["Hello.", "Calls are recorded."]
    assert step.entered == ["hello", "notice", "bye"]


# -- on hold -----------------------------------------------------------------------------


def test_hold_twiml_says_hold_message_position_then_pauses(support):
    root = xml(hold_twiml(support, "billing_en", 3, 10))

    assert [child.tag for child in root] == ["Say", "Say", "Pause"]
    assert says(root) == [
        ("Please hold, the next billing specialist will be with you shortly.", "en-US"),
        ("You are number 3 in line.", "en-US"),
    ]
    assert root.find("Pause").get("length") == "10"


def test_hold_twiml_without_a_position_only_holds(support):
    root = xml(hold_twiml(support, "technical_en", None, 4))

    assert [child.tag for child in root] == ["Say", "Pause"]
    assert root.find("Pause").get("length") == "4"


def test_russian_hold_has_no_english_position_sentence(support):
    root = xml(hold_twiml(support, "billing_ru", 2, 5))

    assert says(root) == [
        ("Пожалуйста, оставайтесь на линии, специалист по оплате скоро ответит.", "ru-RU")
    ]
    assert root[-1].tag == "Pause"


def test_each_visit_to_a_menu_gets_its_own_step_url(support, urls):
    def action(step) -> dict[str, str]:
        return step_query(gather_of(xml(step.twiml)).get("action"), with_visit=True)

    first = action(enter(support, "language", urls))
    again = action(enter(support, "language", urls, path_length=3))
    reprompt = action(handle_digits(support, "language", 1, None, urls, 4))
    assert (first["visit"], again["visit"]) == ("0", "3")
    assert (reprompt["visit"], reprompt["attempt"]) == ("3", "2")  # a reprompt is the same visit
