"""Cursors are opaque round trips of an id, and anything else is refused."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.profiles import pagination


@given(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}", fullmatch=True))
def test_a_cursor_gives_back_the_id_it_was_made_from(last_id: str) -> None:
    cursor = pagination.encode(last_id)

    assert last_id not in cursor or len(last_id) < 3
    assert pagination.decode(cursor) == last_id


@pytest.mark.parametrize(
    "cursor", ["", "%%%", "bm90LWEtY3Vyc29y", pagination.encode("x")[:-2] + "!!"]
)
def test_a_cursor_not_made_here_is_refused(cursor: str) -> None:
    with pytest.raises(pagination.InvalidCursor):
        pagination.decode(cursor)
