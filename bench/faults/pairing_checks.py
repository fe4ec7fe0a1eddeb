"""Checks of the pairing side: capacity, the matcher's outbox, and every delivered email. Pure."""

from collections import Counter, defaultdict

from bench.faults.history import Email, History
from bench.faults.kinds import STORE_LIFECYCLE, expected_keys, is_live, lifecycle
from bench.faults.verdict import Check
from shared.events import PairingProposed


def capacity(history: History) -> Check:
    """Nobody is in more live pairings than their capacity (deleted people: in none)."""
    check = Check("pairings: within capacity")
    live: Counter[str] = Counter()
    for events in history.pairings.values():
        first = events[0]
        if isinstance(first, PairingProposed) and is_live(list(events)):
            live.update([first.data.younger.id, first.data.older.id])
    latest = {r.profile_id: r for r in sorted(history.canonical, key=lambda r: r.version)}
    for person, count in live.items():
        check.checked += 1
        record = latest.get(person)
        allowed = 0 if record is None or record.deleted else record.capacity
        if count > allowed:
            check.wrong.append(f"{person}: {count} live pairings, capacity {allowed}")
    return check


def pairing_events(history: History) -> Check:
    """Each state change once on the topic (by sequence), and the topic agrees with the store."""
    check = Check("pairing events: once each, as stored")
    for pairing, events in history.pairings.items():
        check.checked += 1
        ids = Counter(str(e.event_id) for e in events)
        check.named += [f"{pairing} event {i} republished" for i, n in ids.items() if n > 1]
        firsts = {str(e.event_id): e for e in events}.values()
        changes = Counter(
            (e.event_type, e.data.sequence) for e in firsts if e.event_type in _LIFECYCLE
        )
        check.doubled += [f"{pairing} {t} seq {s} x{n}" for (t, s), n in changes.items() if n > 1]
        if not isinstance(events[0], PairingProposed):
            check.wrong.append(f"{pairing}: first event {events[0].event_type}")
    for pairing, state in history.stored_states.items():
        topic = lifecycle(list(history.pairings.get(pairing, ())))
        if topic != STORE_LIFECYCLE.get(state, "closed"):
            check.lost.append(f"{pairing}: stored {state}, the topic says {topic}")
    return check


_LIFECYCLE = {"pairing.proposed", "pairing.activated", "pairing.cancelled"}


def emails(history: History) -> Check:
    """Exactly one email per person per state of every pairing, each Message-ID once, and no
    email that no pairing event or notifier record explains."""
    check = Check("emails: one per person and state")
    delivered = _by_key(history, check)
    wanted: list[str] = []
    for pairing, events in history.pairings.items():
        wanted += expected_keys(pairing, list(events))
    failed = {o.key for o in history.outcomes if not o.sent}
    for key in dict.fromkeys([*wanted, *(o.key for o in history.outcomes if o.sent)]):
        check.checked += 1
        copies = delivered.get(key, [])
        if not copies and key not in failed:
            check.lost.append(key)
        elif len(copies) > 1:
            _doubled(check, key, copies, history)
    proposed = {p for p, ev in history.pairings.items() if isinstance(ev[0], PairingProposed)}
    for key in delivered:
        if key.split(":", 1)[0] not in proposed:
            check.wrong.append(f"{key}: email for a pairing never proposed")
    check.notes += [f"{key}: notifier recorded a failure" for key in sorted(failed)]
    return check


def _by_key(history: History, check: Check) -> dict[str, list[Email]]:
    out: dict[str, list[Email]] = defaultdict(list)
    for mail in history.emails:
        key = history.message_ids.get(mail.message_id.strip("<>").split("@", 1)[0])
        if key is None:
            check.wrong.append(f"{mail.file}: Message-ID {mail.message_id} explained by nothing")
        else:
            out[key].append(mail)
    return out


IN_TRANSIT = 2.0
"""Seconds an email can be on its way: the sink notes an email when it has taken it in, which
can be after the notifier that sent it all was killed."""


def _doubled(check: Check, key: str, copies: list[Email], history: History) -> None:
    """A second copy after a notifier kill that fell between the two is the crash window the
    README names (the server accepted the email, the outcome was not recorded yet). The first
    copy left the notifier up to `IN_TRANSIT` before the sink noted it."""
    first, last = copies[0].at - IN_TRANSIT, copies[-1].at
    if any(first <= k <= last for k in history.notifier_kills):
        check.named.append(f"{key} x{len(copies)} (notifier killed after the first copy)")
    else:
        check.doubled.append(f"{key} x{len(copies)}: {', '.join(c.file for c in copies)}")


def cancels_follow_requests(history: History) -> Check:
    """A CANCEL has its REQUEST's UID, a higher SEQUENCE, and came after it."""
    check = Check("invites: cancel follows its request")
    requests: dict[tuple[str, str], Email] = {}
    for mail in sorted(history.emails, key=lambda m: m.order):
        if mail.uid is None:
            continue
        if mail.method == "REQUEST":
            requests.setdefault((mail.recipient, mail.uid), mail)
            continue
        check.checked += 1
        request = requests.get((mail.recipient, mail.uid))
        if request is None:
            check.wrong.append(f"{mail.file}: CANCEL {mail.uid} with no earlier REQUEST")
        elif (mail.sequence or 0) <= (request.sequence or 0):
            check.wrong.append(f"{mail.file}: SEQUENCE {mail.sequence} <= {request.sequence}")
    return check
