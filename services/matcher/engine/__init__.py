"""One program's matching state in memory: the pool, locked and blocked pairs, solves and repair."""
