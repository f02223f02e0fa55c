"""The path check: proving from observed routes, groups and lists that access matches the policy.

In: a ``RoutingModel`` and, where the cloud's groups are read, an ``AccessModel`` per scope (read
by a provider), and the policy's segments and rules. Out: per ordered pair of segments, whether
every path is what the policy asks — through one firewall both ways (inspected rule), routed
both ways (rule), or not routed at all (no rule) — and whether each port of the policy passes
the workloads' groups and lists exactly when a rule allows it; each violation with its finding
and the tables, groups or rules that make it.
Always: read-only. ``walk``, ``check`` and ``access`` are pure; ``command`` alone reads clouds.
"""
