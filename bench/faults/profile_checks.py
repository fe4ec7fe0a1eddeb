"""Checks of the profile side: the canonical topic, the final state, dead letters, lag. Pure."""

import itertools
from collections import Counter, defaultdict

from bench.faults.history import Canonical, History
from bench.faults.verdict import Check


def canonical_once(history: History) -> Check:
    """Every accepted change once per version, versions increasing without gaps per profile.
    A record republished with the same event id (the relay died between publishing and marking)
    is counted as a named window: every consumer drops it by its version."""
    check = Check("canonical: once per version, increasing")
    by_profile: dict[str, list[Canonical]] = defaultdict(list)
    for record in history.canonical:
        by_profile[record.profile_id].append(record)
    for profile, records in by_profile.items():
        seen: dict[str, Canonical] = {}
        for record in records:
            if record.event_id in seen:
                check.named.append(f"{profile} v{record.version} republished ({record.event_id})")
            else:
                seen[record.event_id] = record
        versions = [r.version for r in seen.values()]
        check.checked += len(versions)
        for version, times in Counter(versions).items():
            if times > 1:
                check.doubled.append(f"{profile} v{version} x{times}")
        if any(b <= a for a, b in itertools.pairwise(versions)):
            check.wrong.append(f"{profile} versions out of order: {versions}")
        missing = sorted(set(range(1, max(versions) + 1)) - set(versions))
        check.lost += [f"{profile} v{v}" for v in missing]
    for profile, acked in history.acked_versions.items():
        have = {r.version for r in by_profile.get(profile, [])}
        check.lost += [f"{profile} v{v} (acknowledged by the API)" for v in acked if v not in have]
    return check


def final_state(history: History) -> Check:
    """Each profile ends as the workload says, on the canonical topic and in the store."""
    check = Check("profiles: final state as sent")
    last: dict[str, Canonical] = {}
    for record in history.canonical:
        if record.profile_id not in last or record.version >= last[record.profile_id].version:
            last[record.profile_id] = record
    for profile, want in history.expected.items():
        check.checked += 1
        topic = last.get(profile)
        if topic is None:
            check.lost.append(f"{profile}: no canonical event")
            continue
        if (topic.deleted, None if topic.deleted else topic.name) != (want.deleted, want.name):
            check.lost.append(f"{profile}: topic ends {topic.name!r}/deleted={topic.deleted}")
        stored = history.stored_profiles.get(profile)
        if stored is not None and stored != want:
            check.lost.append(f"{profile}: store has {stored}, expected {want}")
    return check


def dead_letters(history: History) -> Check:
    """The dead-letter topics hold exactly the malformed inputs. A source record dead-lettered
    twice is the named window of `shared/consumer.py`: its batch was given up or the consumer
    died before the commit, and the redelivered record was dead-lettered again."""
    check = Check("dead letters: exactly the malformed")
    for topic in set(history.malformed) | set(history.dead_letters):
        held = Counter((d.partition, d.offset) for d in history.dead_letters.get(topic, ()))
        sent = {(m.partition, m.offset): m.value for m in history.malformed.get(topic, ())}
        check.checked += len(sent)
        for (partition, offset), value in sent.items():
            where = f"{topic}[{partition}]@{offset} {value[:40]!r}"
            if held[(partition, offset)] == 0:
                check.lost.append(f"{where} not dead-lettered")
            elif held[(partition, offset)] > 1:
                check.named.append(f"{where} dead-lettered x{held[(partition, offset)]}")
        check.wrong += [
            f"{topic}[{d.partition}]@{d.offset} {d.value[:60]!r} dead-lettered"
            for d in history.dead_letters.get(topic, ())
            if (d.partition, d.offset) not in sent
        ]
    return check


def zero_lag(history: History) -> Check:
    check = Check("consumer groups: zero lag", checked=len(history.lag))
    check.wrong = [f"{group}: lag {lag}" for group, lag in sorted(history.lag.items()) if lag]
    return check
