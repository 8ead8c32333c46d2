"""The table environment a job is submitted from."""

from flink_jobs.table_env import create_table_env

LOOPBACK = "python.loopback-server.address"


def test_a_job_for_the_cluster_does_not_call_back_to_its_client_for_python_workers(config):
    # with the client's loopback address, a Python operator restarted after the client exited
    # could never start its worker again
    remote = create_table_env(config, streaming=True, target="remote")
    assert remote.get_config().get_configuration().get_string(LOOPBACK, "") == ""


def test_an_in_process_job_keeps_its_loopback_workers(config):
    local = create_table_env(config, streaming=True, target="local")
    assert local.get_config().get_configuration().get_string(LOOPBACK, "") != ""
