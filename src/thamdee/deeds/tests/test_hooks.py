"""The hook registry: hooks run in the order registered, and ``paused`` takes the named ones out for a block
only, putting each back in its place even when the block fails."""

from __future__ import annotations

import pytest

from thamdee.deeds import hooks


@pytest.fixture
def registry(monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(hooks, "_verified", [])
    monkeypatch.setattr(hooks, "_changed", [])

    def make(name):
        def hook(deeds):
            calls.append(name)

        return hook

    first, second, changed = make("first"), make("second"), make("changed")
    for hook in (first, second):
        hooks.on_verified(hook)
    hooks.on_verified(first)  # registering twice keeps one
    hooks.on_changed(changed)
    return calls, first, second, changed


def test_hooks_run_in_order_and_paused_ones_do_not(registry):
    calls, first, _second, changed = registry
    hooks.deeds_verified(["a deed"])
    assert calls == ["first", "second", "changed"]
    calls.clear()
    with hooks.paused(first, changed):
        hooks.deeds_verified(["a deed"])
        hooks.deeds_changed(["a deed"])
    assert calls == ["second"]
    calls.clear()
    hooks.deeds_verified(["a deed"])
    assert calls == ["first", "second", "changed"]
    hooks.deeds_verified([])  # nothing to tell
    assert calls == ["first", "second", "changed"]


def test_paused_hooks_come_back_when_the_block_fails(registry):
    calls, _first, second, _changed = registry
    with pytest.raises(RuntimeError), hooks.paused(second):
        raise RuntimeError("boom")
    hooks.deeds_verified(["a deed"])
    assert calls == ["first", "second", "changed"]
