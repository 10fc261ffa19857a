"""User-facing errors: the CLI prints their message (no traceback) and exits with status 2."""


class UserError(ValueError):
    """Bad input from the user. The message names the bad value and what is accepted."""


def unknown(kind: str, value, accepted) -> UserError:
    """The standard 'unknown X' error: ``unknown proxy 'foo'; accepted: a, b, c``."""
    return UserError(f"unknown {kind} {value!r}; accepted: {', '.join(map(str, accepted))}")
