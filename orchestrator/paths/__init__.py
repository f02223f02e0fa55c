"""The path check: proving from observed routes that routing matches the policy.

In: a ``RoutingModel`` per scope (read by a provider) and the policy's segments and rules. Out:
per ordered pair of segments, whether every path is what the policy asks — through a firewall
both ways (inspected rule), routed both ways (rule), or not routed at all (no rule) — and each
violation with the tables it went through.
Always: read-only. ``walk`` and ``check`` are pure; ``command`` alone reads clouds.
"""
