"""The shop platforms whose order exports the import knows, and recognising them by header.

Each platform is described in its own module (`platform_shopify`, `platform_eccube`, ...; the
rules are in `platform_spec`). `recognise(headers)` names the platform whose identifying headers
a file has; `get(name)` is `--platform NAME`. docs/import.md lists what is taken from each.
"""

from __future__ import annotations

import functools
import importlib

from .errors import ImportFileError
from .platform_spec import Platform, header_key

MODULES = ("platform_shopify", "platform_eccube", "platform_colorme", "platform_base", "platform_rakuten")
GENERIC = "generic"  # --platform generic: read the file by its headers as a plain orders file


def _load() -> tuple[Platform, ...]:
    return tuple(importlib.import_module(f".{name}", __package__).PLATFORM for name in MODULES)


PLATFORMS: tuple[Platform, ...] = _load()
NAMES = tuple(p.name for p in PLATFORMS)


def get(name: str) -> Platform | None:
    """The platform called `name` (None for "generic"); raises naming the known ones."""
    if name == GENERIC:
        return None
    for platform in PLATFORMS:
        if platform.name == name:
            return platform
    raise ImportFileError(f"{name!r} is not a platform this import knows; use one of {', '.join(NAMES + (GENERIC,))}.")


def recognise(headers: tuple[str, ...] | list[str]) -> Platform | None:
    """The platform whose identifying headers the file has (the one matching most, if several)."""
    matching = [p for p in PLATFORMS if p.matches(list(headers))]
    if not matching:
        return None
    return max(matching, key=lambda p: len(p.recognise))


@functools.cache
def known_headers() -> frozenset[str]:
    """Every header any platform reads, as `header_key`s (to find the header row)."""
    found = set()
    for platform in PLATFORMS:
        found.update(header_key(h) for h in platform.recognise)
        for candidates in platform.fields.values():
            found.update(header_key(h) for h in candidates)
    return frozenset(found)
