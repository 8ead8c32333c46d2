"""Benchmark of the coupon alert job (not a test): sustained event logs/s from Kafka to
Elasticsearch with checkpoints on, and alert latency p50/p99 at a fixed input rate.

    .venv/bin/python -m benchmarks.alert [--backlog 1000000] [--density 1000] [--rate 5000]
                                         [--seconds 60] [--speedup 10] [--devices 20000]
                                         [--partitions 2] [--parallelism 0]

Runs on the local stack against its own topics (the documents of its own devices go to the indices
of elasticsearch.coupon_alert_index, gmall_coupon_alert). The input is the mock generator's event
logs (visits of a few events, coupon-fraud bursts, near misses, out-of-order, late, duplicate and
malformed logs).

Throughput: a backlog spread over event time at --density logs per second of event time (so the
windows close all along the run, not only at its end), measured from the job's offset commits.
Latency: logs sent at --rate per second, event time running --speedup times faster than the clock.
An alert can only be written once the watermark passes its window, i.e. once every partition has
received a log at least the allowed lateness after the window end (the job's watermark is the
smallest of its partitions'); its latency is from sending the log that completed that to the
document being searchable in Elasticsearch.
Event time ends before the clock (ending a day ago, or earlier for a longer span): the job takes a
log more than time.max_future_s ahead of its Kafka record's timestamp for a wrong clock.
"""

import bisect
import dataclasses
import threading
import time

from benchmarks import harness
from flink_jobs import alert, jobs
from gmall_rt import clients, flink_rest, reference as oracle
from gmall_rt.config import Config
from gmall_rt.mock.generator import LogRecord, MockOptions, MockStream

JOB = dataclasses.replace(alert.JOB, name="alert-bench")  # its own checkpoints and Kafka transactions


def event_time_start(*spans_ms: int) -> int:
    """Where event time starts: a day ago, or earlier when a span of ``spans_ms`` would reach the
    clock (the mock generator's visits and bursts run some minutes past their span)."""
    return int(time.time() * 1000) - max(86_400_000, max(spans_ms) + 3_600_000)


def event_logs(count: int, first_ts: int, span_ms: int, devices: int, seed: int,
               tag: str) -> list[tuple[str, str]]:
    """(mid, log) pairs of ``count`` event logs of the mock generator (visits of a few events each,
    coupon-fraud bursts, near misses, out-of-order, late, duplicate and malformed logs) over
    ``span_ms`` of event time, device ids made unique to this run; keyed by mid as the producers of
    logs do (a malformed log by its device's)."""
    options = MockOptions(start_ms=first_ts, end_ms=first_ts + span_ms, count=count, seed=seed,
                          devices=devices, orders=0)
    prefix = f"bench_{tag}_"
    return [(prefix + item.mid.removeprefix("mid_"), item.value.replace('"mid":"mid_', f'"mid":"{prefix}'))
            for item in MockStream(options) if type(item) is LogRecord and item.topic == "event"]


def watermarks(config: Config, values: list[str], partitions: list[int]) -> list[int]:
    """After each log (of ``values``, sent to ``partitions``), the job's watermark plus the allowed
    lateness: the smallest over the topic's partitions of the newest ts of the valid logs each has
    received (dead letters do not move it, a partition with none holds it at 0)."""
    newest = dict.fromkeys(range(config.kafka.partitions), 0)
    stamps = []
    for value, partition in zip(values, partitions):
        log = oracle.parse_log_record(value, oracle.EVENT_TYPE, oracle.EVENT_FIELDS)
        if not isinstance(log, str):
            newest[partition] = max(newest[partition], log["ts"])
        stamps.append(min(newest.values()))
    return stamps


def alert_latency(config: Config, records: list[tuple[str, str]], rate: float,
                  tag: str) -> tuple[float, float, int]:
    job_id = str(jobs.submit(config, JOB).get_job_client().get_job_id())
    es, alerts = clients.elasticsearch(config), config.elasticsearch.coupon_alert_index
    seen: dict[str, tuple[float, int]] = {}
    try:
        time.sleep(15)  # let the job start before the clock runs
        sent: list[harness.Sent] = []
        producer = threading.Thread(target=lambda: sent.append(
            harness.produce(config, config.topics.event, records, rate)))
        producer.start()
        finished = None  # keep looking for 10 s after the last log is sent
        while finished is None or time.monotonic() < finished + 10:
            if finished is None and not producer.is_alive():
                finished = time.monotonic()
            if es.indices.exists_alias(name=alerts):
                es.indices.refresh(index=alerts)
                now = time.monotonic()
                result = es.search(index=alerts, size=10_000, _source=["ts"],
                                   query={"prefix": {"mid": f"bench_{tag}_"}})
                for hit in result["hits"]["hits"]:
                    seen.setdefault(hit["_id"], (now, hit["_source"]["ts"]))
            time.sleep(0.05)
        producer.join()
    finally:
        flink_rest.cancel(config, job_id)
    if not sent:
        raise SystemExit("the latency run's logs were not all sent")
    lateness = config.time.allowed_lateness_s * 1000
    stamps = watermarks(config, [value for _key, value in records], sent[0].partitions)
    delays = []
    for seen_at, end in seen.values():
        trigger = bisect.bisect_left(stamps, end + lateness)
        if trigger < len(stamps):
            delays.append(seen_at - sent[0].times[trigger])
    if not delays:
        raise SystemExit("no alert was closed by a later log: run longer (--seconds) or faster (--speedup), "
                         "beyond the allowed lateness of event time")
    delays.sort()
    return delays[len(delays) // 2], delays[max(0, int(len(delays) * 0.99) - 1)], len(delays)


def main() -> None:
    parser = harness.benchmark_arguments(__doc__.splitlines()[0])
    parser.add_argument("--backlog", type=int, default=1_000_000, help="mock logs to generate (events are ~80%%)")
    parser.add_argument("--density", type=float, default=1_000, help="backlog logs per second of event time")
    parser.add_argument("--devices", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=5_000, help="logs/s sent for the latency run")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--speedup", type=float, default=10, help="event time / real time in the latency run")
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args()
    base = harness.configured(args)
    backlog_span_ms = int(args.backlog / args.density * 1000)
    latency_span_ms = int(args.seconds * args.speedup * 1000)
    start_ts = event_time_start(backlog_span_ms, latency_span_ms)

    if not args.skip_throughput:
        config = harness.isolated_config(base, "event")
        tag = config.topics.event.rsplit("_", 1)[-1]
        records = event_logs(args.backlog, start_ts, backlog_span_ms, args.devices, 1, tag)
        print(f"alert: producing a backlog of {len(records):,} event logs "
              f"({len(records) / args.density / 60:.0f} minutes of event time)")
        harness.produce(config, config.topics.event, records)
        rate = harness.throughput(config, JOB, config.topics.event, len(records))
        print(f"alert ({harness.scale(config)}): sustained {rate.describe('event logs')} from Kafka to "
              f"Elasticsearch, checkpoints every {config.flink.checkpoint_interval_ms} ms")

    config = harness.isolated_config(base, "event")
    tag = config.topics.event.rsplit("_", 1)[-1]
    records = event_logs(int(args.rate * args.seconds / 0.8), start_ts, latency_span_ms, args.devices, 2, tag)
    rate = len(records) / args.seconds
    p50, p99, alerts = alert_latency(config, records, rate, tag)
    print(f"alert ({harness.scale(config)}): at {rate:,.0f} event logs/s ({args.speedup:g}x event time), "
          f"{alerts:,} alerts, latency from the log closing the window to the searchable document "
          f"p50 {p50:.3f} s, p99 {p99:.3f} s")


if __name__ == "__main__":
    main()
