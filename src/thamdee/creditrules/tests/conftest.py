from __future__ import annotations

import pytest

from tests.worlds import build_world


@pytest.fixture
def world(db):
    """An organisation with a published programme rulebook, a local catalogue, a verifier and members."""
    return build_world()
