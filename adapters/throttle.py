"""Failed sign-ins counted per account in the rate limits' storage (this process's memory,
or the Redis the service's processes share), in a moving window."""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse_many
from limits.storage import Storage
from limits.strategies import MovingWindowRateLimiter

FLOW = "sign-in-failures"


class SignInFailures:
    def __init__(self, storage: Storage, limit: str) -> None:
        self._limiter = MovingWindowRateLimiter(storage)
        self._items: list[RateLimitItem] = parse_many(limit) if limit != "none" else []

    def retry_after(self, account: str) -> int | None:
        for item in self._items:
            if not self._limiter.test(item, FLOW, account):
                reset = self._limiter.get_window_stats(item, FLOW, account).reset_time
                return max(1, math.ceil(reset - time.time()))
        return None

    def failed(self, account: str) -> None:
        for item in self._items:
            self._limiter.hit(item, FLOW, account)
