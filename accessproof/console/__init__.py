"""The web console of ``accessproof serve`` (``/console``): an overview of the organization's
findings, the findings table, one finding, unused access, and policy checks in the browser.

Server-rendered (Jinja2, autoescaped) with SVG charts drawn on the server and a few lines of
JavaScript where they help; everything is served by the package (no CDN, fonts or external
scripts). The pure parts are their own modules: ``query`` (the findings filter in the URL),
``summary`` (the overview's numbers), ``svg`` (charts), ``highlight`` (policy text with spans
marked), ``sentence`` (a witness request in words), ``auth`` (sessions, login, CSRF tokens).
``source`` reads the policies behind a finding from the snapshot; ``app`` is the Starlette
application and its routes.
"""

from .app import ConsoleSettings, create_console

__all__ = ["ConsoleSettings", "create_console"]
