"""The whole system under faults: a seeded workload, a seeded fault schedule, and a checker.

    python -m bench.faults --seed 7 [--short] [--minutes 12] [--no-faults]
    python -m bench.faults --seed 7 --soak [--minutes 20]

Each module has one job. Pure: `schedule` (which faults, when), `workload` (which profile
changes, through which door), `expect` (what the ingress door's people end as), `kinds` (which
pairing events cause which emails), `history` (what a run left behind, as values), the checks
(`profile_checks`, `pairing_checks`, `checker`, `verdict`), `report` (the tables) and `trend`
(the soak's slopes). With I/O: `stage` (the stack, the services, the program records), `smtp`
(a mail sink with a switch), `injector` (carries the schedule out), `doors`, `drive`,
`api_door` and `answers` (the workload and people's answers, with retries), `collect` (reads
the topics, stores and emails), and `run` and `soak` (composition).
"""
