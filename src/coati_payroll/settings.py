"""THE configuration of Coati Payroll: one frozen, validated :class:`Settings`.

Build it once at the edge of a process and pass it in (to ``create_app``, the broker builder, the
engine factory, ``payrollctl``)::

    settings = Settings.from_env()          # reads os.environ
    settings = Settings.from_env({...})     # tests: any mapping of str to str

This is the only module of the project that reads ``os.environ``; ``tests/test_settings.py`` checks
that rule. It imports nothing but the standard library, so that a command that only needs the
configuration never loads Flask or SQLAlchemy.

Variables (an empty value counts as unset; surrounding blanks are ignored except in secrets):

============================  ==============================  ======================================
Variable                      Default                         Accepted values
============================  ==============================  ======================================
ENVIRONMENT                   development                     development, production, test
COATI_INSTANCE_PATH           ./instance (made absolute)      a directory (the app creates it)
DATABASE_URL                  sqlite:///<instance>/           sqlite, postgresql[+psycopg|
                              coati_payroll.db                +psycopg2], mysql[+pymysql|
                                                              +mysqldb], mariadb[+pymysql] URL
SECRET_KEY                    built-in development key        text; production: not the default,
                                                              at least 32 characters
ADMIN_USER                    coati-admin                     a name without blanks
ADMIN_PASSWORD                coati-admin                     text; production: not the default
HOST                          127.0.0.1                       a host name or address
PORT                          5000                            1..65535
MAX_CONTENT_LENGTH            16777216 (16 MiB)               bytes, >= 1
SESSION_REDIS_URL             none: signed-cookie sessions    redis://, rediss://, unix://
SESSION_LIFETIME_MINUTES      480                             >= 1
TRUSTED_PROXY_HOPS            0                               >= 0 reverse proxies in front
RATELIMIT_ENABLED             yes; no when ENVIRONMENT=test   yes/no
RATELIMIT_STORAGE_URL         REDIS_URL, SESSION_REDIS_URL,   redis://, rediss://, unix://,
                              else memory://                  memory://
REDIS_URL                     none                            redis://, rediss://, unix://
QUEUE_ENABLED                 yes if REDIS_URL is set         yes/no; yes needs REDIS_URL
BACKGROUND_PAYROLL_THRESHOLD  100                             >= 0 employees
PAYROLL_CHUNK_SIZE            500                             >= 1 employees per message
PAYROLL_MAX_RETRIES           3                               >= 0
PAYROLL_MIN_BACKOFF_MS        15000                           >= 0, <= PAYROLL_MAX_BACKOFF_MS
PAYROLL_MAX_BACKOFF_MS        3600000                         >= 0
DRAMATIQ_WORKER_THREADS       2                               >= 1
DRAMATIQ_WORKER_PROCESSES     2                               >= 1
COATI_AUTO_MIGRATE            no                              yes/no
LOG_LEVEL                     INFO                            DEBUG, INFO, WARNING, ERROR
DEFAULT_LANGUAGE              en                              en, es
TIMEZONE                      UTC                             an IANA zone, e.g. America/Managua
============================  ==============================  ======================================

Yes/no values are 1/0, true/false, yes/no, on/off in any letter case; anything else is an error.

Errors: :meth:`Settings.from_env` collects every problem and raises one :class:`SettingsError`
(a ``ValueError``) whose message has one line per problem, naming the variable, the bad value
(passwords in URLs masked, secrets never shown) and what is expected. With
``ENVIRONMENT=production`` the checks of :meth:`Settings.validate_for_production` are part of
that same list.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Final, Literal, TypeVar, cast
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DEVELOPMENT_ADMIN_PASSWORD",
    "DEVELOPMENT_ADMIN_USER",
    "DEVELOPMENT_SECRET_KEY",
    "Settings",
    "SettingsError",
    "mask_url",
]

Environment = Literal["development", "production", "test"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
Language = Literal["en", "es"]

DEVELOPMENT_SECRET_KEY: Final = "coati-payroll-development-secret-key-never-use-in-production"
DEVELOPMENT_ADMIN_USER: Final = "coati-admin"
DEVELOPMENT_ADMIN_PASSWORD: Final = "coati-admin"
MIN_PRODUCTION_SECRET_LENGTH: Final = 32

_MASK: Final = "********"
_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off"})
_INTEGER = re.compile(r"-?[0-9]+")
_URL_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")

# Database URL scheme -> the drivers accepted after "+" ("" means no "+driver").
_DATABASE_DRIVERS: Final[Mapping[str, frozenset[str]]] = {
    "sqlite": frozenset({"", "pysqlite"}),
    "postgresql": frozenset({"", "psycopg", "psycopg2"}),
    "mysql": frozenset({"", "pymysql", "mysqldb"}),
    "mariadb": frozenset({"", "pymysql"}),
}
_DATABASE_EXAMPLES: Final = "expected e.g. sqlite:///path, postgresql://…, mysql+pymysql://…"
_REDIS_SCHEMES: Final = frozenset({"redis", "rediss", "unix"})

_T = TypeVar("_T")


class SettingsError(ValueError):
    """The configuration is invalid. ``errors`` holds one message per problem.

    ``str(error)`` is those messages, one per line, so it can be printed as it is.
    """

    def __init__(self, errors: list[str] | tuple[str, ...]) -> None:
        self.errors: tuple[str, ...] = tuple(errors)
        super().__init__("\n".join(self.errors))


def mask_url(url: str) -> str:
    """Return ``url`` with the password of its user-info part replaced by ``********``."""
    return _URL_PASSWORD.sub(rf"\g<1>{_MASK}@", url)


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """The validated configuration. Build it with :meth:`from_env`; never mutate it.

    Field names are the lower-case variable names (see the module docstring for defaults).
    ``explicitly_set`` names the variables that the environment gave a value.
    """

    environment: Environment
    instance_path: Path
    database_url: str
    secret_key: str
    admin_user: str
    admin_password: str
    host: str
    port: int
    max_content_length: int
    session_redis_url: str | None
    session_lifetime_minutes: int
    trusted_proxy_hops: int
    ratelimit_enabled: bool
    ratelimit_storage_url: str
    redis_url: str | None
    queue_enabled: bool
    background_payroll_threshold: int
    payroll_chunk_size: int
    payroll_max_retries: int
    payroll_min_backoff_ms: int
    payroll_max_backoff_ms: int
    dramatiq_worker_threads: int
    dramatiq_worker_processes: int
    auto_migrate: bool
    log_level: LogLevel
    default_language: Language
    timezone: str
    explicitly_set: frozenset[str] = frozenset()

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Parse and validate ``environ`` (``os.environ`` when None).

        Variables this class does not know are ignored. Raises :class:`SettingsError` listing
        every problem found, one per line.
        """
        source: Mapping[str, str] = os.environ if environ is None else environ
        p = _Parser(source)

        # Parsed in the order of the table above, so that errors are listed in that order.
        environment = cast(
            Environment,
            p.choice("ENVIRONMENT", "development", ("development", "production", "test")),
        )
        instance_path = Path(p.text("COATI_INSTANCE_PATH", "instance")).expanduser().absolute()
        default_db = f"sqlite:///{(instance_path / 'coati_payroll.db').as_posix()}"
        database_url = p.parsed("DATABASE_URL", default_db, _database_url)
        secret_key = p.secret("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
        admin_user = p.parsed("ADMIN_USER", DEVELOPMENT_ADMIN_USER, _user_name)
        admin_password = p.secret("ADMIN_PASSWORD", DEVELOPMENT_ADMIN_PASSWORD)
        host = p.parsed("HOST", "127.0.0.1", _host)
        port = p.integer("PORT", 5000, minimum=1, maximum=65535)
        max_content_length = p.integer("MAX_CONTENT_LENGTH", 16 * 1024 * 1024, minimum=1)
        session_redis_url = p.optional("SESSION_REDIS_URL", _redis_url)
        session_lifetime_minutes = p.integer("SESSION_LIFETIME_MINUTES", 480, minimum=1)
        trusted_proxy_hops = p.integer("TRUSTED_PROXY_HOPS", 0, minimum=0)
        ratelimit_enabled = p.boolean("RATELIMIT_ENABLED", environment != "test")
        ratelimit_storage_url = p.optional("RATELIMIT_STORAGE_URL", _ratelimit_storage_url)
        redis_url = p.optional("REDIS_URL", _redis_url)
        queue_enabled = p.boolean("QUEUE_ENABLED", redis_url is not None)
        background_payroll_threshold = p.integer("BACKGROUND_PAYROLL_THRESHOLD", 100, minimum=0)
        payroll_chunk_size = p.integer("PAYROLL_CHUNK_SIZE", 500, minimum=1)
        payroll_max_retries = p.integer("PAYROLL_MAX_RETRIES", 3, minimum=0)
        min_backoff = p.integer("PAYROLL_MIN_BACKOFF_MS", 15_000, minimum=0)
        max_backoff = p.integer("PAYROLL_MAX_BACKOFF_MS", 3_600_000, minimum=0)
        worker_threads = p.integer("DRAMATIQ_WORKER_THREADS", 2, minimum=1)
        worker_processes = p.integer("DRAMATIQ_WORKER_PROCESSES", 2, minimum=1)
        auto_migrate = p.boolean("COATI_AUTO_MIGRATE", False)
        log_level = cast(
            LogLevel,
            p.choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"), upper=True),
        )
        default_language = cast(Language, p.choice("DEFAULT_LANGUAGE", "en", ("en", "es")))
        timezone = p.parsed("TIMEZONE", "UTC", _timezone)

        # Checks across variables.
        if queue_enabled and redis_url is None and p.is_set("QUEUE_ENABLED"):
            p.errors.append(
                f"QUEUE_ENABLED={p.raw('QUEUE_ENABLED')!r} needs REDIS_URL (background payroll "
                "runs go through Redis); set REDIS_URL, or QUEUE_ENABLED=0 to run payrolls "
                "synchronously"
            )
        if min_backoff > max_backoff:
            p.errors.append(
                f"PAYROLL_MIN_BACKOFF_MS={p.raw('PAYROLL_MIN_BACKOFF_MS') or str(min_backoff)!r}"
                " is greater than PAYROLL_MAX_BACKOFF_MS="
                f"{p.raw('PAYROLL_MAX_BACKOFF_MS') or str(max_backoff)!r}"
                " (expected minimum <= maximum)"
            )
        if environment == "production":
            p.errors.extend(
                _production_problems(
                    secret_key=secret_key,
                    admin_password=admin_password,
                    database_url_set=p.is_set("DATABASE_URL"),
                )
            )
        if p.errors:
            raise SettingsError(p.errors)

        return cls(
            environment=environment,
            instance_path=instance_path,
            database_url=database_url,
            secret_key=secret_key,
            admin_user=admin_user,
            admin_password=admin_password,
            host=host,
            port=port,
            max_content_length=max_content_length,
            session_redis_url=session_redis_url,
            session_lifetime_minutes=session_lifetime_minutes,
            trusted_proxy_hops=trusted_proxy_hops,
            ratelimit_enabled=ratelimit_enabled,
            ratelimit_storage_url=(
                ratelimit_storage_url or redis_url or session_redis_url or "memory://"
            ),
            redis_url=redis_url,
            queue_enabled=queue_enabled,
            background_payroll_threshold=background_payroll_threshold,
            payroll_chunk_size=payroll_chunk_size,
            payroll_max_retries=payroll_max_retries,
            payroll_min_backoff_ms=min_backoff,
            payroll_max_backoff_ms=max_backoff,
            dramatiq_worker_threads=worker_threads,
            dramatiq_worker_processes=worker_processes,
            auto_migrate=auto_migrate,
            log_level=log_level,
            default_language=default_language,
            timezone=timezone,
            explicitly_set=p.seen,
        )

    def validate_for_production(self) -> None:
        """Refuse what must never reach production, whatever ``ENVIRONMENT`` says.

        Checks that SECRET_KEY is not the development key and has at least 32 characters, that
        ADMIN_PASSWORD is not the development password and that DATABASE_URL was set
        explicitly. :meth:`from_env` runs the same checks itself when ENVIRONMENT=production.
        Raises :class:`SettingsError` listing each problem.
        """
        problems = _production_problems(
            secret_key=self.secret_key,
            admin_password=self.admin_password,
            database_url_set="DATABASE_URL" in self.explicitly_set,
        )
        if problems:
            raise SettingsError(problems)

    # -- derived values -----------------------------------------------------------------------

    @property
    def is_development(self) -> bool:
        return self.environment == "development"

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def is_test(self) -> bool:
        return self.environment == "test"

    @property
    def session_cookie_secure(self) -> bool:
        """Send the session cookie over HTTPS only: on in production, off elsewhere."""
        return self.is_production

    @property
    def session_lifetime(self) -> timedelta:
        return timedelta(minutes=self.session_lifetime_minutes)

    @property
    def uses_default_secret_key(self) -> bool:
        return self.secret_key == DEVELOPMENT_SECRET_KEY

    def runs_in_background(self, employee_count: int) -> bool:
        """Whether a payroll run of ``employee_count`` employees goes to the workers.

        True when the queue is enabled and the count is strictly greater than
        BACKGROUND_PAYROLL_THRESHOLD; otherwise the run is calculated synchronously.
        """
        return self.queue_enabled and employee_count > self.background_payroll_threshold

    # -- display ------------------------------------------------------------------------------

    def describe(self) -> dict[str, str | int | bool | None]:
        """Every setting by variable name, safe to print or log.

        SECRET_KEY and ADMIN_PASSWORD show as ``********`` (or ``<development default>`` when
        they still hold the built-in value); passwords inside URLs are masked.
        """

        def secret(value: str, default: str) -> str:
            return "<development default>" if value == default else _MASK

        def url(value: str | None) -> str | None:
            return None if value is None else mask_url(value)

        return {
            "ENVIRONMENT": self.environment,
            "COATI_INSTANCE_PATH": str(self.instance_path),
            "DATABASE_URL": mask_url(self.database_url),
            "SECRET_KEY": secret(self.secret_key, DEVELOPMENT_SECRET_KEY),
            "ADMIN_USER": self.admin_user,
            "ADMIN_PASSWORD": secret(self.admin_password, DEVELOPMENT_ADMIN_PASSWORD),
            "HOST": self.host,
            "PORT": self.port,
            "MAX_CONTENT_LENGTH": self.max_content_length,
            "SESSION_REDIS_URL": url(self.session_redis_url),
            "SESSION_LIFETIME_MINUTES": self.session_lifetime_minutes,
            "TRUSTED_PROXY_HOPS": self.trusted_proxy_hops,
            "RATELIMIT_ENABLED": self.ratelimit_enabled,
            "RATELIMIT_STORAGE_URL": mask_url(self.ratelimit_storage_url),
            "REDIS_URL": url(self.redis_url),
            "QUEUE_ENABLED": self.queue_enabled,
            "BACKGROUND_PAYROLL_THRESHOLD": self.background_payroll_threshold,
            "PAYROLL_CHUNK_SIZE": self.payroll_chunk_size,
            "PAYROLL_MAX_RETRIES": self.payroll_max_retries,
            "PAYROLL_MIN_BACKOFF_MS": self.payroll_min_backoff_ms,
            "PAYROLL_MAX_BACKOFF_MS": self.payroll_max_backoff_ms,
            "DRAMATIQ_WORKER_THREADS": self.dramatiq_worker_threads,
            "DRAMATIQ_WORKER_PROCESSES": self.dramatiq_worker_processes,
            "COATI_AUTO_MIGRATE": self.auto_migrate,
            "LOG_LEVEL": self.log_level,
            "DEFAULT_LANGUAGE": self.default_language,
            "TIMEZONE": self.timezone,
        }

    def __repr__(self) -> str:
        # The generated repr would print the secrets; show the masked description instead.
        shown = ", ".join(f"{name}={value!r}" for name, value in self.describe().items())
        return f"Settings({shown})"


# -- parsing ----------------------------------------------------------------------------------


class _Parser:
    """Reads variables from one mapping, converting them and collecting error messages."""

    def __init__(self, source: Mapping[str, str]) -> None:
        self._source = source
        self.errors: list[str] = []
        self._seen: set[str] = set()

    @property
    def seen(self) -> frozenset[str]:
        return frozenset(self._seen)

    def raw(self, name: str) -> str | None:
        """The value as given, or None when unset or blank."""
        value = self._source.get(name)
        if value is None or not value.strip():
            return None
        return value

    def is_set(self, name: str) -> bool:
        return self.raw(name) is not None

    def _get(self, name: str) -> str | None:
        value = self.raw(name)
        if value is not None:
            self._seen.add(name)
        return value

    def text(self, name: str, default: str) -> str:
        value = self._get(name)
        return default if value is None else value.strip()

    def secret(self, name: str, default: str) -> str:
        """Like :meth:`text`, but blanks are kept: they may be part of the secret."""
        value = self._get(name)
        return default if value is None else value

    def parsed(self, name: str, default: str, check: Callable[[str, str], str | None]) -> str:
        """``check(name, value)`` returns an error message, or None when the value is fine."""
        value = self._get(name)
        if value is None:
            return default
        value = value.strip()
        problem = check(name, value)
        if problem is not None:
            self.errors.append(problem)
        return value

    def optional(self, name: str, check: Callable[[str, str], str | None]) -> str | None:
        return None if not self.is_set(name) else self.parsed(name, "", check)

    def integer(
        self, name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
    ) -> int:
        value = self._get(name)
        if value is None:
            return default
        text = value.strip()
        if not _INTEGER.fullmatch(text):
            return self._fail(f"{name}={value!r} is not a whole number", default)
        number = int(text)
        if minimum is not None and maximum is not None and not minimum <= number <= maximum:
            return self._fail(
                f"{name}={value!r} is out of range (expected {minimum}..{maximum})", default
            )
        if minimum is not None and number < minimum:
            return self._fail(
                f"{name}={value!r} is too small (expected a whole number >= {minimum})", default
            )
        if maximum is not None and number > maximum:
            return self._fail(
                f"{name}={value!r} is too large (expected a whole number <= {maximum})", default
            )
        return number

    def boolean(self, name: str, default: bool) -> bool:
        value = self._get(name)
        if value is None:
            return default
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        return self._fail(
            f"{name}={value!r} is not a yes/no value (use 1/0, true/false, yes/no, on/off)", default
        )

    def choice(
        self, name: str, default: str, allowed: tuple[str, ...], *, upper: bool = False
    ) -> str:
        value = self._get(name)
        if value is None:
            return default
        word = value.strip().upper() if upper else value.strip().lower()
        if word not in allowed:
            return self._fail(f"{name}={value!r} is not one of {', '.join(allowed)}", default)
        return word

    def _fail(self, message: str, default: _T) -> _T:
        self.errors.append(message)
        return default


def _database_url(name: str, value: str) -> str | None:
    shown = mask_url(value)
    not_a_url = f"{name}={shown!r} is not a database URL ({_DATABASE_EXAMPLES})"
    if "://" not in value:
        return not_a_url
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return f"{name}={shown!r} has an invalid host or port ({_DATABASE_EXAMPLES})"
    dialect, _, driver = parts.scheme.partition("+")
    if dialect == "postgres":
        return f"{name}={shown!r} uses the scheme 'postgres' (write postgresql:// instead)"
    drivers = _DATABASE_DRIVERS.get(dialect)
    if drivers is None:
        return not_a_url
    if driver not in drivers:
        supported = ", ".join(sorted(f"{dialect}+{d}" if d else dialect for d in drivers))
        return f"{name}={shown!r} uses an unsupported driver {driver!r} (supported: {supported})"
    if dialect == "sqlite":
        if parts.netloc:
            return (
                f"{name}={shown!r} gives SQLite a host (expected sqlite:///relative/path.db, "
                "sqlite:////absolute/path.db or sqlite:// for an in-memory database)"
            )
        return None
    query = parse_qs(parts.query)
    if not parts.hostname and "host" not in query and "unix_socket" not in query:
        return f"{name}={shown!r} names no host (expected e.g. {dialect}://user@host:port/dbname)"
    if port == 0:
        return f"{name}={shown!r} has an invalid port 0"
    if not parts.path.strip("/"):
        return f"{name}={shown!r} names no database (expected e.g. {dialect}://user@host/dbname)"
    return None


def _redis_url(name: str, value: str, *, extra_schemes: frozenset[str] = frozenset()) -> str | None:
    shown = mask_url(value)
    schemes = sorted(_REDIS_SCHEMES | extra_schemes)
    expected = ", ".join(f"{s}://" for s in schemes)
    scheme, sep, _ = value.partition("://")
    if not sep or scheme not in schemes:
        return f"{name}={shown!r} is not a Redis URL (expected {expected})"
    if scheme == "memory":
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - property access validates the port
    except ValueError:
        return f"{name}={shown!r} has an invalid host or port"
    if scheme == "unix":
        if not parts.path:
            return f"{name}={shown!r} names no socket path (expected unix:///path/to/redis.sock)"
        return None
    database = parts.path.strip("/")
    if database and not database.isdigit():
        return f"{name}={shown!r} has a database {database!r} that is not a number (e.g. /0)"
    return None


def _ratelimit_storage_url(name: str, value: str) -> str | None:
    return _redis_url(name, value, extra_schemes=frozenset({"memory"}))


def _user_name(name: str, value: str) -> str | None:
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        return f"{name}={value!r} contains blanks or control characters (expected a plain name)"
    return None


def _host(name: str, value: str) -> str | None:
    if any(ch.isspace() or ch in "/@" for ch in value):
        return f"{name}={value!r} is not a host name or address (expected e.g. 127.0.0.1)"
    return None


def _timezone(name: str, value: str) -> str | None:
    if value == "UTC":
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return f"{name}={value!r} is not a known time zone (expected e.g. UTC, America/Managua)"
    return None


def _production_problems(
    *, secret_key: str, admin_password: str, database_url_set: bool
) -> list[str]:
    problems: list[str] = []
    if secret_key == DEVELOPMENT_SECRET_KEY:
        problems.append(
            "SECRET_KEY is the built-in development key; production needs a random secret of at "
            f"least {MIN_PRODUCTION_SECRET_LENGTH} characters "
            "(python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    elif len(secret_key) < MIN_PRODUCTION_SECRET_LENGTH:
        problems.append(
            f"SECRET_KEY is {len(secret_key)} characters long; production needs at least "
            f"{MIN_PRODUCTION_SECRET_LENGTH}"
        )
    if admin_password == DEVELOPMENT_ADMIN_PASSWORD:
        problems.append(
            "ADMIN_PASSWORD is the built-in development password; production needs its own"
        )
    if not database_url_set:
        problems.append(
            "DATABASE_URL is not set; production needs an explicit database URL "
            f"({_DATABASE_EXAMPLES})"
        )
    return problems
