"""Operations: the ops HTTP server (health, readiness, Prometheus metrics) and structured logs.

Importing this package is cheap: aiohttp and prometheus-client are imported only by the modules that serve.
"""


class OpsServerError(Exception):
    """The ops server cannot listen (port in use, bad address). The message names OPS_PORT / OPS_HOST."""
