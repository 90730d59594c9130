#!/usr/bin/env python3
"""The official Mixpeek Python SDK, pinned in requirements.txt, driving a running server.

The caller starts the server, loads it with transcripts and passes where it is:

    MIXPEEK_API_KEY=... interop.py --base-url http://127.0.0.1:PORT --namespace NS --sessions N

The namespace must hold exactly N imported sessions, each with a user message followed
by an assistant reply, and nothing else. Every check runs; each mismatch is named, and
the exit status is 1 when any check failed, 2 when the script could not start.
Standard library and the SDK only.
"""

import argparse
import json
import os
import sys
import time
import traceback
from datetime import datetime
from importlib import metadata
from pathlib import Path

STARTED = time.monotonic()
try:
    from mixpeek import ApiClient, Configuration
    from mixpeek.api.agent_sessions_api import AgentSessionsApi
    from mixpeek.exceptions import (
        ApiException,
        BadRequestException,
        NotFoundException,
        ServiceException,
        UnauthorizedException,
        UnprocessableEntityException,
    )
    from mixpeek.models import (
        AgentConfig,
        ConfirmationRequest,
        CreateSessionRequest,
        CreateSessionResponse,
        DetectIntentRequest,
        ErrorResponse,
        GetHistoryResponse,
        GetSessionResponse,
        ListSessionsRequest,
        ListSessionsResponse,
        MessageHistoryItem,
        PatchSessionRequest,
        PatchSessionResponse,
        SendMessageRequest,
        SessionQuotas,
        SubmitFeedbackRequest,
        SubmitFeedbackResponse,
        TerminateSessionResponse,
    )
except ImportError as e:  # pragma: no cover - the caller's setup is wrong
    sys.exit(f"interop: cannot import the mixpeek SDK ({e}); install tests/sdk/requirements.txt into the venv that runs this script")

IMPORTED = time.monotonic()
HERE = Path(__file__).resolve().parent
BOGUS = "bogus_key"
EXTRA_MSG = "Extra inputs are not permitted"
FEEDBACK_TEXT_MAX = 10_000
LIST_OFFSET_MAX = 10_000

# What the SDK itself expects for every error status of these operations.
ERRORS = {str(s): "ErrorResponse" for s in (400, 401, 403, 404, 422, 429, 500, 503)}


class Mismatch(Exception):
    """The server answered something other than what the SDK and the docs say."""


def expect(cond, what):
    if not cond:
        raise Mismatch(what)


def pinned_version():
    for line in (HERE / "requirements.txt").read_text().splitlines():
        if line.startswith("mixpeek=="):
            return line.split("==", 1)[1].strip()
    raise SystemExit("interop: tests/sdk/requirements.txt pins no mixpeek version")


class Interop:
    def __init__(self, base_url, namespace, key, sessions):
        self.base_url = base_url
        self.namespace = namespace
        self.key = key
        self.expected_sessions = sessions
        self.api = self.client(key, namespace)
        self.passed = []
        self.failed = []
        self.all = []  # every session, in the server's default order
        self.created = None

    def client(self, key, namespace):
        api_key = {} if namespace is None else {"NamespaceHeader": namespace}
        cfg = Configuration(host=self.base_url, access_token=key, api_key=api_key)
        return AgentSessionsApi(ApiClient(cfg))

    # ------------------------------------------------------------------ running

    def check(self, name, fn):
        try:
            fn()
        except Mismatch as e:
            self.failed.append((name, str(e)))
            print(f"FAIL {name}: {e}", flush=True)
        except ApiException as e:
            self.failed.append((name, f"unexpected {type(e).__name__} {e.status}: {e.body}"))
            print(f"FAIL {name}: unexpected {type(e).__name__} {e.status}: {e.body}", flush=True)
        except Exception as e:  # the SDK could not parse an answer, or the script is wrong
            self.failed.append((name, f"{type(e).__name__}: {e}"))
            print(f"FAIL {name}: {type(e).__name__}: {e}", flush=True)
            traceback.print_exc(limit=4)
        else:
            self.passed.append(name)
            print(f"ok   {name}", flush=True)

    # ------------------------------------------------------------------ helpers

    def raw(self, op, ok_type, content_type=None, api=None, **params):
        """Sends a request through the SDK's own serializer, transport and response
        parsing, without the client-side validation that would stop a request the
        server must refuse (an undeclared key, page=0)."""
        api = api or self.api
        serialize = getattr(api, f"_{op}_serialize")
        request = serialize(
            **params,
            _request_auth=None,
            _content_type=content_type,
            _headers=None,
            _host_index=0,
        )
        response = api.api_client.call_api(*request)
        response.read()
        types = dict(ERRORS, **{"200": ok_type})
        return api.api_client.response_deserialize(
            response_data=response, response_types_map=types
        ).data

    def raw_list(self, body=None, **query):
        params = {
            name: query.pop(name, None)
            for name in ("limit", "page_size", "offset", "page", "cursor", "next_cursor", "after", "include_total")
        }
        expect(not query, f"raw_list got unknown parameters {sorted(query)}")
        return self.raw("list_sessions_agents", "ListSessionsResponse", list_sessions_request=body, **params)

    def refused(self, exc_type, status, fn, error_type=None):
        """Runs `fn`, which must raise the SDK's `exc_type` for `status`; returns the
        parsed JSON body."""
        try:
            fn()
        except exc_type as e:
            expect(e.status == status, f"expected status {status}, got {e.status}: {e.body}")
            body = json.loads(e.body)
            # The SDK types every error status it lists as ErrorResponse, and parses the
            # answer into e.data; a status it does not list (501) is parsed here instead.
            if str(status) in ERRORS:
                expect(
                    isinstance(e.data, ErrorResponse),
                    f"the SDK could not read the {status} answer as its ErrorResponse: {e.body}",
                )
                error = e.data
            else:
                error = ErrorResponse.from_json(e.body)
            expect(error.status == status, f"ErrorResponse.status is {error.status}, not {status}")
            expect(error.success is False, "ErrorResponse.success is not false")
            if error_type is not None:
                expect(error.error.type == error_type, f"error.type is {error.error.type!r}, not {error_type!r}")
            return body
        except ApiException as e:
            raise Mismatch(f"expected {exc_type.__name__} ({status}), got {type(e).__name__} ({e.status}): {e.body}")
        raise Mismatch(f"expected {exc_type.__name__} ({status}); the call succeeded")

    def invalid(self, fn, loc, kind):
        """`fn` must be refused with 422, FastAPI's `detail` naming `loc` with `kind`."""
        body = self.refused(UnprocessableEntityException, 422, fn, "ValidationError")
        detail = body.get("detail")
        expect(isinstance(detail, list) and detail, f"the 422 has no FastAPI detail list: {body}")
        found = [d for d in detail if d.get("loc") == loc]
        expect(found, f"no validation error at {loc}: {detail}")
        expect(found[0].get("type") == kind, f"the error at {loc} is {found[0].get('type')!r}, not {kind!r}")
        expect(isinstance(found[0].get("msg"), str) and found[0]["msg"], f"the error at {loc} has no msg")
        return found[0]

    def extra_forbidden(self, fn, loc, model):
        """An undeclared key: 422 extra_forbidden at `loc`, naming the keys `model` accepts."""
        item = self.invalid(fn, loc, "extra_forbidden")
        expect(item.get("msg") == EXTRA_MSG, f"msg is {item.get('msg')!r}, not pydantic's {EXTRA_MSG!r}")
        expect("input" in item, f"the error does not echo the input: {item}")
        accepted = (item.get("ctx") or {}).get("accepted_keys")
        declared = list(model.model_fields.keys())
        expect(accepted == declared, f"accepted keys {accepted} are not the SDK's {model.__name__} keys {declared}")

    def ids(self, response):
        expect(isinstance(response, ListSessionsResponse), f"not a ListSessionsResponse: {type(response)}")
        for s in response.results:
            expect(isinstance(s, GetSessionResponse), f"a result is not a GetSessionResponse: {type(s)}")
        return [s.session_id for s in response.results]

    def walk(self, param, limit):
        """Every session, following pagination.next_cursor sent back as `param`."""
        seen, token, pages = [], None, 0
        while True:
            query = {"limit": limit}
            if token is not None:
                query[param] = token
            page = self.api.list_sessions_agents(**query)
            seen += self.ids(page)
            pages += 1
            token = page.pagination.get("next_cursor")
            expect(page.pagination.get("has_more") == (token is not None), f"has_more disagrees with next_cursor: {page.pagination}")
            if token is None:
                return seen, pages
            expect(pages <= len(self.all) + 1, f"paging by {param} never ends")

    def conversation(self):
        """A session, its history, one user message and two assistant replies."""
        for sid in self.all:
            history = self.api.get_history_agents_sessions(sid, limit=200).messages
            users = [m.message_id for m in history if m.role == "user"]
            replies = [m.message_id for m in history if m.role == "assistant"]
            if users and len(replies) >= 2:
                return sid, history, users[0], replies
        raise Mismatch("no imported session has a user message and two assistant replies")

    # ------------------------------------------------------------------ list and paging

    def list_default(self):
        page = self.api.list_sessions_agents(include_total=True)
        ids = self.ids(page)
        expect(page.total == self.expected_sessions, f"total is {page.total}, expected {self.expected_sessions}")
        expect(len(ids) == min(20, self.expected_sessions), f"the default page has {len(ids)} sessions, not 20 or all")
        full = self.api.list_sessions_agents(limit=1000, list_sessions_request=ListSessionsRequest())
        self.all = self.ids(full)
        expect(len(self.all) == self.expected_sessions, f"limit=1000 returned {len(self.all)} sessions")
        expect(len(set(self.all)) == len(self.all), "a session appears twice in one list")
        expect(ids == self.all[: len(ids)], "the default page is not the start of the full list")

    def limit_offset(self):
        got = self.ids(self.api.list_sessions_agents(limit=5, offset=5))
        expect(got == self.all[5:10], f"limit=5&offset=5 gave {got}, not sessions 6-10")

    def page_size_page(self):
        page = self.api.list_sessions_agents(page_size=5, page=2)
        got = self.ids(page)
        expect(got == self.all[5:10], f"page_size=5&page=2 gave {got}, not sessions 6-10")
        expect(page.pagination.get("page") == 2, f"pagination.page is {page.pagination.get('page')}, not 2")
        expect(page.pagination.get("page_size") == 5, f"pagination.page_size is {page.pagination.get('page_size')}")
        first = self.ids(self.api.list_sessions_agents(page_size=5, page=1))
        expect(first == self.all[:5], "page=1 is not the first page (pages count from 1)")

    def limit_page(self):
        got = self.ids(self.api.list_sessions_agents(limit=5, page=3))
        expect(got == self.all[10:15], f"limit=5&page=3 gave {got}, not sessions 11-15")

    def page_size_offset(self):
        got = self.ids(self.api.list_sessions_agents(page_size=5, offset=3))
        expect(got == self.all[3:8], f"page_size=5&offset=3 gave {got}, not sessions 4-8")

    def page_past_the_end(self):
        pages = -(-len(self.all) // 5)
        page = self.api.list_sessions_agents(page_size=5, page=pages + 1)
        expect(self.ids(page) == [], "a page past the end is not empty")
        expect(page.pagination.get("has_more") is False, "a page past the end says has_more")

    def limit_beats_page_size(self):
        got = self.ids(self.api.list_sessions_agents(limit=4, page_size=6))
        expect(got == self.all[:4], f"limit=4&page_size=6 gave {len(got)} sessions: limit must win")
        got = self.ids(self.api.list_sessions_agents(limit=4, page_size=6, page=2))
        expect(got == self.all[4:8], "page folds with the winning limit, not page_size")

    def offset_beats_page(self):
        got = self.ids(self.api.list_sessions_agents(limit=5, page=2, offset=1))
        expect(got == self.all[1:6], f"page=2&offset=1 gave {got}: offset must win")

    def cursor_walk(self):
        for param in ("cursor", "next_cursor", "after"):
            seen, pages = self.walk(param, 5)
            expect(seen == self.all, f"paging by {param} gave {len(seen)} sessions in another order")
            expect(pages == -(-len(self.all) // 5), f"paging by {param} took {pages} pages")

    def cursor_precedence(self):
        token = self.api.list_sessions_agents(limit=5).pagination.get("next_cursor")
        expect(isinstance(token, str) and token, "the first page of 5 names no next_cursor")
        after_first = self.all[5:10]
        forms = [
            ("cursor beats next_cursor", {"cursor": token, "next_cursor": "not-a-cursor"}),
            ("cursor beats after", {"cursor": token, "after": "not-a-cursor"}),
            ("next_cursor beats after", {"next_cursor": token, "after": "not-a-cursor"}),
            ("a cursor beats offset and page", {"cursor": token, "offset": 7, "page": 3}),
            ("an alias beats offset", {"after": token, "offset": 7}),
        ]
        for what, query in forms:
            got = self.ids(self.api.list_sessions_agents(limit=5, **query))
            expect(got == after_first, f"{what}: got {got}")
        # An empty cursor is no cursor, so the next name is used.
        got = self.ids(self.api.list_sessions_agents(limit=5, cursor="", next_cursor=token))
        expect(got == after_first, "an empty cursor hid next_cursor")

    def list_body(self):
        page = self.api.list_sessions_agents(list_sessions_request=ListSessionsRequest(status="active"))
        expect(all(s.status == "active" for s in page.results), "status=active returned other statuses")
        asc = self.api.list_sessions_agents(
            limit=1000, list_sessions_request=ListSessionsRequest(sort={"field": "created_at", "direction": "asc"})
        )
        created = [s.created_at for s in asc.results]
        expect(created == sorted(created), "sort created_at asc is not ascending")
        nobody = self.api.list_sessions_agents(list_sessions_request=ListSessionsRequest(filters={"user_id": "nobody-at-all"}))
        expect(nobody.results == [] and nobody.total == 0, "filters user_id matched sessions it should not")

    # ------------------------------------------------------------------ get, history, feedback

    def get_session(self):
        for sid in self.all[:3]:
            s = self.api.get_session_agents(sid)
            expect(isinstance(s, GetSessionResponse) and s.session_id == sid, f"get {sid} answered another session")
            expect(s.namespace_id and s.internal_id, "get lacks namespace_id or internal_id")

    def history(self):
        sid, history, _, _ = self.conversation()
        full = self.api.get_history_agents_sessions(sid, limit=200, offset=0)
        expect(isinstance(full, GetHistoryResponse), "history is not a GetHistoryResponse")
        expect(all(isinstance(m, MessageHistoryItem) for m in full.messages), "a message is not a MessageHistoryItem")
        expect(full.total_messages == len(full.messages) == full.returned_messages, "history counts disagree")
        expect(full.has_more is False, "the whole history says has_more")
        stamps = [m.timestamp for m in full.messages]
        expect(stamps == sorted(stamps), "history is not oldest first")
        one = self.api.get_history_agents_sessions(sid, limit=1, offset=1)
        expect([m.message_id for m in one.messages] == [full.messages[1].message_id], "limit=1&offset=1 is not message 2")
        expect(one.has_more is True and one.returned_messages == 1, "a one-message page of a longer history")

    def feedback(self):
        sid, _, _, replies = self.conversation()
        good = self.api.submit_feedback_agents_sessions(
            sid, SubmitFeedbackRequest(message_id=replies[0], rating="positive", feedback_text="clear and right")
        )
        expect(isinstance(good, SubmitFeedbackResponse), "feedback answer is not a SubmitFeedbackResponse")
        expect((good.session_id, good.message_id, good.rating) == (sid, replies[0], "positive"), f"receipt {good}")
        expect(good.stored is True, "positive feedback on a memory-enabled session was not stored")
        expect(isinstance(good.recorded_at, datetime), "recorded_at is not a timestamp")
        bad = self.api.submit_feedback_agents_sessions(sid, SubmitFeedbackRequest(message_id=replies[1], rating="negative"))
        expect(bad.rating == "negative" and bad.stored is False, f"negative feedback was stored: {bad}")
        # The latest rating wins: positive, then negative, leaves nothing stored.
        undo = self.api.submit_feedback_agents_sessions(sid, SubmitFeedbackRequest(message_id=replies[0], rating="negative"))
        expect(undo.stored is False, "negative after positive still reports stored")

    # ------------------------------------------------------------------ create, patch, terminate

    def create(self):
        request = CreateSessionRequest(
            agent_config=AgentConfig(model="interop-model", temperature=0.2, max_tokens=256,
                                     system_prompt="Answer briefly.", available_tools=["search_retrievers"]),
            quotas=SessionQuotas(max_messages=10, max_tool_calls=3),
            user_id="sdk-user",
            user_memory={"language": "en"},
            metadata={"source": "interop", BOGUS: "free-form metadata keeps any key"},
            enable_memory=True,
        )
        created = self.api.create_session_agents(request)
        expect(isinstance(created, CreateSessionResponse), "create answered no CreateSessionResponse")
        expect(created.status == "active", f"a new session is {created.status}")
        self.created = created.session_id
        s = self.api.get_session_agents(created.session_id)
        expect(s.user_id == "sdk-user" and s.user_memory == {"language": "en"}, f"the created session reads back as {s}")
        expect(s.agent_config.model == "interop-model" and s.agent_config.max_tokens == 256, "agent_config did not round-trip")

    def patch(self):
        expect(self.created, "no session was created")
        memory = {"language": "fr", BOGUS: {"free-form": [1, 2]}}
        done = self.api.patch_session_agents(self.created, PatchSessionRequest(user_memory=memory))
        expect(isinstance(done, PatchSessionResponse) and done.session_id == self.created, f"patch answered {done}")
        expect(isinstance(done.updated_at, datetime), "updated_at is not a timestamp")
        s = self.api.get_session_agents(self.created)
        expect(s.user_memory == memory, f"user_memory after patch is {s.user_memory}")

    def terminate(self):
        expect(self.created, "no session was created")
        done = self.api.terminate_session_agents(self.created)
        expect(isinstance(done, TerminateSessionResponse) and done.status == "terminated", f"terminate answered {done}")
        expect(self.api.get_session_agents(self.created).status == "terminated", "the session is not terminated")
        listed = self.api.list_sessions_agents(list_sessions_request=ListSessionsRequest(status="terminated"))
        expect(self.created in self.ids(listed), "status=terminated does not list the terminated session")

    # ------------------------------------------------------------------ errors

    def auth_errors(self):
        self.refused(UnauthorizedException, 401, lambda: self.client("not-a-key", self.namespace).list_sessions_agents())
        self.refused(UnauthorizedException, 401, lambda: self.client(None, self.namespace).get_session_agents(self.all[0]))
        self.refused(BadRequestException, 400, lambda: self.client(self.key, None).list_sessions_agents())
        self.refused(NotFoundException, 404, lambda: self.client(self.key, "no-such-namespace").list_sessions_agents())

    def not_found(self):
        sid, _, _, replies = self.conversation()
        other = next(s for s in self.all if s != sid)
        missing = "ses_does_not_exist"
        calls = {
            "get": lambda: self.api.get_session_agents(missing),
            "history": lambda: self.api.get_history_agents_sessions(missing),
            "feedback": lambda: self.api.submit_feedback_agents_sessions(
                missing, SubmitFeedbackRequest(message_id=replies[0], rating="positive")),
            "feedback on another session's message": lambda: self.api.submit_feedback_agents_sessions(
                other, SubmitFeedbackRequest(message_id=replies[0], rating="positive")),
            "patch": lambda: self.api.patch_session_agents(missing, PatchSessionRequest(user_memory={})),
            "terminate": lambda: self.api.terminate_session_agents(missing),
        }
        for what, call in calls.items():
            try:
                self.refused(NotFoundException, 404, call, "NotFoundError")
            except Mismatch as e:
                raise Mismatch(f"{what}: {e}")

    def rating_a_user_message(self):
        sid, _, user, _ = self.conversation()
        self.refused(BadRequestException, 400, lambda: self.api.submit_feedback_agents_sessions(
            sid, SubmitFeedbackRequest(message_id=user, rating="positive")), "BadRequestError")

    def feedback_validation(self):
        sid, _, _, replies = self.conversation()
        send = lambda body, **kw: self.raw("submit_feedback_agents_sessions", "SubmitFeedbackResponse",
                                           session_id=sid, submit_feedback_request=body, **kw)
        self.invalid(lambda: send({"message_id": replies[0], "rating": "meh"}), ["body", "rating"], "string_pattern_mismatch")
        self.invalid(lambda: send({"rating": "positive"}), ["body", "message_id"], "missing")
        self.invalid(lambda: send(["not", "an", "object"]), ["body"], "model_attributes_type")
        self.invalid(lambda: send("{not json", content_type="text/plain"), ["body", 1], "json_invalid")
        too_long = "x" * (FEEDBACK_TEXT_MAX + 1)
        self.invalid(lambda: self.api.submit_feedback_agents_sessions(
            sid, SubmitFeedbackRequest(message_id=replies[0], rating="positive", feedback_text=too_long)),
            ["body", "feedback_text"], "string_too_long")

    def list_validation(self):
        self.invalid(lambda: self.raw_list(limit=0), ["query", "limit"], "greater_than_equal")
        self.invalid(lambda: self.raw_list(page_size=1001), ["query", "page_size"], "less_than_equal")
        self.invalid(lambda: self.raw_list(page_size=0, limit=5), ["query", "page_size"], "greater_than_equal")
        self.invalid(lambda: self.raw_list(page=0), ["query", "page"], "greater_than_equal")
        self.invalid(lambda: self.raw_list(offset=LIST_OFFSET_MAX + 1), ["query", "offset"], "less_than_equal")
        # page folds to offset = (page - 1) * limit, which the offset cap still bounds.
        self.invalid(lambda: self.api.list_sessions_agents(page_size=1000, page=12), ["query", "page"], "less_than_equal")
        self.api.list_sessions_agents(page_size=1000, page=11)
        for name in ("cursor", "next_cursor", "after"):
            self.invalid(lambda: self.api.list_sessions_agents(**{name: "not-a-cursor"}), ["query", name], "value_error")

    def undeclared_keys(self):
        sid, _, _, replies = self.conversation()
        config = {"model": "m"}
        cases = [
            ("list", ListSessionsRequest, ["body", BOGUS], lambda: self.raw_list({"status": "active", BOGUS: 1})),
            ("feedback", SubmitFeedbackRequest, ["body", BOGUS], lambda: self.raw(
                "submit_feedback_agents_sessions", "SubmitFeedbackResponse", session_id=sid,
                submit_feedback_request={"message_id": replies[0], "rating": "positive", BOGUS: 1})),
            ("create", CreateSessionRequest, ["body", BOGUS], lambda: self.raw(
                "create_session_agents", "CreateSessionResponse",
                create_session_request={"agent_config": config, BOGUS: 1})),
            ("create agent_config", AgentConfig, ["body", "agent_config", BOGUS], lambda: self.raw(
                "create_session_agents", "CreateSessionResponse",
                create_session_request={"agent_config": {"model": "m", BOGUS: 1}})),
            ("create quotas", SessionQuotas, ["body", "quotas", BOGUS], lambda: self.raw(
                "create_session_agents", "CreateSessionResponse",
                create_session_request={"agent_config": config, "quotas": {"max_messages": 3, BOGUS: 1}})),
            ("patch", PatchSessionRequest, ["body", BOGUS], lambda: self.raw(
                "patch_session_agents", "PatchSessionResponse", session_id=sid,
                patch_session_request={"user_memory": {}, BOGUS: 1})),
            ("send message", SendMessageRequest, ["body", BOGUS], lambda: self.raw(
                "send_message_agents_sessions", "object", session_id=sid,
                send_message_request={"content": "hi", BOGUS: 1})),
            ("confirmation", ConfirmationRequest, ["body", BOGUS], lambda: self.raw(
                "respond_to_confirmation_agents_sessions", "object", session_id=sid, confirmation_id="conf_1",
                confirmation_request={"approved": True, BOGUS: 1})),
            ("detect intent", DetectIntentRequest, ["body", BOGUS], lambda: self.raw(
                "detect_intent_agents_sessions", "IntentClassification",
                detect_intent_request={"user_request": "find videos", BOGUS: 1})),
        ]
        for what, model, loc, call in cases:
            try:
                self.extra_forbidden(call, loc, model)
            except Mismatch as e:
                raise Mismatch(f"{what}: {e}")
        # Nothing was written by a refused body.
        expect(self.api.list_sessions_agents(limit=1000).total == self.expected_sessions + (1 if self.created else 0),
               "a refused create made a session")

    def free_form_stays_free(self):
        page = self.raw_list({"filters": {"user_id": "nobody-at-all"}, "sort": {"field": "created_at", "direction": "asc"}})
        expect(isinstance(page, ListSessionsResponse) and page.total == 0, "free-form filters and sort were refused or ignored")
        made = self.raw("create_session_agents", "CreateSessionResponse", create_session_request={
            "agent_config": {}, "user_memory": {BOGUS: 1}, "metadata": {BOGUS: {"any": ["shape"]}}})
        expect(isinstance(made, CreateSessionResponse), "free-form user_memory and metadata were refused")
        self.api.terminate_session_agents(made.session_id)
        self.expected_sessions += 1

    def not_implemented(self):
        sid = self.all[0]
        body = self.refused(ServiceException, 501, lambda: self.api.send_message_agents_sessions(
            sid, SendMessageRequest(content="hello")), "NotImplementedError")
        expect("agent runtime" in body["error"]["message"], f"the 501 does not say why: {body}")

    # ------------------------------------------------------------------ order

    def run(self):
        self.check("list: default page, include_total, limit=1000", self.list_default)
        if not self.all:
            print("interop: the session list could not be read; nothing else can be checked", flush=True)
            return
        steps = [
            ("list: limit + offset", self.limit_offset),
            ("list: page_size + page (1-based)", self.page_size_page),
            ("list: limit + page", self.limit_page),
            ("list: page_size + offset", self.page_size_offset),
            ("list: a page past the end", self.page_past_the_end),
            ("list: limit wins over page_size", self.limit_beats_page_size),
            ("list: offset wins over page", self.offset_beats_page),
            ("list: walk by cursor, next_cursor and after", self.cursor_walk),
            ("list: cursor > next_cursor > after > offset/page", self.cursor_precedence),
            ("list: status, sort and filters in the body", self.list_body),
            ("get session", self.get_session),
            ("history: oldest first, limit and offset", self.history),
            ("feedback: positive stored, negative not", self.feedback),
            ("create session", self.create),
            ("patch session user_memory", self.patch),
            ("terminate session", self.terminate),
            ("errors: 401 and 400 and 404 for key and namespace", self.auth_errors),
            ("errors: 404 NotFoundError for unknown session or message", self.not_found),
            ("errors: 400 for rating a user message", self.rating_a_user_message),
            ("errors: 422 for invalid feedback", self.feedback_validation),
            ("errors: 422 for invalid list parameters", self.list_validation),
            ("errors: 422 extra_forbidden on every body", self.undeclared_keys),
            ("free-form filters, sort, user_memory, metadata", self.free_form_stays_free),
            ("errors: 501 for operations needing an agent runtime", self.not_implemented),
        ]
        for name, fn in steps:
            self.check(name, fn)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--sessions", type=int, required=True, help="how many sessions the namespace holds")
    args = parser.parse_args()
    key = os.environ.get("MIXPEEK_API_KEY")
    if not key:
        print("interop: set MIXPEEK_API_KEY to a key for the namespace", file=sys.stderr)
        return 2
    want = pinned_version()
    have = metadata.version("mixpeek")
    if have != want:
        print(f"interop: mixpeek {have} is installed, but requirements.txt pins {want}; reinstall the venv", file=sys.stderr)
        return 2
    print(f"interop: mixpeek {have} (imported in {IMPORTED - STARTED:.1f}s) against {args.base_url} (namespace {args.namespace})", flush=True)
    run = Interop(args.base_url, args.namespace, key, args.sessions)
    checking = time.monotonic()
    run.run()
    print(f"interop: the checks took {time.monotonic() - checking:.1f}s", flush=True)
    total = len(run.passed) + len(run.failed)
    if run.failed:
        print(f"interop: {len(run.failed)} of {total} checks failed:", flush=True)
        for name, why in run.failed:
            print(f"  - {name}: {why}", flush=True)
        return 1
    print(f"interop: all {total} checks passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
