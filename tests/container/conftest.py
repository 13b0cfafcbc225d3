"""The container runtime and the project's image, once per test session.

Without podman these tests skip on a developer's machine and fail under CI (`CI=true` or
`SPOTLIGHT_REQUIRE_CONTAINER=1`), so a CI run can never pass them by not running them."""

from __future__ import annotations

import pytest

from tests.container.runtime import IMAGE, Podman, RuntimeMissing, container_is_required


@pytest.fixture(scope="session")
def podman() -> Podman:
    try:
        return Podman()
    except RuntimeMissing as missing:
        message = f"no container runtime: {missing}"
        if container_is_required():
            pytest.fail(message + " It is required here (CI / SPOTLIGHT_REQUIRE_CONTAINER).")
        pytest.skip(message)


@pytest.fixture(scope="session")
def image(podman: Podman) -> str:
    """The project's image, built from the Dockerfile (cached layers make a rebuild quick)."""
    podman.build(podman.base())
    return IMAGE
