"""Invoke a function's real handler module in-process, with its template environment.

The handler file is loaded from the function's CodeUri (as Lambda would), under a
unique module name, with the variables the template gives that function; settings
and caches that a fresh Lambda container would not have are reset first.

A handler module is imported inside its function's environment, as in Lambda, because
it creates its Powertools objects at import (the mail handler's idempotency store
names its table then). One environment is one "container": the module is imported
once per distinct environment and reused for every invocation with it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import logging
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from paperbell_dev.demo_data import LOCAL_FEEDS_ENV
from paperbell_dev.local.iam import IamGuard
from paperbell_dev.local.stack import ACCOUNT_ID, FunctionSpec, LocalStack

#: Local functions fetch no liked paper from arXiv (services/likes.py): the demo and the
#: tests never touch the network. A test points ARXIV_API_URL at its loopback server
#: through ``extra_env``.
NO_ARXIV_ENV = {"ARXIV_API_URL": ""}


@dataclass
class LocalLambdaContext:
    """The attributes Powertools and handlers read from a Lambda context."""

    function_name: str
    memory_limit_in_mb: int = 512
    timeout_s: int = 60
    region: str = "us-east-1"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    _started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"local/{self.aws_request_id}"

    def get_remaining_time_in_millis(self) -> int:
        left = self.timeout_s - (time.monotonic() - self._started)
        return max(int(left * 1000), 0)


_modules: dict[tuple[str, frozenset[tuple[str, str]]], ModuleType] = {}


def load_handler(
    spec: FunctionSpec, env: dict[str, str] | None = None
) -> Callable[[dict[str, Any], Any], Any]:
    """The handler callable named by ``Handler: module.function`` in ``CodeUri``.

    Call it inside :func:`function_environment` with the same ``env``: a module first
    imported for that environment is imported there.
    """
    module_name, _, func_name = spec.handler.rpartition(".")
    path = spec.code_uri / f"{module_name.replace('.', '/')}.py"
    key = (str(path), frozenset((env or {}).items()))
    module = _modules.get(key)
    if module is None:
        unique = f"_paperbell_fn_{spec.logical_id}_{module_name}_{len(_modules)}"
        loader_spec = importlib.util.spec_from_file_location(unique, path)
        if loader_spec is None or loader_spec.loader is None:
            raise ImportError(f"cannot load handler {path}")
        module = importlib.util.module_from_spec(loader_spec)
        sys.modules[unique] = module
        loader_spec.loader.exec_module(module)
        _modules[key] = module
    handler: Callable[[dict[str, Any], Any], Any] = getattr(module, func_name)
    return handler


@contextmanager
def function_environment(env: dict[str, str]) -> Iterator[None]:
    """Set the function's variables for the duration of one invocation."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    _reset_process_caches()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        _reset_process_caches()


@contextmanager
def _logs_to(stream: io.StringIO) -> Iterator[None]:
    """Point the runtime logger's stream handlers at ``stream`` for one invocation.

    Why not only ``redirect_stdout``: Powertools' Logger keeps the ``sys.stdout`` of the
    moment it was created, so whether its lines were captured depended on which module
    happened to import :mod:`paperbell.observability` first."""
    from paperbell.observability import logger

    handlers = [h for h in logger.handlers if isinstance(h, logging.StreamHandler)]
    saved = [h.stream for h in handlers]
    for h in handlers:
        h.setStream(stream)
    try:
        yield
    finally:
        for h, old in zip(handlers, saved, strict=True):
            h.setStream(old)


def _reset_process_caches() -> None:
    from paperbell.config import settings
    from paperbell.storage.trending_snapshots import forget_cached_snapshots

    settings.cache_clear()
    # Local invocations share one process but each may follow a scrape that changed the
    # trending snapshot; reading it afresh per invocation is what a cold container does
    # (an upper bound for the counted S3 calls, never a stale list).
    forget_cached_snapshots()


class LocalInvoker:
    """Invoke functions of a deployed LocalStack by logical id."""

    def __init__(
        self,
        stack: LocalStack,
        extra_env: dict[str, str] | None = None,
        *,
        capture_output: bool = False,
    ):
        self.stack = stack
        self.extra_env = extra_env or {}
        #: With capture_output, what handlers print (Powertools logs and EMF metrics)
        #: is kept here instead of cluttering the terminal; tests read metrics from it.
        self.capture_output = capture_output
        self.output = io.StringIO()
        self.specs = stack.functions()
        self.invocations: dict[str, int] = {}
        #: Each function may call AWS only as its template role allows (local/iam.py).
        self.iam = IamGuard(stack)

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        spec = self.specs[logical_id]
        env = {
            **self.stack.function_environment(logical_id),
            **LOCAL_FEEDS_ENV,
            **NO_ARXIV_ENV,
            **self.extra_env,
        }
        env.setdefault("AWS_LAMBDA_FUNCTION_NAME", f"{self.stack.stack_name}-{logical_id}")
        context = LocalLambdaContext(
            function_name=env["AWS_LAMBDA_FUNCTION_NAME"],
            memory_limit_in_mb=spec.memory,
            timeout_s=spec.timeout,
            region=self.stack.region,
        )
        self.invocations[logical_id] = self.invocations.get(logical_id, 0) + 1
        with function_environment(env), self.iam.running(logical_id):
            handler = load_handler(spec, env)
            if not self.capture_output:
                return handler(event, context)
            with contextlib.redirect_stdout(self.output), _logs_to(self.output):
                return handler(event, context)
