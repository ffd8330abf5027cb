"""The configuration page: admin only, every setting of Settings.describe(), secrets masked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient


def test_shows_the_effective_configuration(make_app: Callable[..., Flask],
                                           make_settings: Callable[..., Any], users: Any,
                                           login: Callable[..., Any]) -> None:
    settings = make_settings(REDIS_URL="redis://:hunter2@127.0.0.1:6399/1",
                             PAYROLL_CHUNK_SIZE="250")
    client = make_app(settings).test_client()
    assert login(client, "admin").status_code == 302
    page = client.get("/settings/").get_data(as_text=True)
    for name in settings.describe():
        assert f">{name}<" in page, name
    assert "250" in page
    assert "hunter2" not in page and "test-secret-key" not in page
    assert "********" in page


def test_admin_only(client: FlaskClient, users: Any, login: Callable[..., Any]) -> None:
    assert login(client, "audit").status_code == 302
    assert client.get("/settings/").status_code == 403


def test_spanish(client: FlaskClient, users: Any, login: Callable[..., Any],
                 csrf_token: Callable[..., str]) -> None:
    assert login(client, "admin").status_code == 302
    client.post("/auth/language", data={"csrf_token": csrf_token(client, "/settings/"),
                                        "language": "es"})
    page = client.get("/settings/").get_data(as_text=True)
    assert "Configuración" in page and "Parámetro" in page
