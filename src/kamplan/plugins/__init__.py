"""Plugin API v1: the hookspecs, the plugin host, and running registered plugins safely."""

from __future__ import annotations

from typing import Any

_HOST_NAMES = ("PluginHost", "PluginInfo", "Registered", "iter_registered", "safe_call")


def __getattr__(name: str) -> Any:
    # `from kamplan.plugins import PluginHost` keeps working without importing pluggy for hookspecs users.
    if name in _HOST_NAMES:
        from kamplan.plugins import host

        return getattr(host, name)
    raise AttributeError(f"module 'kamplan.plugins' has no attribute {name!r}")
