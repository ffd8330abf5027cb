"""Settings: defaults, parsing of every variable, error messages, masking, immutability."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from coati_payroll.settings import (
    DEVELOPMENT_ADMIN_PASSWORD,
    DEVELOPMENT_SECRET_KEY,
    Settings,
    SettingsError,
    mask_url,
)

STRONG_SECRET = "s3cr3t-" + "x" * 40
PRODUCTION = {
    "ENVIRONMENT": "production",
    "SECRET_KEY": STRONG_SECRET,
    "ADMIN_PASSWORD": "a-real-admin-password",
    "DATABASE_URL": "postgresql+psycopg://coati:dbpass@db.internal:5432/payroll",
}


def errors_of(environ: dict[str, str]) -> tuple[str, ...]:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(environ)
    return caught.value.errors


def only_error(environ: dict[str, str]) -> str:
    errors = errors_of(environ)
    assert len(errors) == 1, errors
    return errors[0]


# -- defaults ---------------------------------------------------------------------------------


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    s = Settings.from_env({})
    assert s.environment == "development"
    assert s.is_development and not s.is_production and not s.is_test
    assert s.instance_path == tmp_path / "instance"
    assert s.database_url == f"sqlite:///{(tmp_path / 'instance' / 'coati_payroll.db').as_posix()}"
    assert s.database_url.startswith("sqlite:////")
    assert s.secret_key == DEVELOPMENT_SECRET_KEY
    assert s.uses_default_secret_key
    assert s.admin_user == "coati-admin"
    assert s.admin_password == DEVELOPMENT_ADMIN_PASSWORD
    assert s.host == "127.0.0.1"
    assert s.port == 5000
    assert s.max_content_length == 16 * 1024 * 1024
    assert s.session_redis_url is None
    assert s.session_lifetime_minutes == 480
    assert s.session_lifetime == timedelta(hours=8)
    assert s.session_cookie_secure is False
    assert s.trusted_proxy_hops == 0
    assert s.ratelimit_enabled is True
    assert s.ratelimit_storage_url == "memory://"
    assert s.redis_url is None
    assert s.queue_enabled is False
    assert s.background_payroll_threshold == 100
    assert s.payroll_chunk_size == 500
    assert s.payroll_max_retries == 3
    assert s.payroll_min_backoff_ms == 15_000
    assert s.payroll_max_backoff_ms == 3_600_000
    assert s.dramatiq_worker_threads == 2
    assert s.dramatiq_worker_processes == 2
    assert s.auto_migrate is False
    assert s.log_level == "INFO"
    assert s.default_language == "en"
    assert s.timezone == "UTC"
    assert s.explicitly_set == frozenset()


def test_instance_path_moves_the_default_database(tmp_path: Path) -> None:
    s = Settings.from_env({"COATI_INSTANCE_PATH": str(tmp_path / "data")})
    assert s.instance_path == tmp_path / "data"
    assert s.database_url == f"sqlite:///{(tmp_path / 'data' / 'coati_payroll.db').as_posix()}"


def test_none_reads_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    s = Settings.from_env()
    assert s.port == 8123
    assert s.log_level == "DEBUG"


def test_blank_values_count_as_unset() -> None:
    s = Settings.from_env({"PORT": "", "REDIS_URL": "  ", "QUEUE_ENABLED": ""})
    assert s.port == 5000
    assert s.redis_url is None
    assert s.queue_enabled is False
    assert s.explicitly_set == frozenset()


def test_unknown_variables_are_ignored() -> None:
    assert Settings.from_env({"PATH": "/bin", "FLASK_ENV": "whatever"}).port == 5000


# -- every variable parsed --------------------------------------------------------------------


def test_every_variable_parsed(tmp_path: Path) -> None:
    environ = {
        "ENVIRONMENT": "Test",
        "COATI_INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": "mysql+pymysql://root@127.0.0.1:3306/test",
        "SECRET_KEY": "  spaces are kept  ",
        "ADMIN_USER": "boss",
        "ADMIN_PASSWORD": "pw",
        "HOST": "0.0.0.0",
        "PORT": " 8080 ",
        "MAX_CONTENT_LENGTH": "1048576",
        "SESSION_REDIS_URL": "redis://127.0.0.1:6379/2",
        "SESSION_LIFETIME_MINUTES": "60",
        "TRUSTED_PROXY_HOPS": "1",
        "RATELIMIT_ENABLED": "on",
        "RATELIMIT_STORAGE_URL": "memory://",
        "REDIS_URL": "rediss://:pw@cache:6380/1",
        "QUEUE_ENABLED": "YES",
        "BACKGROUND_PAYROLL_THRESHOLD": "0",
        "PAYROLL_CHUNK_SIZE": "1",
        "PAYROLL_MAX_RETRIES": "0",
        "PAYROLL_MIN_BACKOFF_MS": "10",
        "PAYROLL_MAX_BACKOFF_MS": "10",
        "DRAMATIQ_WORKER_THREADS": "16",
        "DRAMATIQ_WORKER_PROCESSES": "4",
        "COATI_AUTO_MIGRATE": "true",
        "LOG_LEVEL": "warning",
        "DEFAULT_LANGUAGE": "ES",
        "TIMEZONE": "America/Managua",
    }
    s = Settings.from_env(environ)
    assert s.environment == "test" and s.is_test
    assert s.instance_path == tmp_path
    assert s.database_url == "mysql+pymysql://root@127.0.0.1:3306/test"
    assert s.secret_key == "  spaces are kept  "
    assert s.admin_user == "boss"
    assert s.admin_password == "pw"
    assert s.host == "0.0.0.0"
    assert s.port == 8080
    assert s.max_content_length == 1_048_576
    assert s.session_redis_url == "redis://127.0.0.1:6379/2"
    assert s.session_lifetime_minutes == 60
    assert s.trusted_proxy_hops == 1
    assert s.ratelimit_enabled is True
    assert s.ratelimit_storage_url == "memory://"
    assert s.redis_url == "rediss://:pw@cache:6380/1"
    assert s.queue_enabled is True
    assert s.background_payroll_threshold == 0
    assert s.payroll_chunk_size == 1
    assert s.payroll_max_retries == 0
    assert s.payroll_min_backoff_ms == s.payroll_max_backoff_ms == 10
    assert s.dramatiq_worker_threads == 16
    assert s.dramatiq_worker_processes == 4
    assert s.auto_migrate is True
    assert s.log_level == "WARNING"
    assert s.default_language == "es"
    assert s.timezone == "America/Managua"
    assert s.explicitly_set == frozenset(environ)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        *[(w, True) for w in ("1", "true", "TRUE", "True", "yes", "Yes", "on", "ON", " on ")],
        *[(w, False) for w in ("0", "false", "FALSE", "no", "No", "off", "OFF")],
    ],
)
def test_yes_no_words(word: str, expected: bool) -> None:
    s = Settings.from_env({"COATI_AUTO_MIGRATE": word, "RATELIMIT_ENABLED": word})
    assert s.auto_migrate is expected
    assert s.ratelimit_enabled is expected


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:///relative/payroll.db",
        "sqlite:////var/lib/coati/payroll.db",
        "sqlite+pysqlite:///payroll.db",
        "postgresql://coati@localhost/payroll",
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        "postgresql+psycopg2://u:p@db:5432/payroll?sslmode=require",
        "postgresql://coati@/payroll?host=/var/run/postgresql",
        "mysql://root@127.0.0.1/test",
        "mysql+pymysql://root@127.0.0.1:3306/test",
        "mysql+mysqldb://u:p@db/payroll?charset=utf8mb4",
        "mariadb://root@db/payroll",
        "mariadb+pymysql://root@127.0.0.1:3306/test",
    ],
)
def test_database_urls_accepted(url: str) -> None:
    assert Settings.from_env({"DATABASE_URL": url}).database_url == url


@pytest.mark.parametrize(
    "url",
    [
        "redis://127.0.0.1:6379/0",
        "redis://localhost",
        "redis://:secret@cache:6379/3",
        "rediss://user:secret@cache.example:6380/0",
        "unix:///run/redis/redis.sock",
    ],
)
def test_redis_urls_accepted(url: str) -> None:
    s = Settings.from_env({"REDIS_URL": url, "SESSION_REDIS_URL": url})
    assert s.redis_url == s.session_redis_url == url
    assert s.queue_enabled is True  # REDIS_URL set and QUEUE_ENABLED unset
    assert s.ratelimit_storage_url == url


def test_ratelimit_storage_falls_back_to_session_redis() -> None:
    s = Settings.from_env({"SESSION_REDIS_URL": "redis://127.0.0.1:6379/5"})
    assert s.ratelimit_storage_url == "redis://127.0.0.1:6379/5"
    assert s.queue_enabled is False  # sessions in Redis do not switch the queue on


def test_queue_can_be_switched_off_with_redis_present() -> None:
    s = Settings.from_env({"REDIS_URL": "redis://localhost:6379/0", "QUEUE_ENABLED": "0"})
    assert s.queue_enabled is False
    assert s.runs_in_background(10_000) is False


def test_background_threshold_is_strictly_greater_than() -> None:
    s = Settings.from_env(
        {"REDIS_URL": "redis://localhost/0", "BACKGROUND_PAYROLL_THRESHOLD": "100"}
    )
    assert s.runs_in_background(100) is False
    assert s.runs_in_background(101) is True


def test_ratelimit_defaults_off_in_test_environment() -> None:
    assert Settings.from_env({"ENVIRONMENT": "test"}).ratelimit_enabled is False
    assert Settings.from_env({"ENVIRONMENT": "test", "RATELIMIT_ENABLED": "1"}).ratelimit_enabled


# -- invalid values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ENVIRONMENT", "staging", "ENVIRONMENT='staging' is not one of development, production, test"),
        ("BACKGROUND_PAYROLL_THRESHOLD", "abc", "BACKGROUND_PAYROLL_THRESHOLD='abc' is not a whole number"),
        ("BACKGROUND_PAYROLL_THRESHOLD", "-1", "BACKGROUND_PAYROLL_THRESHOLD='-1' is too small (expected a whole number >= 0)"),
        ("PAYROLL_CHUNK_SIZE", "0", "PAYROLL_CHUNK_SIZE='0' is too small (expected a whole number >= 1)"),
        ("PAYROLL_CHUNK_SIZE", "2.5", "PAYROLL_CHUNK_SIZE='2.5' is not a whole number"),
        ("PAYROLL_MAX_RETRIES", "-3", "PAYROLL_MAX_RETRIES='-3' is too small (expected a whole number >= 0)"),
        ("PAYROLL_MIN_BACKOFF_MS", "x", "PAYROLL_MIN_BACKOFF_MS='x' is not a whole number"),
        ("PAYROLL_MAX_BACKOFF_MS", "1e3", "PAYROLL_MAX_BACKOFF_MS='1e3' is not a whole number"),
        ("DRAMATIQ_WORKER_THREADS", "0", "DRAMATIQ_WORKER_THREADS='0' is too small (expected a whole number >= 1)"),
        ("DRAMATIQ_WORKER_PROCESSES", "two", "DRAMATIQ_WORKER_PROCESSES='two' is not a whole number"),
        ("PORT", "0", "PORT='0' is out of range (expected 1..65535)"),
        ("PORT", "65536", "PORT='65536' is out of range (expected 1..65535)"),
        ("PORT", "http", "PORT='http' is not a whole number"),
        ("MAX_CONTENT_LENGTH", "0", "MAX_CONTENT_LENGTH='0' is too small (expected a whole number >= 1)"),
        ("MAX_CONTENT_LENGTH", "16MB", "MAX_CONTENT_LENGTH='16MB' is not a whole number"),
        ("SESSION_LIFETIME_MINUTES", "0", "SESSION_LIFETIME_MINUTES='0' is too small (expected a whole number >= 1)"),
        ("TRUSTED_PROXY_HOPS", "-1", "TRUSTED_PROXY_HOPS='-1' is too small (expected a whole number >= 0)"),
        ("QUEUE_ENABLED", "maybe", "QUEUE_ENABLED='maybe' is not a yes/no value (use 1/0, true/false, yes/no, on/off)"),
        ("RATELIMIT_ENABLED", "enabled", "RATELIMIT_ENABLED='enabled' is not a yes/no value (use 1/0, true/false, yes/no, on/off)"),
        ("COATI_AUTO_MIGRATE", "2", "COATI_AUTO_MIGRATE='2' is not a yes/no value (use 1/0, true/false, yes/no, on/off)"),
        ("LOG_LEVEL", "TRACE", "LOG_LEVEL='TRACE' is not one of DEBUG, INFO, WARNING, ERROR"),
        ("DEFAULT_LANGUAGE", "fr", "DEFAULT_LANGUAGE='fr' is not one of en, es"),
        ("TIMEZONE", "Mars/Olympus", "TIMEZONE='Mars/Olympus' is not a known time zone (expected e.g. UTC, America/Managua)"),
        ("TIMEZONE", "../etc/passwd", "TIMEZONE='../etc/passwd' is not a known time zone (expected e.g. UTC, America/Managua)"),
        ("ADMIN_USER", "the boss", "ADMIN_USER='the boss' contains blanks or control characters (expected a plain name)"),
        ("HOST", "http://x", "HOST='http://x' is not a host name or address (expected e.g. 127.0.0.1)"),
        ("DATABASE_URL", "foo", "DATABASE_URL='foo' is not a database URL (expected e.g. sqlite:///path, postgresql://…, mysql+pymysql://…)"),
        ("DATABASE_URL", "oracle://u@h/db", "DATABASE_URL='oracle://u@h/db' is not a database URL (expected e.g. sqlite:///path, postgresql://…, mysql+pymysql://…)"),
        ("DATABASE_URL", "postgres://u@h/db", "DATABASE_URL='postgres://u@h/db' uses the scheme 'postgres' (write postgresql:// instead)"),
        ("DATABASE_URL", "postgresql+asyncpg://u@h/db", "DATABASE_URL='postgresql+asyncpg://u@h/db' uses an unsupported driver 'asyncpg' (supported: postgresql, postgresql+psycopg, postgresql+psycopg2)"),
        ("DATABASE_URL", "mariadb+mariadbconnector://u@h/db", "DATABASE_URL='mariadb+mariadbconnector://u@h/db' uses an unsupported driver 'mariadbconnector' (supported: mariadb, mariadb+pymysql)"),
        ("DATABASE_URL", "sqlite://host/x.db", "DATABASE_URL='sqlite://host/x.db' gives SQLite a host (expected sqlite:///relative/path.db, sqlite:////absolute/path.db or sqlite:// for an in-memory database)"),
        ("DATABASE_URL", "postgresql:///payroll", "DATABASE_URL='postgresql:///payroll' names no host (expected e.g. postgresql://user@host:port/dbname)"),
        ("DATABASE_URL", "mysql+pymysql://root@db:3306/", "DATABASE_URL='mysql+pymysql://root@db:3306/' names no database (expected e.g. mysql://user@host/dbname)"),
        ("DATABASE_URL", "postgresql://u@db:port/x", "DATABASE_URL='postgresql://u@db:port/x' has an invalid host or port (expected e.g. sqlite:///path, postgresql://…, mysql+pymysql://…)"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL='localhost:6379' is not a Redis URL (expected redis://, rediss://, unix://)"),
        ("REDIS_URL", "http://cache:6379", "REDIS_URL='http://cache:6379' is not a Redis URL (expected redis://, rediss://, unix://)"),
        ("REDIS_URL", "redis://cache:6379/zero", "REDIS_URL='redis://cache:6379/zero' has a database 'zero' that is not a number (e.g. /0)"),
        ("REDIS_URL", "redis://cache:99999/0", "REDIS_URL='redis://cache:99999/0' has an invalid host or port"),
        ("SESSION_REDIS_URL", "memcached://x", "SESSION_REDIS_URL='memcached://x' is not a Redis URL (expected redis://, rediss://, unix://)"),
        ("SESSION_REDIS_URL", "unix://", "SESSION_REDIS_URL='unix://' names no socket path (expected unix:///path/to/redis.sock)"),
        ("RATELIMIT_STORAGE_URL", "memcached://x", "RATELIMIT_STORAGE_URL='memcached://x' is not a Redis URL (expected memory://, redis://, rediss://, unix://)"),
    ],
)  # fmt: skip
def test_invalid_value_is_named_in_the_error(name: str, value: str, message: str) -> None:
    error = only_error({name: value})
    assert error == message
    assert error.startswith(f"{name}={value!r}")


def test_settings_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"^PORT='x' is not a whole number$"):
        Settings.from_env({"PORT": "x"})


def test_queue_enabled_without_redis_is_an_error() -> None:
    error = only_error({"QUEUE_ENABLED": "1"})
    assert error.startswith("QUEUE_ENABLED='1' needs REDIS_URL")
    assert "QUEUE_ENABLED=0" in error


def test_min_backoff_above_max_is_an_error() -> None:
    error = only_error({"PAYROLL_MIN_BACKOFF_MS": "5000", "PAYROLL_MAX_BACKOFF_MS": "1000"})
    assert error == (
        "PAYROLL_MIN_BACKOFF_MS='5000' is greater than PAYROLL_MAX_BACKOFF_MS='1000'"
        " (expected minimum <= maximum)"
    )


def test_passwords_in_bad_urls_are_masked_in_errors() -> None:
    error = only_error({"DATABASE_URL": "oracle://scott:tiger@db/orcl"})
    assert "tiger" not in error
    assert error.startswith("DATABASE_URL='oracle://scott:********@db/orcl'")
    error = only_error({"REDIS_URL": "http://:hunter2@cache:6379/0"})
    assert "hunter2" not in error


def test_several_errors_at_once_one_per_line() -> None:
    environ = {
        "PORT": "99999",
        "QUEUE_ENABLED": "maybe",
        "BACKGROUND_PAYROLL_THRESHOLD": "abc",
        "DATABASE_URL": "foo",
        "LOG_LEVEL": "loud",
        "REDIS_URL": "nope",
    }
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(environ)
    errors = caught.value.errors
    assert len(errors) == len(environ)
    assert str(caught.value).splitlines() == list(errors)
    for name, value in environ.items():
        assert sum(line.startswith(f"{name}={value!r}") for line in errors) == 1, name


# -- production -------------------------------------------------------------------------------


def test_production_with_real_values_passes() -> None:
    s = Settings.from_env(PRODUCTION)
    assert s.is_production
    assert s.session_cookie_secure is True
    s.validate_for_production()


def test_production_refuses_development_defaults() -> None:
    errors = errors_of({"ENVIRONMENT": "production"})
    assert len(errors) == 3
    assert errors[0].startswith("SECRET_KEY is the built-in development key")
    assert errors[1].startswith("ADMIN_PASSWORD is the built-in development password")
    assert errors[2].startswith("DATABASE_URL is not set")


def test_production_refuses_the_default_secret_even_when_set_explicitly() -> None:
    errors = errors_of({**PRODUCTION, "SECRET_KEY": DEVELOPMENT_SECRET_KEY})
    assert len(errors) == 1 and errors[0].startswith("SECRET_KEY is the built-in development key")


def test_production_refuses_a_short_secret_without_showing_it() -> None:
    error = only_error({**PRODUCTION, "SECRET_KEY": "short-secret"})
    assert error == "SECRET_KEY is 12 characters long; production needs at least 32"
    assert "short-secret" not in error


def test_production_problems_are_listed_with_parse_errors() -> None:
    errors = errors_of({**PRODUCTION, "ADMIN_PASSWORD": DEVELOPMENT_ADMIN_PASSWORD, "PORT": "x"})
    assert errors[0] == "PORT='x' is not a whole number"
    assert errors[1].startswith("ADMIN_PASSWORD is the built-in development password")


def test_validate_for_production_on_development_settings() -> None:
    s = Settings.from_env({})
    with pytest.raises(SettingsError) as caught:
        s.validate_for_production()
    assert [e.split(" ")[0] for e in caught.value.errors] == [
        "SECRET_KEY",
        "ADMIN_PASSWORD",
        "DATABASE_URL",
    ]
    ready = Settings.from_env({**PRODUCTION, "ENVIRONMENT": "development"})
    ready.validate_for_production()


def test_development_and_test_accept_the_defaults() -> None:
    Settings.from_env({"ENVIRONMENT": "development"})
    Settings.from_env({"ENVIRONMENT": "test"})


# -- masking and immutability -----------------------------------------------------------------


def test_describe_masks_secrets() -> None:
    s = Settings.from_env(
        {
            **PRODUCTION,
            "REDIS_URL": "redis://:redispass@cache:6379/0",
            "SESSION_REDIS_URL": "rediss://user:sesspass@cache:6380/1",
        }
    )
    described = s.describe()
    text = json.dumps(described)  # also proves it is plain, printable data
    for secret in (STRONG_SECRET, "a-real-admin-password", "dbpass", "redispass", "sesspass"):
        assert secret not in text
        assert secret not in repr(s)
    assert described["SECRET_KEY"] == "********"
    assert described["ADMIN_PASSWORD"] == "********"
    assert described["DATABASE_URL"] == (
        "postgresql+psycopg://coati:********@db.internal:5432/payroll"
    )
    assert described["REDIS_URL"] == "redis://:********@cache:6379/0"
    assert described["RATELIMIT_STORAGE_URL"] == "redis://:********@cache:6379/0"
    assert described["PORT"] == 5000
    assert described["QUEUE_ENABLED"] is True


def test_describe_flags_development_defaults() -> None:
    described = Settings.from_env({}).describe()
    assert described["SECRET_KEY"] == "<development default>"
    assert described["ADMIN_PASSWORD"] == "<development default>"
    assert DEVELOPMENT_SECRET_KEY not in repr(Settings.from_env({}))


def test_describe_names_every_variable_the_docstring_lists() -> None:
    import coati_payroll.settings as module

    assert module.__doc__ is not None
    table = re.findall(r"^([A-Z][A-Z_]+)\s{2,}", module.__doc__, flags=re.MULTILINE)
    assert set(Settings.from_env({}).describe()) == set(table)


def test_mask_url() -> None:
    assert mask_url("postgresql://u:p@h/db") == "postgresql://u:********@h/db"
    assert mask_url("redis://:p@h:6379/0") == "redis://:********@h:6379/0"
    assert mask_url("postgresql://u@h/db") == "postgresql://u@h/db"
    assert mask_url("sqlite:///x.db") == "sqlite:///x.db"


def test_settings_are_frozen() -> None:
    s = Settings.from_env({})
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.port = 1  # type: ignore[misc]
    with pytest.raises((AttributeError, TypeError)):
        s.extra = 1  # type: ignore[attr-defined]


def test_settings_are_hashable_and_comparable() -> None:
    assert Settings.from_env({"PORT": "1"}) == Settings.from_env({"PORT": "1"})
    assert hash(Settings.from_env({"PORT": "1"})) == hash(Settings.from_env({"PORT": "1"}))


# -- the project's rules about configuration --------------------------------------------------

SOURCE = Path(__file__).resolve().parents[1] / "src" / "coati_payroll"
_READS_ENVIRONMENT = re.compile(
    r"\bos\.environ\b|\bgetenv\s*\(|\bfrom\s+os\s+import\s+[^\n]*\b(environ|getenv)\b"
)


def test_only_settings_reads_the_environment() -> None:
    offenders = [
        str(path.relative_to(SOURCE))
        for path in sorted(SOURCE.rglob("*.py"))
        if path.name != "settings.py" or path.parent != SOURCE
        if _READS_ENVIRONMENT.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], (
        f"{offenders} read the environment; take a Settings from coati_payroll.settings instead"
    )
