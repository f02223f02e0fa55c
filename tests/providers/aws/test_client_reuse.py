"""eastwest's botocore sessions share generated client classes and event names, the clients
otherwise built as before (providers/aws/client_reuse.py; docs/benchmarks.md, "Client reuse")."""

from __future__ import annotations

import copy
import threading
from typing import Any

import botocore
import botocore.handlers
import botocore.session
import pytest
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.client import BaseClient, ClientCreator
from botocore.compat import HTTPHeaders
from botocore.hooks import EventAliaser

from providers.aws.client_reuse import (
    ALIASER_COPY,
    CLASS_FACTORY,
    CLIENT_REUSE,
    ClientReuse,
    has_known_shape,
)
from providers.aws.session import AwsClients, new_session

ENDPOINT = "http://127.0.0.1:9"
NAMES = "_alias_name_cache"  # private: no stub declares it


@pytest.mark.parametrize(
    ("owner", "shape"),
    [(ClientCreator, CLASS_FACTORY), (EventAliaser, ALIASER_COPY)],
    ids=["ClientCreator._create_client_class", "EventAliaser.__copy__"],
)
def test_this_botocore_has_the_private_shapes_the_reuse_wraps(
    owner: type, shape: tuple[str, tuple[str, ...]]
) -> None:
    # If this fails, botocore changed this method: clients still work, built the public way,
    # but they cost their CPU again (docs/benchmarks.md). Read the new botocore's
    # ClientCreator.create_client and EventAliaser, adapt client_reuse.py, re-pin botocore.
    new_session()
    assert has_known_shape(owner, shape), botocore.__version__
    assert shape[0] in CLIENT_REUSE.installed
    assert hasattr(vars(owner)[shape[0]], "__wrapped__")


class Creator:
    """botocore 1.44's ``ClientCreator`` as the reuse sees it: a new class per call."""

    def __init__(self, emitter: object, loader: object) -> None:
        self._event_emitter = emitter
        self._loader = loader

    def _create_client_class(self, service_name: str, service_model: Any) -> type:
        return type(f"{service_name}-{service_model.api_version}", (), {})


class Aliaser:
    """botocore 1.44's ``EventAliaser`` as the reuse sees it: a copy starts with no names."""

    def __init__(self) -> None:
        self._alias_name_cache: dict[str, str] = {}

    def __copy__(self) -> Aliaser:
        return self.__class__()


class Renamed:
    def _create_client_class(self, service_name: str, model: Any) -> type:
        return type("x", (), {})


class Extra:
    def _create_client_class(self, service_name: str, service_model: Any, api: str) -> type:
        return type("x", (), {})


class Gone:
    _create_client_class = None


def fresh(base: type) -> type:
    """A subclass with its own copy of ``base``'s methods: each test wraps classes of its own."""
    return type(base.__name__, (base,), dict(vars(base)))


@pytest.mark.parametrize(
    ("creator", "known"),
    [(Creator, True), (Renamed, False), (Extra, False), (Gone, False), (object, False)],
    ids=["botocore-1.44", "parameter-renamed", "parameter-added", "not-callable", "missing"],
)
def test_a_method_of_unknown_shape_is_left_alone(creator: type, known: bool) -> None:
    creator = fresh(creator)
    before = vars(creator).get(CLASS_FACTORY[0])
    reuse = ClientReuse(creator, fresh(Aliaser))
    assert has_known_shape(creator, CLASS_FACTORY) is known
    assert (CLASS_FACTORY[0] in reuse.install()) is known
    assert (vars(creator).get(CLASS_FACTORY[0]) is before) is not known
    assert ALIASER_COPY[0] in reuse.installed  # the other, of a known shape, is wrapped


def _installed() -> tuple[ClientReuse, type[Creator], type[Aliaser]]:
    creator, aliaser = fresh(Creator), fresh(Aliaser)
    reuse = ClientReuse(creator, aliaser)
    assert reuse.install() == {CLASS_FACTORY[0], ALIASER_COPY[0]}
    wrapped = vars(creator)[CLASS_FACTORY[0]]
    reuse.install()
    assert vars(creator)[CLASS_FACTORY[0]] is wrapped  # not wrapped twice
    assert has_known_shape(creator, CLASS_FACTORY)  # the wrapper keeps the shape
    return reuse, creator, aliaser


class Model:
    def __init__(self, api_version: str = "2016-11-15") -> None:
        self.api_version = api_version


def test_shared_sessions_get_one_class_per_loader_service_and_version() -> None:
    reuse, creator, aliaser = _installed()
    shared, other_shared, loader = aliaser(), aliaser(), object()
    reuse.share(shared)
    reuse.share(other_shared)

    def build(
        emitter: object, service: str = "ec2", version: str = "v1", load: Any = loader
    ) -> Any:
        return creator(emitter, load)._create_client_class(service, Model(version))

    assert build(shared) is build(shared) is build(other_shared)
    distinct = [build(shared), build(shared, "sts"), build(shared, version="v2")]
    distinct.append(build(shared, load=object()))
    assert len(set(distinct)) == 4
    assert reuse.built == 4


@pytest.mark.parametrize(
    ("shared", "loader"),
    [(False, object()), (True, None)],
    ids=["session-not-shared", "loader-attribute-moved"],
)
def test_other_creators_build_their_own_class_every_time(shared: bool, loader: Any) -> None:
    reuse, creator, aliaser = _installed()
    emitter = aliaser()
    if shared:
        reuse.share(emitter)
    made = creator(emitter, loader)
    assert made._create_client_class("ec2", Model()) is not made._create_client_class(
        "ec2", Model()
    )
    assert reuse.built == 0


def test_a_class_handler_added_later_gives_later_sessions_their_own_class(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reuse, creator, aliaser = _installed()
    loader, before, after = object(), aliaser(), aliaser()
    reuse.share(before)
    monkeypatch.setattr(
        botocore.handlers,
        "BUILTIN_HANDLERS",
        [*botocore.handlers.BUILTIN_HANDLERS, ("creating-client-class.ec2", print)],
    )
    reuse.share(after)
    first = creator(before, loader)._create_client_class("ec2", Model())
    assert creator(after, loader)._create_client_class("ec2", Model()) is not first


def test_copies_of_a_shared_emitter_share_its_names_and_others_do_not() -> None:
    reuse, _, aliaser = _installed()
    shared, alone = aliaser(), aliaser()
    reuse.share(shared)
    assert copy.copy(shared)._alias_name_cache is shared._alias_name_cache
    assert copy.copy(alone)._alias_name_cache is not alone._alias_name_cache


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


def test_the_clients_of_one_session_share_its_event_names() -> None:
    clients = _account("AKIDA", "111111111111")
    east, west = clients.ec2("us-east-1"), clients.ec2("eu-west-1")
    answer: Any = Sent()  # botocore's stubs expect handlers of None
    east.meta.events.register("before-send.ec2", answer)
    east.describe_vpcs()
    names = vars(west.meta.events)[NAMES]
    assert names is vars(east.meta.events)[NAMES]
    assert "before-send.ec2.DescribeVpcs" in names


def test_a_session_made_elsewhere_builds_its_own_class_and_names() -> None:
    ours = _account("AKIDA", "111111111111").ec2("us-east-1")
    foreign = [
        botocore.session.Session().create_client(
            "ec2", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
        )
        for _ in range(2)
    ]
    assert len({type(ours), *(type(c) for c in foreign)}) == 3
    caches = [vars(c.meta.events)[NAMES] for c in (ours, *foreign)]
    assert len({id(c) for c in caches}) == 3


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
