"""accessproof: a local, provable re-implementation of AWS IAM Access Analyzer."""

__version__ = "0.1.0"

from .api.client import client  # noqa: E402

__all__ = ["client", "__version__"]
