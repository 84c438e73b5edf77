"""accessproof: a local, provable re-implementation of AWS IAM Access Analyzer."""

from .api.client import client

__all__ = ["client"]
__version__ = "0.1.0"
