"""The one plugin host: built-ins, entry points, plugin folders, registries and safe calls."""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata as metadata
import importlib.util
import inspect
import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from kamplan.errors import KamplanError, PluginError
from kamplan.plugins import hookspecs
from kamplan.plugins.trust import plugin_modules

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "kamplan"
ALLOWLIST_ENV = "KAMPLAN_LOAD_PLUGINS"
BUILTIN_MODULES = (
    "kamplan.builtin.integrity",
    "kamplan.builtin.rules",
    "kamplan.builtin.money_rules",
    "kamplan.builtin.charts",
    "kamplan.builtin.scoring",
    "kamplan.builtin.recommend",
    "kamplan.builtin.importers",
    "kamplan.builtin.exports",
)
REGISTRIES = {
    "register_rules": "rule",
    "register_scorers": "scorer",
    "register_recommenders": "recommender",
    "register_exporters": "exporter",
    "register_importers": "importer",
}


@dataclass(frozen=True)
class Registered:
    """One item a plugin registered (a rule, scorer, exporter...).

    Attributes:
        name: The rule code or item name.
        func: The callable.
        plugin: Name of the plugin that registered it.
        extra: Extra registration arguments (an exporter's suffix).
    """

    name: str
    func: Callable[..., Any]
    plugin: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class PluginInfo:
    """What ``kamplan plugins`` shows about one plugin."""

    name: str
    version: str
    source: str
    hooks: list[str]


class PluginHost:
    """Owns the PluginManager and everything plugins registered.

    Args:
        builtins: Register ``kamplan.builtin.*``.
        entry_points: Load installed plugins of the ``kamplan`` entry point group.
        plugin_dirs: Folders whose ``*.py`` files are loaded as plugins.
    """

    def __init__(
        self,
        *,
        builtins: bool = True,
        entry_points: bool = True,
        plugin_dirs: Iterable[str | os.PathLike[str]] = (),
    ) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self._info: dict[str, PluginInfo] = {}
        self._registries: dict[str, dict[str, Registered]] = {}
        self._loaded_dirs: set[Path] = set()
        if builtins:
            for module_name in BUILTIN_MODULES:
                self.register(importlib.import_module(module_name), module_name, source="builtin")
        if entry_points:
            self.load_entry_points()
        for folder in plugin_dirs:
            self.load_dir(folder)

    # -- loading ----------------------------------------------------------------------------------
    def register(self, plugin: object, name: str | None = None, *, source: str = "api", version: str = "") -> str:
        """Register a plugin object (module or instance) under ``name``.

        Raises:
            PluginError: When the name is taken or the plugin implements an unknown hook.
        """
        name = name or getattr(plugin, "__name__", None) or type(plugin).__name__
        existing = self._info.get(name)
        if existing is not None or self.pm.has_plugin(name):
            other = existing.source if existing else "?"
            raise PluginError(name, "register", f"a plugin named {name!r} is already registered (from {other})")
        try:
            self.pm.register(plugin, name=name)
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            if self.pm.has_plugin(name):
                self.pm.unregister(name=name)
            raise PluginError(name, "register", str(exc)) from None
        if not version:
            version = _version_of(plugin, source)
        self._info[name] = PluginInfo(name, version, source, self._hooks_of(name))
        self._registries.clear()
        return name

    def unregister(self, name: str) -> None:
        """Remove a plugin and everything it registered."""
        self.pm.unregister(name=name)
        self._info.pop(name, None)
        self._registries.clear()

    def load_entry_points(self) -> None:
        """Load installed plugins, honouring the ``KAMPLAN_LOAD_PLUGINS`` allowlist."""
        allowed = _allowlist()
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
            dist = ep.dist.name if ep.dist else ep.name
            if allowed is not None and dist.lower() not in allowed and ep.name.lower() not in allowed:
                log.debug("plugin %s not in %s, skipped", dist, ALLOWLIST_ENV)
                continue
            plugin = contained(ep.name, "import", ep.load)
            version = ep.dist.version if ep.dist else ""
            self.register(plugin, ep.name, source=f"entry point ({dist})", version=version)

    def load_dir(self, folder: str | os.PathLike[str]) -> None:
        """Load every ``*.py`` file of ``folder`` as a plugin named after the file.

        When ``KAMPLAN_LOAD_PLUGINS`` is set, only the files it names (by file name without ``.py``)
        are loaded; set and empty, none is.
        """
        path = Path(folder).resolve()
        if path in self._loaded_dirs:
            return
        if not path.is_dir():
            raise PluginError(str(folder), "import", "plugins folder does not exist")
        self._loaded_dirs.add(path)
        allowed = _allowlist()
        for file in plugin_modules(path):
            if allowed is not None and file.stem.lower() not in allowed:
                log.debug("plugin file %s not in %s, skipped", file, ALLOWLIST_ENV)
                continue
            module = _import_file(file)
            self.register(module, file.stem, source=f"folder {path}")

    # -- registries -------------------------------------------------------------------------------
    def registry(self, hook: str) -> dict[str, Registered]:
        """Collect what every plugin registers through ``hook`` (``register_rules``...).

        Raises:
            PluginError: When a plugin raises, passes bad arguments, or reuses another's name.
        """
        if hook in self._registries:
            return self._registries[hook]
        items: dict[str, Registered] = {}
        for impl in self._in_registration_order(hook):
            plugin = impl.plugin_name

            def register(name: str, func: Callable[..., Any], *args: Any, _plugin: str = plugin, **kw: Any) -> None:
                if not isinstance(name, str) or not name:
                    raise PluginError(_plugin, hook, f"register() needs a name, got {name!r}")
                if not callable(func):
                    raise PluginError(_plugin, hook, f"{name!r} is not callable")
                if name in items:
                    raise PluginError(
                        _plugin, hook,
                        f"{REGISTRIES[hook]} {name!r} is already registered by plugin {items[name].plugin!r}",
                    )
                extra = dict(kw)
                if hook == "register_exporters":
                    suffix = args[0] if args else kw.get("suffix")
                    if not isinstance(suffix, str) or not suffix.startswith("."):
                        raise PluginError(_plugin, hook, f"exporter {name!r} needs a suffix like '.md'")
                    extra["suffix"] = suffix
                items[name] = Registered(name, func, _plugin, extra)

            self._call_impl(impl, hook, register=register)
        self._registries[hook] = items
        return items

    def call_lifecycle(self, hook: str, **kwargs: Any) -> None:
        """Call a lifecycle hook on every plugin, naming the plugin that fails."""
        for impl in self._in_registration_order(hook):
            self._call_impl(impl, hook, **kwargs)

    def _in_registration_order(self, hook: str) -> list[Any]:
        """The hook's implementations, first registered first: a name taken twice blames the later plugin."""
        order = {name: i for i, name in enumerate(self._info)}
        impls = getattr(self.pm.hook, hook).get_hookimpls()
        return sorted(impls, key=lambda impl: order.get(impl.plugin_name, len(order)))

    def add_commands(self, cli: Any) -> None:
        """Let plugins add subcommands to ``cli``."""
        self.call_lifecycle("register_commands", cli=cli)

    def _call_impl(self, impl: Any, hook: str, **kwargs: Any) -> Any:
        return contained(impl.plugin_name, hook, impl.function,
                         **{k: v for k, v in kwargs.items() if k in impl.argnames})

    # -- information ------------------------------------------------------------------------------
    def plugins(self) -> list[PluginInfo]:
        """Every registered plugin with its version and the hooks it implements."""
        return [self._info[name] for name in self._info]

    def _hooks_of(self, name: str) -> list[str]:
        plugin = self.pm.get_plugin(name)
        return sorted(
            caller.name for caller in self.pm.get_hookcallers(plugin) or []
        )


def contained(plugin: str, what: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call plugin code so that nothing it does escapes unnamed.

    What it prints goes to standard error (standard output carries the command's result, JSON
    included); any exception, ``sys.exit`` and other ``BaseException`` included, becomes a
    :class:`PluginError` naming the plugin and the hook; an interrupt (Ctrl-C) while it runs names
    it too, since a plugin that hangs is the usual reason to interrupt.
    """
    try:
        with contextlib.redirect_stdout(sys.stderr):
            result = func(*args, **kwargs)
            if inspect.isgenerator(result):
                result = list(result)
        return result
    except KamplanError:  # raised on purpose (bad option, invalid plan, renderer failure): keep its meaning
        raise
    except KeyboardInterrupt:
        raise PluginError(plugin, what, "interrupted while it was running (does it hang?)") from None
    except SystemExit as exc:
        raise PluginError(plugin, what, f"called sys.exit({exc.code!r})") from exc
    except BaseException as exc:
        raise PluginError(plugin, what, f"{type(exc).__name__}: {exc}") from exc


def safe_call(entry: Registered, what: str, *args: Any) -> Any:
    """Call a registered item, turning anything it raises into a PluginError naming plugin and hook."""
    return contained(entry.plugin, f"{what} {entry.name!r}", entry.func, *args)


def iter_registered(host: PluginHost, hook: str) -> Iterator[Registered]:
    """Registered items of ``hook`` in a stable order (by name)."""
    registry = host.registry(hook)
    for name in sorted(registry):
        yield registry[name]


def _allowlist() -> set[str] | None:
    """The names ``KAMPLAN_LOAD_PLUGINS`` allows (lower case), or None when it is not set."""
    allow = os.environ.get(ALLOWLIST_ENV)
    return None if allow is None else {a.strip().lower() for a in allow.split(",") if a.strip()}


def _import_file(file: Path) -> ModuleType:
    module_name = f"kamplan_local_plugins.{file.stem}"
    spec = importlib.util.spec_from_file_location(module_name, file)
    if spec is None or spec.loader is None:
        raise PluginError(file.stem, "import", f"cannot load {file}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        contained(file.stem, "import", spec.loader.exec_module, module)
    except PluginError as exc:
        sys.modules.pop(module_name, None)
        raise PluginError(exc.plugin, exc.hook, f"{exc.message} (in {file})") from exc.__cause__
    return module


def _version_of(plugin: object, source: str) -> str:
    if source == "builtin":
        from kamplan import __version__

        return __version__
    return str(getattr(plugin, "__version__", "") or "unversioned")
