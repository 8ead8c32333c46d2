"""Hostile records in both log topics among the mock's logs (testkit/hostile.py), and malformed
messages in each Canal topic among Canal's (testkit/canal.py), during the pipeline's run (conftest
sends half of them at once right after the restore and the rest through the kills and faults).
Every job takes them without a restart; each one the oracle rejects is in the dead-letter topic
exactly once, with its reason and exact bytes; the valid records' outputs are checked against the
oracle by the other tests, over everything the topics hold and the source tables."""

from collections import Counter

from gmall_rt import reference as oracle
from testkit import canal
from tests.e2e.conftest import HOSTILE_CANAL_MESSAGES, HOSTILE_LOGS


def test_every_hostile_record_was_written_to_its_topic(pipeline):
    for topic, records in ((pipeline.config.topics.start, pipeline.start_logs),
                           (pipeline.config.topics.event, pipeline.event_logs)):
        sent = Counter(pipeline.hostile_logs[topic])
        assert sum(sent.values()) == HOSTILE_LOGS
        assert sent - Counter(record.value for record in records) == Counter(), topic


def test_no_job_restarted_on_the_first_half_of_the_hostile_records(pipeline):
    assert pipeline.restarts_after_burst == {name: 0 for name in pipeline.restarts_after_burst}
    assert 0 < pipeline.hostile_burst_s < 300


def test_every_bad_log_of_both_topics_is_a_dead_letter_once_with_its_reason_and_bytes(pipeline):
    got = Counter((d["source_topic"], oracle.dead_letter_value(d), d["reason"]) for d in pipeline.dead_letters
                  if d["source_topic"] in pipeline.log_topics)
    want = Counter(oracle.dead_letters(pipeline.start_logs, pipeline.event_logs, pipeline.lateness_ms,
                                       pipeline.max_future_ms, pipeline.log_topics))
    assert got == want
    # the hostile records gave every reason of the contract, and the checks before parsing
    reasons = {reason for _topic, _value, reason in want}
    assert {"null value", "oversized", "invalid UTF-8", "malformed JSON", "not a JSON object",
            "missing field type", "ts out of range", "unknown evid"} <= reasons


def test_every_malformed_canal_message_was_written_to_its_topic(pipeline):
    for topic, records in pipeline.canal_messages.items():
        sent = Counter(pipeline.hostile_canal[topic])
        assert sum(sent.values()) == HOSTILE_CANAL_MESSAGES
        assert sent - Counter(record.value for record in records) == Counter(), topic


def test_every_canal_message_the_jobs_do_not_apply_is_a_dead_letter_once_with_its_reason_and_bytes(pipeline):
    tables = {pipeline.config.topics.order_info: "order_info", pipeline.config.topics.order_detail: "order_detail",
              pipeline.config.topics.user_info: "user_info"}
    got = Counter((d["source_topic"], oracle.dead_letter_value(d), d["reason"]) for d in pipeline.dead_letters
                  if d["source_topic"] in tables)
    want = Counter()
    for topic, records in pipeline.canal_messages.items():
        columns = canal.source_table_columns(tables[topic])
        for record in records:
            if (reason := canal.dead_letter_reason(record.value, columns)) is not None:
                want[topic, record.value, reason] += 1
    assert got == want
    # Canal's own messages are all applied: every dead letter is one the test sent
    assert sum(want.values()) <= sum(len(sent) for sent in pipeline.hostile_canal.values())
    reasons = {reason for _topic, _value, reason in want}
    assert {"empty message", "invalid UTF-8", "malformed JSON", "missing field data", "old does not match data"} <= reasons
    assert any(reason.startswith("out of range for ") for reason in reasons)
