"""Errors of the domain layer.

Everything that reads Podio JSON or text a person typed raises `MalformedValueError` with a
message that names the field and says what was wrong, so callers never see a bare
KeyError/TypeError/InvalidOperation from deep inside a parser.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every error the domain layer raises on purpose."""


class MalformedValueError(DomainError, ValueError):
    """API JSON or user input that does not have the expected shape or content."""


class ReadOnlyFieldError(DomainError):
    """An attempt to write a field Podio computes itself or that we do not understand.

    Calculation and separator fields, and fields of a type this version does not know, are
    never sent on create/update, so Podio keeps whatever they hold.
    """
