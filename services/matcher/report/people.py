"""Who needs the lead's eye: the flagged pairings and the people left unpaired.

Without personal data the reasons are counted by kind from a fixed list (the preview's own words
may name a person or a department); with it, each person is listed with the preview's reason.
"""

from collections import Counter
from collections.abc import Sequence

from services.matcher.report.figures import most_first
from services.matcher.report.model import (
    Flagged,
    FlaggedPairing,
    PersonRef,
    Unpaired,
    UnpairedPerson,
)
from services.matcher.report.records import Unpaired as UnpairedRecord
from services.matcher.usecases.ports import PairingRecord
from shared.events import Participant
from shared.profile import ProfileSnapshot

WOULD_PAIR = "a round now would pair them"
REASON_KINDS: tuple[tuple[str, str], ...] = (
    (WOULD_PAIR, WOULD_PAIR),
    ("capacity: all", "every feasible partner is paired up to capacity"),
    ("capacity:", "their feasible partners are paired with others (a better total)"),
    ("no feasible partner: nobody else", "nobody else is in the program"),
    ("no feasible partner: no shared language", "no feasible partner: no shared language"),
    ("no feasible partner: birth years", "no feasible partner: birth-year gap too small"),
    ("no feasible partner: same department", "no feasible partner: same department"),
    ("no feasible partner: only", "no feasible partner: too few common hours"),
    ("no feasible partner: in each other's", "no feasible partner: management line"),
    ("no feasible partner: declined", "no feasible partner: paired before"),
    ("no feasible partner: no skill", "no feasible partner: no skill wanted both ways"),
)
"""The preview's reasons (`engine.plan.left_out`), by how they begin, as named kinds."""
OTHER = "other"


def reason_kind(reason: str) -> str:
    return next((kind for start, kind in REASON_KINDS if reason.startswith(start)), OTHER)


def flagged(pairings: Sequence[PairingRecord], *, personal: bool) -> Flagged:
    """The pairings whose check-ins flagged them for the lead (`PairingRecord.flags`)."""
    found = [p for p in pairings if p.flags]
    listed = [
        FlaggedPairing(
            pairing_id=p.id,
            flags=sorted(p.flags),
            younger=_ref(p.younger),
            older=_ref(p.older),
        )
        for p in found
    ]
    codes = Counter(code for p in found for code in set(p.flags))
    return Flagged(
        pairings=len(found),
        by_flag=most_first(codes.items()),
        listed=sorted(listed, key=lambda f: f.pairing_id) if personal else None,
    )


def unpaired(
    left: Sequence[UnpairedRecord], people: Sequence[ProfileSnapshot], *, personal: bool
) -> Unpaired:
    by_id = {p.id: p for p in people}
    listed = [
        UnpairedPerson(person_id=u.person_id, name=p.name, email=p.email, reason=u.reason)
        for u in sorted(left, key=lambda u: u.person_id)
        if (p := by_id.get(u.person_id)) is not None
    ]
    return Unpaired(
        people=len(left),
        by_reason=most_first(Counter(reason_kind(u.reason) for u in left).items()),
        listed=listed if personal else None,
    )


def _ref(person: Participant) -> PersonRef:
    return PersonRef(person_id=person.id, name=person.name, email=person.email)
