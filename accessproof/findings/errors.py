"""Errors of the findings store.

They carry the AWS error code they stand for, so the API layer turns one into the botocore-style
exception (``accessproof.api.errors.client_error(e.code, str(e), operation)``) without a table of
its own. ``findings`` sits below ``api`` and does not import it.
"""

from __future__ import annotations


class FindingsError(Exception):
    """Base of every error this package raises on purpose. ``str(e)`` is one line."""

    code = "InternalServerException"


class ValidationError(FindingsError):
    """A request that AWS would refuse with ValidationException."""

    code = "ValidationException"


class NotFoundError(FindingsError):
    """An analyzer, archive rule or finding that does not exist: ResourceNotFoundException."""

    code = "ResourceNotFoundException"


class ConflictError(FindingsError):
    """A name already taken (analyzer, archive rule): ConflictException."""

    code = "ConflictException"


class DatabaseError(FindingsError):
    """The database cannot be used. The message names the URL without its password."""

    code = "InternalServerException"


class DatabaseURLError(DatabaseError):
    """The URL is malformed, or names a database kind we have no driver for."""


class DatabaseUnavailableError(DatabaseError):
    """The database did not answer: server down, wrong credentials, unwritable file."""


class DatabaseConstraintError(DatabaseError):
    """The database refused a write that breaks one of its constraints (a name taken by a concurrent
    writer, a finding that would be a duplicate). Callers that expect it turn it into ConflictError."""


class SchemaVersionError(DatabaseError):
    """The database was made by a newer accessproof, whose schema this version does not know."""


class MissingDatabaseError(NotFoundError):
    """A read, or a write that needs an existing analyzer, on a database that does not exist (no
    SQLite file, or none of our tables): nothing has been analysed there. Nothing is created.

    Its code is ResourceNotFoundException, what AWS answers for an analyzer that does not exist.
    """
