"""Output and exit codes shared by the ``payrollctl`` commands.

Exit codes scripts can rely on:

====  ==========================================================================================
0     done
1     refused: a business precondition failed (a conflict with what the database holds, the
      last admin, a non-empty database for restore, an unknown user …)
2     bad usage or bad input: wrong options, a file that cannot be read or has invalid rows
      (nothing was written)
3     environment problem: invalid settings, the database unreachable or not migrated
====  ==========================================================================================

With ``--json`` a command prints one JSON document on stdout (amounts as strings, dates ISO);
a failure then prints ``{"error": CODE, "message": …, "problems": {…}}`` on stdout as well.
Without it, data goes to stdout as text and failures to stderr.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, NoReturn, TypeVar

import click

EXIT_OK: Final = 0
EXIT_REFUSED: Final = 1
EXIT_BAD_INPUT: Final = 2
EXIT_ENVIRONMENT: Final = 3
MAX_SHOWN_PROBLEMS: Final = 200

F = TypeVar("F", bound=Callable[..., Any])

json_option = click.option("--json", "as_json", is_flag=True,
                           help="Print one JSON document instead of text.")


def emit(data: Any, as_json: bool, text: str | None = None) -> None:
    """Print ``data`` as JSON, or ``text`` (default: the JSON anyway)."""
    if as_json or text is None:
        from coati_payroll.db.types import to_jsonable

        click.echo(json.dumps(to_jsonable(data), indent=2, ensure_ascii=False))
    else:
        click.echo(text, nl=not text.endswith("\n"))


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain text table with a header line."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
              for r in cells]
    return "\n".join(lines)


def fail(code: int, message: str, as_json: bool = False, *, error: str = "error",
         problems: Mapping[str, str] | None = None) -> NoReturn:
    """Report a failure and exit with ``code``."""
    problems = dict(problems or {})
    if as_json:
        click.echo(json.dumps({"error": error, "message": message, "problems": problems},
                              indent=2, ensure_ascii=False))
    else:
        lines = [message]
        shown = list(problems.items())[:MAX_SHOWN_PROBLEMS]
        lines += [f"  {key}: {text}" for key, text in shown]
        if len(problems) > len(shown):
            lines.append(f"  … and {len(problems) - len(shown)} more")
        click.echo("\n".join(lines), err=True)
    sys.exit(code)


def _database_problem(error: Exception) -> str | None:
    """A sentence for a database error caused by the environment, else None."""
    import sqlalchemy as sa

    if isinstance(error, (sa.exc.OperationalError, sa.exc.InterfaceError)):
        text = str(getattr(error, "orig", None) or error).splitlines()[0]
        if "no such table" in text or "doesn't exist" in text:
            return f"the database is not migrated ({text}); run: payrollctl db upgrade"
        return f"cannot use the database: {text}"
    if isinstance(error, sa.exc.ProgrammingError):
        text = str(getattr(error, "orig", None) or error).splitlines()[0]
        if "does not exist" in text or "doesn't exist" in text:
            return f"the database is not migrated ({text}); run: payrollctl db upgrade"
    return None


def handle_errors(function: F) -> F:
    """Turn the errors a command can meet into messages and exit codes (see the module
    docstring). Put it directly above the function, under the click decorators."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import sqlalchemy as sa

        from coati_payroll.scenario.schema import ScenarioError
        from coati_payroll.services.errors import InvalidInput, ServiceError
        from coati_payroll.settings import SettingsError

        as_json = bool(kwargs.get("as_json"))
        try:
            return function(*args, **kwargs)
        except SettingsError as error:
            fail(EXIT_ENVIRONMENT, f"invalid settings:\n{error}", as_json, error="settings")
        except InvalidInput as error:
            fail(EXIT_BAD_INPUT, error.message, as_json, error=error.code,
                 problems=error.problems)
        except ServiceError as error:
            fail(EXIT_REFUSED, error.message, as_json, error=error.code)
        except ScenarioError as error:
            fail(EXIT_BAD_INPUT, f"{error.source}: {len(error.problems)} problem(s); nothing "
                 f"was imported\n{error}", as_json, error="invalid_file",
                 problems={f"{error.source}:{p.line}: {p.path}" if p.path
                           else f"{error.source}:{p.line}": p.message
                           for p in error.problems})
        except sa.exc.DBAPIError as error:
            problem = _database_problem(error)
            if problem is None:
                raise
            fail(EXIT_ENVIRONMENT, problem, as_json, error="database")

    return wrapper  # type: ignore[return-value]
