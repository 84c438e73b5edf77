"""accessproof: a local, provable re-implementation of AWS IAM Access Analyzer."""

from .version import __version__


def client(service_name: str, **kwargs):
    """botocore's client for ``"accessanalyzer"`` or ``"iam"``, answered by accessproof (see
    ``accessproof.api.client.client``). Imported on first use: the command line does not pay for
    botocore's models."""
    from .api.client import client as make_client

    return make_client(service_name, **kwargs)


__all__ = ["client", "__version__"]
