# SPDX-License-Identifier: LGPL-2.1-or-later
# Type stubs for timens._timens, the C half of the package (not a public
# interface: use the names timens itself exports).
from typing import Any, Optional

FEATURE_TIME_NS: int
FEATURE_SETNS_PIDFD: int
FEATURE_EXEC_SWITCH: int
FEATURE_CLONE3_NEWTIME: int
FEATURE_NATIVE_OFFSET: int
FEATURE_CLONE3_REFUSED: int
CLOCK_SEC_LIMIT: int

def parse_offset(text: str, /) -> int: ...
def format_offset(ns: int, /) -> str: ...
def features() -> int: ...
def get_info(pid: int, /) -> tuple[tuple[int, int], tuple[int, int],
                                   Optional[tuple[int, int]], tuple[int, int],
                                   Optional[tuple[int, int]]]: ...
def resolve(monotonic: Optional[int], boottime: Optional[int],
            uptime: Optional[int], /) -> tuple[int, int]: ...
def fork_exec(monotonic: int, boottime: int, userns: bool, *args: Any) -> int: ...
