"""The payment provider a core is built with, from its settings: the one place that decides,
so that no path of a production deployment reaches the sandbox."""

from __future__ import annotations

from adapters.payments.sandbox import SandboxPayments
from adapters.projections.store import SqlProjectionStore
from application.shop.payments import PaymentProvider
from entrypoints.settings import PREFIX, Settings, SettingsError


def payment_provider(settings: Settings, database: SqlProjectionStore) -> PaymentProvider:
    """The configured provider, keeping what it must remember in ``database`` (the read
    models' database, beside the logs); see ``refuse_unavailable_provider``."""
    refuse_unavailable_provider(settings)
    return SandboxPayments(database)


def refuse_unavailable_provider(settings: Settings) -> None:
    """A provider this build lacks, or a sandbox in a production deployment, is
    ``SettingsError`` (settings read from the environment refuse it already; this also
    covers settings made in code), said before any store is opened."""
    if settings.payments != "sandbox":
        raise SettingsError(f"{PREFIX}PAYMENTS={settings.payments!r} is no provider this build has")
    if settings.production:
        raise SettingsError(f"{PREFIX}ENVIRONMENT=production refuses the sandbox payment provider")
