"""The matcher: turns profile changes into explained, two-way pairings and runs their lifecycle.

The folders are its layers, each importing only those below it:

- `core/`: the pure domain (policy, availability, features, scoring with its explanation, the
  lifecycle). No I/O.
- `solver/`: a generic maximum-weight b-matching solver that knows nothing of people.
- `engine/`: one program's matching state in memory, solved with `solver/` over `core/` scores.
- `usecases/`: the program step, proposals and transitions over the ports in `usecases/ports`,
  and the events they emit.
- `adapters/`: MongoDB stores, Kafka handlers, the work coordinator, relay, sweeper, lag monitor
  and the HTTP API.
- the root wires them: `app`, `runtime`, `settings`, `metrics`. The runtime is built once in the
  lifespan and handed to the edges, which see it as `adapters.context.Runtime`.
"""
