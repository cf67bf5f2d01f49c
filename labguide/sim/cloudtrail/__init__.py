"""CloudTrail event history extension: every call recorded, LookupEvents answered.

`install()` adds `lookup_events` to moto's `CloudTrailResponse` and wraps moto's two
request paths (`convert_to_flask_response.__call__` in server mode,
`BotocoreStubber.process_request` in-process) so that each answered request is recorded
(`labguide.sim.cloudtrail.recorder`), after verifying the internals it relies on.
"""

from __future__ import annotations

import inspect
import threading

from labguide.sim.errors import ExtensionError

NAME = "cloudtrail"
_lock = threading.Lock()
_installed = False


def _verify() -> None:
    from moto.cloudtrail.responses import CloudTrailResponse
    from moto.core.botocore_stubber import BotocoreStubber
    from moto.core.utils import convert_to_flask_response

    from labguide.sim.cloudtrail.responses import lookup_events

    present = getattr(CloudTrailResponse, "lookup_events", None)
    if present not in (None, lookup_events):
        raise ExtensionError(NAME, "moto now implements CloudTrail LookupEvents itself")
    call = inspect.unwrap(convert_to_flask_response.__call__)
    if "self.callback(request" not in inspect.getsource(call):
        raise ExtensionError(NAME, "convert_to_flask_response no longer calls its callback "
                                   "with the request")
    process = inspect.unwrap(getattr(BotocoreStubber, "process_request", None) or (lambda: 0))
    if list(inspect.signature(process).parameters) != ["self", "request"]:
        raise ExtensionError(NAME, "BotocoreStubber.process_request(request) is gone")


def install() -> None:
    """Idempotent; raises ExtensionError when moto's request paths changed."""
    global _installed
    with _lock:
        if _installed:
            return
        _verify()
        from moto.cloudtrail.responses import CloudTrailResponse
        from moto.core.botocore_stubber import BotocoreStubber
        from moto.core.utils import convert_to_flask_response
        from werkzeug.exceptions import HTTPException

        from labguide.sim.cloudtrail.recorder import record_http
        from labguide.sim.cloudtrail.responses import lookup_events

        original_call = inspect.unwrap(convert_to_flask_response.__call__)
        original_process = inspect.unwrap(BotocoreStubber.process_request)

        def flask_call(self, args=None, **kwargs):  # type: ignore[no-untyped-def]
            from flask import request

            # Read (and cache) the body before moto parses a form out of the stream.
            request.get_data(cache=True)
            try:
                response = original_call(self, args, **kwargs)
            except HTTPException as error:
                record_http(method=request.method, url=request.url,
                            headers=dict(request.headers), body=request.get_data(),
                            remote_addr=request.remote_addr, status=error.code or 500,
                            response_headers=dict(error.get_headers() or []),
                            response_body=error.get_body())
                raise
            status = response.status_code
            record_http(method=request.method, url=request.url, headers=dict(request.headers),
                        body=request.get_data(), remote_addr=request.remote_addr,
                        status=status, response_headers=dict(response.headers),
                        response_body=response.get_data() if status >= 400 else b"")
            return response

        def process_request(self, request):  # type: ignore[no-untyped-def]
            answer = original_process(self, request)
            if answer is not None:
                status, headers, body = answer
                record_http(method=request.method, url=request.url,
                            headers=dict(request.headers.items()), body=request.body,
                            remote_addr=None, status=int(status),
                            response_headers=dict(headers or {}),
                            response_body=body if int(status) >= 400 else b"")
            return answer

        flask_call.__wrapped__ = original_call  # type: ignore[attr-defined]
        process_request.__wrapped__ = original_process  # type: ignore[attr-defined]
        convert_to_flask_response.__call__ = flask_call
        BotocoreStubber.process_request = process_request
        CloudTrailResponse.lookup_events = lookup_events
        _installed = True
