"""The answer pages on the real broker and store: a link's button answers through the lifecycle,
and once answered the same link, or one the pairing moved past, changes nothing."""

from datetime import timedelta

import pytest

from services.matcher.settings import MatcherSettings
from shared.answer_links import Action, AnswerClaims, AnswerLinks
from shared.events import PairingProposed
from tests.builders.matcher import old, young
from tests.helpers import eventually
from tests.integration.matcher.conftest import PairingEvents, Profiles, http, running

pytestmark = pytest.mark.integration

KEY = "integration-answer-key-0123"
LINKS = AnswerLinks([KEY], base_url="")


@pytest.fixture
def linked(settings: MatcherSettings) -> MatcherSettings:
    return MatcherSettings(**settings.model_dump() | {"answer_link_keys": [KEY]})


def link(proposal: PairingProposed, person_id: str, action: Action, *, sequence: int = 0) -> str:
    claims = AnswerClaims(
        pairing_id=proposal.data.pairing_id,
        person_id=person_id,
        action=action,
        sequence=sequence,
        language="en",
        expires_at=proposal.data.expires_at + timedelta(days=1),
    )
    return f"/answers/{LINKS.token(claims)}"


async def test_both_accept_by_link_then_one_ends_it_and_replays_change_nothing(
    linked: MatcherSettings, profiles: Profiles, pairing_events: PairingEvents, unique: str
) -> None:
    program = f"{unique}-p"
    y, o = young(f"{unique}-y", program=program), old(f"{unique}-o", program=program)
    await profiles.changed(y, o)

    async with running(linked) as app, http(app) as client:
        [proposal] = await eventually(lambda: pairing_events.of_type("pairing.proposed"), within=60)
        shown = await client.get(link(proposal, o.id, "accept"))
        assert (shown.status_code, "Yuki" in shown.text) == (200, True)
        assert (await client.post(link(proposal, o.id, "accept"))).status_code == 200

        async def state() -> str:
            return str((await client.get(f"/pairings/{proposal.data.pairing_id}")).json()["state"])

        await eventually(lambda: _is(state(), "accepted"), within=30)
        again = await client.post(link(proposal, o.id, "accept"))
        assert "already recorded" in again.text
        assert (await client.post(link(proposal, y.id, "accept"))).status_code == 200
        [activated] = await eventually(
            lambda: pairing_events.of_type("pairing.activated"), within=30
        )
        assert activated.data.older is not None and activated.data.older.id == o.id

        late = await client.post(link(proposal, y.id, "decline"))  # from the proposal email
        ended = await client.post(link(proposal, y.id, "end", sequence=activated.data.sequence))
        [cancelled] = await eventually(
            lambda: pairing_events.of_type("pairing.cancelled"), within=30
        )
        replayed = await client.post(link(proposal, y.id, "end", sequence=activated.data.sequence))

    assert (late.status_code, ended.status_code, replayed.status_code) == (409, 200, 200)
    assert (cancelled.data.reason_code, cancelled.data.reason) == ("ended", f"ended by {y.id}")
    assert "already recorded" in replayed.text


async def _is(pending: object, expected: str) -> bool:
    return bool(await pending == expected)  # type: ignore[misc]
