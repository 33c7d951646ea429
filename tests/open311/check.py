#!/usr/bin/env python3
"""Open311 GeoReport v2 conformance check against a live Jiesu server.

Usage (from the repository root):

    python3 tests/open311/check.py --base http://127.0.0.1:PORT/open311/v2 \
        --api-key KEY --service-code 010101 --lat 22.742 --long 114.387

Needs only the standard library plus the packages pinned in
tests/open311/requirements.txt (jsonschema and georeport).

What it does:
  * every JSON reply is validated with jsonschema against the published
    GeoReport v2 schemas in tests/open311/schemas/ (upstream files from
    open311/schema-validation) or, where upstream has none (discovery, errors,
    POST reply, token reply), the local schemas in tests/open311/schemas/local/;
  * the XML variant of each endpoint must be well-formed UTF-8 XML with an XML
    declaration and the spec's root element;
  * check_with_georeport() uses the PyPI client library `georeport` to read
    services and a freshly submitted request back (JSON and XML modes).

A POSTed request is stored asynchronously, so GETs of a new id are polled
(404 is tolerated) for up to --poll-seconds (default 10).

Exit status: 0 when every check passed, 1 when any failed, 2 on bad usage or a
missing dependency. The last line reads "N passed, N failed".
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Callable, Iterable

try:
    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4
except ImportError as exc:  # pragma: no cover - environment problem
    sys.stderr.write(
        f"check.py: cannot import jsonschema ({exc}).\n"
        "Install the pinned requirements: pip install -r tests/open311/requirements.txt\n"
    )
    sys.exit(2)

try:
    from georeport import GeoReport
except ImportError as exc:  # pragma: no cover - environment problem
    sys.stderr.write(
        f"check.py: cannot import georeport ({exc}).\n"
        "Install the pinned requirements: pip install -r tests/open311/requirements.txt\n"
    )
    sys.exit(2)


SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"

# Upstream schema file (or local wrapper) for each kind of JSON reply.
SCHEMA_DISCOVERY = "local/discovery.json"
SCHEMA_SERVICES = "services.json"
SCHEMA_SERVICE_DEFINITION = "service-definition.json"
SCHEMA_POST_RESPONSE = "local/post-response.json"
SCHEMA_TOKEN_RESPONSE = "local/token-response.json"
SCHEMA_REQUESTS = "requests.json"
SCHEMA_ERRORS = "local/errors.json"

# W3C date/time profile the spec requires: seconds optional, time zone mandatory.
W3C_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$"
)
# How far a new request's requested_datetime may be from this machine's clock.
CLOCK_TOLERANCE = dt.timedelta(hours=1)


class CheckFailed(Exception):
    """A conformance failure, with a message meant for a human."""


def fail(message: str) -> None:
    raise CheckFailed(message)


def snippet(data: bytes | str, limit: int = 400) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "..."


def parse_w3c_datetime(value: str) -> dt.datetime:
    if not isinstance(value, str) or not W3C_DATETIME.match(value):
        raise ValueError(f"{value!r} is not a W3C date-time with a time zone")
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def w3c(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------
# Schemas


def _format_checker() -> jsonschema.FormatChecker:
    # jsonschema only checks "date-time" and "uri" when optional packages are
    # installed; check them here with the standard library instead.
    checker = jsonschema.FormatChecker(formats=())

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value: Any) -> bool:
        if not isinstance(value, str):
            return True
        parse_w3c_datetime(value)
        return True

    @checker.checks("uri")
    def _uri(value: Any) -> bool:
        if not isinstance(value, str):
            return True
        parts = urllib.parse.urlsplit(value)
        return bool(parts.scheme) and bool(parts.netloc or parts.path)

    return checker


class Schemas:
    """All schema files under tests/open311/schemas, registered by file URI."""

    def __init__(self, directory: Path = SCHEMA_DIR) -> None:
        self.directory = directory
        resources = []
        files = sorted(directory.rglob("*.json"))
        if not files:
            fail(f"no schema files found under {directory}")
        for path in files:
            try:
                contents = json.loads(path.read_text(encoding="utf-8"))
            except ValueError as exc:
                fail(f"schema {path} is not valid JSON: {exc}")
            if path.name != "swagger.json":  # swagger.json is a Swagger 2.0 document
                try:
                    jsonschema.Draft4Validator.check_schema(contents)
                except jsonschema.SchemaError as exc:
                    fail(f"schema {path} is not a valid JSON schema: {exc.message}")
            resources.append(
                (path.as_uri(), Resource.from_contents(contents, default_specification=DRAFT4))
            )
        self.registry = Registry().with_resources(resources)
        self.format_checker = _format_checker()
        self.names = [str(p.relative_to(directory)) for p in files]

    def validate(self, name: str, instance: Any, what: str) -> None:
        uri = (self.directory / name).as_uri()
        validator = jsonschema.Draft4Validator(
            {"$ref": uri}, registry=self.registry, format_checker=self.format_checker
        )
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
        if errors:
            lines = []
            for err in errors[:10]:
                path = "/".join(str(p) for p in err.absolute_path) or "(top)"
                lines.append(f"  at {path}: {err.message}")
            if len(errors) > 10:
                lines.append(f"  ... and {len(errors) - 10} more")
            fail(f"{what}: reply does not match schema {name}:\n" + "\n".join(lines))

    def resolve_all(self) -> None:
        """Make sure every $ref in every schema resolves (catches missing files)."""
        for name in self.names:
            if name == "swagger.json":
                continue
            # An empty instance exercises the top-level $refs; nested ones are
            # exercised by validating a minimal list holding one empty object.
            for instance in ({}, [{}], []):
                try:
                    list(
                        jsonschema.Draft4Validator(
                            {"$ref": (self.directory / name).as_uri()},
                            registry=self.registry,
                        ).iter_errors(instance)
                    )
                except Exception as exc:  # referencing.exceptions.Unresolvable etc.
                    fail(f"schema {name}: cannot resolve a $ref: {exc!r}")


# --------------------------------------------------------------------------
# HTTP (standard library only; proxies from the environment are ignored)

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Reply:
    def __init__(self, method: str, url: str, status: int, headers: Any, body: bytes) -> None:
        self.method = method
        self.url = url
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").strip()

    def describe(self) -> str:
        return f"{self.method} {self.url} -> HTTP {self.status}"

    def expect_status(self, allowed: Iterable[int]) -> None:
        allowed = tuple(allowed)
        if self.status not in allowed:
            want = " or ".join(str(s) for s in allowed)
            fail(f"{self.describe()}, expected HTTP {want}. Body: {snippet(self.body)!r}")

    def json(self) -> Any:
        ctype = self.content_type.lower()
        if not ctype.startswith("application/json"):
            fail(
                f"{self.describe()}: Content-Type is {self.content_type!r}, expected "
                "application/json (python-requests, used by georeport, decodes text/* "
                "without a charset as ISO-8859-1)"
            )
        m = re.search(r"charset\s*=\s*\"?([\w.-]+)", ctype)
        if m and m.group(1).lower() not in ("utf-8", "utf8"):
            fail(f"{self.describe()}: charset is {m.group(1)!r}, the spec requires UTF-8")
        try:
            text = self.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            fail(f"{self.describe()}: body is not UTF-8 ({exc})")
        try:
            return json.loads(text)
        except ValueError as exc:
            fail(f"{self.describe()}: body is not JSON ({exc}). Body: {snippet(text)!r}")

    def xml(self, root_tag: str) -> ET.Element:
        ctype = self.content_type.lower()
        if "xml" not in ctype:
            fail(f"{self.describe()}: Content-Type is {self.content_type!r}, expected text/xml")
        m = re.search(r"charset\s*=\s*\"?([\w.-]+)", ctype)
        if m and m.group(1).lower() not in ("utf-8", "utf8"):
            fail(f"{self.describe()}: charset is {m.group(1)!r}, the spec requires UTF-8")
        head = self.body.lstrip()[:100]
        if not head.startswith(b"<?xml"):
            fail(f"{self.describe()}: no XML declaration; the spec requires "
                 f'<?xml version="1.0" encoding="UTF-8"?> first. Body: {snippet(self.body)!r}')
        if not re.match(rb"<\?xml[^>]*encoding\s*=\s*[\"']utf-8[\"']", head, re.IGNORECASE):
            fail(f"{self.describe()}: the XML declaration must say encoding=\"UTF-8\": {snippet(head)!r}")
        try:
            root = ET.fromstring(self.body)
        except ET.ParseError as exc:
            fail(f"{self.describe()}: not well-formed XML ({exc}). Body: {snippet(self.body)!r}")
        if root.tag != root_tag:
            fail(f"{self.describe()}: XML root element is <{root.tag}>, expected <{root_tag}>")
        return root


def http(method: str, url: str, params: Any = None, form: Any = None, timeout: float = 15.0) -> Reply:
    if params:
        url = url + ("&" if "?" in url else "?") + urllib.parse.urlencode(params, doseq=True)
    data = None
    headers = {"Accept": "*/*", "User-Agent": "jiesu-open311-check/1"}
    if form is not None:
        data = urllib.parse.urlencode(form, doseq=True).encode("utf-8")
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=UTF-8"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with _OPENER.open(request, timeout=timeout) as resp:
            return Reply(method, url, resp.status, resp.headers, resp.read())
    except urllib.error.HTTPError as exc:
        return Reply(method, url, exc.code, exc.headers, exc.read())
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        fail(f"{method} {url}: cannot reach the server ({reason})")
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------
# The checks


class Context:
    def __init__(self, args: argparse.Namespace, schemas: Schemas) -> None:
        self.base = args.base.rstrip("/")
        self.api_key = args.api_key
        self.service_code = args.service_code
        self.lat = args.lat
        self.long = args.long
        self.jurisdiction = args.jurisdiction_id
        self.poll_seconds = args.poll_seconds
        self.timeout = args.timeout
        self.schemas = schemas
        self.run_id = uuid.uuid4().hex[:8]
        # Filled in as the checks run.
        self.service: dict | None = None
        self.definition: dict | None = None
        self.created: dict[str, str] = {}  # service_request_id -> description sent

    def url(self, path: str) -> str:
        return f"{self.base}/{path}"

    def params(self, extra: dict | None = None) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if self.jurisdiction:
            out.append(("jurisdiction_id", self.jurisdiction))
        for key, value in (extra or {}).items():
            out.append((key, value))
        return out

    def get(self, path: str, extra: dict | None = None) -> Reply:
        return http("GET", self.url(path), params=self.params(extra), timeout=self.timeout)

    def post(self, path: str, form: list[tuple[str, str]]) -> Reply:
        return http("POST", self.url(path), form=form, timeout=self.timeout)

    def description(self, label: str) -> str:
        # Non-ASCII text and XML metacharacters check UTF-8 handling and escaping.
        return f"Jiesu check.py {label} {self.run_id}: 路面坑洞 <pothole> & \"quote\""

    def base_form(self, description: str, *, service_code: str | None = None,
                  api_key: str | None = None) -> list[tuple[str, str]]:
        form: list[tuple[str, str]] = []
        if self.jurisdiction:
            form.append(("jurisdiction_id", self.jurisdiction))
        form.append(("api_key", self.api_key if api_key is None else api_key))
        form.append(("service_code", self.service_code if service_code is None else service_code))
        form += [
            ("lat", self.lat),
            ("long", self.long),
            ("description", description),
            ("phone", "+86 755 0000 0000"),
        ]
        return form


def require_objects(items: Any, what: str) -> list:
    # The upstream item schemas have no "type": "object", so check it here.
    if not isinstance(items, list):
        fail(f"{what}: expected a JSON array, got {type(items).__name__}")
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            fail(f"{what}: item {i} is {type(item).__name__}, expected a JSON object")
    return items


def input_attributes(definition: dict | None) -> list[dict]:
    attrs = (definition or {}).get("attributes") or []
    return [a for a in attrs if isinstance(a, dict) and a.get("variable", True)]


def attribute_form(definition: dict | None, only_required: bool = False) -> list[tuple[str, str]]:
    """attribute[CODE]=value pairs (attribute[CODE][]=... for multivaluelist)."""
    pairs: list[tuple[str, str]] = []
    for attr in input_attributes(definition):
        if only_required and not attr.get("required"):
            continue
        code = attr["code"]
        values = attr.get("values") or []
        datatype = attr.get("datatype")
        if datatype == "singlevaluelist" and values:
            pairs.append((f"attribute[{code}]", str(values[0]["key"])))
        elif datatype == "multivaluelist" and values:
            for value in values[:2]:
                pairs.append((f"attribute[{code}][]", str(value["key"])))
        elif datatype == "number":
            pairs.append((f"attribute[{code}]", "1"))
        elif datatype == "datetime":
            pairs.append((f"attribute[{code}]", w3c(utc_now())))
        else:
            pairs.append((f"attribute[{code}]", "check.py test value"))
    return pairs


def check_error_reply(ctx: Context, reply: Reply, status: int, what: str) -> list:
    reply.expect_status([status])
    errors = reply.json()
    ctx.schemas.validate(SCHEMA_ERRORS, errors, what)
    codes = [str(e.get("code")) for e in errors]
    if str(status) not in codes:
        fail(f"{what}: HTTP {status} but the error codes in the body are {codes}; "
             f"expected one of them to be {status}")
    return errors


def check_xml_errors(reply: Reply, status: int, what: str) -> None:
    reply.expect_status([status])
    root = reply.xml("errors")
    errors = root.findall("error")
    if not errors or len(errors) != len(list(root)):
        fail(f"{what}: <errors> must hold one or more <error> elements and nothing else")
    codes = []
    for err in errors:
        if err.find("code") is None or err.find("description") is None:
            fail(f"{what}: every <error> needs <code> and <description>")
        codes.append((err.findtext("code") or "").strip())
    if str(status) not in codes:
        fail(f"{what}: HTTP {status} but the <code> values are {codes}")


def poll(ctx: Context, fetch: Callable[[], Reply], ready: Callable[[Reply], bool]) -> Reply:
    """Call fetch until ready(reply) or --poll-seconds have passed."""
    deadline = time.monotonic() + ctx.poll_seconds
    while True:
        reply = fetch()
        if ready(reply) or time.monotonic() >= deadline:
            return reply
        time.sleep(0.2)


def poll_json_list(ctx: Context, path: str, extra: dict, want_ids: set[str]) -> list:
    """GET a requests list until it holds want_ids (or time runs out)."""
    def fetch() -> Reply:
        return ctx.get(path, extra)

    def ready(reply: Reply) -> bool:
        if reply.status != 200:
            return True
        try:
            data = json.loads(reply.body.decode("utf-8"))
        except ValueError:
            return True
        if not isinstance(data, list):
            return True
        got = {str(i.get("service_request_id")) for i in data if isinstance(i, dict)}
        return want_ids <= got

    reply = poll(ctx, fetch, ready)
    reply.expect_status([200])
    data = reply.json()
    ctx.schemas.validate(SCHEMA_REQUESTS, data, f"GET {path} {extra}")
    require_objects(data, f"GET {path} {extra}")
    return data


# ---- JSON endpoints


def check_schemas(ctx: Context) -> None:
    ctx.schemas.resolve_all()
    print(f"   loaded {len(ctx.schemas.names)} schema files: {', '.join(ctx.schemas.names)}")


def check_discovery_json(ctx: Context) -> None:
    reply = ctx.get("discovery.json")
    reply.expect_status([200])
    data = reply.json()
    ctx.schemas.validate(SCHEMA_DISCOVERY, data, "GET discovery.json")
    specs = [e.get("specification", "") for e in data["endpoints"]]
    if not any("GeoReport_v2" in s for s in specs):
        fail(f"GET discovery.json: no endpoint whose specification names GeoReport_v2 (got {specs})")
    for endpoint in data["endpoints"]:
        if "GeoReport_v2" in endpoint.get("specification", ""):
            formats = endpoint.get("formats", [])
            for needed in ("text/xml", "application/json"):
                if needed not in formats:
                    fail(f"GET discovery.json: GeoReport_v2 endpoint formats {formats} lack {needed!r}")


def check_services_json(ctx: Context) -> None:
    reply = ctx.get("services.json")
    reply.expect_status([200])
    data = reply.json()
    ctx.schemas.validate(SCHEMA_SERVICES, data, "GET services.json")
    require_objects(data, "GET services.json")
    codes = [s.get("service_code") for s in data]
    if ctx.service_code not in codes:
        fail(f"GET services.json: service_code {ctx.service_code!r} is not listed (got {codes[:20]})")
    if len(set(codes)) != len(codes):
        fail("GET services.json: service_code values are not unique")
    ctx.service = next(s for s in data if s.get("service_code") == ctx.service_code)


def check_service_definition_json(ctx: Context) -> None:
    path = f"services/{urllib.parse.quote(ctx.service_code, safe='')}.json"
    reply = ctx.get(path)
    reply.expect_status([200])
    data = reply.json()
    ctx.schemas.validate(SCHEMA_SERVICE_DEFINITION, data, f"GET {path}")
    if not isinstance(data, dict):
        fail(f"GET {path}: expected a JSON object")
    if data.get("service_code") != ctx.service_code:
        fail(f"GET {path}: service_code is {data.get('service_code')!r}, expected {ctx.service_code!r}")
    require_objects(data["attributes"], f"GET {path} attributes")
    ctx.definition = data
    attrs = input_attributes(data)
    print(f"   {len(data['attributes'])} attribute(s), "
          f"{sum(1 for a in attrs if a.get('required'))} required")


def _created_id(ctx: Context, data: list, what: str) -> str:
    item = data[0]
    sid = item.get("service_request_id")
    if sid:
        return str(sid)
    token = item.get("token")
    print(f"   {what}: no service_request_id yet, resolving token {token!r}")
    path = f"tokens/{urllib.parse.quote(str(token), safe='')}.json"

    def ready(reply: Reply) -> bool:
        if reply.status == 404:
            return False
        if reply.status != 200:
            return True
        try:
            body = json.loads(reply.body.decode("utf-8"))
            return bool(body and isinstance(body[0], dict) and body[0].get("service_request_id"))
        except (ValueError, IndexError, KeyError, TypeError):
            return True

    reply = poll(ctx, lambda: ctx.get(path), ready)
    reply.expect_status([200])
    body = reply.json()
    ctx.schemas.validate(SCHEMA_TOKEN_RESPONSE, body, f"GET {path}")
    sid = body[0].get("service_request_id")
    if not sid:
        fail(f"GET {path}: token not resolved to a service_request_id within {ctx.poll_seconds}s")
    return str(sid)


def post_request(ctx: Context, form: list[tuple[str, str]], what: str) -> str:
    reply = ctx.post("requests.json", form)
    reply.expect_status([200, 201])
    data = reply.json()
    ctx.schemas.validate(SCHEMA_POST_RESPONSE, data, what)
    require_objects(data, what)
    if len(data) != 1:
        fail(f"{what}: expected one item in the reply list, got {len(data)}")
    return _created_id(ctx, data, what)


def check_post_plain(ctx: Context) -> None:
    description = ctx.description("plain")
    form = ctx.base_form(description)
    required = [a["code"] for a in input_attributes(ctx.definition) if a.get("required")]
    if required:
        # A service with required attributes must refuse a POST without them.
        reply = ctx.post("requests.json", form)
        check_error_reply(ctx, reply, 400, "POST requests.json without required attributes")
        print(f"   service has required attributes {required}: plain POST correctly refused with 400")
        return
    sid = post_request(ctx, form, "POST requests.json")
    ctx.created[sid] = description
    print(f"   created service_request_id {sid}")


def check_post_with_attributes(ctx: Context) -> None:
    pairs = attribute_form(ctx.definition)
    if not pairs:
        print("   service definition lists no input attributes: nothing to do")
        return
    description = ctx.description("attributes")
    form = ctx.base_form(description) + pairs
    sid = post_request(ctx, form, "POST requests.json with attributes")
    ctx.created[sid] = description
    print(f"   created service_request_id {sid} with {', '.join(k for k, _ in pairs)}")


def _check_request_item(ctx: Context, item: dict, sid: str, what: str) -> None:
    if str(item.get("service_request_id")) != sid:
        fail(f"{what}: service_request_id is {item.get('service_request_id')!r}, expected {sid!r}")
    if item.get("service_code") != ctx.service_code:
        fail(f"{what}: service_code is {item.get('service_code')!r}, expected {ctx.service_code!r}")
    if item.get("status") != "open":
        fail(f"{what}: a new request should have status 'open', got {item.get('status')!r}")
    for key, sent in (("lat", ctx.lat), ("long", ctx.long)):
        got = item.get(key)
        if got is not None and abs(float(got) - float(sent)) > 1e-6:
            fail(f"{what}: {key} is {got!r}, submitted {sent}")
    sent_description = ctx.created.get(sid)
    got_description = item.get("description")
    if got_description is not None and sent_description is not None and got_description != sent_description:
        fail(f"{what}: description came back as {got_description!r}, submitted {sent_description!r}")
    requested = parse_w3c_datetime(item["requested_datetime"])
    skew = abs(requested - utc_now())
    if skew > CLOCK_TOLERANCE:
        fail(f"{what}: requested_datetime {item['requested_datetime']!r} is {skew} away from now "
             "(wrong time zone?)")


def check_get_created_json(ctx: Context) -> None:
    if not ctx.created:
        fail("no service request was created by the POST checks above")
    for sid in ctx.created:
        path = f"requests/{urllib.parse.quote(sid, safe='')}.json"
        started = time.monotonic()
        reply = poll(ctx, lambda: ctx.get(path), lambda r: r.status != 404)
        if reply.status == 404:
            fail(f"GET {path} still 404 after {ctx.poll_seconds}s")
        reply.expect_status([200])
        data = reply.json()
        ctx.schemas.validate(SCHEMA_REQUESTS, data, f"GET {path}")
        require_objects(data, f"GET {path}")
        if len(data) != 1:
            fail(f"GET {path}: expected a list with exactly one request, got {len(data)}")
        _check_request_item(ctx, data[0], sid, f"GET {path}")
        print(f"   {sid}: visible after {time.monotonic() - started:.2f}s")


def check_requests_default_json(ctx: Context) -> None:
    reply = ctx.get("requests.json")
    reply.expect_status([200])
    data = reply.json()
    ctx.schemas.validate(SCHEMA_REQUESTS, data, "GET requests.json")
    require_objects(data, "GET requests.json")
    got = {str(i.get("service_request_id")) for i in data}
    missing = set(ctx.created) - got
    print(f"   {len(data)} request(s) in the default window")
    if missing:
        print(f"   note: new request(s) {sorted(missing)} not in the default list "
              "(allowed if the list is capped, but unusual)")


def check_requests_by_ids_json(ctx: Context) -> None:
    if not ctx.created:
        fail("no service request was created by the POST checks above")
    ids = sorted(ctx.created)
    extra = {"service_request_id": ",".join(ids)}
    data = poll_json_list(ctx, "requests.json", extra, set(ids))
    got = sorted(str(i.get("service_request_id")) for i in data)
    if got != ids:
        fail(f"GET requests.json?service_request_id={','.join(ids)}: got ids {got}, expected exactly {ids}")


def check_requests_by_service_code_json(ctx: Context) -> None:
    extra = {"service_code": ctx.service_code}
    data = poll_json_list(ctx, "requests.json", extra, set(ctx.created))
    wrong = [i.get("service_code") for i in data if i.get("service_code") != ctx.service_code]
    if wrong:
        fail(f"GET requests.json?service_code={ctx.service_code}: returned other codes {sorted(set(map(str, wrong)))}")
    missing = set(ctx.created) - {str(i.get("service_request_id")) for i in data}
    if missing:
        fail(f"GET requests.json?service_code={ctx.service_code}: new request(s) {sorted(missing)} missing")


def check_requests_by_status_json(ctx: Context) -> None:
    data = poll_json_list(ctx, "requests.json", {"status": "open"}, set(ctx.created))
    wrong = {i.get("status") for i in data} - {"open"}
    if wrong:
        fail(f"GET requests.json?status=open: returned statuses {sorted(map(str, wrong))}")
    missing = set(ctx.created) - {str(i.get("service_request_id")) for i in data}
    if missing:
        fail(f"GET requests.json?status=open: new open request(s) {sorted(missing)} missing")
    closed = ctx.get("requests.json", {"status": "closed"})
    closed.expect_status([200])
    closed_data = closed.json()
    ctx.schemas.validate(SCHEMA_REQUESTS, closed_data, "GET requests.json?status=closed")
    require_objects(closed_data, "GET requests.json?status=closed")
    bad = [i.get("service_request_id") for i in closed_data if i.get("status") != "closed"]
    if bad:
        fail(f"GET requests.json?status=closed: returned non-closed requests {bad[:10]}")


def check_requests_by_dates_json(ctx: Context) -> None:
    now = utc_now()
    start, end = now - dt.timedelta(days=1), now + dt.timedelta(days=1)
    extra = {"start_date": w3c(start), "end_date": w3c(end)}
    data = poll_json_list(ctx, "requests.json", extra, set(ctx.created))
    for item in data:
        when = parse_w3c_datetime(item["requested_datetime"])
        if not start <= when <= end:
            fail(f"GET requests.json {extra}: request {item.get('service_request_id')} "
                 f"has requested_datetime {item['requested_datetime']} outside the window")
    missing = set(ctx.created) - {str(i.get("service_request_id")) for i in data}
    if missing:
        fail(f"GET requests.json {extra}: new request(s) {sorted(missing)} missing")
    old = {"start_date": "2001-01-01T00:00:00Z", "end_date": "2001-01-02T00:00:00Z"}
    reply = ctx.get("requests.json", old)
    reply.expect_status([200])
    old_data = reply.json()
    ctx.schemas.validate(SCHEMA_REQUESTS, old_data, f"GET requests.json {old}")
    require_objects(old_data, f"GET requests.json {old}")
    leaked = [i.get("service_request_id") for i in old_data
              if not (dt.datetime(2001, 1, 1, tzinfo=dt.timezone.utc)
                      <= parse_w3c_datetime(i["requested_datetime"])
                      <= dt.datetime(2001, 1, 2, tzinfo=dt.timezone.utc))]
    if leaked:
        fail(f"GET requests.json {old}: returned requests outside the window: {leaked[:10]}")


def unknown_code(ctx: Context) -> str:
    return f"no-such-service-{ctx.run_id}"


UNKNOWN_REQUEST_ID = "987654321987654321"


def check_errors_json(ctx: Context) -> None:
    form = [(k, v) for k, v in ctx.base_form(ctx.description("error")) if k != "service_code"]
    check_error_reply(ctx, ctx.post("requests.json", form), 400, "POST requests.json without service_code")

    form = ctx.base_form(ctx.description("error"), api_key=f"wrong-key-{ctx.run_id}")
    check_error_reply(ctx, ctx.post("requests.json", form), 403, "POST requests.json with a bad api_key")

    form = [(k, v) for k, v in ctx.base_form(ctx.description("error")) if k != "api_key"]
    reply = ctx.post("requests.json", form)
    reply.expect_status([400, 403])
    check_error_reply(ctx, reply, reply.status, "POST requests.json without api_key")

    form = ctx.base_form(ctx.description("error"), service_code=unknown_code(ctx))
    check_error_reply(ctx, ctx.post("requests.json", form), 404, "POST requests.json with an unknown service_code")

    path = f"services/{unknown_code(ctx)}.json"
    check_error_reply(ctx, ctx.get(path), 404, f"GET {path}")

    path = f"requests/{UNKNOWN_REQUEST_ID}.json"
    check_error_reply(ctx, ctx.get(path), 404, f"GET {path}")


# ---- XML endpoints


def check_discovery_xml(ctx: Context) -> None:
    reply = ctx.get("discovery.xml")
    reply.expect_status([200])
    root = reply.xml("discovery")
    if root.find("endpoints/endpoint") is None:
        fail("GET discovery.xml: no <endpoints><endpoint> element")
    for endpoint in root.findall("endpoints/endpoint"):
        for child in ("specification", "url", "type", "formats"):
            if endpoint.find(child) is None:
                fail(f"GET discovery.xml: <endpoint> lacks <{child}>")


def check_services_xml(ctx: Context) -> None:
    reply = ctx.get("services.xml")
    reply.expect_status([200])
    root = reply.xml("services")
    children = list(root)
    if not children or any(c.tag != "service" for c in children):
        fail("GET services.xml: <services> must hold only <service> elements (and at least one)")
    codes = [(c.findtext("service_code") or "").strip() for c in children]
    if ctx.service_code not in codes:
        fail(f"GET services.xml: service_code {ctx.service_code!r} not listed (got {codes[:20]})")


def check_service_definition_xml(ctx: Context) -> None:
    path = f"services/{urllib.parse.quote(ctx.service_code, safe='')}.xml"
    reply = ctx.get(path)
    reply.expect_status([200])
    root = reply.xml("service_definition")
    if (root.findtext("service_code") or "").strip() != ctx.service_code:
        fail(f"GET {path}: <service_code> is {root.findtext('service_code')!r}")
    if root.find("attributes") is None:
        fail(f"GET {path}: no <attributes> element")
    n_xml = len(root.findall("attributes/attribute"))
    if ctx.definition is not None and n_xml != len(ctx.definition.get("attributes", [])):
        fail(f"GET {path}: {n_xml} <attribute> elements but the JSON definition has "
             f"{len(ctx.definition.get('attributes', []))}")


def check_post_and_get_xml(ctx: Context) -> None:
    description = ctx.description("xml")
    form = ctx.base_form(description) + attribute_form(ctx.definition, only_required=True)
    reply = ctx.post("requests.xml", form)
    reply.expect_status([200, 201])
    root = reply.xml("service_requests")
    request = root.find("request")
    if request is None:
        fail("POST requests.xml: no <request> element inside <service_requests>")
    sid = (request.findtext("service_request_id") or "").strip()
    token = (request.findtext("token") or "").strip()
    if not sid and not token:
        fail("POST requests.xml: <request> has neither <service_request_id> nor <token>")
    if not sid:
        path = f"tokens/{urllib.parse.quote(token, safe='')}.xml"

        def resolved(r: Reply) -> bool:
            return r.status != 404 and b"<service_request_id>" in r.body

        reply = poll(ctx, lambda: ctx.get(path), resolved)
        reply.expect_status([200])
        sid = (reply.xml("service_requests").findtext("request/service_request_id") or "").strip()
        if not sid:
            fail(f"GET {path}: token not resolved within {ctx.poll_seconds}s")
    ctx.created[sid] = description
    print(f"   created service_request_id {sid} via requests.xml")

    path = f"requests/{urllib.parse.quote(sid, safe='')}.xml"
    reply = poll(ctx, lambda: ctx.get(path), lambda r: r.status != 404)
    if reply.status == 404:
        fail(f"GET {path} still 404 after {ctx.poll_seconds}s")
    reply.expect_status([200])
    root = reply.xml("service_requests")
    requests_ = root.findall("request")
    if len(requests_) != 1 or len(list(root)) != 1:
        fail(f"GET {path}: expected exactly one <request> inside <service_requests>")
    item = requests_[0]
    if (item.findtext("service_request_id") or "").strip() != sid:
        fail(f"GET {path}: <service_request_id> is {item.findtext('service_request_id')!r}")
    if (item.findtext("service_code") or "").strip() != ctx.service_code:
        fail(f"GET {path}: <service_code> is {item.findtext('service_code')!r}")
    got = item.findtext("description")
    if got is not None and got != description:
        fail(f"GET {path}: <description> came back as {got!r}, submitted {description!r}")
    for field in ("requested_datetime",):
        try:
            parse_w3c_datetime((item.findtext(field) or "").strip())
        except ValueError as exc:
            fail(f"GET {path}: <{field}>: {exc}")


def check_requests_xml(ctx: Context) -> None:
    queries: list[dict] = [{}]
    if ctx.created:
        queries.append({"service_request_id": ",".join(sorted(ctx.created))})
    queries += [
        {"service_code": ctx.service_code},
        {"status": "open"},
        {"start_date": w3c(utc_now() - dt.timedelta(days=1)),
         "end_date": w3c(utc_now() + dt.timedelta(days=1))},
    ]
    for extra in queries:
        reply = ctx.get("requests.xml", extra)
        reply.expect_status([200])
        root = reply.xml("service_requests")
        if any(c.tag != "request" for c in root):
            fail(f"GET requests.xml {extra}: <service_requests> must hold only <request> elements")
        for item in root:
            if not (item.findtext("service_request_id") or "").strip():
                fail(f"GET requests.xml {extra}: a <request> has no <service_request_id>")
        if "service_request_id" in extra:
            got = sorted((i.findtext("service_request_id") or "").strip() for i in root)
            if got != sorted(ctx.created):
                fail(f"GET requests.xml {extra}: got ids {got}, expected {sorted(ctx.created)}")


def check_errors_xml(ctx: Context) -> None:
    form = [(k, v) for k, v in ctx.base_form(ctx.description("error")) if k != "service_code"]
    check_xml_errors(ctx.post("requests.xml", form), 400, "POST requests.xml without service_code")
    form = ctx.base_form(ctx.description("error"), api_key=f"wrong-key-{ctx.run_id}")
    check_xml_errors(ctx.post("requests.xml", form), 403, "POST requests.xml with a bad api_key")
    form = ctx.base_form(ctx.description("error"), service_code=unknown_code(ctx))
    check_xml_errors(ctx.post("requests.xml", form), 404, "POST requests.xml with an unknown service_code")
    path = f"services/{unknown_code(ctx)}.xml"
    check_xml_errors(ctx.get(path), 404, f"GET {path}")
    path = f"requests/{UNKNOWN_REQUEST_ID}.xml"
    check_xml_errors(ctx.get(path), 404, f"GET {path}")


# ---- the third-party client library


def _bypass_proxy_for_loopback(base: str) -> None:
    # georeport calls python-requests, which sends even 127.0.0.1 through
    # HTTP(S)_PROXY unless NO_PROXY names it; check.py's own calls ignore proxies.
    host = urllib.parse.urlsplit(base).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1"):
        return
    for var in ("NO_PROXY", "no_proxy"):
        current = os.environ.get(var, "")
        if host not in current.split(","):
            os.environ[var] = f"{current},{host}" if current else host


def _http_status_of(exc: Exception) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


def check_with_georeport(base: str, api_key: str, service_code: str, lat: str, long: str,
                         jurisdiction: str | None = None, poll_seconds: float = 10.0,
                         log: Callable[[str], None] = print) -> str:
    """Submit one service request and read it back with the PyPI `georeport` client.

    georeport 0.3.1 can only read (services, a service definition, requests,
    one request); it has no method to create a request and never sends its
    api_key. So the request is submitted with a plain form POST as the spec
    describes, and everything else goes through georeport, in JSON and in XML
    mode. Returns the new service_request_id.
    """
    base = base.rstrip("/")
    _bypass_proxy_for_loopback(base)
    client = GeoReport(base, jurisdiction=jurisdiction, api_key=api_key)
    xml_client = GeoReport(base, jurisdiction=jurisdiction, api_key=api_key, output_format="xml")

    def call(what: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except CheckFailed:
            raise
        except Exception as exc:
            status = _http_status_of(exc)
            extra = f" (HTTP {status})" if status else ""
            fail(f"georeport {what} raised {type(exc).__name__}: {exc}{extra}")

    services = call("get_service_list()", client.get_service_list)
    if not isinstance(services, list) or service_code not in [
            s.get("service_code") for s in services if isinstance(s, dict)]:
        fail(f"georeport get_service_list(): service_code {service_code!r} not found in {services!r:.300}")
    definition = call(f"get_service_definition({service_code!r})",
                      lambda: client.get_service_definition(service_code))
    if not isinstance(definition, dict) or definition.get("service_code") != service_code:
        fail(f"georeport get_service_definition(): unexpected reply {definition!r:.300}")

    # Submission: georeport 0.3.1 has no POST support (see docstring).
    description = f"Jiesu check.py georeport {uuid.uuid4().hex[:8]}: 路灯不亮"
    form: list[tuple[str, str]] = []
    if jurisdiction:
        form.append(("jurisdiction_id", jurisdiction))
    form += [("api_key", api_key), ("service_code", service_code), ("lat", lat),
             ("long", long), ("description", description), ("phone", "+86 755 0000 0000")]
    form += attribute_form(definition, only_required=True)
    reply = http("POST", f"{base}/requests.json", form=form)
    reply.expect_status([200, 201])
    posted = reply.json()
    if not isinstance(posted, list) or not posted or not isinstance(posted[0], dict):
        fail(f"POST requests.json: expected a list with one object, got {snippet(reply.body)!r}")
    sid = posted[0].get("service_request_id")
    if not sid:
        fail("POST requests.json returned no service_request_id (token-only replies cannot be "
             "read back with georeport, which has no tokens call)")
    sid = str(sid)

    # Read back with georeport, polling past the asynchronous store.
    deadline = time.monotonic() + poll_seconds
    while True:
        try:
            request = client.get_service_request(sid)
            break
        except Exception as exc:
            if _http_status_of(exc) == 404 and time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            if isinstance(exc, KeyError):
                fail(f"georeport get_service_request({sid!r}) raised KeyError: it indexes [0], "
                     "so GET requests/{id}.json must return a JSON array")
            status = _http_status_of(exc)
            fail(f"georeport get_service_request({sid!r}) raised {type(exc).__name__}: {exc}"
                 + (f" (HTTP {status}, after polling {poll_seconds}s)" if status else ""))
    if not isinstance(request, dict) or str(request.get("service_request_id")) != sid:
        fail(f"georeport get_service_request({sid!r}) returned {request!r:.300}")
    if request.get("service_code") != service_code:
        fail(f"georeport get_service_request({sid!r}): service_code {request.get('service_code')!r}")
    if request.get("description") not in (None, description):
        fail(f"georeport get_service_request({sid!r}): description {request.get('description')!r}, "
             f"submitted {description!r}")

    listed = call(f"get_service_requests(service_request_id={sid!r})",
                  lambda: client.get_service_requests(service_request_id=sid))
    if not isinstance(listed, list) or sid not in [str(r.get("service_request_id")) for r in listed]:
        fail(f"georeport get_service_requests(service_request_id={sid!r}) returned {listed!r:.300}")
    call(f"get_service_requests(service_code={service_code!r}, status='open')",
         lambda: client.get_service_requests(service_code=service_code, status="open"))

    # XML mode: georeport unwraps services/service, service_definition and
    # service_requests/request with xmltodict.
    xml_services = call("get_service_list() [xml]", xml_client.get_service_list)
    if isinstance(xml_services, dict):
        xml_services = [xml_services]
    if service_code not in [s.get("service_code") for s in xml_services]:
        fail(f"georeport get_service_list() [xml]: {service_code!r} not found")
    xml_definition = call("get_service_definition() [xml]",
                          lambda: xml_client.get_service_definition(service_code))
    if not isinstance(xml_definition, dict) or xml_definition.get("service_code") != service_code:
        fail(f"georeport get_service_definition() [xml] returned {xml_definition!r:.300}")
    xml_request = call(f"get_service_request({sid!r}) [xml]",
                       lambda: xml_client.get_service_request(sid))
    if not isinstance(xml_request, dict) or xml_request.get("service_request_id") != sid:
        fail(f"georeport get_service_request({sid!r}) [xml] returned {xml_request!r:.300} "
             "(it expects <service_requests> holding exactly one <request>)")
    if xml_request.get("description") not in (None, description):
        fail(f"georeport get_service_request({sid!r}) [xml]: description {xml_request.get('description')!r}")
    xml_listed = call(f"get_service_requests(service_request_id={sid!r}) [xml]",
                      lambda: xml_client.get_service_requests(service_request_id=sid))
    if isinstance(xml_listed, dict):
        xml_listed = [xml_listed]
    if sid not in [r.get("service_request_id") for r in xml_listed]:
        fail(f"georeport get_service_requests(service_request_id={sid!r}) [xml] returned {xml_listed!r:.300}")

    log(f"   georeport submitted and read back service request {sid}")
    return sid


# --------------------------------------------------------------------------
# Runner


class Runner:
    def __init__(self) -> None:
        self.passed = 0
        self.failures: list[tuple[str, str]] = []

    def run(self, name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        print(f"-- {name}", flush=True)
        try:
            result = fn(*args, **kwargs)
        except CheckFailed as exc:
            self.failures.append((name, str(exc)))
            print(f"   FAIL: {exc}", flush=True)
            return None
        except Exception:  # a bug or an unexpected reply shape
            detail = traceback.format_exc()
            self.failures.append((name, detail))
            print(f"   ERROR:\n{detail}", flush=True)
            return None
        self.passed += 1
        print("   ok", flush=True)
        return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True,
                        help="GeoReport v2 base URL, e.g. http://127.0.0.1:8080/open311/v2")
    parser.add_argument("--api-key", required=True, help="a valid api_key for POST")
    parser.add_argument("--service-code", required=True, help="a service_code the server offers")
    parser.add_argument("--lat", required=True, help="latitude to submit (WGS84)")
    parser.add_argument("--long", required=True, help="longitude to submit (WGS84)")
    parser.add_argument("--jurisdiction-id", default=None,
                        help="send jurisdiction_id with every call (default: none)")
    parser.add_argument("--poll-seconds", type=float, default=10.0,
                        help="how long to wait for a new request to become readable (default 10)")
    parser.add_argument("--timeout", type=float, default=15.0, help="HTTP timeout per call (s)")
    args = parser.parse_args(argv)
    for name in ("lat", "long"):
        try:
            float(getattr(args, name))
        except ValueError:
            parser.error(f"--{name} must be a number")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    runner = Runner()
    schemas = runner.run("load schemas", Schemas)
    if schemas is None:
        print("0 passed, 1 failed")
        return 1
    ctx = Context(args, schemas)
    print(f"   checking {ctx.base} (run {ctx.run_id})")
    if runner.run("server is reachable", lambda: ctx.get("services.json")) is None:
        print(f"1 passed, {len(runner.failures)} failed")
        return 1

    runner.run("schemas: every $ref resolves", check_schemas, ctx)
    runner.run("GET discovery.json", check_discovery_json, ctx)
    runner.run("GET services.json", check_services_json, ctx)
    runner.run(f"GET services/{ctx.service_code}.json", check_service_definition_json, ctx)
    runner.run("POST requests.json", check_post_plain, ctx)
    runner.run("POST requests.json with attribute[CODE]", check_post_with_attributes, ctx)
    runner.run("GET requests/{id}.json (polled)", check_get_created_json, ctx)
    runner.run("GET requests.json (default window)", check_requests_default_json, ctx)
    runner.run("GET requests.json?service_request_id=a,b", check_requests_by_ids_json, ctx)
    runner.run("GET requests.json?service_code=", check_requests_by_service_code_json, ctx)
    runner.run("GET requests.json?status=open|closed", check_requests_by_status_json, ctx)
    runner.run("GET requests.json?start_date=&end_date=", check_requests_by_dates_json, ctx)
    runner.run("JSON errors (400 / 403 / 404)", check_errors_json, ctx)

    runner.run("GET discovery.xml", check_discovery_xml, ctx)
    runner.run("GET services.xml", check_services_xml, ctx)
    runner.run(f"GET services/{ctx.service_code}.xml", check_service_definition_xml, ctx)
    runner.run("POST requests.xml + GET requests/{id}.xml", check_post_and_get_xml, ctx)
    runner.run("GET requests.xml (default and filtered)", check_requests_xml, ctx)
    runner.run("XML errors (400 / 403 / 404)", check_errors_xml, ctx)

    runner.run("georeport client: submit and read back", check_with_georeport,
               ctx.base, ctx.api_key, ctx.service_code, ctx.lat, ctx.long,
               jurisdiction=ctx.jurisdiction, poll_seconds=ctx.poll_seconds)

    print()
    if runner.failures:
        print("FAILED checks:")
        for name, message in runner.failures:
            first = message.strip().splitlines()[0] if message.strip() else ""
            print(f"  - {name}: {first}")
    print(f"{runner.passed} passed, {len(runner.failures)} failed")
    return 1 if runner.failures else 0


if __name__ == "__main__":
    sys.exit(main())
