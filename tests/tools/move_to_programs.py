"""Moves every layer into one package per program and rewrites every reference to a moved module.

Run it from the repository root on a clean git tree::

    python -m tests.tools.move_to_programs

``TABLE`` below is the whole move: one row per module of ``domain/``, ``application/`` and
``entrypoints/http/`` and per test of ``tests/unit``, ``tests/integration`` and ``tests/e2e``.
A module that is not in the table stops the move before anything is touched (the table must be
told where it belongs), and so does an import between programs of one layer that goes against
``ORDER``. Otherwise the script ``git mv``s every row, creates the programs' ``__init__.py``,
rewrites every reference to a moved module (imports, dotted names in strings, paths in the
documents), adds the import-linter contract that keeps the order, writes the table of programs
into ARCHITECTURE.md, sorts and formats the imports it rewrote with ruff, and prints the figures
before and after. Nothing else changes: no shims are left in the old places, and stored event
topics are explicit strings, so none of them moves with its module.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tokenize
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

#: The programs, from the top: inside one layer a program may import the programs after it,
#: never one before it. Shared modules stay at the top of their layer, below every program.
ORDER = ("audit", "business", "shop", "revenue", "music", "anchors", "trust")

#: The layers whose modules move, and the test kinds whose tests follow them.
LAYERS = ("domain", "application", "entrypoints/http")
TEST_KINDS = ("tests/unit", "tests/integration", "tests/e2e")

#: Shared modules that compose the programs and so may import all of them.
COMPOSERS = frozenset({"entrypoints/http/app.py"})

#: Files that name the old paths on purpose (this table and its test): never rewritten.
NAMING_OLD_PATHS = frozenset(
    {"tests/tools/move_to_programs.py", "tests/unit/test_move_to_programs.py"}
)

#: A row's value when the module stays where it is, at the top of its layer or test kind.
STAYS = ""

#: Old path -> new path. Every module of the layers and every test of the kinds has a row.
TABLE: dict[str, str] = {
    # domain/
    "domain/aggregate.py": STAYS,
    "domain/artists.py": "domain/music/artists.py",
    "domain/audience.py": "domain/anchors/audience.py",
    "domain/ballots.py": "domain/music/ballots.py",
    "domain/bounds.py": STAYS,
    "domain/campaigns.py": "domain/business/campaigns.py",
    "domain/categories.py": STAYS,
    "domain/counterfeit.py": "domain/shop/counterfeit.py",
    "domain/creators.py": "domain/revenue/creators.py",
    "domain/effects.py": "domain/business/effects.py",
    "domain/engagement.py": "domain/anchors/engagement.py",
    "domain/errors.py": STAYS,
    "domain/hashtags.py": STAYS,
    "domain/identifiers.py": STAYS,
    "domain/inbox.py": STAYS,
    "domain/invitations.py": "domain/business/invitations.py",
    "domain/ledger.py": "domain/revenue/ledger.py",
    "domain/listing_descriptors.py": "domain/shop/listing_descriptors.py",
    "domain/listings.py": "domain/shop/listings.py",
    "domain/matching.py": "domain/anchors/matching.py",
    "domain/media.py": STAYS,
    "domain/moderation.py": "domain/trust/moderation.py",
    "domain/money.py": STAYS,
    "domain/orders.py": "domain/shop/orders.py",
    "domain/payouts.py": "domain/revenue/payouts.py",
    "domain/people.py": "domain/trust/people.py",
    "domain/portal.py": "domain/anchors/portal.py",
    "domain/product_scan.py": "domain/shop/product_scan.py",
    "domain/product_tags.py": "domain/shop/product_tags.py",
    "domain/pulse.py": "domain/revenue/pulse.py",
    "domain/regions.py": STAYS,
    "domain/rounds.py": "domain/music/rounds.py",
    "domain/seasons.py": "domain/music/seasons.py",
    "domain/standings.py": "domain/music/standings.py",
    "domain/studios.py": "domain/business/studios.py",
    "domain/sweeps.py": "domain/anchors/sweeps.py",
    "domain/text.py": STAYS,
    "domain/time.py": STAYS,
    "domain/titles.py": "domain/anchors/titles.py",
    "domain/track_usage.py": "domain/music/track_usage.py",
    "domain/tracks.py": "domain/music/tracks.py",
    "domain/videos.py": "domain/anchors/videos.py",
    # application/
    "application/analytics.py": "application/anchors/analytics.py",
    "application/anchoring.py": "application/anchors/anchoring.py",
    "application/audience.py": "application/anchors/audience.py",
    "application/audit.py": "application/audit/audit.py",
    "application/audit_replay.py": "application/audit/audit_replay.py",
    "application/auth.py": STAYS,
    "application/background.py": STAYS,
    "application/idempotency.py": STAYS,
    "application/logs.py": STAYS,
    "application/read_models.py": STAYS,
    "application/campaign_dashboard.py": "application/business/campaign_dashboard.py",
    "application/campaigns.py": "application/business/campaigns.py",
    "application/catalogue.py": STAYS,
    "application/competition.py": "application/music/competition.py",
    "application/counterfeit_reports.py": "application/shop/counterfeit_reports.py",
    "application/creators.py": "application/revenue/creators.py",
    "application/domain_application.py": STAYS,
    "application/errors.py": STAYS,
    "application/invariants.py": "application/audit/invariants.py",
    "application/ledger_audit.py": "application/audit/ledger_audit.py",
    "application/ledger_read_model.py": "application/revenue/ledger_read_model.py",
    "application/ledgers.py": "application/revenue/ledgers.py",
    "application/log_follower.py": STAYS,
    "application/marketplace.py": "application/business/marketplace.py",
    "application/match_index.py": "application/anchors/match_index.py",
    "application/media.py": STAYS,
    "application/moderation.py": "application/trust/moderation.py",
    "application/music.py": "application/music/music.py",
    "application/music_read_model.py": "application/music/music_read_model.py",
    "application/music_views.py": "application/music/music_views.py",
    "application/notifications.py": STAYS,
    "application/payouts.py": "application/revenue/payouts.py",
    "application/personal_data.py": "application/trust/personal_data.py",
    "application/ports.py": STAYS,
    "application/product_scanning.py": "application/shop/product_scanning.py",
    "application/product_tagging.py": "application/shop/product_tagging.py",
    "application/products.py": "application/shop/products.py",
    "application/protection.py": "application/trust/protection.py",
    "application/pulse.py": "application/revenue/pulse.py",
    "application/pulse_inventory.py": "application/revenue/pulse_inventory.py",
    "application/recount.py": "application/audit/recount.py",
    "application/shop.py": "application/shop/shop.py",
    "application/shop_search.py": "application/shop/shop_search.py",
    "application/studio_bookings.py": "application/business/studio_bookings.py",
    "application/text_matching.py": "application/anchors/text_matching.py",
    "application/track_index.py": "application/music/track_index.py",
    "application/transcodings.py": STAYS,
    "application/usage_detection.py": "application/music/usage_detection.py",
    "application/views.py": STAYS,
    # entrypoints/http/
    "entrypoints/http/anchor_schemas.py": "entrypoints/http/anchors/anchor_schemas.py",
    "entrypoints/http/anchors.py": "entrypoints/http/anchors/anchors.py",
    "entrypoints/http/app.py": STAYS,
    "entrypoints/http/audience.py": "entrypoints/http/anchors/audience.py",
    "entrypoints/http/audit.py": "entrypoints/http/audit/audit.py",
    "entrypoints/http/campaign_schemas.py": "entrypoints/http/business/campaign_schemas.py",
    "entrypoints/http/campaigns.py": "entrypoints/http/business/campaigns.py",
    "entrypoints/http/competition.py": "entrypoints/http/music/competition.py",
    "entrypoints/http/creators.py": "entrypoints/http/revenue/creators.py",
    "entrypoints/http/ledgers.py": "entrypoints/http/revenue/ledgers.py",
    "entrypoints/http/limits.py": STAYS,
    "entrypoints/http/marketplace.py": "entrypoints/http/business/marketplace.py",
    "entrypoints/http/moderation.py": "entrypoints/http/trust/moderation.py",
    "entrypoints/http/music.py": "entrypoints/http/music/music.py",
    "entrypoints/http/music_schemas.py": "entrypoints/http/music/music_schemas.py",
    "entrypoints/http/people.py": "entrypoints/http/trust/people.py",
    "entrypoints/http/policy.py": STAYS,
    "entrypoints/http/problems.py": STAYS,
    "entrypoints/http/pulse.py": "entrypoints/http/revenue/pulse.py",
    "entrypoints/http/rate_limits.py": STAYS,
    "entrypoints/http/revenue_schemas.py": "entrypoints/http/revenue/revenue_schemas.py",
    "entrypoints/http/schemas.py": STAYS,
    "entrypoints/http/security.py": STAYS,
    "entrypoints/http/shop.py": "entrypoints/http/shop/shop.py",
    "entrypoints/http/shop_schemas.py": "entrypoints/http/shop/shop_schemas.py",
    "entrypoints/http/studios.py": "entrypoints/http/business/studios.py",
    "entrypoints/http/tags.py": "entrypoints/http/shop/tags.py",
    "entrypoints/http/titles.py": "entrypoints/http/anchors/titles.py",
    "entrypoints/http/uploads.py": STAYS,
    "entrypoints/http/versions.py": STAYS,
    "entrypoints/http/videos.py": "entrypoints/http/anchors/videos.py",
    # tests/unit/
    "tests/unit/test_artists.py": "tests/unit/music/test_artists.py",
    "tests/unit/test_audit_replay.py": "tests/unit/audit/test_audit_replay.py",
    "tests/unit/test_ballots_and_scores.py": "tests/unit/music/test_ballots_and_scores.py",
    "tests/unit/test_bounds.py": STAYS,
    "tests/unit/test_answers.py": STAYS,
    "tests/unit/test_background_work.py": STAYS,
    "tests/unit/test_idempotency.py": STAYS,
    "tests/unit/test_read_models.py": STAYS,
    "tests/unit/test_campaigns.py": "tests/unit/business/test_campaigns.py",
    "tests/unit/test_catalogue.py": "tests/unit/anchors/test_catalogue.py",
    "tests/unit/test_counterfeit_reports.py": "tests/unit/shop/test_counterfeit_reports.py",
    "tests/unit/test_creators.py": "tests/unit/revenue/test_creators.py",
    "tests/unit/test_disputes.py": "tests/unit/anchors/test_disputes.py",
    "tests/unit/test_distinct_clicks.py": "tests/unit/anchors/test_distinct_clicks.py",
    "tests/unit/test_domain_aggregate.py": STAYS,
    "tests/unit/test_engagement.py": "tests/unit/anchors/test_engagement.py",
    "tests/unit/test_free_text_commands.py": STAYS,
    "tests/unit/test_hashtags.py": STAYS,
    "tests/unit/test_identifiers.py": STAYS,
    "tests/unit/test_inbox.py": STAYS,
    "tests/unit/test_ledger.py": "tests/unit/revenue/test_ledger.py",
    "tests/unit/test_ledger_audit.py": "tests/unit/audit/test_ledger_audit.py",
    "tests/unit/test_listing_search.py": "tests/unit/shop/test_listing_search.py",
    "tests/unit/test_listings_and_sellers.py": "tests/unit/shop/test_listings_and_sellers.py",
    "tests/unit/test_marketplace.py": "tests/unit/business/test_marketplace.py",
    "tests/unit/test_match_policy.py": "tests/unit/anchors/test_match_policy.py",
    "tests/unit/test_moderation.py": "tests/unit/trust/test_moderation.py",
    "tests/unit/test_money.py": STAYS,
    "tests/unit/test_move_to_programs.py": STAYS,
    "tests/unit/test_music_races.py": "tests/unit/music/test_music_races.py",
    "tests/unit/test_orders.py": "tests/unit/shop/test_orders.py",
    "tests/unit/test_payouts_domain.py": "tests/unit/revenue/test_payouts_domain.py",
    "tests/unit/test_portal.py": "tests/unit/anchors/test_portal.py",
    "tests/unit/test_posting_lines.py": "tests/unit/revenue/test_posting_lines.py",
    "tests/unit/test_problem_mapping.py": STAYS,
    "tests/unit/test_product_scan.py": "tests/unit/shop/test_product_scan.py",
    "tests/unit/test_product_tags.py": "tests/unit/shop/test_product_tags.py",
    "tests/unit/test_pulse_domain.py": "tests/unit/revenue/test_pulse_domain.py",
    "tests/unit/test_pulse_inventory.py": "tests/unit/revenue/test_pulse_inventory.py",
    "tests/unit/test_references_and_proposals.py": "tests/unit/anchors/test_references_and_proposals.py",
    "tests/unit/test_replay_property.py": "tests/unit/anchors/test_replay_property.py",
    "tests/unit/test_replay_reproduces_read_models.py": "tests/unit/audit/test_replay_reproduces_read_models.py",
    "tests/unit/test_revenue_state_machine.py": "tests/unit/revenue/test_revenue_state_machine.py",
    "tests/unit/test_rounds_and_seasons.py": "tests/unit/music/test_rounds_and_seasons.py",
    "tests/unit/test_season_state_machine.py": "tests/unit/music/test_season_state_machine.py",
    "tests/unit/test_settings.py": STAYS,
    "tests/unit/test_shop_state_machine.py": "tests/unit/shop/test_shop_state_machine.py",
    "tests/unit/test_standings.py": "tests/unit/music/test_standings.py",
    "tests/unit/test_studios.py": "tests/unit/business/test_studios.py",
    "tests/unit/test_sweeps_and_batches.py": "tests/unit/anchors/test_sweeps_and_batches.py",
    "tests/unit/test_titles.py": "tests/unit/anchors/test_titles.py",
    "tests/unit/test_tokens.py": STAYS,
    "tests/unit/test_tracks.py": "tests/unit/music/test_tracks.py",
    "tests/unit/test_transcodings.py": STAYS,
    "tests/unit/test_videos.py": "tests/unit/anchors/test_videos.py",
    "tests/unit/test_weekly_brief.py": "tests/unit/anchors/test_weekly_brief.py",
    # tests/integration/
    "tests/integration/test_ballot_race_postgres.py": "tests/integration/music/test_ballot_race_postgres.py",
    "tests/integration/test_chained_recorders.py": STAYS,
    "tests/integration/test_legacy_store.py": STAYS,
    "tests/integration/test_music_stores.py": "tests/integration/music/test_music_stores.py",
    "tests/integration/test_personal_data.py": "tests/integration/trust/test_personal_data.py",
    "tests/integration/test_product_recognition.py": "tests/integration/shop/test_product_recognition.py",
    "tests/integration/test_revenue_stores.py": "tests/integration/revenue/test_revenue_stores.py",
    "tests/integration/test_shop_races.py": "tests/integration/shop/test_shop_races.py",
    "tests/integration/test_store_contract.py": STAYS,
    "tests/integration/test_tamper_evidence.py": "tests/integration/audit/test_tamper_evidence.py",
    # tests/e2e/
    "tests/e2e/test_anchor_uploads.py": "tests/e2e/anchors/test_anchor_uploads.py",
    "tests/e2e/test_audience.py": "tests/e2e/anchors/test_audience.py",
    "tests/e2e/test_audit_cli.py": "tests/e2e/audit/test_audit_cli.py",
    "tests/e2e/test_audit_http.py": "tests/e2e/audit/test_audit_http.py",
    "tests/e2e/test_audit_replay_cli.py": "tests/e2e/audit/test_audit_replay_cli.py",
    "tests/e2e/test_authorisation_matrix.py": STAYS,
    "tests/e2e/test_background_sweeps.py": "tests/e2e/anchors/test_background_sweeps.py",
    "tests/e2e/test_bad_input_corpus.py": STAYS,
    "tests/e2e/test_bad_media.py": STAYS,
    "tests/e2e/test_bounds_cli.py": STAYS,
    "tests/e2e/test_campaigns_http.py": "tests/e2e/business/test_campaigns_http.py",
    "tests/e2e/test_cli_operations.py": "tests/e2e/anchors/test_cli_operations.py",
    "tests/e2e/test_moderation_http.py": "tests/e2e/trust/test_moderation_http.py",
    "tests/e2e/test_money_bounds_http.py": STAYS,
    "tests/e2e/test_music_cli.py": "tests/e2e/music/test_music_cli.py",
    "tests/e2e/test_music_http.py": "tests/e2e/music/test_music_http.py",
    "tests/e2e/test_ownership_http.py": STAYS,
    "tests/e2e/test_problem_documents.py": STAYS,
    "tests/e2e/test_product_recognition_http.py": "tests/e2e/shop/test_product_recognition_http.py",
    "tests/e2e/test_proxy_addresses.py": STAYS,
    "tests/e2e/test_pulse_cli.py": "tests/e2e/revenue/test_pulse_cli.py",
    "tests/e2e/test_pulse_http.py": "tests/e2e/revenue/test_pulse_http.py",
    "tests/e2e/test_rate_limits.py": STAYS,
    "tests/e2e/test_service_restart.py": STAYS,
    "tests/e2e/test_shop_http.py": "tests/e2e/shop/test_shop_http.py",
    "tests/e2e/test_titles_and_anchors.py": "tests/e2e/anchors/test_titles_and_anchors.py",
    "tests/e2e/test_token_cli.py": STAYS,
}

#: What each program holds, for the package docstrings and ARCHITECTURE.md.
PROGRAMS: dict[str, str] = {
    "audit": "tamper evidence, the auditor's replay, recounts and the ledger's audit",
    "business": "brand campaigns, invitations, branded effects, the marketplace, studios",
    "shop": "sellers, listings, orders, product recognition and tags, counterfeit reports",
    "revenue": "creators' recorded facts, Pulse, the ledger and payouts",
    "music": "artists, original tracks, usage detection and the competition",
    "anchors": "titles, videos and their anchors, matching, sweeps, audience and analytics",
    "trust": "moderation, protection of minors and the flagged, personal data",
}

#: What the programs' packages are, per layer, for their docstrings.
LAYER_WORDS = {
    "domain": "aggregates and value objects",
    "application": "use cases and read models",
    "entrypoints/http": "routes and bodies over HTTP",
}

#: Why the programs are in this order; spliced into ARCHITECTURE.md with the table.
WHY = """\
Inside `domain/`, `application/` and `entrypoints/http/` each program is a package; the
small modules every program shares (money, bounds, errors, identifiers, text, time, regions,
categories, hashtags, the aggregate base class, media fingerprints and the inbox in the
domain; auth, errors, ports, transcodings, the log base class and its follower, the media
ports, notifications and the catalogue with its views in the application; the app, problems,
schemas, security, versions, limits, rate limits, policy and uploads over HTTP) stay at the
top of their layer and import no program of it (but `entrypoints/http/app.py`, which mounts
every program's routes). Adapters keep their packages by kind. Tests mirror the programs
inside their kind (`tests/unit/music/`, `tests/e2e/shop/`); tests of shared modules, and the
matching, media, quality, fuzz and music suites, stay where they were. The move was made by
`python -m tests.tools.move_to_programs` from one table, old path -> new path.

The programs depend on each other in one order, the same in every layer, from the top:
**audit → business → shop → revenue → music → anchors → trust** (a program may import those
to its right, never one to its left). A fourth import-linter contract in `pyproject.toml`
(type `layers`, with the three layers as `containers`) keeps it. The order is the one the
imports support:

- audit reads every program's logs and read models, and nothing imports it;
- business books studios and pays campaigns through the revenue log, and shows the shop's
  product bodies beside its studios;
- the shop takes its commission and pays sellers through the ledger (revenue), tags products
  on the catalogue's videos and scans them with the anchors' match index;
- revenue holds `Creator` (its facts are what Pulse enrols and the marketplace reads, and
  over HTTP they share `revenue_schemas`); a creator's region is checked as an artist's is, so
  revenue sits above music;
- music indexes tracks beside the titles' reference clips and scans the catalogue's videos
  by the anchors' match index, so it sits above anchors;
- anchors' videos carry moderation states and anchoring leaves protected videos alone, so
  anchors sit above trust; trust (moderation, protection, personal data) needs only the
  shared modules.

`Video` stays with the anchors (a video and its anchors are one aggregate); the catalogue,
the log that holds titles, videos, creators, people and moderation, is shared at the top of
`application/` because every program below audit reads it.

A new program is a package in each layer it needs (`domain/gifts/`, `application/gifts/`,
`entrypoints/http/gifts/`, `tests/unit/gifts/`), its name at its place in the contract's
`layers` (above every program it imports), its router mounted in `entrypoints/http/app.py`,
its services built in `entrypoints/bootstrap.py`, and a row in the table below.
"""

MARK_BEGIN = "<!-- programs:begin -->"
MARK_END = "<!-- programs:end -->"

#: Where the generated section goes: just before this heading of ARCHITECTURE.md.
ARCHITECTURE_ANCHOR = "### How the packages are installed"

CONTRACT_NAME = "Programs depend on each other in one order inside each layer"


class MoveRefused(Exception):
    """The tree is not one this table can move."""


def git(*args: str) -> str:
    return subprocess.run(("git", *args), check=True, capture_output=True, text=True).stdout


def dotted(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def program_of(path: str) -> str | None:
    """The program a path of the new layout belongs to, None for a shared module."""
    for layer in (*LAYERS, *TEST_KINDS):
        if path.startswith(layer + "/"):
            rest = path[len(layer) + 1 :].split("/")
            return rest[0] if len(rest) > 1 and rest[0] in ORDER else None
    return None


def layer_of(path: str) -> str | None:
    return next((layer for layer in LAYERS if path.startswith(layer + "/")), None)


def modules_now() -> list[str]:
    """Every module the table must place, as the tree has them now."""
    found: list[str] = []
    for layer in LAYERS:
        found += [p.as_posix() for p in sorted(Path(layer).glob("*.py")) if p.name != "__init__.py"]
    for kind in TEST_KINDS:
        found += [p.as_posix() for p in sorted(Path(kind).glob("test_*.py"))]
    return found


def destination(old: str) -> str:
    return TABLE[old] or old


def check_table(present: list[str]) -> list[str]:
    """The rows to move; refuses modules the table does not place and rows it cannot keep."""
    unassigned = [m for m in present if m not in TABLE]
    if unassigned:
        raise MoveRefused(
            "modules with no row in TABLE (add each, with its program or STAYS):\n"
            + "\n".join(f"    {m}" for m in unassigned)
        )
    for old, new in TABLE.items():
        program = program_of(new) if new else None
        expected = f"{old.rsplit('/', 1)[0]}/{program}/{old.rsplit('/', 1)[1]}"
        if new and (program is None or new != expected):
            raise MoveRefused(f"row {old} -> {new}: a module moves into one of {ORDER}, by name")
    gone = sorted(set(TABLE) - set(present))
    for old in gone:
        print(f"note: {old} is in TABLE but not in the tree; its row is skipped")
    return [m for m in present if TABLE[m]]


def imported_modules(path: str, known: Mapping[str, str]) -> set[str]:
    """The paths of the known modules that the module at ``path`` imports."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {known[a.name] for a in node.names if a.name in known}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module in known:
                found.add(known[node.module])
            for alias in node.names:
                name = f"{node.module}.{alias.name}"
                if name in known:
                    found.add(known[name])
    return found


def import_edges(paths: Iterable[str]) -> set[tuple[str, str]]:
    """Imports between the given modules, as (importer, imported) pairs of paths."""
    paths = list(paths)
    known = {dotted(p): p for p in paths}
    return {(p, q) for p in paths for q in imported_modules(p, known) if q != p}


def check_order(present: list[str]) -> None:
    """Refuses imports between programs of one layer against ORDER, and shared modules that
    import a program, before anything moves."""
    layered = [m for m in present if layer_of(m)]
    wrong: list[str] = []
    for importer, imported in sorted(import_edges(layered)):
        if layer_of(importer) != layer_of(imported):
            continue
        source, target = program_of(destination(importer)), program_of(destination(imported))
        if target is None:
            continue
        if source is None:
            if importer not in COMPOSERS:
                wrong.append(f"    shared {importer} imports {imported} ({target})")
        elif source != target and ORDER.index(source) > ORDER.index(target):
            wrong.append(f"    {importer} ({source}) imports {imported} ({target})")
    if wrong:
        raise MoveRefused(
            "imports against the order " + " -> ".join(ORDER) + ":\n" + "\n".join(wrong)
        )


def figures(title: str) -> None:
    """Modules per package and imports between application modules, as the tree is now."""
    per_package: Counter[str] = Counter()
    for layer in LAYERS:
        for path in Path(layer).rglob("*.py"):
            if path.name != "__init__.py" and "__pycache__" not in path.parts:
                per_package[path.parent.as_posix()] += 1
    application = [p.as_posix() for p in Path("application").rglob("*.py")]
    application = [p for p in application if not p.endswith("__init__.py")]
    edges = import_edges(application)
    crossing = Counter(
        (program_of(a) or "shared", program_of(b) or "shared")
        for a, b in edges
        if (program_of(a) or "shared") != (program_of(b) or "shared")
    )
    print(f"== {title}")
    for package, count in sorted(per_package.items()):
        print(f"    {package:<32} {count:>3} modules")
    print(f"    imports between application modules: {len(edges)}")
    for (a, b), count in sorted(crossing.items()):
        print(f"        {a} -> {b}: {count}")


def init_docstring(package: str) -> str:
    layer, program = package.rsplit("/", 1)
    words = LAYER_WORDS.get(layer, f"tests ({layer.removeprefix('tests/')})")
    return f'"""The {program} program: {words}."""\n'


def move(rows: list[str]) -> None:
    for old in rows:
        new = Path(TABLE[old])
        new.parent.mkdir(parents=True, exist_ok=True)
        init = new.parent / "__init__.py"
        if not init.exists():
            init.write_text(init_docstring(new.parent.as_posix()), encoding="utf-8")
            git("add", init.as_posix())
        git("mv", old, new.as_posix())


def from_import_pattern(packages: Iterable[str]) -> str:
    names = "|".join(re.escape(p) for p in sorted(packages, key=len, reverse=True))
    return (
        rf"^(?P<indent>[ \t]*)from (?P<package>{names}) import "
        r"(?:\((?P<group>[^)]*)\)|(?P<line>[^\n(]*?))[ \t]*$"
    )


def rewrite_from_import(match: re.Match[str], moved: Mapping[str, str]) -> str:
    """``from domain import titles, money`` -> ``from domain.anchors import titles`` and
    ``from domain import money``: one statement per package, sorted later by ruff."""
    package = match["package"]
    body = match["group"] if match["group"] is not None else match["line"]
    names = [
        " ".join(part.split())
        for line in body.splitlines()
        for part in line.split("#", 1)[0].split(",")
        if part.strip()
    ]
    if not any(f"{package}.{n.split(' ')[0]}" in moved for n in names):
        return match[0]
    groups: dict[str, list[str]] = {}
    for name in names:
        new = moved.get(f"{package}.{name.split(' ')[0]}")
        groups.setdefault(new.rsplit(".", 1)[0] if new else package, []).append(name)
    return "\n".join(
        f"{match['indent']}from {home} import {', '.join(members)}"
        for home, members in groups.items()
    )


def reference_pattern(old_names: Iterable[str], suffix: str) -> str:
    names = "|".join(re.escape(n) for n in sorted(old_names, key=len, reverse=True))
    return rf"(?<![\w./])(?:{names}){re.escape(suffix)}(?![\w])"


def reference_rewriter(rows: Iterable[str]) -> Callable[[str], str]:
    """What a text becomes once the given rows have moved.

    One pass of one pattern: an old module can share its name with a new package
    (``application.audit`` the module, ``application.audit`` the program), so no text that
    was rewritten may be looked at again."""
    rows = list(rows)
    moved = {dotted(old): dotted(TABLE[old]) for old in rows}
    by_path = {old: TABLE[old] for old in rows}
    packages = {name.rsplit(".", 1)[0] for name in moved}
    pattern = re.compile(
        f"(?P<from>{from_import_pattern(packages)})"
        f"|(?P<path>{reference_pattern(by_path, '')})"
        f"|(?P<dotted>{reference_pattern(moved, '')})",
        re.MULTILINE,
    )

    def replace(match: re.Match[str]) -> str:
        if match["from"] is not None:
            return rewrite_from_import(match, moved)
        if match["path"] is not None:
            return by_path[match["path"]]
        return moved[match["dotted"]]

    return lambda text: pattern.sub(replace, text)


def rewrite_references(rows: list[str]) -> list[str]:
    """Rewrites every reference to a moved module in the tracked text files; returns the
    Python files it changed."""
    rewritten = reference_rewriter(rows)
    changed: list[str] = []
    for name in git("ls-files").splitlines():
        path = Path(name)
        if not path.is_file() or path.suffix not in {".py", ".toml", ".md", ".cfg", ""}:
            continue
        if name in NAMING_OLD_PATHS:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        new = rewritten(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            if path.suffix == ".py":
                changed.append(name)
    return changed


def present_programs(layer: str) -> set[str]:
    return {p.name for p in Path(layer).iterdir() if p.is_dir() and p.name in ORDER}


def add_contract() -> None:
    containers = [layer for layer in LAYERS if present_programs(layer)]
    everywhere = set.intersection(*(present_programs(layer) for layer in containers))
    layers = [p if p in everywhere else f"({p})" for p in ORDER]
    block = (
        "\n[[tool.importlinter.contracts]]\n"
        f'name = "{CONTRACT_NAME}"\n'
        "# The order of ARCHITECTURE.md (Layers); a program in parentheses is absent somewhere.\n"
        'type = "layers"\n'
        f"containers = [{', '.join(repr(c.replace('/', '.')) for c in containers)}]\n"
        f"layers = [{', '.join(repr(layer) for layer in layers)}]\n"
    ).replace("'", '"')
    pyproject = Path("pyproject.toml")
    text = pyproject.read_text(encoding="utf-8")
    if CONTRACT_NAME not in text:
        pyproject.write_text(text.rstrip("\n") + "\n" + block, encoding="utf-8")


def programs_table() -> str:
    def modules(layer: str, program: str) -> str:
        names = sorted(p.stem for p in Path(layer, program).glob("*.py") if p.stem != "__init__")
        return ", ".join(names) or "—"

    lines = [
        "| program | holds | `domain/` | `application/` | `entrypoints/http/` |",
        "|---|---|---|---|---|",
    ]
    for program in ORDER:
        cells = " | ".join(modules(layer, program) for layer in LAYERS)
        lines.append(f"| {program} | {PROGRAMS[program]} | {cells} |")
    return "\n".join(lines) + "\n"


def write_architecture() -> None:
    path = Path("ARCHITECTURE.md")
    text = path.read_text(encoding="utf-8")
    section = f"### Programs\n{MARK_BEGIN}\n{WHY}\n{programs_table()}{MARK_END}\n\n"
    text = text.replace(
        "enforces three\ncontracts written in `pyproject.toml`:",
        "enforces four\ncontracts written in `pyproject.toml`:",
    ).replace(
        "   shutil, io or urllib3 (I/O and clocks stay outside).\n",
        "   shutil, io or urllib3 (I/O and clocks stay outside);\n"
        "4. inside `domain`, `application` and `entrypoints.http`, the programs' order (Programs,\n"
        "   below).\n",
        1,
    )
    if MARK_BEGIN in text:
        begin, end = text.index(MARK_BEGIN), text.index(MARK_END) + len(MARK_END) + 2
        text = text[: text.rindex("### Programs", 0, begin)] + section + text[end:]
    elif ARCHITECTURE_ANCHOR in text:
        text = text.replace(ARCHITECTURE_ANCHOR, section + ARCHITECTURE_ANCHOR, 1)
    else:
        raise MoveRefused(f"ARCHITECTURE.md has no heading {ARCHITECTURE_ANCHOR!r}")
    path.write_text(text, encoding="utf-8")


#: ruff's line length, which a rewritten reference may push a line past.
LINE_LENGTH = 100


def ruff(*args: str, check: bool = True) -> str:
    beside = Path(sys.executable).with_name("ruff")
    command = str(beside) if beside.exists() else "ruff"
    return subprocess.run((command, *args), check=check, capture_output=True, text=True).stdout


def docstring_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
                and first.end_lineno is not None
            ):
                lines |= set(range(first.lineno, first.end_lineno + 1))
    return lines


def cut_at_space(text: str, start: int) -> int | None:
    """The last space after ``start`` that leaves the line's head within the length."""
    cut = text.rfind(" ", start, LINE_LENGTH + 1)
    return cut if cut > start else None


def split_string(line: str, token: tokenize.TokenInfo) -> list[str] | None:
    """A string literal inside brackets, split into two adjacent literals."""
    literal = token.string
    prefix = re.match(r"[A-Za-z]*", literal)
    head = prefix[0] if prefix else ""
    quote = literal[len(head)]
    if literal[len(head) : len(head) + 3] == quote * 3:
        return None
    cut = cut_at_space(line, token.start[1] + len(head) + 1)
    if cut is None or cut >= token.end[1] - 1:
        return None
    left = line[: cut + 1]
    inside = left[token.start[1] :]
    if "f" in head.lower() and inside.count("{") != inside.count("}"):
        return None
    indent = line[: len(line) - len(line.lstrip())]
    return [left + quote, indent + head + quote + line[cut + 1 :]]


def rewrapped(lines: list[str], index: int, prefix: str) -> list[str] | None:
    """A line of prose (a comment or a docstring, all its lines starting with ``prefix``) and the
    line after it, with the first line's overflow carried to the start of the next line when
    that one continues the same paragraph, else onto a new line of its own."""
    line = lines[index]
    following = lines[index + 1 : index + 2]
    cut = cut_at_space(line, len(prefix))
    if cut is None:
        return None
    head, overflow = line[:cut].rstrip(), line[cut + 1 :]
    after = following[0] if following else None
    continues = (
        after is not None
        and after.startswith(prefix)
        and after[len(prefix) :][:1].strip() != ""
        and not after[len(prefix) :].startswith(('"""', "- ", "* ", ">>>", "..", "|", ":"))
        and '"""' not in overflow
    )
    if after is not None and continues:
        merged = prefix + overflow + " " + after[len(prefix) :]
        if len(merged) > LINE_LENGTH:
            tail = rewrapped([merged], 0, prefix)
            if tail is None:
                return None
            return [head, *tail]
        return [head, merged]
    return [head, prefix + overflow, *following]


def reflow(path: Path, numbers: set[int]) -> list[int]:
    """Breaks the lines a longer module name made too long: comments and docstrings at a
    space, string literals into two adjacent literals. Returns the lines it could not break."""
    source = path.read_text(encoding="utf-8")
    lines = source.split("\n")
    in_docstrings = docstring_lines(ast.parse(source))
    depth_at: dict[int, int] = {}
    strings: dict[int, list[tokenize.TokenInfo]] = {}
    depth = 0
    for token in tokenize.generate_tokens(iter(source.splitlines(keepends=True)).__next__):
        depth_at.setdefault(token.start[0], depth)
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
        elif token.type == tokenize.STRING and token.start[0] == token.end[0]:
            strings.setdefault(token.start[0], []).append(token)
    unbroken: list[int] = []
    for number in sorted(numbers, reverse=True):
        line = lines[number - 1]
        indent = line[: len(line) - len(line.lstrip())]
        comment = re.match(r"[ \t]*#:?[ \t]?", line)
        broken: list[str] | None = None
        if comment:
            broken = rewrapped(lines, number - 1, comment[0])
        elif number in in_docstrings:
            broken = rewrapped(lines, number - 1, indent)
        else:
            for token in strings.get(number, []):
                if token.start[1] <= LINE_LENGTH < token.end[1] and depth_at.get(number, 0) > 0:
                    split = split_string(line, token)
                    broken = None if split is None else [*split, *lines[number : number + 1]]
                    break
        if broken is None:
            unbroken.append(number)
        else:
            lines[number - 1 : number + 1] = broken
    path.write_text("\n".join(lines), encoding="utf-8")
    return unbroken


def tidy(files: list[str]) -> None:
    """Sorts the rewritten imports and formats them; breaks the lines the longer names made
    too long; names any line it could not break."""
    existing = [f for f in files if Path(f).exists()]
    if not existing:
        return
    ruff("check", "--fix", "--select", "I", "--quiet", *existing, check=False)
    ruff("format", "--quiet", *existing)
    found = json.loads(
        ruff("check", "--select", "E501", "--output-format", "json", *existing, check=False) or "[]"
    )
    too_long: dict[str, set[int]] = {}
    for finding in found:
        too_long.setdefault(finding["filename"], set()).add(finding["location"]["row"])
    for name, numbers in sorted(too_long.items()):
        for number in reflow(Path(name), numbers):
            print(f"warning: {name}:{number} is still longer than {LINE_LENGTH}: break it by hand")
    if too_long:
        ruff("format", "--quiet", *too_long)


def main() -> int:
    if not Path("pyproject.toml").exists() or not Path("domain").is_dir():
        print("run from the repository root", file=sys.stderr)
        return 2
    if git("status", "--porcelain").strip():
        print("the git tree is not clean: commit or stash first", file=sys.stderr)
        return 2
    try:
        present = modules_now()
        rows = check_table(present)
        check_order(present)
        figures("before")
        move(rows)
        changed = rewrite_references(rows)
        add_contract()
        write_architecture()
        tidy([*changed, *(TABLE[r] for r in rows if TABLE[r].endswith(".py"))])
        figures("after")
    except MoveRefused as refused:
        print(f"move refused: {refused}", file=sys.stderr)
        return 1
    git("add", "-A")
    print(f"moved {len(rows)} modules; review with: git status; then commit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
