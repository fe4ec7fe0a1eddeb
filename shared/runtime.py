"""Handing a service's runtime (what its lifespan builds) to its edges, once.

FastStream subscribers receive it from the broker's context (`runtime: Runtime = Context()`, or
the second argument of a `shared.consumer` batch handler); FastAPI routes through one typed
`RuntimeDep = Annotated[Runtime, Depends(...)]` per service, which reads it with `runtime_of`.
"""

from typing import Any

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

RUNTIME = "runtime"


def hand_over(runtime: object, *, app: FastAPI, broker: KafkaBroker) -> None:
    """Make `runtime` what the subscribers and the routes of this app use."""
    broker.context.set_global(RUNTIME, runtime)
    app.state.runtime = runtime


def runtime_of(app: FastAPI) -> Any:
    """The runtime handed over; each service's `RuntimeDep` gives it its type."""
    return app.state.runtime
