"""botocore-style errors, so code written against boto3 catches ours the same way.

``client.exceptions.ValidationException`` is a subclass of ``botocore.exceptions.ClientError``
whose ``response["Error"]["Code"]`` is ``"ValidationException"``, as boto3 raises it.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace
from typing import Any, Callable, Optional, TypeVar

from botocore.exceptions import ClientError

from ..untrusted import JsonLimitError, JsonSyntaxError, check_structure


def _error_class(code: str) -> type[ClientError]:
    return type(code, (ClientError,), {})


ValidationException = _error_class("ValidationException")
ResourceNotFoundException = _error_class("ResourceNotFoundException")
ConflictException = _error_class("ConflictException")
InvalidParameterException = _error_class("InvalidParameterException")
UnprocessableEntityException = _error_class("UnprocessableEntityException")
InternalServerException = _error_class("InternalServerException")
AccessDeniedException = _error_class("AccessDeniedException")
ThrottlingException = _error_class("ThrottlingException")
ServiceQuotaExceededException = _error_class("ServiceQuotaExceededException")
# IAM's simulator errors
InvalidInputException = _error_class("InvalidInputException")
MalformedPolicyDocumentException = _error_class("MalformedPolicyDocumentException")
PolicyEvaluationException = _error_class("PolicyEvaluationException")
NoSuchEntityException = _error_class("NoSuchEntityException")

_ALL = {
    cls.__name__: cls
    for cls in (
        ValidationException, ResourceNotFoundException, ConflictException, InvalidParameterException,
        UnprocessableEntityException, InternalServerException, AccessDeniedException, ThrottlingException,
        ServiceQuotaExceededException, InvalidInputException, MalformedPolicyDocumentException,
        PolicyEvaluationException, NoSuchEntityException,
    )
}
# boto3 names IAM's error codes without the "Exception" suffix ("InvalidInput").
_IAM_CODES = {"InvalidInputException": "InvalidInput", "MalformedPolicyDocumentException": "MalformedPolicyDocument",
              "PolicyEvaluationException": "PolicyEvaluation", "NoSuchEntityException": "NoSuchEntity"}


def iam_code(code: str) -> str:
    """IAM's wire code for an exception name (``InvalidInputException`` -> ``InvalidInput``). A
    constraint violation is ``ValidationError`` in IAM's query API (IAM API Reference, Common
    Errors), where Access Analyzer says ``ValidationException``."""
    if code == "ValidationException":
        return "ValidationError"
    return _IAM_CODES.get(code, code)

exceptions = SimpleNamespace(ClientError=ClientError, **_ALL)


def client_error(exception_name: str, message: str, operation: str, reason: Optional[str] = None) -> ClientError:
    """An exception instance shaped like the one botocore raises for this error code."""
    cls = _ALL[exception_name]
    code = _IAM_CODES.get(exception_name, exception_name)
    response: dict = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": 400},
    }
    if reason:
        response["reason"] = reason
    return cls(response, operation)


def validation_error(message: str, operation: str, reason: str = "fieldValidationFailed") -> ClientError:
    return client_error("ValidationException", message, operation, reason)


def enum_error(value: object, field: str, allowed: tuple[str, ...], operation: str) -> ClientError:
    """AWS's wording for a value outside an enum."""
    return validation_error(
        f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: "
        f"Member must satisfy enum value set: [{', '.join(allowed)}]",
        operation,
    )


C = TypeVar("C", bound=type)


def bounded_arguments(error: Callable[[str, str], ClientError]) -> Callable[[C], C]:
    """A class decorator: each public operation of the class first refuses, with
    ``error(message, operation)``, an argument nested deeper than ``untrusted.MAX_DEPTH``, holding
    an integer longer than ``untrusted.MAX_NUMBER_CHARS`` digits or a string that is not Unicode
    text, before any code walks it (a 100,000-deep filter would otherwise exhaust Python's stack in
    whatever reads it first; a lone surrogate fails wherever it is encoded)."""
    def decorate(cls: C) -> C:
        for name, member in list(vars(cls).items()):
            if not name.startswith("_") and callable(member) and not isinstance(member, type):
                setattr(cls, name, _bounded(member, error))
        return cls
    return decorate


def _bounded(method: Callable[..., Any], error: Callable[[str, str], ClientError]) -> Callable[..., Any]:
    operation = "".join(part[:1].upper() + part[1:] for part in method.__name__.split("_"))

    @functools.wraps(method)
    def checked(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            for value in (*args, *kwargs.values()):
                check_structure(value)
        except JsonLimitError as e:
            raise error(f"{e.message} (accessproof's limit)", operation) from None
        except JsonSyntaxError as e:
            raise error(e.message, operation) from None
        return method(self, *args, **kwargs)
    return checked
