"""The matcher: turns profile changes into explained, two-way pairings and runs their lifecycle.

The folders are its layers, each importing only those below it (checked by the import contracts
in pyproject.toml, run by `./dev lint` and the tests):

- the root wires them: `__main__`, `app`, `runtime`, `settings`. The runtime is built once in
  the lifespan and handed to the edges, which see it as `adapters.context.Runtime`.
- `adapters/`: MongoDB stores, Kafka handlers, the work coordinator, relay, sweeper, lag monitor
  and the HTTP API; they implement the ports of `usecases/ports`.
- `usecases/`: the program step, proposals and transitions over those ports, and the events they
  emit; `Program` keeps one program's members, live pairings and engine changing together.
- `engine/`: one program's matching state in memory; full solves over every feasible pair (`general`) and local repair
  (`repair`) read one frozen `SolveInput` it builds, and never call back into it.
- `core/`: the pure domain (policy, availability, features, scoring with its explanation, the
  lifecycle). No I/O, no transport.
- `solver/`: a generic maximum-weight b-matching solver that knows nothing of people (numpy and
  scipy only), with the array helpers the engine shares (`solver/arrays`).
- `metrics`: the process-wide Prometheus instruments, a leaf any layer above `core/` and
  `solver/` may count with.
"""
