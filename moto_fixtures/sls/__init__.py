"""A local Alibaba Cloud Simple Log Service (SLS): the REST API VPC flow logs are read
through (``ListShards``, ``GetCursor``, ``PullLogs``), as ``aliyun-log-python-sdk`` calls it.

In: projects, logstores and log groups put in by the sandbox (``SlsServer.put``). Out: the
service's wire format: JSON for shards and cursors, a protobuf ``LogGroupList`` compressed
with LZ4 for ``PullLogs``, ``x-log-*`` headers, and its error codes. Always: a request is
refused unless signed with the fake's key (signature version 1, HMAC-SHA1); state
(``store.py``) is kept apart from the wire (``wire.py``, ``server.py``), as moto does.
"""

from moto_fixtures.sls.server import SlsServer, start_sls_server

__all__ = ["SlsServer", "start_sls_server"]
