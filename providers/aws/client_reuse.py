"""What botocore rebuilds for every client but could share: its class, and its event names.

In: the botocore sessions ``session.new_session`` makes (``ClientReuse.share``). Out: their
clients, built as botocore builds them, except that

- every client of one service shares one generated class. ``ClientCreator.create_client``
  generates a new Python class for every client, with one method and one docstring object per
  operation of the service model (EC2: 755), about 11 ms of CPU a client. The class depends
  only on the service model and on the session's ``creating-client-class`` handlers, which are
  botocore's and boto3's built-in ones in every session eastwest makes;
- every client's event emitter starts with the event-name aliases its session's emitter has
  already worked out. A client's emitter is a copy of its session's, with an empty cache of
  aliased names: each event name (``before-send.ec2.DescribeVpcs`` …) is checked against
  botocore's ~40 aliases on its first use by each client, about 0.35 ms a call for the first
  calls of a client. The aliases of a copy are equal to its session's, so is the answer.

A plan over many accounts and regions builds one EC2 client per account and region; no client
can serve two (each signs with its account's credentials and its region), and none does: the
instance state (credentials, region, endpoint, config, retries, the event handlers its hooks
are registered on) stays per client.

botocore has no public way to do either (``ClientCreator.create_client_class`` builds a class,
but nothing public builds a client from it; the session builds its emitter itself), so this
wraps two private places, ``ClientCreator._create_client_class`` and ``EventAliaser.__copy__``,
each feature-detected: if its shape differs from botocore 1.44's (pinned in constraints.txt),
it is not wrapped and clients are built as before, and
``tests/providers/aws/test_client_reuse.py`` fails to say so. Only the sessions handed to
``share`` reuse anything; any other botocore session of the process (a test's seeder, a
library's) is untouched.
"""

from __future__ import annotations

import functools
import inspect
import threading
import weakref
from collections.abc import Callable
from typing import Any

import botocore.handlers
from botocore.client import ClientCreator
from botocore.hooks import EventAliaser

CLASS_FACTORY = ("_create_client_class", ("self", "service_name", "service_model"))
ALIASER_COPY = ("__copy__", ("self",))

CreateClass = Callable[[Any, str, Any], type]
CopyEmitter = Callable[[Any], Any]
# (loader, the class handlers, service, API version): what a generated class depends on.
_Key = tuple[Any, tuple[Any, ...], str, str]


def class_handlers() -> tuple[Any, ...]:
    """The built-in handlers a new session registers that can change a client class: a handler
    added to ``BUILTIN_HANDLERS`` later (a test's, a plugin's) gives later sessions classes of
    their own."""
    return tuple(h for h in botocore.handlers.BUILTIN_HANDLERS if "client-class" in h[0])


def has_known_shape(owner: type, shape: tuple[str, tuple[str, ...]]) -> bool:
    """``owner`` has the method ``shape`` names, with those parameters, as in botocore 1.44."""
    name, parameters = shape
    method = vars(owner).get(name)
    if not callable(method):
        return False
    try:
        return tuple(inspect.signature(method).parameters) == parameters
    except (TypeError, ValueError):  # a C function or an object inspect cannot read
        return False


class ClientReuse:
    """One generated client class per loader, class handlers, service and API version; one
    cache of aliased event names per shared session, its clients' emitters included."""

    def __init__(self, creator: type = ClientCreator, aliaser: type = EventAliaser) -> None:
        self._owners = {CLASS_FACTORY: creator, ALIASER_COPY: aliaser}  # what install wraps
        self._classes: dict[_Key, type] = {}
        # Sessions are made per account and dropped with their clients; their emitters go too.
        self._sharing: weakref.WeakKeyDictionary[Any, tuple[Any, ...]] = weakref.WeakKeyDictionary()
        # Held while a class is built: the scope threads' first clients of a service wait for
        # one class (~11 ms) rather than each building its own. Re-entrant: a class handler
        # that built a client of its own would otherwise wait for itself.
        self._lock = threading.RLock()
        self.installed: set[str] = set()  # the wrapped methods' names
        self.built = 0  # classes generated for shared sessions

    def install(self) -> set[str]:
        """Wrap each method once; one whose shape is not the one this was written against is
        left alone (and missing from the answer)."""
        wraps: dict[Any, Callable[[Any], Any]] = {
            CLASS_FACTORY: self._wrap_class_factory,
            ALIASER_COPY: self._wrap_copy,
        }
        with self._lock:
            for shape, owner in self._owners.items():
                name = shape[0]
                if name not in self.installed and has_known_shape(owner, shape):
                    setattr(owner, name, wraps[shape](getattr(owner, name)))
                    self.installed.add(name)
            return set(self.installed)

    def share(self, emitter: Any) -> set[str]:
        """The clients of the session whose event emitter this is reuse classes and event names
        from now on (through the methods wrapped: the answer)."""
        with self._lock:
            self._sharing[emitter] = class_handlers()
        return self.install()

    def _wrap_class_factory(self, original: CreateClass) -> CreateClass:
        @functools.wraps(original)  # its signature too: the wrapped method keeps a known shape
        def create_client_class(creator: Any, service_name: str, service_model: Any) -> type:
            with self._lock:
                key = self._key(creator, service_name, service_model)
                if key is not None:
                    if key not in self._classes:
                        self._classes[key] = original(creator, service_name, service_model)
                        self.built += 1
                    return self._classes[key]
            return original(creator, service_name, service_model)

        return create_client_class

    def _key(self, creator: Any, service_name: str, service_model: Any) -> _Key | None:
        """None for a creator of a session not shared, or one whose attributes moved."""
        emitter = getattr(creator, "_event_emitter", None)
        loader = getattr(creator, "_loader", None)
        handlers = self._sharing.get(emitter) if emitter in self._sharing else None
        if handlers is None or loader is None:
            return None
        # The loader itself, not its id: the key keeps it alive, so no other loader takes its
        # place (shared sessions' loaders are session.shared_loader's, kept for the process).
        return loader, handlers, service_name, str(service_model.api_version)

    def _wrap_copy(self, original: CopyEmitter) -> CopyEmitter:
        @functools.wraps(original)
        def copy_sharing_names(emitter: Any) -> Any:
            copied = original(emitter)
            with self._lock:
                shared = emitter in self._sharing
            names = getattr(emitter, "_alias_name_cache", None)
            # Shared by reference: a name one client works out, its siblings need not. A dict's
            # get and set are atomic, and every writer writes the same answer.
            if shared and isinstance(names, dict) and hasattr(copied, "_alias_name_cache"):
                copied._alias_name_cache = names
            return copied

        return copy_sharing_names


CLIENT_REUSE = ClientReuse()
