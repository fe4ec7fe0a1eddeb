"""Program records: the profiles service is their system of record.

`records` (the stored shape), `changes` (deciding a change, pure), `store` (MongoDB, point
operations), `service` (the one way a program changes), `relay` (publishes `program.changed`
from the embedded outbox), `schemas` (the HTTP bodies; the routes are `program_routes`, beside the other routes).
"""
