"""The ``/api/`` endpoint of one fake VM-Series: request parameters in, response XML out.

In: the parameters of one request (query string and form body merged, as the firewall reads
them) and the ``X-PAN-KEY`` header. Out: ``(http status, body bytes)``. Always: every request but
``type=keygen`` needs a key that keygen issued (else HTTP 403, ``Invalid Credential``); the
device's jobs are settled before each call; errors are ``<response status="error"
code="…">`` with the documented code, and a ``multi-config`` request is all or nothing.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from xml.etree import ElementTree as ET

from moto_fixtures.panos import config
from moto_fixtures.panos.device import Device, Write
from moto_fixtures.panos.errors import (
    BadRequestError,
    InvalidCredentialError,
    InvalidCredentialsError,
    PanosError,
)
from moto_fixtures.panos.ops import SW_VERSION, run_commit, run_op
from moto_fixtures.panos.userid import run_userid

Params = Mapping[str, str]
_WRITES = ("set", "edit", "delete", "move")


class Api:
    def __init__(self, device: Device, users: Mapping[str, str]) -> None:
        self.device = device
        self.users = dict(users)
        self.keys = {self.key_for(user): user for user in self.users}
        self.calls = 0  # API requests answered: a used firewall is reset by the sandbox

    def key_for(self, user: str) -> str:
        digest = hashlib.sha256(f"{user}:{self.users[user]}:{self.device.serial}".encode())
        return base64.b64encode(digest.digest()).decode()

    def handle(self, params: Params, header_key: str | None) -> tuple[int, bytes]:
        try:
            with self.device.lock:
                self.calls += 1
                self.device.settle()
                return 200, _success(*self._dispatch(params, header_key))
        except PanosError as exc:
            return exc.http_status, _error(exc)

    def _dispatch(self, params: Params, header_key: str | None) -> tuple[ET.Element | None, str]:
        kind = params.get("type", "")
        if kind == "keygen":
            return self._keygen(params), ""
        # pan-python sends the key unencoded (it may hold '+'), and the firewall reads it so.
        key = (params.get("key") or header_key or "").replace(" ", "+")
        admin = self.keys.get(key)
        if admin is None:
            raise InvalidCredentialError()
        if kind == "config":
            return self._config(admin, params)
        if kind == "op":
            return run_op(self.device, admin, params.get("cmd", ""))
        if kind == "commit":
            return run_commit(self.device, admin, params.get("cmd", ""), params.get("action", ""))
        if kind == "user-id":
            return run_userid(self.device, params.get("cmd", ""))
        if kind == "version":
            result = ET.Element("result")
            ET.SubElement(result, "sw-version").text = SW_VERSION
            ET.SubElement(result, "model").text = self.device.model
            ET.SubElement(result, "serial").text = self.device.serial
            return result, ""
        raise BadRequestError(f'Illegal value for parameter "type" [{kind}].')

    def _keygen(self, params: Params) -> ET.Element:
        user, password = params.get("user", ""), params.get("password", "")
        if self.users.get(user) != password or not password:
            raise InvalidCredentialsError()
        result = ET.Element("result")
        ET.SubElement(result, "key").text = self.key_for(user)
        return result

    def _config(self, admin: str, params: Params) -> tuple[ET.Element | None, str]:
        action, path = params.get("action", ""), params.get("xpath", "")
        if action == "multi-config":
            return self._multi(admin, params.get("element", "")), ""
        if action in ("get", "show") and not path:
            raise BadRequestError("Missing parameter: xpath")
        if action == "get":
            return config.get(self.device.candidate, path), ""
        if action == "show":
            return config.show(self.device.running, path), ""
        if action not in _WRITES:
            raise BadRequestError(f'Illegal value for parameter "action" [{action}].')
        return None, self._write(admin, _write_of(action, params))

    def _write(self, admin: str, change: Write) -> str:
        if change.action == "delete" and not config.select_any(self.device.candidate, change.xpath):
            return "Object doesn't exist"
        self.device.write(admin, change)
        return "command succeeded"

    def _multi(self, admin: str, element: str) -> ET.Element:
        """Each sub-request in order; the first failure undoes the others (all or nothing)."""
        nodes = config.parse_element(element)
        if len(nodes) != 1 or nodes[0].tag != "multi-configRequest":
            raise BadRequestError("multi-config needs one <multi-configRequest> element")
        saved = (config.snapshot(self.device.candidate), dict(self.device.journal))
        answers = ET.Element("multi")
        for index, node in enumerate(nodes[0]):
            ident = node.get("id", str(index + 1))
            params = {**node.attrib, "element": "".join(ET.tostring(c, "unicode") for c in node)}
            try:
                if node.tag not in _WRITES:
                    raise BadRequestError(f"{node.tag} is not allowed in multi-config")
                message = self._write(admin, _write_of(node.tag, params))
            except PanosError as exc:
                self.device.candidate = saved[0]
                self.device.journal = {a: list(w) for a, w in saved[1].items()}
                raise _MultiFailedError(ident, exc) from None
            answer = ET.SubElement(answers, "response", {"status": "success", "id": ident})
            ET.SubElement(answer, "msg").text = message
        return answers


class _MultiFailedError(PanosError):
    def __init__(self, ident: str, cause: PanosError) -> None:
        super().__init__(f"id {ident}: {cause.message}")
        self.code = cause.code
        self.ident = ident


def _write_of(action: str, params: Params) -> Write:
    path = params.get("xpath", "")
    if not path:
        raise BadRequestError("Missing parameter: xpath")
    if action in ("set", "edit") and not params.get("element"):
        raise BadRequestError("Missing parameter: element")
    return Write(
        action, path, params.get("element", ""), params.get("where", ""), params.get("dst")
    )


# The success codes the firewall puts on a response with a message (19 and 20: success; 7 on
# a delete that found nothing, which is still a success).
_CODES = {
    "command succeeded": "20",
    "Object doesn't exist": "7",
    "There are no changes to commit.": "19",
}


def _success(result: ET.Element | None, message: str) -> bytes:
    response = ET.Element("response", {"status": "success"})
    if result is not None and result.tag == "multi":
        response.extend(list(result))
    elif result is not None:
        if result.find("job") is not None:
            response.set("code", "19")
        response.append(result)
    if message:
        if message in _CODES:
            response.set("code", _CODES[message])
        ET.SubElement(response, "msg").text = message
    return ET.tostring(response, encoding="unicode").encode()


def _error(exc: PanosError) -> bytes:
    response = ET.Element("response", {"status": "error", "code": str(exc.code)})
    if exc.in_result:
        ET.SubElement(ET.SubElement(response, "result"), "msg").text = exc.message
    else:
        ET.SubElement(ET.SubElement(response, "msg"), "line").text = exc.message
    return ET.tostring(response, encoding="unicode").encode()
