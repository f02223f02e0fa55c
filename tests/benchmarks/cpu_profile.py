"""CPU by package across every thread of a block, for the benchmarks' ``--profile``.

cProfile sees only the thread that started it, and a plan's work runs on the scope threads
(``orchestrator/fanout.py``); yappi profiles every thread, with a CPU clock, so waits on the
network or a token bucket cost nothing. In: a ``Counter`` to add to, or None (no profiling).
Out: the CPU seconds spent in each package's own functions (self time: the callees' time goes
to their packages). yappi is not a dependency: install it by hand (``.venv/bin/pip install
yappi``) to use ``--profile``.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

Profile = Counter[str]

# The first marker found in a function's file names its package; eastwest's own code first.
PACKAGES = (
    ("/orchestrator/", "eastwest"),
    ("/providers/", "eastwest"),
    ("/moto_fixtures/", "moto (served in-process)"),
    ("/moto/", "moto (served in-process)"),
    ("/werkzeug/", "moto (served in-process)"),
    ("/flask/", "moto (served in-process)"),
    ("/botocore/", "botocore"),
    ("/boto3/", "boto3"),
    ("/urllib3/", "urllib3"),
    ("/pydantic", "pydantic"),
)


def package_of(path: str) -> str:
    for marker, package in PACKAGES:
        if marker in path:
            return package
    return "stdlib and other"


@contextmanager
def by_package(profile: Profile | None) -> Iterator[None]:
    if profile is None:
        yield
        return
    yappi = _yappi()
    yappi.clear_stats()
    yappi.set_clock_type("cpu")
    yappi.start(builtins=False)  # a C function's time is its Python caller's
    try:
        yield
    finally:
        yappi.stop()
        for stat in yappi.get_func_stats():
            profile[package_of(stat.module)] += stat.tsub
        yappi.clear_stats()


def _yappi() -> Any:
    try:
        return importlib.import_module("yappi")
    except ImportError:
        raise SystemExit(
            "--profile needs yappi, which is not a dependency: .venv/bin/pip install yappi"
        ) from None
