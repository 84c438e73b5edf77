"""CloudFormation intrinsic functions, conditions, parameters and pseudo-parameters.

``Resolver(template, settings, file).value(tree, line)`` returns the value the deployed stack
would hold, or raises ``Unresolvable`` (a value the template leaves open: a parameter without a
value or default, ``Fn::ImportValue``, an attribute accessproof does not model) or
``TemplateError`` (a malformed template: an unknown function, wrong arguments, a reference cycle,
a reference to nothing).

Resource names and ARNs (``Ref`` and ``Fn::GetAtt`` on a resource): the name property when the
template sets it, else the logical id (CHOICE, as cfn-policy-validator does: CloudFormation would
generate a name, and no policy check depends on which); ARNs are built from the type's ARN
format with that name, in ``--account-id``/``--region``/``--partition``.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Optional

from ..untrusted import excerpt
from .model import Settings
from .source import Mapping, Sequence, TemplateError, line_of

NO_VALUE = object()  # AWS::NoValue: the key or item is removed


class Unresolvable(Exception):
    def __init__(self, line: int, what: str):
        super().__init__(what)
        self.line = line
        self.what = what


@dataclass(frozen=True)
class TypeInfo:
    """How ``Ref`` and ``Fn::GetAtt`` read on a resource type."""

    name_property: Optional[str]
    ref: str  # "name", "arn", "url", "id"
    arn: str  # format with {p} {r} {a} {name} {path}
    attributes: tuple[tuple[str, str], ...] = ()  # attribute → "arn", "name", "url", "id" or a format


_TYPES: dict[str, TypeInfo] = {
    "AWS::S3::Bucket": TypeInfo("BucketName", "name", "arn:{p}:s3:::{name}", (
        ("DomainName", "{name}.s3.{u}"), ("RegionalDomainName", "{name}.s3.{r}.{u}"),
        ("WebsiteURL", "http://{name}.s3-website-{r}.{u}"), ("DualStackDomainName", "{name}.s3.dualstack.{r}.{u}"))),
    "AWS::S3::AccessPoint": TypeInfo("Name", "name", "arn:{p}:s3:{r}:{a}:accesspoint/{name}"),
    "AWS::SQS::Queue": TypeInfo("QueueName", "url", "arn:{p}:sqs:{r}:{a}:{name}", (("QueueUrl", "url"),)),
    "AWS::SNS::Topic": TypeInfo("TopicName", "arn", "arn:{p}:sns:{r}:{a}:{name}", (("TopicArn", "arn"),)),
    "AWS::KMS::Key": TypeInfo(None, "id", "arn:{p}:kms:{r}:{a}:key/{name}"),
    "AWS::KMS::Alias": TypeInfo("AliasName", "name", "arn:{p}:kms:{r}:{a}:{name}"),
    "AWS::IAM::Role": TypeInfo("RoleName", "name", "arn:{p}:iam::{a}:role{path}{name}", (("RoleId", "id"),)),
    "AWS::IAM::User": TypeInfo("UserName", "name", "arn:{p}:iam::{a}:user{path}{name}"),
    "AWS::IAM::Group": TypeInfo("GroupName", "name", "arn:{p}:iam::{a}:group{path}{name}"),
    "AWS::IAM::ManagedPolicy": TypeInfo("ManagedPolicyName", "arn", "arn:{p}:iam::{a}:policy{path}{name}",
                                        (("PolicyArn", "arn"),)),
    "AWS::IAM::InstanceProfile": TypeInfo("InstanceProfileName", "name", "arn:{p}:iam::{a}:instance-profile{path}{name}"),
    "AWS::IAM::Policy": TypeInfo("PolicyName", "id", "arn:{p}:iam::{a}:policy/{name}"),
    "AWS::Lambda::Function": TypeInfo("FunctionName", "name", "arn:{p}:lambda:{r}:{a}:function:{name}"),
    "AWS::Lambda::LayerVersion": TypeInfo("LayerName", "arn", "arn:{p}:lambda:{r}:{a}:layer:{name}:1"),
    "AWS::Lambda::Alias": TypeInfo("Name", "arn", "arn:{p}:lambda:{r}:{a}:function:{name}"),
    "AWS::SecretsManager::Secret": TypeInfo("Name", "arn", "arn:{p}:secretsmanager:{r}:{a}:secret:{name}", (("Id", "arn"),)),
    "AWS::ECR::Repository": TypeInfo("RepositoryName", "name", "arn:{p}:ecr:{r}:{a}:repository/{name}", (
        ("RepositoryUri", "{a}.dkr.ecr.{r}.{u}/{name}"),)),
    "AWS::EFS::FileSystem": TypeInfo(None, "id", "arn:{p}:elasticfilesystem:{r}:{a}:file-system/{name}",
                                     (("FileSystemId", "id"),)),
    "AWS::DynamoDB::Table": TypeInfo("TableName", "name", "arn:{p}:dynamodb:{r}:{a}:table/{name}", (
        ("StreamArn", "arn:{p}:dynamodb:{r}:{a}:table/{name}/stream/1970-01-01T00:00:00.000"),)),
    "AWS::Logs::LogGroup": TypeInfo("LogGroupName", "name", "arn:{p}:logs:{r}:{a}:log-group:{name}:*"),
    "AWS::StepFunctions::StateMachine": TypeInfo("StateMachineName", "arn", "arn:{p}:states:{r}:{a}:stateMachine:{name}",
                                                 (("Name", "name"),)),
    "AWS::Events::Rule": TypeInfo("Name", "name", "arn:{p}:events:{r}:{a}:rule/{name}"),
    "AWS::Events::EventBus": TypeInfo("Name", "name", "arn:{p}:events:{r}:{a}:event-bus/{name}"),
    "AWS::Kinesis::Stream": TypeInfo("Name", "name", "arn:{p}:kinesis:{r}:{a}:stream/{name}"),
    "AWS::KinesisFirehose::DeliveryStream": TypeInfo("DeliveryStreamName", "name",
                                                     "arn:{p}:firehose:{r}:{a}:deliverystream/{name}"),
    "AWS::SSM::Parameter": TypeInfo("Name", "name", "arn:{p}:ssm:{r}:{a}:parameter/{name}"),
    "AWS::CodeBuild::Project": TypeInfo("Name", "name", "arn:{p}:codebuild:{r}:{a}:project/{name}"),
    "AWS::ApiGateway::RestApi": TypeInfo("Name", "id", "arn:{p}:apigateway:{r}::/restapis/{name}", (("RootResourceId", "id"),)),
    "AWS::Cognito::UserPool": TypeInfo("UserPoolName", "id", "arn:{p}:cognito-idp:{r}:{a}:userpool/{name}"),
    "AWS::Glue::Database": TypeInfo(None, "name", "arn:{p}:glue:{r}:{a}:database/{name}"),
    "AWS::SES::ConfigurationSet": TypeInfo("Name", "name", "arn:{p}:ses:{r}:{a}:configuration-set/{name}"),
}
_GENERIC_ARN = "arn:{p}:{service}:{r}:{a}:{kind}/{name}"
_FUNCTIONS = frozenset({
    "Ref", "Fn::GetAtt", "Fn::Sub", "Fn::Join", "Fn::If", "Fn::Select", "Fn::Split", "Fn::FindInMap", "Fn::GetAZs",
    "Fn::Base64", "Fn::ImportValue", "Fn::Cidr", "Fn::Transform", "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not",
    "Fn::Length", "Fn::ToJsonString", "Fn::ForEach", "Condition",
})
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def is_function(value: Any) -> Optional[str]:
    """The intrinsic function a one-key mapping calls (``Fn::Sub``, ``Ref``), or None."""
    if isinstance(value, dict) and len(value) == 1:
        key = next(iter(value))
        if key == "Ref" or key.startswith("Fn::"):
            return key
    return None


class Resolver:
    def __init__(self, template: Mapping, settings: Settings, file: str):
        self.template = template
        self.settings = settings
        self.file = file
        self.resources = template.get("Resources") if isinstance(template.get("Resources"), dict) else Mapping()
        self.parameters = template.get("Parameters") if isinstance(template.get("Parameters"), dict) else {}
        self.mappings = template.get("Mappings") if isinstance(template.get("Mappings"), dict) else {}
        self.conditions = template.get("Conditions") if isinstance(template.get("Conditions"), dict) else {}
        self._condition_values: dict[str, bool] = {}
        self._stack: list[str] = []  # resources and conditions being resolved (cycle detection)

    def error(self, line: int, message: str) -> TemplateError:
        return TemplateError(self.file, line or None, message)

    # ------------------------------------------------------------------ values

    def value(self, tree: Any, line: int = 0) -> Any:
        """The resolved value of ``tree`` (``NO_VALUE`` for ``AWS::NoValue``)."""
        here = line_of(tree, line)
        if isinstance(tree, dict):
            function = is_function(tree)
            if function is not None:
                return self._call(function, tree[function], here)
            if len(tree) == 1 and next(iter(tree)) == "Condition" and isinstance(tree["Condition"], str):
                return tree  # a resource's "Condition": "Name" attribute is not a function inside values
            out: dict = {}
            for key, item in tree.items():
                resolved = self.value(item, tree.line_of(key) if isinstance(tree, Mapping) else here)
                if resolved is not NO_VALUE:
                    out[key] = resolved
            return out
        if isinstance(tree, list):
            items = []
            for index, item in enumerate(tree):
                resolved = self.value(item, tree.line_of(index) if isinstance(tree, Sequence) else here)
                if resolved is not NO_VALUE:
                    items.append(resolved)
            return items
        return tree

    def _call(self, function: str, args: Any, line: int) -> Any:
        handler = _HANDLERS.get(function)
        if handler is None:
            raise self.error(line, f"unknown intrinsic function {excerpt(function, 60)}")
        return handler(self, args, line)

    def _string(self, value: Any, line: int, what: str) -> str:
        if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
            raise self.error(line, f"{what} must be a string; got {excerpt(value, 60)}")
        return str(value)

    def _list(self, value: Any, line: int, what: str, length: Optional[int] = None) -> list:
        if not isinstance(value, list) or (length is not None and len(value) != length):
            shape = f"a list of {length}" if length is not None else "a list"
            raise self.error(line, f"{what} takes {shape}; got {excerpt(value, 60)}")
        return value

    # ------------------------------------------------------------------ Ref and GetAtt

    def ref(self, args: Any, line: int) -> Any:
        name = self._string(args, line, "Ref")
        if name.startswith("AWS::"):
            return self.pseudo(name, line)
        if name in self.parameters:
            return self.parameter(name, line)
        if name in self.resources:
            return self.resource_value(name, "Ref", line)
        raise self.error(line, f"Ref to {excerpt(name, 60)}, which is neither a parameter nor a resource")

    def pseudo(self, name: str, line: int) -> Any:
        s = self.settings
        values = {
            "AWS::AccountId": s.account_id, "AWS::Region": s.region, "AWS::Partition": s.partition,
            "AWS::URLSuffix": s.url_suffix, "AWS::StackName": s.stack_name,
            "AWS::StackId": f"arn:{s.partition}:cloudformation:{s.region}:{s.account_id}:stack/{s.stack_name}/"
                            "00000000-0000-0000-0000-000000000000",
            "AWS::NotificationARNs": [],
        }
        if name == "AWS::NoValue":
            return NO_VALUE
        if name not in values:
            raise self.error(line, f"unknown pseudo-parameter {excerpt(name, 60)}")
        return values[name]

    def parameter(self, name: str, line: int) -> Any:
        declared = self.parameters[name] if isinstance(self.parameters[name], dict) else {}
        try:
            value = self.settings.parameter(name)
        except KeyError:
            if "Default" not in declared:
                raise Unresolvable(line, f"parameter {name} has no value (give it with --parameters {name}=...)")
            value = declared["Default"]
        kind = str(declared.get("Type", "String"))
        if isinstance(value, str) and (kind == "CommaDelimitedList" or kind.startswith("List<")):
            return [item.strip() for item in value.split(",")]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        return value

    def resource_value(self, logical_id: str, attribute: str, line: int) -> Any:
        resource = self.resources[logical_id]
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            raise self.error(line_of(resource, line), f"resource {logical_id} has no Type")
        kind = resource["Type"]
        if logical_id in self._stack:
            cycle = " → ".join(self._stack[self._stack.index(logical_id):] + [logical_id])
            raise self.error(line, f"a cycle of references: {cycle}")
        self._stack.append(logical_id)
        try:
            return self._resource_value(logical_id, resource, kind, attribute, line)
        finally:
            self._stack.pop()

    def _resource_value(self, logical_id: str, resource: dict, kind: str, attribute: str, line: int) -> Any:
        info = _TYPES.get(kind)
        properties = resource.get("Properties") if isinstance(resource.get("Properties"), dict) else Mapping()
        name = self._name(logical_id, properties, info, line)
        if kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource":
            if attribute == "Ref":
                return name
            raise Unresolvable(line, f"{logical_id}.{attribute}: an attribute of a custom resource is known only after deployment")
        parts = kind.split("::")
        if len(parts) != 3:
            raise Unresolvable(line, f"{logical_id}: resource type {excerpt(kind, 60)} (modules are not expanded)")
        if info is None:
            if attribute == "Ref":
                return name
            if attribute.endswith("Arn"):
                return self._format(_GENERIC_ARN, name, properties, service=parts[1].lower(), kind=parts[2].lower())
            raise Unresolvable(line, f"{logical_id}.{attribute}: attribute of {kind} that accessproof does not model")
        reading = info.ref if attribute == "Ref" else dict(info.attributes).get(attribute)
        if reading is None:
            if attribute == "Arn" or attribute.endswith("Arn"):
                reading = "arn"
            elif attribute.endswith(("Name",)):
                reading = "name"
            elif attribute.endswith("Id"):
                reading = "id"
            else:
                raise Unresolvable(line, f"{logical_id}.{attribute}: attribute of {kind} that accessproof does not model")
        s = self.settings
        if reading in ("name", "id"):
            return name
        if reading == "arn":
            return self._format(info.arn, name, properties)
        if reading == "url":
            return f"https://sqs.{s.region}.{s.url_suffix}/{s.account_id}/{name}"
        return self._format(reading, name, properties)

    def _name(self, logical_id: str, properties: dict, info: Optional[TypeInfo], line: int) -> str:
        if info is None or info.name_property is None or info.name_property not in properties:
            return logical_id
        value = self.value(properties[info.name_property], properties.line_of(info.name_property)
                           if isinstance(properties, Mapping) else line)
        if value is NO_VALUE:
            return logical_id
        return self._string(value, line, f"{logical_id}.{info.name_property}")

    def _format(self, pattern: str, name: str, properties: dict, **extra: str) -> str:
        s = self.settings
        path = "/"
        if "{path}" in pattern and "Path" in properties:
            value = self.value(properties["Path"])
            path = value if isinstance(value, str) and value.startswith("/") else "/"
        return pattern.format(p=s.partition, r=s.region, a=s.account_id, u=s.url_suffix, name=name, path=path, **extra)

    def get_att(self, args: Any, line: int) -> Any:
        if isinstance(args, str):
            resource, _, attribute = args.partition(".")
            args = [resource, attribute]
        args = self._list(args, line, "Fn::GetAtt", 2)
        logical_id = self._string(args[0], line, "Fn::GetAtt's resource")
        attribute = self.value(args[1], line)
        attribute = self._string(attribute, line, "Fn::GetAtt's attribute")
        if logical_id not in self.resources:
            raise self.error(line, f"Fn::GetAtt on {excerpt(logical_id, 60)}, which is not a resource of the template")
        return self.resource_value(logical_id, attribute, line)

    # ------------------------------------------------------------------ other functions

    def sub(self, args: Any, line: int) -> str:
        variables: dict = {}
        if isinstance(args, list):
            args = self._list(args, line, "Fn::Sub", 2)
            text = self._string(args[0], line, "Fn::Sub's string")
            if not isinstance(args[1], dict):
                raise self.error(line, "Fn::Sub's second argument must be a mapping of variables")
            variables = {k: self.value(v, line) for k, v in args[1].items()}
        else:
            text = self._string(args, line, "Fn::Sub")

        def replace(m: re.Match[str]) -> str:
            name = m.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            name = name.strip()
            if name in variables:
                value = variables[name]
            elif "." in name and not name.startswith("AWS::"):
                value = self.get_att(name.split(".", 1), line)
            else:
                value = self.ref(name, line)
            return self._string(value, line, f"${{{name}}} in Fn::Sub")

        return _SUB_VARIABLE.sub(replace, text)

    def join(self, args: Any, line: int) -> str:
        args = self._list(args, line, "Fn::Join", 2)
        delimiter = self._string(self.value(args[0], line), line, "Fn::Join's delimiter")
        items = self.value(args[1], line)
        items = self._list(items, line, "Fn::Join's second argument")
        return delimiter.join(self._string(i, line, "an item of Fn::Join") for i in items)

    def select(self, args: Any, line: int) -> Any:
        args = self._list(args, line, "Fn::Select", 2)
        index = self.value(args[0], line)
        items = self._list(self.value(args[1], line), line, "Fn::Select's second argument")
        try:
            position = int(index)
        except (TypeError, ValueError):
            raise self.error(line, f"Fn::Select's index must be an integer; got {excerpt(index, 40)}") from None
        if not 0 <= position < len(items):
            raise self.error(line, f"Fn::Select index {position} is out of range (the list has {len(items)} items)")
        return items[position]

    def split(self, args: Any, line: int) -> list:
        args = self._list(args, line, "Fn::Split", 2)
        delimiter = self._string(self.value(args[0], line), line, "Fn::Split's delimiter")
        text = self._string(self.value(args[1], line), line, "Fn::Split's string")
        if not delimiter:
            raise self.error(line, "Fn::Split's delimiter is empty")
        return text.split(delimiter)

    def find_in_map(self, args: Any, line: int) -> Any:
        args = self._list(args, line, "Fn::FindInMap")
        if len(args) not in (3, 4):
            raise self.error(line, "Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]")
        names = [self._string(self.value(a, line), line, "a key of Fn::FindInMap") for a in args[:3]]
        try:
            value = self.mappings[names[0]][names[1]][names[2]]
        except (KeyError, TypeError):
            if len(args) == 4 and isinstance(args[3], dict) and "DefaultValue" in args[3]:
                return self.value(args[3]["DefaultValue"], line)
            raise self.error(line, f"Fn::FindInMap: no {'.'.join(names)} in Mappings") from None
        return self.value(value, line)

    def get_azs(self, args: Any, line: int) -> list:
        region = self.value(args, line) or self.settings.region
        return [f"{region}{zone}" for zone in "abc"]

    def base64(self, args: Any, line: int) -> str:
        text = self._string(self.value(args, line), line, "Fn::Base64")
        return base64.b64encode(text.encode("utf-8")).decode("ascii")

    def length(self, args: Any, line: int) -> int:
        return len(self._list(self.value(args, line), line, "Fn::Length"))

    def to_json_string(self, args: Any, line: int) -> str:
        return json.dumps(self.value(args, line), separators=(",", ":"))

    def open_value(self, function: str) -> Callable:
        def handler(_self: "Resolver", args: Any, line: int) -> Any:
            reasons = {
                "Fn::ImportValue": "Fn::ImportValue: another stack's export, known only when deployed",
                "Fn::Cidr": "Fn::Cidr is not evaluated by accessproof",
                "Fn::Transform": "Fn::Transform: a macro's output is known only when deployed",
                "Fn::ForEach": "Fn::ForEach (language extensions) is not expanded by accessproof",
            }
            raise Unresolvable(line, reasons[function])
        return handler

    # ------------------------------------------------------------------ conditions

    def fn_if(self, args: Any, line: int) -> Any:
        args = self._list(args, line, "Fn::If", 3)
        name = self._string(args[0], line, "Fn::If's condition")
        return self.value(args[1] if self.condition(name, line) else args[2], line)

    def condition(self, name: str, line: int) -> bool:
        if name in self._condition_values:
            return self._condition_values[name]
        if name not in self.conditions:
            raise self.error(line, f"condition {excerpt(name, 60)} is not defined in Conditions")
        key = f"Condition {name}"
        if key in self._stack:
            raise self.error(line, f"a cycle of conditions: {' → '.join(self._stack[self._stack.index(key):] + [key])}")
        self._stack.append(key)
        try:
            tree = self.conditions[name]
            value = self._boolean(tree, self.conditions.line_of(name) if isinstance(self.conditions, Mapping) else line)
        finally:
            self._stack.pop()
        self._condition_values[name] = value
        return value

    def _boolean(self, tree: Any, line: int) -> bool:
        here = line_of(tree, line)
        if isinstance(tree, dict) and len(tree) == 1 and "Condition" in tree:
            return self.condition(self._string(tree["Condition"], here, "Condition"), here)
        function = is_function(tree)
        if function == "Fn::Equals":
            args = self._list(tree[function], here, "Fn::Equals", 2)
            left, right = self.value(args[0], here), self.value(args[1], here)
            return _plain(left) == _plain(right)
        if function in ("Fn::And", "Fn::Or"):
            args = self._list(tree[function], here, function)
            values = [self._boolean(a, here) for a in args]
            return all(values) if function == "Fn::And" else any(values)
        if function == "Fn::Not":
            args = self._list(tree[function], here, "Fn::Not", 1)
            return not self._boolean(args[0], here)
        if isinstance(tree, bool):
            return tree
        raise self.error(here, f"a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition; got {excerpt(tree, 60)}")

    def condition_function(self, args: Any, line: int) -> bool:
        return self.condition(self._string(args, line, "Condition"), line)

    def boolean_function(self, name: str) -> Callable:
        def handler(_self: "Resolver", args: Any, line: int) -> bool:
            return self._boolean({name: args}, line)
        return handler

    def included(self, logical_id: str) -> bool:
        """Whether the resource is created (its ``Condition``, if any, holds)."""
        resource = self.resources.get(logical_id)
        if not isinstance(resource, dict) or "Condition" not in resource:
            return True
        name = resource["Condition"]
        line = resource.line_of("Condition") if isinstance(resource, Mapping) else 0
        return self.condition(self._string(name, line, f"{logical_id}'s Condition"), line)


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


_HANDLERS: dict[str, Callable[[Resolver, Any, int], Any]] = {
    "Ref": Resolver.ref, "Fn::GetAtt": Resolver.get_att, "Fn::Sub": Resolver.sub, "Fn::Join": Resolver.join,
    "Fn::Select": Resolver.select, "Fn::Split": Resolver.split, "Fn::FindInMap": Resolver.find_in_map,
    "Fn::GetAZs": Resolver.get_azs, "Fn::Base64": Resolver.base64, "Fn::If": Resolver.fn_if,
    "Fn::Length": Resolver.length, "Fn::ToJsonString": Resolver.to_json_string,
    "Fn::Equals": lambda r, a, line: r._boolean({"Fn::Equals": a}, line),
    "Fn::And": lambda r, a, line: r._boolean({"Fn::And": a}, line),
    "Fn::Or": lambda r, a, line: r._boolean({"Fn::Or": a}, line),
    "Fn::Not": lambda r, a, line: r._boolean({"Fn::Not": a}, line),
    "Condition": Resolver.condition_function,
}
for _name in ("Fn::ImportValue", "Fn::Cidr", "Fn::Transform", "Fn::ForEach"):
    _HANDLERS[_name] = (lambda n: lambda r, a, line: r.open_value(n)(r, a, line))(_name)
assert set(_HANDLERS) == _FUNCTIONS
