"""accessproof: a local, provable re-implementation of AWS IAM Access Analyzer."""

from .api.client import client
from .version import __version__

__all__ = ["client", "__version__"]
