"""One generated botocore client class per service for eastwest's sessions, the clients otherwise
built as before (providers/aws/client_classes.py; docs/benchmarks.md, "Client classes")."""

from __future__ import annotations

import threading
from typing import Any

import botocore
import botocore.session
import pytest
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.client import BaseClient, ClientCreator
from botocore.compat import HTTPHeaders

from providers.aws.client_classes import CLIENT_CLASSES, ClassCache, has_known_shape
from providers.aws.session import AwsClients, new_session

ENDPOINT = "http://127.0.0.1:9"
FACTORY = "_create_client_class"  # private: no stub declares it


def test_this_botocore_has_the_private_shape_the_class_cache_wraps() -> None:
    # If this fails, botocore changed ClientCreator._create_client_class: clients still work
    # (built the public way, ~11 ms more each), but the cache is off. Read the new botocore's
    # ClientCreator.create_client, adapt client_classes.py, and re-pin botocore.
    assert has_known_shape(ClientCreator), botocore.__version__
    new_session()
    assert CLIENT_CLASSES.installed
    assert hasattr(getattr(ClientCreator, FACTORY), "__wrapped__")


class Creator:
    """botocore 1.44's ``ClientCreator`` as the cache sees it: a class per call. Each test wraps
    a subclass of its own (``fresh``), never this one."""

    def __init__(self, emitter: object, loader: object) -> None:
        self._event_emitter = emitter
        self._loader = loader

    def _create_client_class(self, service_name: str, service_model: Any) -> type:
        return type(f"{service_name}-{service_model.api_version}", (), {})


def fresh(base: type) -> type:
    """A subclass holding its own copy of ``base``'s factory, to be wrapped or not."""
    return type(base.__name__, (base,), dict(vars(base)))


class Model:
    def __init__(self, api_version: str = "2016-11-15") -> None:
        self.api_version = api_version


class Renamed:
    def _create_client_class(self, service_name: str, model: Any) -> type:
        return type("x", (), {})


class Extra:
    def _create_client_class(self, service_name: str, service_model: Any, api: str) -> type:
        return type("x", (), {})


class Gone:
    _create_client_class = None


@pytest.mark.parametrize(
    ("creator", "known"),
    [(Creator, True), (Renamed, False), (Extra, False), (Gone, False), (object, False)],
    ids=["botocore-1.44", "parameter-renamed", "parameter-added", "not-callable", "missing"],
)
def test_an_unknown_shape_is_left_alone(creator: type, known: bool) -> None:
    creator = fresh(creator) if creator is not object else type("Bare", (), {})
    before = getattr(creator, "_create_client_class", None)
    cache = ClassCache()
    assert has_known_shape(creator) is known
    assert cache.install(creator) is known
    assert (getattr(creator, "_create_client_class", None) is before) is not known


def _installed() -> tuple[ClassCache, type[Creator]]:
    creator = fresh(Creator)
    cache = ClassCache()
    assert cache.install(creator)
    wrapped = getattr(creator, FACTORY)
    assert cache.install(creator)
    assert getattr(creator, FACTORY) is wrapped  # not wrapped twice
    assert has_known_shape(creator)  # so another check of the shape still passes
    return cache, creator


def test_shared_sessions_get_one_class_per_loader_service_and_version() -> None:
    cache, creator = _installed()
    shared, other_shared, loader = Emitter(), Emitter(), object()
    cache.share(shared)
    cache.share(other_shared)

    def build(
        emitter: object, service: str = "ec2", version: str = "v1", load: Any = loader
    ) -> Any:
        return creator(emitter, load)._create_client_class(service, Model(version))

    assert build(shared) is build(shared) is build(other_shared)
    distinct = [build(shared), build(shared, "sts"), build(shared, version="v2")]
    distinct.append(build(shared, load=object()))
    assert len(set(distinct)) == 4
    assert cache.built == 4


@pytest.mark.parametrize(
    "make",
    [
        lambda cache: Creator(Emitter(), object()),  # a session nobody shared
        lambda cache: Creator(_shared(cache), None),  # botocore renamed its loader attribute
    ],
    ids=["session-not-shared", "attribute-moved"],
)
def test_other_creators_build_their_own_class_every_time(make: Any) -> None:
    cache, creator = _installed()
    made = make(cache)
    made.__class__ = creator

    def build() -> type:
        return creator._create_client_class(made, "ec2", Model())

    assert build() is not build()
    assert cache.built == 0


def _shared(cache: ClassCache) -> object:
    emitter = Emitter()
    cache.share(emitter)
    return emitter


class Emitter:
    """Stands for a session's event emitter (weakly referenced by the cache)."""


def test_a_class_handler_added_later_gives_later_sessions_their_own_class(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache, creator = _installed()
    loader, before, after = object(), Emitter(), Emitter()
    cache.share(before)
    monkeypatch.setattr(
        botocore.handlers,
        "BUILTIN_HANDLERS",
        [*botocore.handlers.BUILTIN_HANDLERS, ("creating-client-class.ec2", print)],
    )
    cache.share(after)
    first = creator(before, loader)._create_client_class("ec2", Model())
    assert creator(after, loader)._create_client_class("ec2", Model()) is not first


# -- real botocore clients -------------------------------------------------------------------


class Sent:
    """A ``before-send`` handler that keeps each request and answers it with an empty 200."""

    def __init__(self) -> None:
        self.requests: list[AWSRequest] = []

    def __call__(self, request: AWSRequest, **_: Any) -> AWSResponse:
        self.requests.append(request)
        return AWSResponse(request.url or "", 200, HTTPHeaders(), Body())


class Body:
    def stream(self, **_: Any) -> Any:
        yield b"<DescribeVpcsResponse><requestId>r</requestId></DescribeVpcsResponse>"


def _account(key: str, account: str) -> AwsClients:
    session = new_session(aws_access_key_id=key, aws_secret_access_key="secret")
    return AwsClients(session, endpoint_url=ENDPOINT, account_header=account, account=account)


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def test_clients_of_all_accounts_share_their_class_and_keep_their_own_state() -> None:
    keys = {"111111111111": "AKIDA", "222222222222": "AKIDB", "333333333333": "AKIDC"}
    regions = ("us-east-1", "eu-west-1")
    clients = [(a, _account(k, a)) for a, k in keys.items()]
    built = [(a, c.ec2(r)) for a, c in clients for r in regions]
    assert len({type(c) for _, c in built}) == 1
    # A handler answering instead of the network: botocore's stubs expect handlers of None.
    sent: list[Any] = [Sent() for _ in built]
    for (_, client), hook in zip(built, sent, strict=True):
        client.meta.events.register("before-send.ec2", hook)
    for _, client in built:
        client.describe_vpcs()
    for (account, client), hook in zip(built, sent, strict=True):
        # A hook registered on one client reached that client's call only.
        assert len(hook.requests) == 1
        headers = {k: _text(v) for k, v in hook.requests[0].headers.items()}
        assert headers["x-moto-account-id"] == account
        assert f"Credential={keys[account]}/" in headers["Authorization"]
        assert f"/{client.meta.region_name}/ec2/" in headers["Authorization"]
        assert "eastwest" in headers["User-Agent"]
        assert str(hook.requests[0].url).startswith(ENDPOINT)
        retries = vars(client.meta.config)["retries"]  # undeclared by the stubs
        assert retries == {"mode": "adaptive", "total_max_attempts": 9}


def test_a_session_made_elsewhere_builds_its_own_class() -> None:
    ours = _account("AKIDA", "111111111111").ec2("us-east-1")
    foreign = [
        botocore.session.Session().create_client(
            "ec2", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
        )
        for _ in range(2)
    ]
    assert len({type(ours), *(type(c) for c in foreign)}) == 3
    assert all(isinstance(c, BaseClient) for c in foreign)


def test_first_clients_built_side_by_side_share_one_class() -> None:
    accounts = [_account("AKIDA", f"4{n:011d}") for n in range(8)]
    start = threading.Barrier(len(accounts))
    built: list[BaseClient] = []

    def first(clients: AwsClients, region: str) -> None:
        start.wait()
        built.append(clients.client("elbv2", region))

    threads = [
        threading.Thread(target=first, args=(c, r))
        for c, r in zip(accounts, ("us-east-1", "eu-west-1") * 4, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == len(accounts)
    assert len({type(c) for c in built}) == 1
