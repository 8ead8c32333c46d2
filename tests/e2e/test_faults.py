"""The pipeline's run went through a Kafka broker killed with SIGKILL, Elasticsearch, HBase and
Redis stopped together while the jobs wrote to them, MariaDB restarted, and Canal killed with
SIGKILL (conftest's SERVICE_FAULTS), after the TaskManager kills. The other end-to-end tests compare that run's
outputs with the oracle; these check that the faults happened and that nothing was lost on the
way in."""

from collections import Counter

from tests.e2e.conftest import SERVICE_FAULTS


def test_every_service_fault_was_recovered_from_by_the_jobs_themselves(pipeline):
    assert set(pipeline.fault_s) == {what for what, _services, _how in SERVICE_FAULTS}
    for what, (healthy_after, checkpointing_after) in pipeline.fault_s.items():
        assert 0 < healthy_after <= checkpointing_after < 600, what


def test_the_mock_lost_no_log_through_the_broker_kill(pipeline):
    for topic, records in ((pipeline.config.topics.start, pipeline.start_logs), (pipeline.config.topics.event, pipeline.event_logs)):
        sent = Counter(pipeline.mock_logs[topic])
        held = Counter(record.value for record in records)
        assert sent - held == Counter(), f"{topic}: logs the mock sent that the topic does not hold"
        extra = held - sent - Counter(pipeline.hostile_logs[topic])
        # and the window-closing logs the test itself sends
        assert all('"mid_window_closer_' in value for value in extra), topic
