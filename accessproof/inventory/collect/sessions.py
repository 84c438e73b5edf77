"""Credentials for member accounts: a role the user names, assumed from the management account,
refreshed before it expires (a large organization takes longer than one session lasts)."""

from __future__ import annotations

from typing import Any, Optional

from .base import AWS_ERRORS, AwsClients, CallFailed, ClientFactory, error_code

SESSION_NAME = "accessproof-collect"


def member_clients(session: Any, role_name: str, *, partition: str = "aws", region: str = "us-east-1",
                   endpoint_url: Optional[str] = None, max_attempts: int = 10, max_pool_connections: int = 32):
    """account id → a client factory whose credentials are ``role_name`` in that account."""
    import boto3
    import botocore.session
    from botocore.credentials import RefreshableCredentials

    sts = session.client("sts", region_name=region, endpoint_url=endpoint_url)

    def make(account_id: str) -> ClientFactory:
        role_arn = f"arn:{partition}:iam::{account_id}:role/{role_name}"

        def fetch() -> dict[str, str]:
            try:
                credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName=SESSION_NAME)["Credentials"]
            except AWS_ERRORS as e:
                detail = str(e).strip() if error_code(e) else f"{type(e).__name__}: {e}"
                raise CallFailed(f"sts AssumeRole {role_arn}: {detail}") from None
            return {"access_key": credentials["AccessKeyId"], "secret_key": credentials["SecretAccessKey"],
                    "token": credentials["SessionToken"], "expiry_time": credentials["Expiration"].isoformat()}

        refreshable = RefreshableCredentials.create_from_metadata(fetch(), fetch, "sts-assume-role")
        core = botocore.session.get_session()
        core._credentials = refreshable  # botocore's documented way to hand a session ready credentials
        return AwsClients(boto3.Session(botocore_session=core), endpoint_url=endpoint_url,
                          max_attempts=max_attempts, max_pool_connections=max_pool_connections)
    return make
