"""The scheduled drift-correcting reconciler behind ``eastwest run`` and ``eastwest history``.

In: policy files (re-read every tick), a mode (``audit`` or ``enforce``), a history store
(SQLite by default, PostgreSQL by URL) and the cloud adapters. Out: one ``RunResult`` per
partition (cloud, account, region) and tick, recorded in the store, exported as Prometheus
metrics and logged.

What always holds:

- level-triggered, after controller-runtime: every tick re-reads the policy and the cloud and
  plans from scratch; nothing is trusted from an earlier tick except the last *good* policy,
  which stays in force while the files are broken (a broken file never deletes anything);
- enforce mode writes only through ``orchestrator.apply.apply_plan`` (steps in order, a scope
  stops at its first failed step) and only while this instance holds the store's lease with a
  current epoch (fencing); audit mode never writes;
- one partition never runs twice at once, and a slow or failing partition never holds up the
  others (a bounded pool; transient errors back off with jitter, permanent ones wait a tick);
- ``scheduler`` is the only module importing apscheduler; ``command`` imports nothing heavy,
  so ``eastwest plan`` stays fast.

Modules: ``partition`` (what one tick covers), ``source`` (policy files with the last good
one), ``once`` (``reconcile_once``), ``backoff``, ``store/`` (history and lease), ``lease``
(fencing guard), ``metrics`` and ``http`` (observability), ``scheduler`` (APScheduler),
``service`` (wiring, signals), ``command`` (click).
"""
