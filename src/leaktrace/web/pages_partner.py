from typing import Any


def register(app: Any) -> None:
    pass
