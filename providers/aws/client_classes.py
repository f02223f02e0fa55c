"""botocore client classes built once per service and process, not once per client.

In: the botocore sessions ``session.new_session`` makes. Out: their clients, built as botocore
builds them, except that every client of one service shares one generated class.

Why: ``ClientCreator.create_client`` generates a new Python class for every client, with one
method and one docstring object per operation of the service model (EC2: 755), about 11 ms of
CPU a client. A plan over many accounts and regions builds one EC2 client per account and
region; no client can serve two (each signs with its account's credentials and its region), but
the class depends only on the service model and on the session's ``creating-client-class``
handlers, which are botocore's and boto3's built-in ones in every session eastwest makes. The
instance state (credentials, region, endpoint, config, the event emitter its hooks are
registered on) stays per client.

botocore has no public way to reuse a class (``ClientCreator.create_client_class`` builds one,
but nothing public builds a client from it), so this wraps the private
``ClientCreator._create_client_class``, feature-detected: if its shape differs from botocore
1.44's (pinned in constraints.txt), nothing is wrapped and clients are built as before, and
``tests/providers/aws/test_client_classes.py`` fails to say so. Only the sessions handed to
``ClassCache.share`` get shared classes; any other botocore session of the process (a test's
seeder, a library's) builds its own, untouched.
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

_METHOD = "_create_client_class"
_PARAMETERS = ("self", "service_name", "service_model")

CreateClass = Callable[[Any, str, Any], type]
# (loader, the class handlers, service, API version): what a generated class depends on.
_Key = tuple[Any, tuple[Any, ...], str, str]


def class_handlers() -> tuple[Any, ...]:
    """The built-in handlers a new session registers that can change a client class: a handler
    added to ``BUILTIN_HANDLERS`` later (a test's, a plugin's) gives later sessions classes of
    their own."""
    return tuple(h for h in botocore.handlers.BUILTIN_HANDLERS if "client-class" in h[0])


def has_known_shape(creator: type) -> bool:
    """``creator._create_client_class(service_name, service_model)`` exists, as in botocore 1.44."""
    method = getattr(creator, _METHOD, None)
    if not callable(method):
        return False
    try:
        parameters = tuple(inspect.signature(method).parameters)
    except (TypeError, ValueError):  # a C function or an object inspect cannot read
        return False
    return parameters == _PARAMETERS


class ClassCache:
    """One generated client class per loader, class handlers, service and API version."""

    def __init__(self) -> None:
        self._classes: dict[_Key, type] = {}
        # Sessions are made per account and dropped with their clients; their emitters go too.
        self._sharing: weakref.WeakKeyDictionary[Any, tuple[Any, ...]] = weakref.WeakKeyDictionary()
        # Held while a class is built: the scope threads' first clients of a service wait for
        # one class (~11 ms) rather than each building its own. Re-entrant: a class handler
        # that built a client of its own would otherwise wait for itself.
        self._lock = threading.RLock()
        self.installed = False
        self.built = 0  # classes generated for shared sessions

    def install(self, creator: type = ClientCreator) -> bool:
        """Wrap ``creator``'s class factory once; False (and nothing changed) if its shape is not
        the one this was written against."""
        with self._lock:
            if not self.installed and has_known_shape(creator):
                setattr(creator, _METHOD, self._wrap(getattr(creator, _METHOD)))
                self.installed = True
            return self.installed

    def share(self, emitter: Any) -> bool:
        """The clients of the session whose event emitter this is share classes from now on
        (when the wrap is installed: the return value)."""
        with self._lock:
            self._sharing[emitter] = class_handlers()
        return self.install()

    def _wrap(self, original: CreateClass) -> CreateClass:
        @functools.wraps(original)  # its signature too: the wrapped class keeps a known shape
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
        handlers = self._sharing.get(emitter) if emitter is not None else None
        if handlers is None or loader is None:
            return None
        # The loader itself, not its id: the key keeps it alive, so no other loader takes its
        # place (shared sessions' loaders are session.shared_loader's, kept for the process).
        return loader, handlers, service_name, str(service_model.api_version)


CLIENT_CLASSES = ClassCache()
