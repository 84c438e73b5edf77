"""How ValidatePolicy names a key's data types and an operator's type in its messages.

TYPE_MISMATCH and STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS both say "Use the operator type
{{allowed}} instead of operator {{operator}} for the condition key {{key}}." AWS fills
{{allowed}} with the key's accepted data types and {{operator}} with the operator's type in lower
case, not with operator names. Observed in AWS's ValidatePolicy responses (2024-11/12):

- "Use the operator type Boolean instead of operator string for the condition key aws:ViaAWSService."
- "Use the operator type ARN instead of operator string for the condition key ec2:CapacityReservationFleet."
- "Use the operator type ARN, String instead of operator string for the condition key aws:PrincipalArn."

Only "Boolean", "ARN", "ARN, String" and "string" were observed; the other names follow the same
pattern (the Service Authorization Reference's type names, Bool spelled out as AWS does, lower case
for operators) and are our choice.
"""

from __future__ import annotations

from ..catalog import ConditionKey
from ..policy.operators import Family

_KEY_TYPE_NAMES = {"Bool": "Boolean"}

# A global key of type ARN is named "ARN, String": AWS lists String as an accepted type too
# (observed for aws:PrincipalArn). The global-keys page gives every ARN-typed global key the same
# type, so all of them are named alike; service keys of type ARN are named "ARN".
_GLOBAL_TYPE_NAMES = {"ARN": "ARN, String"}

# aws:EpochTime is documented as "Date, Numeric" on the global-keys page.
_KEY_TYPE_OVERRIDES = {"aws:epochtime": "Date, Numeric"}

_OPERATOR_TYPE_NAMES = {
    Family.STRING: "string",
    Family.ARN: "arn",
    Family.NUMERIC: "numeric",
    Family.DATE: "date",
    Family.BOOL: "boolean",
    Family.BINARY: "binary",
    Family.IP: "ipaddress",
    Family.NULL: "null",
}


def accepted_types_text(key: str, ck: ConditionKey) -> str:
    """The key's accepted data types as AWS writes them in {{allowed}}."""
    override = _KEY_TYPE_OVERRIDES.get(key.lower())
    if override:
        return override
    scalar = ck.scalar_type
    if key.lower().startswith("aws:") and scalar in _GLOBAL_TYPE_NAMES:
        return _GLOBAL_TYPE_NAMES[scalar]
    return _KEY_TYPE_NAMES.get(scalar, scalar)


def operator_type_text(family: Family) -> str:
    """The operator's type as AWS writes it in {{operator}}."""
    return _OPERATOR_TYPE_NAMES[family]
