"""The answer-link tokens: what they bind, what breaks them, and key rotation."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from shared.answer_links import AnswerClaims, AnswerLinks, AnswerLinkSettings, BadLink, ExpiredLink

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
OLD_KEY, NEW_KEY = "old-key-0123456789abcdef", "new-key-0123456789abcdef"


def claims(**overrides: object) -> AnswerClaims:
    base: dict[str, object] = {
        "pairing_id": "pr-1",
        "person_id": "p-1",
        "action": "accept",
        "sequence": 0,
        "language": "de",
        "expires_at": NOW + timedelta(days=7),
    }
    return AnswerClaims(**(base | overrides))  # type: ignore[arg-type]


def links(*keys: str) -> AnswerLinks:
    return AnswerLinks(list(keys) or [NEW_KEY], base_url="https://mentoring.example.org/")


def test_a_token_reads_back_as_the_claims_it_was_issued_with() -> None:
    issued = claims(action="decline", sequence=3)

    assert links().read(links().token(issued), now=NOW) == issued


def test_the_link_points_at_the_answer_page_of_the_public_base_url() -> None:
    url = links().url(claims())

    assert url.startswith("https://mentoring.example.org/answers/")
    assert links().read(url.rsplit("/", 1)[1], now=NOW) == claims()


@pytest.mark.parametrize("position", [1, 10, -1, -10])
def test_a_token_with_one_character_changed_is_not_valid(position: int) -> None:
    token = links().token(claims())
    index = position % len(token)
    # The top bit of the base64 digit: a change the decoded bytes always show.
    swapped = BASE64[(BASE64.index(token[index]) + 32) % 64]
    tampered = token[:index] + swapped + token[index + 1 :]

    with pytest.raises(BadLink):
        links().read(tampered, now=NOW)


def test_claims_cannot_be_swapped_between_two_tokens() -> None:
    mine = links().token(claims(person_id="p-1"))
    theirs = links().token(claims(person_id="p-2"))
    payload, signature = mine.rsplit(".", 1)[0], theirs.rsplit(".", 1)[1]

    with pytest.raises(BadLink):
        links().read(f"{payload}.{signature}", now=NOW)


def test_a_token_signed_with_a_key_not_held_is_not_valid() -> None:
    foreign = AnswerLinks(["someone-elses-key-0123456789"], base_url="https://x").token(claims())

    with pytest.raises(BadLink):
        links().read(foreign, now=NOW)


def test_a_token_expires_with_what_it_answers() -> None:
    token = links().token(claims(expires_at=NOW))

    with pytest.raises(ExpiredLink) as expired:
        links().read(token, now=NOW)
    assert expired.value.claims.language == "de"
    assert links().read(token, now=NOW - timedelta(seconds=1)).person_id == "p-1"


def test_during_a_rotation_both_keys_are_read_and_the_newest_signs() -> None:
    signed_before = links(OLD_KEY).token(claims())
    rotating = links(OLD_KEY, NEW_KEY)
    signed_during = rotating.token(claims())

    assert rotating.read(signed_before, now=NOW) == claims()
    assert links(NEW_KEY).read(signed_during, now=NOW) == claims()
    with pytest.raises(BadLink):
        links(NEW_KEY).read(signed_before, now=NOW)


def test_the_settings_read_the_keys_as_a_json_list_and_refuse_short_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANSWER_LINK_KEYS", f'["{OLD_KEY}", "{NEW_KEY}"]')
    monkeypatch.setenv("ANSWER_LINK_BASE_URL", "https://mentoring.example.org")
    configured = AnswerLinkSettings().answer_links()
    assert configured is not None
    assert configured.read(links(OLD_KEY).token(claims()), now=NOW) == claims()
    assert configured.url(claims()).startswith("https://mentoring.example.org/answers/")

    monkeypatch.setenv("ANSWER_LINK_KEYS", '["short"]')
    with pytest.raises(ValidationError):
        AnswerLinkSettings()
    monkeypatch.delenv("ANSWER_LINK_KEYS")
    assert AnswerLinkSettings().answer_links() is None


@given(st.text(max_size=300))
def test_any_string_is_read_as_claims_or_refused_as_a_bad_link(token: str) -> None:
    with pytest.raises(BadLink):
        links().read(token, now=NOW)


@given(st.integers(min_value=0, max_value=10_000), st.characters(codec="ascii"))
def test_any_one_character_change_of_a_token_is_refused_or_reads_the_same(
    position: int, replacement: str
) -> None:
    token = links().token(claims())
    index = position % len(token)
    changed = token[:index] + replacement + token[index + 1 :]
    try:
        read = links().read(changed, now=NOW)
    except BadLink:
        return
    assert read == claims()  # only a change base64 decodes to the same bytes survives


def test_a_checkin_link_names_its_checkin_and_reads_back() -> None:
    issued = claims(action="checkin", checkin_id="mid-program")

    assert links().read(links().token(issued), now=NOW) == issued


def test_a_token_issued_before_checkins_existed_still_reads() -> None:
    payload = {
        "pairing_id": "pr-1",
        "person_id": "p-1",
        "action": "end",
        "sequence": 2,
        "language": "en",
        "expires_at": int((NOW + timedelta(days=1)).timestamp()),
    }
    old = links()._serializer.dumps(payload)  # the exact payload of a token issued before

    same = claims(action="end", sequence=2, language="en", expires_at=NOW + timedelta(days=1))
    assert links().read(str(old), now=NOW) == same
    assert links().token(same) == old  # links without a check-in are signed as before


@pytest.mark.parametrize(
    "overrides",
    [{"action": "checkin"}, {"action": "accept", "checkin_id": "mid-program"}],
)
def test_only_a_checkin_link_names_a_checkin(overrides: dict[str, object]) -> None:
    with pytest.raises(BadLink):
        links().read(links().token(claims(**overrides)), now=NOW)


def test_a_preselected_answer_goes_into_the_query_outside_the_signature() -> None:
    issued = claims(action="checkin", checkin_id="mid-program")

    url = links().url(issued, {"met": "yes"})

    path, query = url.split("?")
    assert query == "met=yes"
    assert links().read(path.rsplit("/", 1)[1], now=NOW) == issued


def test_a_checkin_token_binds_its_checkin_and_reads_back() -> None:
    issued = claims(action="checkin", checkin_id="mid-program")
    token = links().token(issued)

    assert links().read(token, now=NOW) == issued
    assert links().read(links().token(claims(action="rematch")), now=NOW).checkin_id is None


def test_a_token_without_a_checkin_is_the_same_as_before_checkins_existed() -> None:
    from itsdangerous import URLSafeSerializer

    token = links().token(claims())
    payload = URLSafeSerializer(NEW_KEY, salt="pairing-answer-link").loads_unsafe(token)[1]

    assert "checkin_id" not in payload
