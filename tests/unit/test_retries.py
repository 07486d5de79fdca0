"""The retry budget of azrm's sessions (ThrottleRetryPolicy) over a fake transport: what is retried, how often, how long."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import ServiceRequestError, ServiceResponseError
from azure.core.pipeline import Pipeline
from azure.core.pipeline.policies import RetryPolicy
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest import HttpRequest

from azrm._session_base import RETRY_DEFAULTS, ThrottleRetryPolicy


class Answer:
    """The little of an HTTP response the retry policy reads."""

    def __init__(self, request: Any, status: int, headers: dict[str, str] | None = None) -> None:
        self.request = request
        self.status_code = status
        self.headers = headers or {}
        self.reason = "fake"

    def text(self) -> str:
        return ""


class Script(HttpTransport):  # type: ignore[misc]
    """Answers from a list (an int is a status, an exception is raised); records sends and sleeps."""

    def __init__(self, answers: list[Any]) -> None:
        self.answers = list(answers)
        self.sent = 0
        self.slept: list[float] = []

    def send(self, request: Any, **kwargs: Any) -> Any:
        self.sent += 1
        answer = self.answers.pop(0) if self.answers else 200
        if isinstance(answer, Exception):
            raise answer
        status, headers = answer if isinstance(answer, tuple) else (answer, {})
        return Answer(request, status, headers)

    def sleep(self, duration: float) -> None:
        self.slept.append(duration)

    def open(self) -> None: ...
    def close(self) -> None: ...
    def __enter__(self) -> Script:
        return self

    def __exit__(self, *args: object) -> None: ...


def run(answers: list[Any], method: str = "GET", policy: Any = None) -> tuple[Script, int | None, Exception | None]:
    transport = Script(answers)
    pipeline = Pipeline(transport, policies=[policy or ThrottleRetryPolicy()])
    try:
        response = pipeline.run(HttpRequest(method, "https://management.example/subscriptions/s/resourcegroups/rg"))
    except Exception as exc:  # a connection error that outlasted the budget
        return transport, None, exc
    return transport, response.http_response.status_code, None


def test_the_budget_is_larger_than_azure_cores() -> None:
    ours, theirs = ThrottleRetryPolicy(), RetryPolicy()
    assert (theirs.status_retries, theirs.connect_retries, theirs.read_retries, theirs.total_retries) == (3, 3, 3, 10)
    assert (ours.status_retries, ours.connect_retries, ours.read_retries, ours.total_retries) == (8, 8, 8, 20)
    assert (ours.throttled_retries, ours.backoff_max, ours.jitter) == (12, 30, 0.5)
    assert RETRY_DEFAULTS["retry_status"] == 8


@pytest.mark.parametrize("status", [408, 500, 502, 504])
def test_eight_transient_answers_in_a_row_are_absorbed(status: int) -> None:
    transport, final, _ = run([status] * 8)
    assert (transport.sent, final) == (9, 200)


@pytest.mark.parametrize("status", [500, 504])
def test_the_ninth_transient_answer_in_a_row_reaches_the_caller(status: int) -> None:
    transport, final, _ = run([status] * 20)
    assert (transport.sent, final) == (9, status)  # the first try and 8 retries


def test_a_post_that_got_a_500_is_retried_as_azure_core_does() -> None:
    transport, final, _ = run([500] * 3, method="POST")
    assert (transport.sent, final) == (4, 200)


@pytest.mark.parametrize("error", [ServiceRequestError("refused"), ServiceResponseError("reset")])
def test_connection_errors_get_eight_retries(error: Exception) -> None:
    transport, final, _ = run([error] * 8)
    assert (transport.sent, final) == (9, 200)
    transport, final, raised = run([error] * 20)
    assert transport.sent == 9 and final is None and isinstance(raised, type(error))


def test_a_broken_read_of_a_post_is_not_retried() -> None:
    # azure-core's rule, kept: the POST may have been applied (the local Azure's faults turn such drops into 503s)
    transport, _, raised = run([ServiceResponseError("reset")], method="POST")
    assert transport.sent == 1 and isinstance(raised, ServiceResponseError)


def test_throttling_has_its_own_twelve() -> None:
    transport, final, _ = run([(429, {"Retry-After": "1"})] * 12)
    assert (transport.sent, final) == (13, 200)
    transport, final, _ = run([(503, {"Retry-After": "2"})] * 30)
    assert (transport.sent, final) == (13, 503)


def test_retry_after_is_honoured_and_only_ever_stretched() -> None:
    transport, _, _ = run([(429, {"Retry-After": "2"})] * 6)
    assert len(transport.slept) == 6
    assert all(2 <= wait <= 3 for wait in transport.slept)
    assert len(set(transport.slept)) > 1  # jittered: threads told the same wait do not come back together


def test_backoff_is_exponential_capped_and_jittered(mocker: Any) -> None:
    mocker.patch("azrm._session_base.random.uniform", side_effect=lambda low, high: high)  # the longest jitter
    transport, _, _ = run([500] * 8)
    # azure-core: the first retry is at once, then 0.8 * 2**(n-1); here capped at 30 s, then stretched by 50%
    expected = [min(0.8 * 2 ** (n - 1), 30) * 1.5 for n in range(2, 9)]
    assert transport.slept == pytest.approx(expected)
    mocker.patch("azrm._session_base.random.uniform", side_effect=lambda low, high: low)
    transport, _, _ = run([500] * 3)
    assert transport.slept == pytest.approx([1.6, 3.2])


def test_a_mixed_run_spends_each_budget_apart() -> None:
    # 7 server errors, 7 resets and 6 throttles on one request: no kind's budget is spent, and 20 retries in all are
    fast = ThrottleRetryPolicy(retry_backoff_factor=0)
    mixed: list[Any] = [500] * 7 + [ServiceRequestError("x")] * 7 + [(429, {"Retry-After": "1"})] * 6
    transport, final, _ = run(mixed, policy=fast)
    assert (transport.sent, final) == (21, 200)
    transport, final, _ = run([*mixed, (429, {"Retry-After": "1"})], policy=fast)
    assert (transport.sent, final) == (21, 429)  # the 21st answer fails too: the total is spent
