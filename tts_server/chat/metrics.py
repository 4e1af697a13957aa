"""The chat server's Prometheus metrics, in the sidecar's registry (names agreed with the
alert rules and the dashboard: tts_server/README.md, "Operations"). Every configured model's
series exist from start-up at 0."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_TTFT_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
_TPOT_BUCKETS = (0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5)


class ChatMetrics:
    def __init__(self, registry: CollectorRegistry, models: tuple[str, ...]) -> None:
        r = registry
        self.requests = Counter(
            "legenda_chat_requests_total", "Chat completion requests answered, by model and "
            "HTTP status.", ["model", "status"], registry=r,
        )
        self.prompt_tokens = Counter(
            "legenda_chat_prompt_tokens_total", "Prompt tokens read (chat template included).",
            ["model"], registry=r,
        )
        self.completion_tokens = Counter(
            "legenda_chat_completion_tokens_total", "Tokens generated.", ["model"], registry=r,
        )
        self.first_token = Histogram(
            "legenda_chat_time_to_first_token_seconds",
            "From the request to its first generated token (slot wait and load included).",
            ["model"], buckets=_TTFT_BUCKETS, registry=r,
        )
        self.per_token = Histogram(
            "legenda_chat_time_per_output_token_seconds", "Time of each token after the first.",
            ["model"], buckets=_TPOT_BUCKETS, registry=r,
        )
        self.running = Gauge(
            "legenda_chat_generations_running", "Generations running now.", ["model"], registry=r,
        )
        self.waiting = Gauge(
            "legenda_chat_generations_waiting", "Requests waiting for a slot.", ["model"],
            registry=r,
        )
        self.loaded = Gauge(
            "legenda_chat_model_loaded", "1 while the model is loaded, else 0.", ["model"],
            registry=r,
        )
        for model in models:
            for status in ("200", "429", "500", "503"):
                self.requests.labels(model, status)
            for metric in (self.prompt_tokens, self.completion_tokens, self.first_token,
                           self.per_token, self.running, self.waiting, self.loaded):
                metric.labels(model)
