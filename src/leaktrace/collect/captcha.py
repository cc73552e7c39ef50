"""A login that shows a CAPTCHA pauses the crawl and asks a person; nothing solves it automatically.

The crawler hands a :class:`CaptchaChallenge` to a hook: the CLI's hook saves
the image and prompts on the terminal, a console can show it in a browser,
and tests answer it directly. A hook that returns None gives up the login.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

MAX_CAPTCHA_BYTES = 1 << 20


@dataclass(frozen=True)
class CaptchaChallenge:
    """What a person needs to answer: which site, the image (when one was found) and its URL."""

    host: str
    image: bytes | None
    image_type: str | None
    image_url: str | None


CaptchaHook = Callable[[CaptchaChallenge], Awaitable[str | None]]
