"""The matcher: turns profile changes into explained, two-way pairings and runs their lifecycle.

The pure core (`policy`, `scoring`, `availability`, `candidates`, `solver`, `engine`, `lifecycle`)
does no I/O. Around it: a read model of people (`handlers`, `people_store`), a program-keyed work
topic consumed by `coordinator` (one replica owns a program at a time), `program` steps that apply
changes to a program's engine and store, pairing documents with an embedded outbox
(`pairing_store`) and a `relay` that publishes them.
"""
