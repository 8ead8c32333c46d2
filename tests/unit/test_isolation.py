"""A test run's configuration (testkit.isolation) names everything the jobs read and write its own:
the names it derives, and the jobs' DDL, the schema, the accounts' grants, Canal's routes and the
Grafana datasources rendered with it. Without services: prepare and drop are left to the stack
tests, all but their refusal of the app's own names."""

import dataclasses
import re

import pytest

from flink_jobs import jobs, sale_detail
from flink_jobs.config import TopicsConfig
from gmall_rt import config as config_module
from gmall_rt import grafana, schema
from gmall_rt.config import Config, ConfigError
from gmall_rt.stack.canal import Canal
from gmall_rt.stack.mariadb import MariaDB
from gmall_rt.stack.service import StackError
from testkit import isolation

RUN = "e2e_0a1b2c3d"
OPTION = re.compile(r"'([^']+)'\s*=\s*'([^']*)'")


@pytest.fixture(scope="module")
def run_config(config):
    return isolation.isolated(config, RUN)


def value(config, section, key):
    return getattr(getattr(config, section), key)


def test_every_name_is_the_runs_own_but_the_test_database_and_its_topics(config, run_config):
    canal = config.canal
    shared = {("mariadb", "source_database"): canal.test_database,
              **{("topics", table): topic for table, topic in canal.test_topics().items()},
              # Canal's, not the run's: the stack's Canal writes it
              ("topics", "canal_unrouted"): config.topics.canal_unrouted,
              # the run's source is the test database: it has none beside it
              ("canal", "test_database"): ""}
    for section, keys in isolation.KEYS.items():
        for key in keys:
            name = value(run_config, section, key)
            if (section, key) in shared:
                assert name == shared[section, key], (section, key)
            else:
                assert RUN in name.lower() and name != value(Config(), section, key), (section, key, name)
    assert set(isolation.KEYS["topics"]) == {field.name for field in dataclasses.fields(TopicsConfig)}
    assert run_config.topics.start == f"{RUN}_gmall_start"
    assert run_config.hbase.dau_table == f"{RUN}_GMALL_DAU".upper()
    assert run_config.redis.user_key_prefix == f"{RUN}:user:"
    assert run_config.flink.checkpoint_dir == f"{config.flink.checkpoint_dir.rstrip('/')}/{RUN}"
    # everything else is the configuration's as it was
    assert (run_config.kafka, run_config.time, run_config.stack) == (config.kafka, config.time, config.stack)


def test_two_runs_share_nothing_but_the_test_database_and_its_topics(config, run_config):
    other = isolation.isolated(config, "e2e_other")
    common = {(section, key) for section, keys in isolation.KEYS.items() for key in keys
              if value(other, section, key) == value(run_config, section, key)}
    assert common == {("mariadb", "source_database"), ("topics", "order_info"), ("topics", "order_detail"),
                      ("topics", "user_info"), ("topics", "canal_unrouted"), ("canal", "test_database")}


def options(statement: str) -> dict[str, str]:
    return dict(OPTION.findall(statement))


@pytest.mark.parametrize("job_name", jobs.JOB_NAMES)
def test_the_jobs_read_and_write_the_runs_names_only(run_config, job_name):
    job = jobs.get(job_name)
    ddl = jobs.table_ddl(job, jobs.sql_parameters(run_config, job))
    pipeline = job.pipeline_name(run_config)
    topics = {getattr(run_config.topics, field) for field in isolation.KEYS["topics"]}
    defaults = {value(Config(), section, key) for section, keys in isolation.KEYS.items() for key in keys} - {""}
    for statement in ddl:
        opts = options(statement)
        if "topic" in opts:
            assert opts["topic"] in topics
        if "properties.group.id" in opts:
            assert opts["properties.group.id"].startswith(pipeline)
        if "sink.transactional-id-prefix" in opts:
            assert opts["sink.transactional-id-prefix"].startswith(pipeline)
        if opts.get("connector") == "hbase-2.2":
            assert opts["table-name"] in (run_config.hbase.dau_table, run_config.hbase.order_info_table)
        if opts.get("connector") == "jdbc":
            assert opts["url"].endswith(f"/{run_config.mariadb.report_database}")
        if opts.get("connector") == "elasticsearch-7":
            family = opts["index"].split("-{", 1)[0]
            assert family in (run_config.elasticsearch.coupon_alert_index, run_config.elasticsearch.sale_detail_index)
        if opts.get("connector") == "redis-hash":
            assert opts["key-prefix"] == run_config.redis.user_key_prefix
        # an account's name may be a default name too ('gmall')
        assert not {v for k, v in opts.items() if k != "username"} & defaults, statement
    settings = jobs.job_settings(run_config, job)
    assert settings["pipeline.name"] == pipeline == f"{RUN}_gmall-{job.name}"
    assert settings["execution.checkpointing.dir"] == f"{run_config.flink.checkpoint_dir}/{job.name}"


def test_the_user_look_up_reads_the_runs_hashes_and_the_test_database(config, run_config, monkeypatch):
    made = []

    class Gateway:
        class jvm:
            class com:
                class gmall:
                    class realtime:
                        class udf:
                            @staticmethod
                            def UserLookup(*arguments):
                                made.append(arguments)
                                return "lookup_user"

    monkeypatch.setattr("pyflink.java_gateway.get_gateway", lambda: Gateway)
    assert sale_detail.java_functions(run_config) == {"lookup_user": "lookup_user"}
    (arguments,) = made
    assert arguments[3] == run_config.redis.user_key_prefix
    assert arguments[-1] == run_config.mariadb.source_database == config.canal.test_database


def test_the_schema_the_run_applies_has_its_names(run_config):
    created = [re.search(r"CREATE TABLE IF NOT EXISTS (\w+)", stmt).group(1)
               for stmt in schema.phoenix_statements(run_config)]
    assert sorted(created) == sorted([run_config.hbase.dau_table, run_config.hbase.order_info_table])
    templates = schema.index_templates(run_config)
    families = [run_config.elasticsearch.coupon_alert_index, run_config.elasticsearch.sale_detail_index]
    assert sorted(templates) == sorted(families)
    for name, template in templates.items():
        assert template["index_patterns"] == [f"{name}-*"] and list(template["template"]["aliases"]) == [name]


def test_each_account_gets_its_rights_on_the_runs_report_database_at_its_own_address(run_config):
    report, host = run_config.mariadb.report_database, run_config.mariadb.host
    db = run_config.mariadb
    assert MariaDB(run_config).report_grants() == [
        f"GRANT ALL PRIVILEGES ON `{report}`.* TO '{db.admin_user}'@'{host}'",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON `{report}`.* TO '{db.user}'@'{host}'",
        f"GRANT SELECT ON `{report}`.* TO '{db.reader_user}'@'{host}'",
    ]


def test_canal_routes_the_runs_source_database_to_the_runs_topics(config, run_config):
    assert Canal(run_config).routes() == {(config.canal.test_database, table): topic
                                          for table, topic in config.canal.test_topics().items()}


def test_grafana_shows_the_runs_report_database_and_indices(run_config):
    datasources = {ds["uid"]: ds for ds in grafana.load_datasources(grafana.config_variables(run_config))}
    assert datasources["gmall-report"]["jsonData"]["database"] == run_config.mariadb.report_database
    assert datasources["gmall-coupon-alert"]["jsonData"]["index"] == run_config.elasticsearch.coupon_alert_index
    assert datasources["gmall-sale-detail"]["jsonData"]["index"] == run_config.elasticsearch.sale_detail_index


def test_a_subprocess_given_the_environment_loads_the_same_run(run_config, tmp_path):
    environ = {**isolation.environment(run_config), "GMALL_STACK_STATE_DIR": str(run_config.stack.state_path)}
    loaded = config_module.load(environ=environ)
    for section, keys in isolation.KEYS.items():
        for key in keys:
            assert value(loaded, section, key) == value(run_config, section, key), (section, key)


@pytest.mark.parametrize("run_id", ["", "E2E", "1st", "e2e-1", "e2e.1", "e" * 25])
def test_a_run_id_every_service_cannot_take_is_refused(config, run_id):
    with pytest.raises(ConfigError, match="run id"):
        isolation.isolated(config, run_id)


def test_a_new_run_id_is_taken_and_unique():
    first, second = isolation.new_run_id(), isolation.new_run_id()
    assert first != second
    isolation.isolated(Config(), first)


def test_without_a_test_database_there_is_no_isolated_run(config):
    without = dataclasses.replace(config, canal=dataclasses.replace(config.canal, test_database=""))
    with pytest.raises(ConfigError, match="canal.test_database"):
        isolation.isolated(without, RUN)


@pytest.mark.parametrize("action", [isolation.prepare, isolation.drop])
def test_prepare_and_drop_refuse_the_apps_own_names_before_touching_anything(config, action):
    with pytest.raises(ConfigError, match="the app's own"):
        action(config)


@pytest.mark.parametrize("job_name", jobs.JOB_NAMES)
def test_by_default_the_jobs_use_todays_names(job_name):
    job = jobs.get(job_name)
    values = {v for stmt in jobs.table_ddl(job, jobs.sql_parameters(Config(), job)) for v in options(stmt).values()}
    wanted = {
        "dau": {"gmall_start", "GMALL_DAU", "gmall_dlq", "gmall-dau", "gmall-dau-dead-letters"},
        "gmv": {"gmall_order_info", "GMALL_ORDER_INFO", "gmall-gmv", "gmall-gmv-messages"},
        "alert": {"gmall_event", "gmall_coupon_alert-{window_end|yyyy-MM-dd}", "gmall-alert"},
        "user-dim": {"gmall_user_info", "user:", "gmall-user-dim"},
        "sale-detail": {"gmall_order_detail", "gmall_order_info", "gmall_sale_detail-{dt|yyyy-MM-dd}",
                        "gmall-sale-detail"},
    }[job_name]
    assert wanted <= values


def test_a_run_needs_the_stacks_canal_started_with_the_test_database(config, tmp_path):
    def stack_started_with(test_database: str):
        """A stack whose Canal wrote its routes with ``test_database``, as `stack up` does."""
        stack = dataclasses.replace(config.stack, state_dir=str(tmp_path / (test_database or "none")))
        started = dataclasses.replace(config, stack=stack,
                                      canal=dataclasses.replace(config.canal, test_database=test_database))
        Canal(started).prepare()
        return dataclasses.replace(started, canal=config.canal)

    isolation.check_canal_routes(isolation.isolated(stack_started_with(config.canal.test_database), RUN))
    with pytest.raises(StackError, match="does not route .*start it again"):
        isolation.check_canal_routes(isolation.isolated(stack_started_with(""), RUN))
