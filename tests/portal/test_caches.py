"""The answer caches the app holds: sizes and lifetimes from the settings, time from an injected timer."""
from __future__ import annotations

from dataclasses import replace

from portal.caches import Caches
from tests.portal.conftest import portal_app


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def counting():
    calls = []
    return calls, lambda: calls.append(1) or len(calls)


def test_a_cached_answer_is_reused_until_its_lifetime_ends(mini_instance):
    clock = Clock()
    caches = Caches(replace(mini_instance, search_ttl=60), timer=clock)
    calls, compute = counting()
    assert caches.get("search", "q", compute) == 1
    clock.now = 59
    assert caches.get("search", "q", compute) == 1
    clock.now = 60
    assert caches.get("search", "q", compute) == 2 and len(calls) == 2


def test_the_answer_cache_can_be_turned_off(mini_instance):
    caches = Caches(replace(mini_instance, search_cache=0))
    calls, compute = counting()
    assert [caches.get("search", "q", compute) for _ in range(3)] == [1, 2, 3]
    assert caches.get("departments", "d", compute) == caches.get("departments", "d", compute)


def test_an_error_is_not_cached(mini_instance):
    caches = Caches(mini_instance)
    calls, compute = counting()

    def failing():
        raise ValueError("engine down")
    try:
        caches.get("latest", "k", failing)
    except ValueError:
        pass
    assert caches.get("latest", "k", compute) == 1


def test_the_app_holds_caches_sized_by_its_settings(mini_instance):
    app = portal_app(replace(mini_instance, search_cache=3, departments_ttl=0))
    caches = app.extensions["credit_caches"].caches
    assert caches["search"].maxsize == 3 and "departments" not in caches
    client = app.test_client()
    assert client.get("/search?q=光谷").status_code == 200
    assert len(caches["search"]) == 1
