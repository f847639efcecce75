"""Exceptions of the engine."""


class PrecisionNotReached(ArithmeticError):
    """A computation could not certify the requested number of correct digits.

    Raised instead of returning a number that might be wrong: callers that can live with a
    weaker answer catch it and report the check as *inconclusive*, never as passed.
    """

    def __init__(self, quantity: str, requested_dps: int, estimated_error, value=None):
        self.quantity = quantity
        self.requested_dps = requested_dps
        self.estimated_error = estimated_error
        self.value = value
        super().__init__(
            f"{quantity}: could not reach {requested_dps} correct digits "
            f"(estimated relative error {_short(estimated_error)}); raise dps or report inconclusive"
        )


def _short(x) -> str:
    try:
        import mpmath
        return mpmath.nstr(x, 3)
    except Exception:  # pragma: no cover - formatting must never mask the real error
        return repr(x)


class InputError(ValueError):
    """Bad input: a parameter outside its allowed range, an unknown name, a malformed statement.

    The message names the parameter, the value received and what is allowed. The command line
    prints it as one line (exit 2); any other exception is a bug of ours and shows its traceback."""
