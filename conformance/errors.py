"""User-facing errors: the CLI prints them translated and exits 2, never with a traceback."""

from __future__ import annotations

from conformance.i18n import t


class UserError(Exception):
    """An error the user can fix: bad input, missing file, unset variable, unreachable target."""

    exit_code = 2

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def render(self, lang: str | None = None) -> str:
        return t(self.key, lang, **self.params)


class ProfileError(UserError):
    """A profile problem, located at file, line and field."""

    def __init__(self, key: str, *, file: str, line: int | None, field: str, **params: object) -> None:
        super().__init__(key, file=file, line=line if line is not None else "?", field=field, **params)
        self.file = file
        self.line = line
        self.field = field
