"""The local AWS cloud: moto in server mode, patched where eastwest needs real EC2 behaviour.

In: a port. Out: ``server.start_aws_server()`` → ``AwsServer`` (``.url``, ``.stop()``, the call
log); ``seed.seed_landing_zone(url)`` → ``SeedReport``; ``clients.ec2_client(url, account)``.
Always: the patches (``patches.py``) are installed before the server answers its first request;
resources live in memory and vanish with the server.

Modules: ``server`` (werkzeug serving moto, behind the call log of ``calls``); ``patches`` (the
table of patches, held in ``pagination``, ``prefix_lists`` and ``authorize``, their error codes in
``exceptions``); ``clients`` (boto3 clients aimed at one account of the fake); ``seed`` (the
landing zone, shaped by ``landing_zone``); ``console`` (console-style edits for the demo).
This package imports nothing eagerly: ``clients`` and ``seed`` need only boto3, so a CLI that
just talks to a running sandbox never pays for importing moto.
"""
