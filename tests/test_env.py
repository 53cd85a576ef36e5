import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import envbool, envint, envlist


def test_envbool_reads_words_and_refuses_others(monkeypatch):
    monkeypatch.setenv("FLAG", "yes")
    assert envbool("FLAG", False) is True
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        envbool("FLAG", False)


def test_envint_refuses_words_and_small_numbers(monkeypatch):
    monkeypatch.setenv("COUNT", "seven")
    with pytest.raises(ImproperlyConfigured, match="COUNT"):
        envint("COUNT", 1)
    monkeypatch.setenv("COUNT", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        envint("COUNT", 1, minimum=1)
    monkeypatch.delenv("COUNT")
    assert envint("COUNT", 7) == 7


def test_envlist_splits_on_commas(monkeypatch):
    monkeypatch.setenv("HOSTS", "a.example, b.example,,")
    assert envlist("HOSTS") == ["a.example", "b.example"]
