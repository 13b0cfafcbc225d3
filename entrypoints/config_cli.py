"""`spotlight config`: every setting, the value this process would run with, and where it
came from (default, environment or the settings file), secrets never shown."""

from __future__ import annotations

import argparse
import json
from typing import Any

from adapters.oidc import OidcIssuer
from adapters.storage import redacted_url
from entrypoints.settings import Settings
from entrypoints.settings_declared import CONFIG_FILE, Declared, DeclaredSettings

REDACTED = "***"


def shown(value: object) -> str | None:
    """A value as its variable would hold it (None: unset)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, OidcIssuer):
        return value.issuer
    if isinstance(value, tuple | list):
        return ",".join(str(shown(item)) for item in value)
    if isinstance(value, dict):
        return ",".join(f"{key}={shown(item)}" for key, item in value.items())
    return str(value)


def listed(declared: Declared) -> list[dict[str, Any]]:
    """One entry per setting: its variable, value (secrets redacted), source and meaning."""
    settings = Settings.of(declared.values)
    effective: dict[str, object] = {
        # Defaults that depend on other settings, as they come out.
        "store": settings.store.redacted,
        "rate_limit_storage": redacted_url(declared.values.rate_limit_storage),
        "webhook_lease": settings.webhook_lease_seconds,
        "index_dir": settings.index_root,
    }
    entries = []
    for name, field in DeclaredSettings.model_fields.items():
        value = getattr(declared.values, name)
        if DeclaredSettings.is_secret(field):
            text = None if value is None else REDACTED
        elif name == "listen" and value is not None:
            text = f"{value[0]}:{value[1]}"
        else:
            text = shown(effective.get(name, value))
        entries.append(
            {
                "name": DeclaredSettings.variable(name),
                "value": text,
                "source": declared.source(name),
                "description": field.description,
            }
        )
    return entries


def _config(arguments: argparse.Namespace, _settings: Settings) -> int:
    declared = DeclaredSettings.read()
    entries = listed(declared)
    file = str(declared.file) if declared.file is not None else None
    if arguments.json:
        print(json.dumps({"file": file, "settings": entries}, indent=2))
        return 0
    print(f"{CONFIG_FILE}: {file or '(none)'}")
    width = max(len(entry["name"]) for entry in entries)
    for entry in entries:
        value = "(unset)" if entry["value"] is None else entry["value"]
        print(f"{entry['name']:<{width}}  {entry['source']:<11}  {value}")
    return 0


def add_config_command(commands: Any) -> None:
    config = commands.add_parser(
        "config",
        help="list every setting, its value and where it came from (secrets redacted)",
    )
    config.add_argument("--json", action="store_true", help="print JSON")
    config.set_defaults(run=_config)
