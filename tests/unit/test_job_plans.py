"""The plans Flink makes of the jobs as submitted (their connector DDL, logic and settings): what
reaches a sink and how often a record is parsed are properties of the plan, which no run on a
handful of rows shows reliably."""

import dataclasses
import json
import re

import pytest
from pyflink.table.explain_detail import ExplainDetail

from flink_jobs import jobs


def explained(config, job_name: str) -> tuple[str, str]:
    """The job's optimised plan, as a tree per sink with the changelog each node emits, and as
    it runs: the operators the sinks share appear once."""
    config = dataclasses.replace(config, flink=dataclasses.replace(config.flink, deployment="embedded"))
    _t_env, statement_set = jobs.build(config, jobs.get(job_name))
    plan = statement_set.explain(ExplainDetail.CHANGELOG_MODE)
    execution = plan.index("== Optimized Execution Plan ==")
    return plan[plan.index("== Optimized Physical Plan =="):execution], plan[execution:]


def stream_graph(config, job_name: str) -> list[dict]:
    """The job's operators as Flink will run them: each with its parallelism and its inputs' exchange."""
    config = dataclasses.replace(config, flink=dataclasses.replace(config.flink, deployment="embedded"))
    _t_env, statement_set = jobs.build(config, jobs.get(job_name))
    plan = statement_set.explain(ExplainDetail.JSON_EXECUTION_PLAN)
    graph = plan[plan.index("== Physical Execution Plan =="):]
    return json.loads(graph[graph.index("{"):])["nodes"]


@pytest.mark.parametrize("job_name", jobs.JOB_NAMES)
def test_every_operator_runs_at_the_configured_parallelism_with_no_singleton_exchange(config, job_name):
    config = dataclasses.replace(config, kafka=dataclasses.replace(config.kafka, partitions=3))
    nodes = stream_graph(config, job_name)
    assert config.parallelism == 3  # one subtask per partition, by default
    assert {(node["contents"], node["parallelism"]) for node in nodes} == {(node["contents"], 3) for node in nodes}
    exchanges = {edge["ship_strategy"] for node in nodes for edge in node.get("predecessors", [])}
    assert exchanges <= {"FORWARD", "HASH", "REBALANCE"}, exchanges  # GLOBAL: everything to one task


def test_flink_parallelism_overrides_the_partition_count(config):
    config = dataclasses.replace(config, flink=dataclasses.replace(config.flink, parallelism=4))
    assert {node["parallelism"] for node in stream_graph(config, "dau")} == {4}


def sink_input_changelog(plan: str, table: str) -> set[str]:
    """The kinds of change the sink ``table`` receives: those its input node emits."""
    tree = plan[plan.index(f"Sink(table=[default_catalog.default_database.{table}]"):]
    input_node = tree.splitlines()[1]
    return set(re.search(r"changelogMode=\[([A-Z,]+)\]", input_node).group(1).split(","))


def test_the_order_info_hbase_sink_gets_no_update_before(config):
    # an update's old row would be a delete with the same cell version as the put after it
    plan, _execution = explained(config, "gmv")
    assert sink_input_changelog(plan, "gmall_order_info_sink") == {"I", "UA", "D"}
    # while the GMV sums still retract an order's old amount
    assert "SUM_RETRACT(total_amount)" in plan


@pytest.mark.parametrize("job_name, log_type", [("dau", "startup"), ("alert", "event")])
def test_each_app_log_is_parsed_once_for_all_the_outputs(config, job_name, log_type):
    _plan, execution = explained(config, job_name)
    assert execution.count(f"parse_app_log(line, '{log_type}', ") == 1
    assert execution.count("OverAggregate(") == 1  # and judged late or on time once


def test_the_user_look_up_is_one_java_call_per_order_line(config):
    _plan, execution = explained(config, "sale-detail")
    assert execution.count("lookup_user(") == 1
    assert "PythonCalc" not in execution  # no row crosses to a Python worker
