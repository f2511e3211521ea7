"""Errors that leonet raises for bad user input."""

from __future__ import annotations


class LeonetInputError(ValueError):
    """Bad user input. The message names the file (if any), line, field and value, and says what to do."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 field: str | None = None, value: object = None):
        parts = []
        if file is not None:
            parts.append(f"{file}" + (f", line {line}" if line is not None else ""))
        elif line is not None:
            parts.append(f"line {line}")
        if field is not None:
            parts.append(f"field '{field}'")
        if value is not None:
            parts.append(f"value {value!r}")
        prefix = ", ".join(parts)
        super().__init__(f"{prefix}: {message}" if prefix else message)
        self.file, self.line, self.field, self.value = file, line, field, value
