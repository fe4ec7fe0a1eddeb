"""The whole system under faults: a seeded workload, a seeded fault schedule, and a checker.

    python -m bench.faults --seed 7 [--minutes 6] [--soak]

The modules, each with one job: `schedule` (which faults, when: pure), `workload` (which profile
changes, through which door: pure), `expect` (what the store and topics must end up holding: pure),
`smtp` (a mail sink that can be taken down or made to answer 4xx), `injector` (carries the schedule
out on processes and the stack), `drive` (sends the workload and answers pairings), `collect`
(reads topics, stores and delivered emails into a `history.History`), `checker` (the checks: pure),
`report` (the table), `soak` and `trend` (the no-fault run and its slopes), `run` (composition).
"""
