"""The operations dashboard's PromQL, evaluated by promtool (the Debian package prometheus, as
scripts/bootstrap.sh installs it) on synthetic series named as Flink's Prometheus reporter names
them: ``flink_`` + the metric group's logical scope and the metric's name joined by ``_``, every
metric variable a label (``<job_name>`` becomes ``job_name``), values as they are
(``filterLabelValueCharacters: false``, gmall_rt/stack/flink.py). So:

- a TaskManager's operator metric ``numRecordsIn`` is ``flink_taskmanager_job_task_operator_numRecordsIn``;
- the Kafka source reader's ``KafkaSourceReader.topic.<t>.partition.<p>.currentOffset`` (groups
  ``addGroup("topic", t).addGroup("partition", p)``: the keys join the name, the values become
  labels) is ``flink_taskmanager_job_task_operator_KafkaSourceReader_topic_partition_currentOffset{topic, partition}``;
- ``count_dead_letter``'s ``reason.<reason>.gmall_dead_letters_by_reason`` is
  ``flink_taskmanager_job_task_operator_reason_gmall_dead_letters_by_reason{reason}``;
- the JobManager's job metrics ``numRestarts``, ``lastCheckpointDuration`` and
  ``lastCompletedCheckpointId`` are ``flink_jobmanager_job_<name>``.

java/metrics-reporter's test checks that naming against the reporter itself.
"""

import shutil
import subprocess

import pytest
import yaml

from gmall_rt import grafana
from testkit import grafana_queries

BOARD = next(board for board in grafana.load_dashboards() if board["uid"] == "gmall-operations")
PANELS = {panel["title"]: panel for panel in grafana_queries.panels(BOARD)}
PROMTOOL = shutil.which("promtool")
OP = "flink_taskmanager_job_task_operator"


def series(name: str, values: str, **labels: str) -> dict:
    text = ",".join(f'{key}="{value}"' for key, value in labels.items())
    return {"series": f"{name}{{{text}}}", "values": values}


def operator(job: str, attempt: str, operator_id: str, operator_name: str, subtask: str, **more: str) -> dict:
    """The labels of an operator's metrics: its job, its subtask's attempt, the operator, where it runs."""
    return {"job_id": f"id-{job}", "job_name": job, "task_attempt_id": attempt, "task_attempt_num": "0",
            "task_id": f"task-{operator_id}", "task_name": f"{operator_name} -> Calc[2]", "subtask_index": subtask,
            "operator_id": operator_id, "operator_name": operator_name, "tm_id": "flink-taskmanager-1",
            "host": "127.0.0.1", "job": "flink-taskmanager", "instance": "127.0.0.1:9250",
            "flink_process": "flink-taskmanager-1", **more}


def job(name: str, job_id: str) -> dict:
    return {"job_id": job_id, "job_name": name, "host": "127.0.0.1", "job": "flink-jobmanager",
            "instance": "127.0.0.1:9249", "flink_process": "flink-jobmanager"}


DAU, SALE, ALERT = "gmall-dau", "gmall-sale-detail", "gmall-alert"
DAU_SOURCE = "Source: start_log_source[1]"

# each panel: the series (every 5 s, as the stack scrapes), the time it is evaluated at, and what
# it must show then: {labels: value}. Counters growing by n per sample grow by n/5 per second.
CASES = {
    "Records in per job": ([
        series(f"{OP}_numRecordsIn", "0+600x24", **operator(DAU, "a0", "src", DAU_SOURCE, "0")),
        series(f"{OP}_numRecordsIn", "0+300x24", **operator(DAU, "a1", "src", DAU_SOURCE, "1")),
        # the operators after the source count the same records again: not the job's input
        series(f"{OP}_numRecordsIn", "0+900x24", **operator(DAU, "a0", "calc", "Calc[2]", "0")),
        series(f"{OP}_numRecordsIn", "0+50x24", **operator(SALE, "b0", "s1", "Source: order_detail_source[1]", "0")),
        series(f"{OP}_numRecordsIn", "0+25x24", **operator(SALE, "b1", "s2", "Source: order_info_source[5]", "0")),
    ], "2m", {(("job_name", DAU),): 180, (("job_name", SALE),): 15}),

    "Records out per job": ([
        series(f"{OP}_numRecordsIn", "0+100x24", **operator(DAU, "a0", "k1", "Sink: dau_hour_sink[9]", "0")),
        series(f"{OP}_numRecordsIn", "0+5x24", **operator(DAU, "a0", "k2", "dead_letter_sink[12]: Writer", "0")),
        # a Kafka sink's committer takes committables, not records
        series(f"{OP}_numRecordsIn", "0+1x24", **operator(DAU, "a0", "k3", "dead_letter_sink[12]: Committer", "0")),
        series(f"{OP}_numRecordsIn", "0+600x24", **operator(DAU, "a0", "src", DAU_SOURCE, "0")),
        series(f"{OP}_numRecordsIn", "0+900x24", **operator(DAU, "a0", "calc", "Calc[2]", "0")),
    ], "2m", {(("job_name", DAU),): 21}),

    "Kafka consumer lag per topic and partition": ([
        series(f"{OP}_pendingRecords", "42x24", **operator(DAU, "a0", "src", DAU_SOURCE, "0")),
        series(f"{OP}_KafkaSourceReader_topic_partition_currentOffset", "1000x24",
               **operator(DAU, "a0", "src", DAU_SOURCE, "0", topic="gmall_start", partition="0")),
        series(f"{OP}_KafkaSourceReader_topic_partition_committedOffset", "900x24",
               **operator(DAU, "a0", "src", DAU_SOURCE, "0", topic="gmall_start", partition="0")),
        series(f"{OP}_pendingRecords", "7x24", **operator(DAU, "a1", "src", DAU_SOURCE, "1")),
        series(f"{OP}_KafkaSourceReader_topic_partition_currentOffset", "-1x24",
               **operator(DAU, "a1", "src", DAU_SOURCE, "1", topic="gmall_start", partition="1")),
        # a subtask that reads two partitions shows its total on each
        series(f"{OP}_pendingRecords", "10x24", **operator(SALE, "b0", "s1", "Source: order_detail_source[1]", "0")),
        series(f"{OP}_KafkaSourceReader_topic_partition_currentOffset", "5x24",
               **operator(SALE, "b0", "s1", "Source: order_detail_source[1]", "0", topic="gmall_order_detail",
                          partition="0")),
        series(f"{OP}_KafkaSourceReader_topic_partition_currentOffset", "6x24",
               **operator(SALE, "b0", "s1", "Source: order_detail_source[1]", "0", topic="gmall_order_detail",
                          partition="1")),
        # the same partition read by another job is that job's lag
        series(f"{OP}_pendingRecords", "3x24", **operator(ALERT, "c0", "src", "Source: event_log_source[1]", "0")),
        series(f"{OP}_KafkaSourceReader_topic_partition_currentOffset", "8x24",
               **operator(ALERT, "c0", "src", "Source: event_log_source[1]", "0", topic="gmall_event", partition="0")),
    ], "2m", {
        (("job_name", DAU), ("partition", "0"), ("topic", "gmall_start")): 42,
        (("job_name", DAU), ("partition", "1"), ("topic", "gmall_start")): 7,
        (("job_name", SALE), ("partition", "0"), ("topic", "gmall_order_detail")): 10,
        (("job_name", SALE), ("partition", "1"), ("topic", "gmall_order_detail")): 10,
        (("job_name", ALERT), ("partition", "0"), ("topic", "gmall_event")): 3,
    }),

    "Checkpoint duration": ([
        series("flink_jobmanager_job_lastCheckpointDuration", "1500x24", **job(DAU, "j1")),
        series("flink_jobmanager_job_lastCheckpointDuration", "250 300x23", **job(ALERT, "j2")),
    ], "2m", {(("job_name", DAU),): 1500, (("job_name", ALERT),): 300}),

    # the id changes from 1 to 2 at 15 s, and from 6 to 7 at 100 s: at 120 s the last checkpoint
    # is 105 s and 20 s old; the panel sees a change until the 15 s window has passed it (its last
    # step with a change is 25 s and 110 s), so it shows 95 and 10
    "Time since the last completed checkpoint": ([
        series("flink_jobmanager_job_lastCompletedCheckpointId", "1 1 1 2x21", **job(DAU, "j1")),
        series("flink_jobmanager_job_lastCompletedCheckpointId", "-1 -1 1+1x17 7x4", **job(ALERT, "j2")),
    ], "2m", {(("job_name", DAU),): 95, (("job_name", ALERT),): 10}),

    "Restarts": ([
        series("flink_jobmanager_job_numRestarts", "0 0 1x10 2x12", **job(DAU, "j1")),
        series("flink_jobmanager_job_numRestarts", "0x24", **job(ALERT, "j2")),
    ], "2m", {(("job_name", DAU),): 2, (("job_name", ALERT),): 0}),

    "Dead letters per minute by reason": ([
        series(f"{OP}_reason_gmall_dead_letters_by_reason", "0+5x24",
               **operator(DAU, "a0", "calc", "Calc[5]", "0", reason="late")),
        series(f"{OP}_reason_gmall_dead_letters_by_reason", "0+10x24",
               **operator(DAU, "a1", "calc", "Calc[5]", "1", reason="late")),
        series(f"{OP}_reason_gmall_dead_letters_by_reason", "0+1x24",
               **operator(DAU, "a0", "calc", "Calc[5]", "0", reason="missing field mid")),
        series(f"{OP}_reason_gmall_dead_letters_by_reason", "0+2x24",
               **operator(ALERT, "c0", "calc", "Calc[7]", "0", reason="unknown evid")),
        # the total of the same operator is not a reason
        series(f"{OP}_gmall_dead_letters", "0+16x24", **operator(DAU, "a0", "calc", "Calc[5]", "0")),
    ], "2m", {
        (("job_name", DAU), ("reason", "late")): 180,
        (("job_name", DAU), ("reason", "missing field mid")): 12,
        (("job_name", ALERT), ("reason", "unknown evid")): 24,
    }),

    "Flink processes scraped": ([
        series("up", "1x24", job="flink-jobmanager", instance="127.0.0.1:9249", flink_process="flink-jobmanager"),
        series("up", "1x24", job="flink-taskmanager", instance="127.0.0.1:9250", flink_process="flink-taskmanager-1"),
        series("up", "1x20 0x4", job="flink-taskmanager", instance="127.0.0.1:9251",
               flink_process="flink-taskmanager-2"),
        series("up", "1x24", job="other", instance="127.0.0.1:9100"),
    ], "2m", {
        (("__name__", "up"), ("flink_process", "flink-jobmanager"), ("instance", "127.0.0.1:9249"),
         ("job", "flink-jobmanager")): 1,
        (("__name__", "up"), ("flink_process", "flink-taskmanager-1"), ("instance", "127.0.0.1:9250"),
         ("job", "flink-taskmanager")): 1,
        (("__name__", "up"), ("flink_process", "flink-taskmanager-2"), ("instance", "127.0.0.1:9251"),
         ("job", "flink-taskmanager")): 0,
    }),
}


def promql(title: str) -> str:
    [target] = PANELS[title]["targets"]
    return grafana_queries.promql(target, {})


def test_every_panel_is_on_prometheus_and_tested_here():
    assert set(PANELS) == set(CASES)
    for panel in PANELS.values():
        assert panel["datasource"] == {"type": "prometheus", "uid": "gmall-prometheus"}
        assert [target["refId"] for target in panel["targets"]] == ["A"]


@pytest.mark.parametrize("title", sorted(CASES))
def test_panel_promql_on_synthetic_series(title, tmp_path):
    if PROMTOOL is None:
        pytest.skip("promtool is not installed: it comes with the Debian package prometheus (scripts/bootstrap.sh)")
    input_series, eval_time, expected = CASES[title]
    labels = lambda pairs: "{" + ",".join(f'{key}="{value}"' for key, value in pairs) + "}"
    test = {"evaluation_interval": "5s", "tests": [{
        "interval": "5s",
        "input_series": input_series,
        "promql_expr_test": [{"expr": promql(title), "eval_time": eval_time,
                              "exp_samples": [{"labels": labels(pairs), "value": value}
                                              for pairs, value in expected.items()]}],
    }]}
    path = tmp_path / "panel_test.yml"
    path.write_text(yaml.safe_dump(test, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = subprocess.run([PROMTOOL, "test", "rules", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"{title}: {promql(title)}\n{result.stdout}{result.stderr}"
