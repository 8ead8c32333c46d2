"""`gmall-rt mock`: send a MockStream's logs to Kafka and apply its row changes to MariaDB, record
exactly what was sent, and report progress and a summary."""

from __future__ import annotations

import collections
import dataclasses
import json
import sys
import time
from pathlib import Path

import pymysql
from confluent_kafka import Producer

from gmall_rt import clients
from gmall_rt.config import Config
from gmall_rt.mock.generator import LogRecord, MockOptions, MockStream, RowChange

SOURCE_TABLES = ("order_detail", "order_info", "user_info")
ROW_BATCH = 500
# how long the writer waits for MariaDB to take connections again after it went away (a restart)
RECONNECT_S = 120


class MockError(RuntimeError):
    """One line for the user: what is wrong and how to fix it."""


class RowWriter:
    """Applies row changes in arrival order, a transaction per batch (Canal sees each commit).

    A batch whose connection is lost (MariaDB restarted) is applied again on a new connection,
    its inserts as upserts: whether the lost commit took effect or not, the rows end as the batch
    left them, as an app retrying its transaction would leave them (at most some changes seen
    twice, as when Canal sends them again)."""

    def __init__(self, config: Config):
        self.config = config
        cfg = config.mariadb
        try:
            self.connection = clients.mariadb_source(config, autocommit=False)
        except pymysql.MySQLError as exc:
            raise MockError(f"cannot connect to MariaDB at {cfg.host}:{cfg.port} ({exc.args[-1]}); "
                            "is the stack up (gmall-rt stack up)?") from None
        self.pending: list[RowChange] = []

    def existing_rows(self) -> dict[str, int]:
        with self.connection.cursor() as cursor:
            counts = {}
            for table in SOURCE_TABLES:
                cursor.execute(f"SELECT COUNT(*) FROM {table}")
                counts[table] = cursor.fetchone()[0]
        return counts

    def reset(self) -> None:
        with self.connection.cursor() as cursor:
            for table in SOURCE_TABLES:
                cursor.execute(f"DELETE FROM {table}")
        self.connection.commit()

    def add(self, change: RowChange) -> None:
        self.pending.append(change)
        if len(self.pending) >= ROW_BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        try:
            self._apply(self.pending, again=False)
        except (pymysql.err.OperationalError, pymysql.err.InterfaceError):
            self._reconnect()
            self._apply(self.pending, again=True)
        self.pending.clear()

    def _reconnect(self) -> None:
        deadline = time.monotonic() + RECONNECT_S
        while True:
            try:
                self.connection = clients.mariadb_source(self.config, autocommit=False)
                return
            except pymysql.err.OperationalError:
                if time.monotonic() > deadline:
                    raise MockError(f"MariaDB took no connection for {RECONNECT_S} s; "
                                    "check `gmall-rt stack logs mariadb`") from None
                time.sleep(1)

    def _apply(self, changes: list[RowChange], again: bool) -> None:
        with self.connection.cursor() as cursor:
            for change in changes:
                row = change.row
                if change.action == "insert":
                    columns = ", ".join(row)
                    upsert = f" ON DUPLICATE KEY UPDATE {', '.join(f'{c} = VALUES({c})' for c in row)}" if again else ""
                    cursor.execute(f"INSERT INTO {change.table} ({columns}) VALUES ({', '.join(['%s'] * len(row))})"
                                   + upsert, list(row.values()))
                elif change.action == "update":
                    changed = {k: v for k, v in row.items() if k != "id"}
                    assignments = ", ".join(f"{column} = %s" for column in changed)
                    cursor.execute(f"UPDATE {change.table} SET {assignments} WHERE id = %s",
                                   [*changed.values(), row["id"]])
                else:
                    cursor.execute(f"DELETE FROM {change.table} WHERE id = %s", (row["id"],))
        self.connection.commit()

    def close(self) -> None:
        self.flush()
        self.connection.close()


class Progress:
    def __init__(self, total: int, stream=sys.stderr):
        self.total, self.stream = total, stream
        self.interactive = stream.isatty()
        self.started = self.last = time.monotonic()

    def update(self, sent: int, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self.last < (0.5 if self.interactive else 10):
            return
        self.last = now
        rate = sent / max(now - self.started, 1e-9)
        line = f"mock: {sent:,}/{self.total:,} logs ({100 * sent / self.total:.0f}%), {rate:,.0f} logs/s"
        if self.interactive:
            print("\r" + line, end="\n" if final else "", file=self.stream, flush=True)
        elif not final:
            print(line, file=self.stream, flush=True)


def run(config: Config, options: MockOptions, out_dir: Path, rate: float, reset: bool) -> dict:
    """Send the stream; returns the summary that is also written to out_dir/manifest.json."""
    rows = RowWriter(config)
    if reset:
        rows.reset()
    else:
        present = {table: n for table, n in rows.existing_rows().items() if n}
        if present:
            raise MockError(f"the source tables already hold rows ({present}); pass --reset to clear them first, "
                            "so the generated data is the whole input")
    topics = {"start": config.topics.start, "event": config.topics.event}
    producer = Producer({
        "bootstrap.servers": config.kafka.bootstrap_servers,
        "linger.ms": 20,
        "batch.size": 1_000_000,
        "compression.type": "none",
        "queue.buffering.max.messages": 1_000_000,
        "enable.idempotence": True,
        # the producer contract: app logs keyed by mid, partitioned as Kafka's Java clients do
        "partitioner": "murmur2_random",
        "log_level": 3,  # errors only: a fresh broker's "coordinator load in progress" is retried anyway
    })
    out_dir.mkdir(parents=True, exist_ok=True)
    recordings = {kind: (out_dir / f"{topic}.jsonl").open("w", encoding="utf-8") for kind, topic in topics.items()}
    counts: collections.Counter = collections.Counter()
    progress = Progress(options.count)
    started = time.monotonic()
    sent = 0
    produce, poll = producer.produce, producer.poll
    log_counts: collections.Counter = collections.Counter()  # (kind, scenario): kept cheap on the hot path
    try:
        for item in MockStream(options):
            if type(item) is LogRecord:
                value = item.value
                try:
                    produce(topics[item.topic], value, item.mid)
                except BufferError:  # the producer's queue is full: let it drain, then retry once more
                    poll(0.5)
                    produce(topics[item.topic], value, item.mid)
                recordings[item.topic].write(value + "\n")
                log_counts[item.topic, item.scenario] += 1
                sent += 1
                if sent % 1000 == 0:
                    poll(0)
                    progress.update(sent)
                    if rate:
                        ahead = sent / rate - (time.monotonic() - started)
                        if ahead > 0:
                            time.sleep(ahead)
            else:
                rows.add(item)
                counts[f"{item.table}:{item.action}"] += 1
        rows.close()
        if producer.flush(120) != 0:
            raise MockError("Kafka did not acknowledge every log within 120 s; check `gmall-rt stack logs kafka`")
    finally:
        for recording in recordings.values():
            recording.close()
    for (kind, scenario), n in log_counts.items():
        counts[f"{topics[kind]}:{scenario}"] = n
    elapsed = time.monotonic() - started
    progress.update(sent, final=True)
    summary = {
        "options": dataclasses.asdict(options),
        "topics": topics,
        "counts": dict(sorted(counts.items())),
        "logs_sent": sent,
        "seconds": round(elapsed, 3),
        "logs_per_second": round(sent / elapsed) if elapsed else None,
    }
    (out_dir / "manifest.json").write_text(json.dumps(summary, indent=2, default=str))
    return summary
