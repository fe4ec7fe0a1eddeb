"""How a pairing document keeps its outbox, and which of its entries are still unpublished.

`outbox` holds every entry ever added (payload and headers), `outbox_seq` counts them, and
`outbox_unsent` lists the `event_id`s of the entries not yet published. A change pushes its entry
and its id in the same single-document update; the relay pulls the ids it published (`$pullAll`,
by `_id`). Both are atomic on one document, so an entry added between the relay's read and its
pull stays listed, and both are point operations on FerretDB v1 too, which scans the whole
collection for any filter but a lone `_id`. A pairing is pending while the list is not empty,
which is all the sweep asks (`UNSENT`).

Pairings stored before the list existed carry `outbox_pending: True` and record publication as
marker documents `<pairing>:<count>` in `published`; `upgrade_legacy` rewrites them once, at
start-up.
"""

from datetime import datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from services.matcher.usecases.ports import Unpublished
from shared.envelope import Envelope
from shared.kafka import encode
from shared.mongo import Document

UNSENT: Document = {"outbox_unsent": {"$gt": ""}}
"""Pairings with an unpublished entry: event ids are non-empty strings (multikey index)."""


def first(event: Envelope, *, at: datetime) -> Document:
    """The outbox fields of a new pairing document, holding its first event."""
    return {
        "outbox": [entry(event)],
        "outbox_seq": 1,
        "outbox_unsent": [str(event.event_id)],
        "outbox_at": at,
    }


def push(event: Envelope, *, at: datetime) -> Document:
    """The update operators that add one event to a stored outbox (to merge into a `$set`)."""
    return {
        "$push": {"outbox": entry(event), "outbox_unsent": str(event.event_id)},
        "$inc": {"outbox_seq": 1},
        "$set": {"outbox_at": at},
    }


def pull(event_ids: list[str]) -> Document:
    """The update that records these entries published; repeating it changes nothing."""
    return {"$pullAll": {"outbox_unsent": event_ids}}


def entry(event: Envelope) -> Document:
    return {"payload": encode(event), "headers": event.headers()}


def unpublished(doc: Document) -> Unpublished:
    """The entries of `doc` not yet published, in order, and the index of the first of them."""
    entries: list[Any] = doc.get("outbox", [])
    unsent = set(doc.get("outbox_unsent", ()))
    offset = int(doc.get("outbox_seq", len(entries))) - len(entries)
    pending = [n for n, e in enumerate(entries) if e["headers"]["event_id"] in unsent]
    start = offset + (pending[0] if pending else len(entries))
    payloads = [(bytes(entries[n]["payload"]), dict(entries[n]["headers"])) for n in pending]
    return Unpublished(pairing_id=doc["_id"], start=start, payloads=payloads)


async def upgrade_legacy(
    pairings: AsyncCollection[Document], published: AsyncCollection[Document]
) -> int:
    """List the unsent entries of pairings stored in the old layout (markers tell what went out);
    returns how many were rewritten. One scan at start-up, then a point update each that adds to
    the list (`$addToSet`), so an entry another replica pushed meanwhile stays listed."""
    upgraded = 0
    async for doc in pairings.find({"outbox_pending": True}):
        entries: list[Any] = doc.get("outbox", [])
        end = int(doc["outbox_seq"])
        done = end - len(entries)
        for count in range(end, done, -1):
            if await published.find_one({"_id": f"{doc['_id']}:{count}"}) is not None:
                done = count
                break
        unsent = [e["headers"]["event_id"] for e in entries[done - (end - len(entries)) :]]
        result = await pairings.update_one(
            {"_id": doc["_id"]},
            {"$addToSet": {"outbox_unsent": {"$each": unsent}}, "$unset": {"outbox_pending": ""}},
        )
        upgraded += result.modified_count
    return upgraded
