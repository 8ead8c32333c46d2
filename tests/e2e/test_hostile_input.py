"""Hostile records in both log topics, among the mock's logs, during the pipeline's run
(testkit/hostile.py; conftest sends half of them at once right after the restore and the rest
through the kills and faults). Every job takes them without a restart; each one the oracle
rejects is in the dead-letter topic exactly once, with its reason and exact bytes; the valid logs'
outputs are checked against the oracle by the other tests, over everything the topics hold."""

from collections import Counter

from testkit import oracle
from tests.e2e.conftest import HOSTILE_LOGS


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
