"""`python -m services.matcher`: serve the matcher with uvicorn on its `http_port`."""

import uvicorn

from .app import create_app
from .settings import MatcherSettings


def main() -> None:
    settings = MatcherSettings()
    uvicorn.run(create_app(settings), host="0.0.0.0", port=settings.http_port, log_config=None)


if __name__ == "__main__":
    main()
