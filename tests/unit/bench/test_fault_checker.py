"""The fault run's checker over hand-made histories: a clean one passes, and each kind of loss
or duplicate is caught and named by its ids."""

from datetime import UTC, datetime, timedelta
from typing import Any

from bench.faults.checker import check, totals
from bench.faults.history import Canonical, Email, Expected, History, Letter, Outcome
from bench.faults.kinds import expected_keys
from bench.faults.verdict import Check
from shared.events import (
    PairingActivated,
    PairingCancelled,
    PairingEvent,
    PairingProposed,
    PairingReminded,
    Participant,
)

NOW = datetime(2027, 1, 4, 9, tzinfo=UTC)


def person(pid: str, year: int) -> Participant:
    return Participant(
        id=pid,
        name=pid,
        email=f"{pid}@example.org",
        birth_year=year,
        languages=["en"],
        timezone="Europe/Berlin",
        availability={"tue": [{"start": "17:00", "end": "20:00"}]},
    )


def proposed(pairing: str, young: str, old: str) -> PairingProposed:
    explanation: dict[str, Any] = {
        "younger_teaches": ["ai_tools"],
        "older_teaches": ["strategy"],
        "shared_languages": ["en"],
        "common_hours_per_week": 3.0,
        "birth_year_gap": 40,
        "score": 1.0,
        "contributions": {},
        "summary": "a pair",
    }
    return PairingProposed.model_validate(
        {
            "producer": "matcher",
            "data": {
                "pairing_id": pairing,
                "program_id": "prog",
                "sequence": 1,
                "younger": person(young, 2000),
                "older": person(old, 1960),
                "explanation": explanation,
                "expires_at": NOW + timedelta(days=7),
            },
        }
    )


def cancelled(first: PairingProposed) -> PairingCancelled:
    d = first.data
    return PairingCancelled.model_validate(
        {
            "producer": "matcher",
            "data": {
                "pairing_id": d.pairing_id,
                "program_id": d.program_id,
                "sequence": 3,
                "younger": d.younger,
                "older": d.older,
                "reason_code": "declined",
                "reason": "declined",
            },
        }
    )


def activated(first: PairingProposed) -> PairingActivated:
    d = first.data
    return PairingActivated.model_validate(
        {
            "producer": "matcher",
            "data": {
                "pairing_id": d.pairing_id,
                "program_id": d.program_id,
                "sequence": 3,
                "younger": d.younger,
                "older": d.older,
            },
        }
    )


def emails_for(keys: list[str], *, start: int = 0) -> list[Email]:
    return [
        Email(
            f"{start + i:06d}.eml", k.rsplit(":", 1)[1], f"<m-{k}@x>", start + i, float(start + i)
        )
        for i, k in enumerate(keys)
    ]


def clean() -> History:
    """Two people, one pairing proposed and activated, both emailed twice; one profile each."""
    first = proposed("pa", "y1", "o1")
    events: list[PairingEvent] = [first, activated(first)]
    keys = [f"pa:{s}:{p}" for s in ("proposed", "active") for p in ("y1", "o1")]
    history = History(
        canonical=[
            Canonical("y1", 1, "e1", False, "Y1"),
            Canonical("y1", 2, "e2", False, "Y1 r1"),
            Canonical("o1", 1, "e3", False, "O1"),
        ],
        pairings={"pa": events},
        stored_states={"pa": "active"},
        emails=emails_for(keys),
        outcomes=[Outcome(k, True, f"n-{k}", f"<m-{k}@x>") for k in keys],
        message_ids={f"m-{k}": k for k in keys},
        expected={"y1": Expected(False, "Y1 r1"), "o1": Expected(False, "O1")},
        stored_profiles={"y1": Expected(False, "Y1 r1"), "o1": Expected(False, "O1")},
        acked_versions={"y1": [1, 2]},
        malformed={"updates": [Letter(0, 4, b"junk")]},
        dead_letters={"updates": [Letter(0, 4, b"junk")]},
        lag={"g-profiles": 0, "g-notifier": 0},
    )
    return history


def by_name(checks: list[Check], prefix: str) -> Check:
    return next(c for c in checks if c.name.startswith(prefix))


def test_a_clean_history_passes_every_check() -> None:
    checks = check(clean())

    assert [c.name for c in checks if not c.passed] == []
    assert totals(checks) == {"lost": 0, "doubled": 0, "wrong": 0, "named": 0}


def test_a_lost_email_is_named_by_its_key() -> None:
    history = clean()
    history.emails = [e for e in history.emails if e.message_id != "<m-pa:active:o1@x>"]

    found = by_name(check(history), "emails")

    assert found.lost == ["pa:active:o1"]


def test_a_doubled_email_is_caught_unless_a_notifier_kill_fell_between_the_copies() -> None:
    history = clean()
    again = Email("000009.eml", "o1", "<m-pa:proposed:o1@x>", 9, 9.0)
    history.emails = [*history.emails, again]

    assert by_name(check(history), "emails").doubled == [
        "pa:proposed:o1 x2: 000001.eml, 000009.eml"
    ]
    history.notifier_kills = [5.0]
    explained = by_name(check(history), "emails")
    assert explained.passed
    assert explained.named == ["pa:proposed:o1 x2 (notifier killed after the first copy)"]


def test_a_kill_just_before_the_sink_noted_the_first_copy_is_the_crash_window_too() -> None:
    history = clean()
    first_at = next(e.at for e in history.emails if e.message_id == "<m-pa:proposed:o1@x>")
    again = Email("000009.eml", "o1", "<m-pa:proposed:o1@x>", 9, first_at + 40.0)
    history.emails = [*history.emails, again]

    history.notifier_kills = [first_at - 0.01]  # the email was sent, and taken in after the kill
    assert by_name(check(history), "emails").named
    history.notifier_kills = [first_at - 10.0]  # long before: the copies are not explained
    assert by_name(check(history), "emails").doubled


def test_an_email_nothing_explains_and_one_for_a_pairing_never_proposed_are_wrong() -> None:
    history = clean()
    stray = Email("000010.eml", "y1", "<m-zz:proposed:y1@x>", 10, 10.0)
    history.emails = [*history.emails, stray, Email("000011.eml", "y1", "<unknown@x>", 11, 11.0)]
    history.message_ids = dict(history.message_ids) | {"m-zz:proposed:y1": "zz:proposed:y1"}

    wrong = by_name(check(history), "emails").wrong

    assert wrong == [
        "000011.eml: Message-ID <unknown@x> explained by nothing",
        "zz:proposed:y1: email for a pairing never proposed",
    ]


def test_a_lost_and_a_doubled_canonical_version_are_caught_and_a_republish_is_named() -> None:
    history = clean()
    history.canonical = [
        Canonical("y1", 1, "e1", False, "Y1"),
        Canonical("y1", 1, "e1", False, "Y1"),
        Canonical("y1", 3, "e4", False, "Y1 r1"),
        Canonical("y1", 3, "e5", False, "Y1 r1"),
        Canonical("o1", 1, "e3", False, "O1"),
    ]

    found = by_name(check(history), "canonical")

    assert found.lost == ["y1 v2", "y1 v2 (acknowledged by the API)"]
    assert found.doubled == ["y1 v3 x2"]
    assert found.named == ["y1 v1 republished (e1)"]
    assert found.wrong == ["y1 versions out of order: [1, 3, 3]"]


def test_a_change_that_never_reached_the_store_or_topic_is_lost() -> None:
    history = clean()
    history.expected = dict(history.expected) | {
        "o1": Expected(True, None),
        "n9": Expected(False, "N"),
    }

    assert by_name(check(history), "profiles").lost == [
        "o1: topic ends 'O1'/deleted=False",
        "o1: store has Expected(deleted=False, name='O1'), expected Expected(deleted=True, name=None)",
        "n9: no canonical event",
    ]


def test_more_live_pairings_than_capacity_is_wrong() -> None:
    history = clean()
    second = proposed("pb", "y1", "o2")
    history.pairings = dict(history.pairings) | {"pb": [second]}
    history.canonical = [*history.canonical, Canonical("o2", 1, "e9", False, "O2")]

    assert by_name(check(history), "pairings").wrong == ["y1: 2 live pairings, capacity 1"]


def test_a_stored_state_the_topic_never_showed_is_a_lost_pairing_event() -> None:
    history = clean()
    history.stored_states = {"pa": "declined"}

    assert by_name(check(history), "pairing events").lost == [
        "pa: stored declined, the topic says active"
    ]


def test_a_cancel_must_carry_its_requests_uid_and_a_higher_sequence() -> None:
    history = clean()
    request = Email("a.eml", "y1", "<r@x>", 1, 1.0, "REQUEST", "uid-1", 1)
    cancel = Email("b.eml", "y1", "<c@x>", 2, 2.0, "CANCEL", "uid-1", 1)
    orphan = Email("c.eml", "o1", "<d@x>", 3, 3.0, "CANCEL", "uid-2", 2)
    history.emails = [request, cancel, orphan]
    history.pairings = {"pa": [proposed("pa", "y1", "o1")]}

    assert by_name(check(history), "invites").wrong == [
        "b.eml: SEQUENCE 1 <= 1",
        "c.eml: CANCEL uid-2 with no earlier REQUEST",
    ]


def test_dead_letters_must_be_exactly_the_malformed_inputs() -> None:
    history = clean()
    history.malformed = {"updates": [Letter(0, 4, b"junk")], "responses": [Letter(2, 0, b"bad")]}
    history.dead_letters = {
        "updates": [Letter(0, 4, b"junk"), Letter(0, 4, b"junk"), Letter(1, 9, b"a valid update")]
    }

    found = by_name(check(history), "dead letters")

    assert found.lost == ["responses[2]@0 b'bad' not dead-lettered"]
    assert found.wrong == ["updates[1]@9 b'a valid update' dead-lettered"]
    assert found.named == ["updates[0]@4 b'junk' dead-lettered x2"]
    assert found.doubled == []


def test_a_group_left_behind_fails_the_lag_check() -> None:
    history = clean()
    history.lag = {"g-notifier": 3, "g-profiles": 0}

    assert by_name(check(history), "consumer groups").wrong == ["g-notifier: lag 3"]


def test_a_cancelled_pairing_expects_its_cancel_emails() -> None:
    history = clean()
    first = proposed("pc", "y2", "o2")
    history.pairings = dict(history.pairings) | {"pc": [first, cancelled(first)]}
    keys = ["pc:proposed:y2", "pc:proposed:o2", "pc:cancelled:y2"]
    history.emails = [*history.emails, *emails_for(keys, start=20)]
    history.message_ids = dict(history.message_ids) | {f"m-{k}": k for k in keys}

    assert by_name(check(history), "emails").lost == ["pc:cancelled:o2"]


def test_follow_ups_expect_their_emails_under_the_notifiers_keys() -> None:
    first = proposed("pr", "y1", "o1")
    reminded = PairingReminded.model_validate(
        {
            "producer": "matcher",
            "data": first.data.model_dump() | {"waiting_on": ["o1"]},
        }
    )

    assert expected_keys("pr", [first, reminded]) == [
        "pr:proposed:y1",
        "pr:proposed:o1",
        "pr:reminded:o1",
    ]
