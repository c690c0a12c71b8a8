"""``GET /metrics``: request counts and latencies by endpoint and status, for Prometheus.

Under gunicorn every worker is its own process, so the numbers must be added up across
them: ``kb serve`` sets ``PROMETHEUS_MULTIPROC_DIR`` before any worker starts, the workers'
metrics write there, and this endpoint collects them all (prometheus_client's multiprocess
mode). Under the test client there is one process and a plain registry per app.
"""

from __future__ import annotations

import os
import time

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

bp = Blueprint("metrics", __name__)

METHODS = {"GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"}
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        labels = ("endpoint", "method", "status")
        self.requests = Counter("kb_http_requests", "HTTP requests answered.", labels, registry=self.registry)
        self.latency = Histogram("kb_http_request_duration_seconds", "Time to answer an HTTP request.", labels,
                                 buckets=BUCKETS, registry=self.registry)
        self.search_cache = Counter("kb_search_cache", "Searches answered from the per-worker cache (hit) or not.",
                                    ("result",), registry=self.registry)
        self.usage_dropped = Counter("kb_usage_records_dropped", "Searches not recorded for the usage insights: the "
                                     "database was unreachable longer than a worker's buffer holds.",
                                     registry=self.registry)

    def exposition(self) -> bytes:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)


def init_app(app: Flask) -> None:
    metrics = app.extensions["vastaus_metrics"] = Metrics()

    @app.before_request
    def _start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.get("started")
        if started is not None:
            # The route's name, never the raw path: one series per endpoint, whatever is requested.
            endpoint = request.endpoint or "unmatched"
            method = request.method if request.method in METHODS else "other"
            labels = (endpoint, method, str(response.status_code))
            metrics.requests.labels(*labels).inc()
            metrics.latency.labels(*labels).observe(time.perf_counter() - started)
        return response


@bp.get("/metrics")
def metrics_page() -> Response:
    return Response(current_app.extensions["vastaus_metrics"].exposition(), content_type=CONTENT_TYPE_LATEST)
