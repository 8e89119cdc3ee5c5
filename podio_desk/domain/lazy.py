"""Package attributes imported on first use (PEP 562), for packages that re-export names.

`import podio_desk.api` then costs nothing until a name is used: the window's start-up path
imports the packages but needs few of their modules before it shows.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def lazy_exports(
    package: str, sources: Mapping[str, str], exported: Sequence[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """`__getattr__` and `__dir__` for `package`: `sources` maps a name to its submodule."""
    namespace = importlib.import_module(package).__dict__

    def get_attribute(name: str) -> Any:
        module = sources.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    def list_attributes() -> list[str]:
        return sorted({*namespace, *exported})

    return get_attribute, list_attributes
