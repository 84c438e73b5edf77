"""A small account built on the moto server through boto3: one resource of (almost) every type, some
shared outside the account, some not."""

from __future__ import annotations

import json
from dataclasses import dataclass

from .conftest import ACCOUNT, OUTSIDER, REGION, aws, lambda_zip, policy

OUTSIDE_ROOT = f"arn:aws:iam::{OUTSIDER}:root"


@dataclass(frozen=True)
class Built:
    open_bucket: str  # public by its policy
    private_bucket: str  # no policy, an access point of its own
    key_id: str  # shared with OUTSIDER by its key policy
    queue_url: str
    topic_arn: str
    secret_arn: str
    file_system_id: str
    repository: str
    snapshot_id: str  # EBS, shared with OUTSIDER
    db_snapshot: str  # RDS, public
    table: str
    function: str
    layer_arn: str
    role: str  # trusted by OUTSIDER


def trust(principal: str) -> str:
    return policy({"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"})


def build(moto: str) -> Built:
    s3 = aws(moto, "s3")
    s3.create_bucket(Bucket="open-bucket")
    s3.put_bucket_policy(Bucket="open-bucket", Policy=policy({
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::open-bucket/*"}))
    s3.create_bucket(Bucket="private-bucket")
    s3.put_public_access_block(Bucket="private-bucket", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    aws(moto, "s3control").create_access_point(AccountId=ACCOUNT, Name="private-ap", Bucket="private-bucket")

    kms = aws(moto, "kms")
    key_id = kms.create_key(Policy=policy(
        {"Sid": "Owner", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*",
         "Resource": "*"},
        {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": OUTSIDE_ROOT}, "Action": "kms:Decrypt",
         "Resource": "*"}))["KeyMetadata"]["KeyId"]

    sqs = aws(moto, "sqs")
    queue_url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    sns = aws(moto, "sns")
    topic_arn = sns.create_topic(Name="alerts")["TopicArn"]

    secrets = aws(moto, "secretsmanager")
    secret_arn = secrets.create_secret(Name="app/db", SecretString="x", KmsKeyId=key_id)["ARN"]
    secrets.put_resource_policy(SecretId=secret_arn, ResourcePolicy=policy({
        "Effect": "Allow", "Principal": {"AWS": OUTSIDE_ROOT}, "Action": "secretsmanager:GetSecretValue",
        "Resource": "*"}))

    efs = aws(moto, "efs")
    file_system_id = efs.create_file_system(CreationToken="fs")["FileSystemId"]

    ecr = aws(moto, "ecr")
    ecr.create_repository(repositoryName="team/app")
    ecr.set_repository_policy(repositoryName="team/app", policyText=policy({
        "Effect": "Allow", "Principal": {"AWS": OUTSIDE_ROOT}, "Action": "ecr:BatchGetImage"}))

    ec2 = aws(moto, "ec2")
    volume = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=1)["VolumeId"]
    snapshot_id = ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
    ec2.modify_snapshot_attribute(SnapshotId=snapshot_id, Attribute="createVolumePermission", OperationType="add",
                                  UserIds=[OUTSIDER])

    rds = aws(moto, "rds")
    rds.create_db_instance(DBInstanceIdentifier="db", DBInstanceClass="db.t3.micro", Engine="postgres",
                           MasterUsername="admin", MasterUserPassword="password123", AllocatedStorage=20)
    rds.create_db_snapshot(DBInstanceIdentifier="db", DBSnapshotIdentifier="db-manual")
    rds.modify_db_snapshot_attribute(DBSnapshotIdentifier="db-manual", AttributeName="restore", ValuesToAdd=["all"])

    dynamodb = aws(moto, "dynamodb")
    table_arn = dynamodb.create_table(
        TableName="orders", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST")["TableDescription"]["TableArn"]
    dynamodb.put_resource_policy(ResourceArn=table_arn, Policy=policy({
        "Effect": "Allow", "Principal": {"AWS": OUTSIDE_ROOT}, "Action": "dynamodb:GetItem", "Resource": table_arn}))

    iam = aws(moto, "iam")
    role_arn = iam.create_role(RoleName="partner-access", AssumeRolePolicyDocument=trust(OUTSIDE_ROOT))["Role"]["Arn"]
    iam.create_role(RoleName="lambda-exec", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))
    iam.create_user(UserName="deployer")
    iam.create_access_key(UserName="deployer")

    lam = aws(moto, "lambda")
    lam.create_function(FunctionName="worker", Runtime="python3.12", Role=f"arn:aws:iam::{ACCOUNT}:role/lambda-exec",
                        Handler="handler.handler", Code={"ZipFile": lambda_zip()})
    lam.add_permission(FunctionName="worker", StatementId="partner", Action="lambda:InvokeFunction",
                       Principal=OUTSIDER)
    layer_arn = lam.publish_layer_version(LayerName="shared", Content={"ZipFile": lambda_zip()})["LayerVersionArn"]
    return Built("open-bucket", "private-bucket", key_id, queue_url, topic_arn, secret_arn, file_system_id,
                 "team/app", snapshot_id, "db-manual", "orders", "worker", layer_arn, role_arn)
