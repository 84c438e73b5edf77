"""Every ValidatePolicy rule, one small rule object per issue code.

Importing a module registers its rules; this list is the one place that says which modules exist.
Find a rule by its issue code: ``grep -rn PASS_ROLE_WITH_STAR_IN_RESOURCE accessproof/validate``.
"""

from importlib import import_module

RULE_MODULES = (
    "syntax",  # JSON syntax, element names and types, required elements, Version
    "sid",  # Sid values and uniqueness
    "empty",  # empty arrays and objects
    "actions",  # actions and service prefixes, redundancy of actions
    "resources",  # resource ARNs: format, partition, region, account; redundancy of resources
    "statements",  # redundant statements, resource-type-aware checks
    "pass_role",  # iam:PassRole with broad resources
    "service_linked_role",  # iam:CreateServiceLinkedRole with broad resources
    "size",  # policy size quotas
    "organizations",  # SCP and RCP syntax and recommendations
    "principals",  # Principal / NotPrincipal
    "trust_policies",  # role trust policies, federation, OIDC, GitHub
    "condition_operators",  # operators, qualifiers, value types, IP ranges, dates, Null
    "condition_keys",  # key names and support, tag keys, paired and untrustworthy keys
    "variables",  # policy variables and permissive wildcards
)

for _name in RULE_MODULES:
    import_module(f"{__name__}.{_name}")
