"""The benchmarks name each store command by its shape: the filter's field names, not values, so
that a scan (a filter beyond `_id`) shows up as its own line."""

from bench.opstats import shape


def test_a_point_update_and_a_guarded_update_are_told_apart() -> None:
    point = {"update": "people", "updates": [{"q": {"_id": "p1"}, "u": {}}]}
    guarded = {"update": "people", "updates": [{"q": {"_id": "p1", "version": 3}, "u": {}}] * 2}

    assert shape("update", point) == "update people {_id} x1"
    assert shape("update", guarded) == "update people {_id,version} x2"


def test_inserts_count_their_documents_and_finds_name_their_filter() -> None:
    assert shape("insert", {"insert": "slots", "documents": [{}, {}, {}]}) == "insert slots x3"
    find = {"find": "pairings", "filter": {"program_id": "x", "outbox_pending": True}}
    assert shape("find", find) == "find pairings {outbox_pending,program_id}"
    assert shape(
        "aggregate", {"aggregate": "pairings", "pipeline": [{"$match": {}}, {"$group": {}}]}
    ) == ("aggregate pairings [$match,$group]")
