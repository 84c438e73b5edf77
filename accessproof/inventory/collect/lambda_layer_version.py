"""Lambda layer versions: ``lambda/layers/<layer>/<version>/get-layer-version-policy.json``."""

from __future__ import annotations

from .base import RegionContext, ResourceRef, Responses, paginate_all, ref

RESOURCE_TYPE = "AWS::Lambda::LayerVersion"
ACTIONS = ("lambda:ListLayers", "lambda:ListLayerVersions", "lambda:GetLayerVersion", "lambda:GetLayerVersionPolicy")
GONE = ("ResourceNotFoundException",)


def _ref(ctx: RegionContext, layer: str, version: int) -> ResourceRef:
    return ref(RESOURCE_TYPE, ctx.region, ("lambda", "layers", layer, str(version)), LayerName=layer,
               VersionNumber=str(version))


def discover(ctx: RegionContext) -> list[ResourceRef]:
    client = ctx.client("lambda")
    return [_ref(ctx, layer["LayerName"], v["Version"])
            for layer in paginate_all(client, "list_layers", "Layers")
            for v in paginate_all(client, "list_layer_versions", "LayerVersions", LayerName=layer["LayerName"])]


def ref_for(ctx: RegionContext, identifier: str) -> ResourceRef:
    """``identifier``: ``<layer name or ARN>:<version>`` or a layer version ARN."""
    layer, _, version = identifier.rpartition(":")
    return _ref(ctx, layer.rsplit(":layer:", 1)[-1], int(version))


def collect(ctx: RegionContext, target: ResourceRef) -> Responses:
    client = ctx.client("lambda")
    layer, version = target.get("LayerName"), int(target.get("VersionNumber"))
    out = Responses()
    out.probe(client.get_layer_version, gone=GONE, LayerName=layer, VersionNumber=version)  # exists?
    out.call("get-layer-version-policy.json", client.get_layer_version_policy, keep_not_found=True, LayerName=layer,
             VersionNumber=version)
    return out
