import pytest

from flink_jobs import config as job_config
from gmall_rt import config as config_module
from gmall_rt.config import ConfigError
from gmall_rt.stack.manager import ensure_credentials


def test_defaults_without_file_or_environment(tmp_path):
    config = config_module.load(environ={"GMALL_STACK_STATE_DIR": str(tmp_path)})
    assert config.kafka.bootstrap_servers == "127.0.0.1:9092"
    assert config.time.zone == "Asia/Shanghai"
    assert config.topics.dead_letter == "gmall_dlq"


def test_environment_overrides_file_and_file_overrides_defaults(tmp_path):
    conf = tmp_path / "gmall.toml"
    conf.write_text('[kafka]\nport = 19092\nhost = "10.0.0.5"\n[time]\nzone = "UTC"\n')
    config = config_module.load(
        str(conf), environ={"GMALL_STACK_STATE_DIR": str(tmp_path), "GMALL_KAFKA_PORT": "29092"}
    )
    assert config.kafka.port == 29092
    assert config.kafka.host == "10.0.0.5"
    assert config.time.zone == "UTC"


def test_stack_credentials_file_fills_passwords_but_environment_wins(tmp_path):
    (tmp_path / "credentials.toml").write_text('[mariadb]\npassword = "from-file"\n[redis]\npassword = "r"\n')
    config = config_module.load(
        environ={"GMALL_STACK_STATE_DIR": str(tmp_path), "GMALL_MARIADB_PASSWORD": "from-env"}
    )
    assert config.mariadb.password == "from-env"
    assert config.redis.password == "r"


@pytest.mark.parametrize(
    "toml, message",
    [
        ("[kafka]\nport = 'nine'\n", "kafka.port: expected a whole number"),
        ("[kafak]\nport = 1\n", "unknown section [kafak]"),
        ("[kafka]\nprot = 1\n", "unknown key kafka.prot"),
        ("[kafka\n", "is not valid TOML"),
        ("[kafka]\npartitions = 0\n", "kafka.partitions: expected at least 1"),
        ("[flink]\nparallelism = -1\n", "flink.parallelism: expected 0"),
        ("[time]\nmax_future_s = 300\n", r"time.max_future_s \(300\) must be above 0 and below time.allowed_lateness_s"),
        ("[hbase]\ndau_table = 'gmall_dau'\n", "hbase.dau_table: 'gmall_dau' is not an upper-case name"),
        ("[elasticsearch]\nsale_detail_index = 'Sale-Detail'\n", "elasticsearch.sale_detail_index: 'Sale-Detail' is not"),
        ("[elasticsearch]\ncoupon_alert_index = 'gmall_sale_detail'\n", "are both 'gmall_sale_detail'"),
        ("[redis]\nuser_key_prefix = ''\n", "redis.user_key_prefix is empty"),
        ("[jobs]\nname_prefix = 'gmall rt'\n", "jobs.name_prefix: 'gmall rt' is not letters"),
        ("[flink]\njobmanager_metrics_port = 9251\n",
         r"flink.jobmanager_metrics_port \(9251\) is one of the TaskManagers'"),
        ("[prometheus]\nscrape_interval_s = 0\n", "prometheus.scrape_interval_s: expected at least 1"),
    ],
)
def test_bad_configuration_names_the_problem(tmp_path, toml, message):
    conf = tmp_path / "bad.toml"
    conf.write_text(toml)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        config_module.load(str(conf), environ={"GMALL_STACK_STATE_DIR": str(tmp_path)})


def test_bad_environment_value_names_the_variable(tmp_path):
    with pytest.raises(ConfigError, match="flink.rest_port"):
        config_module.load(environ={"GMALL_STACK_STATE_DIR": str(tmp_path), "GMALL_FLINK_REST_PORT": "x"})


def test_the_parallelism_follows_the_partitions_unless_set(tmp_path):
    environ = {"GMALL_STACK_STATE_DIR": str(tmp_path), "GMALL_KAFKA_PARTITIONS": "3"}
    assert config_module.load(environ=environ).parallelism == 3
    assert config_module.load(environ={**environ, "GMALL_FLINK_PARALLELISM": "1"}).parallelism == 1


def test_a_job_reads_its_part_and_the_tooling_both_parts_of_one_file(tmp_path):
    conf = tmp_path / "job.toml"
    conf.write_text('[kafka]\nhost = "kafka"\npartitions = 4\n[flink]\ndeployment = "application"\n')
    environ = {"GMALL_STACK_STATE_DIR": str(tmp_path), "GMALL_MARIADB_PASSWORD": "p"}
    job = job_config.load(str(conf), environ=environ)
    tool = config_module.load(str(conf), environ=environ)
    assert isinstance(tool, job_config.Config)  # the tooling hands its object to the jobs
    for loaded in (job, tool):
        assert (loaded.kafka.bootstrap_servers, loaded.parallelism, loaded.mariadb.password) == ("kafka:9092", 4, "p")
    assert tool.kafka.heap == "512m" and not hasattr(job.kafka, "heap")
    # in an application cluster the cluster decides where checkpoints go, for both
    assert job.flink.checkpoint_dir == tool.flink.checkpoint_dir == ""


def test_a_stack_key_is_not_a_jobs_key(tmp_path):
    conf = tmp_path / "stack.toml"
    conf.write_text('[kafka]\nheap = "1g"\n')
    assert config_module.load(str(conf), environ={"GMALL_STACK_STATE_DIR": str(tmp_path)}).kafka.heap == "1g"
    with pytest.raises(ConfigError, match="unknown key kafka.heap"):
        job_config.load(str(conf), environ={})


def test_on_the_local_stack_jobs_build_with_its_flink_home_and_keep_checkpoints_there(tmp_path):
    config = config_module.load(environ={"GMALL_STACK_STATE_DIR": str(tmp_path)})
    assert config.flink.client_home == str(tmp_path / "flink")
    assert config.flink.checkpoint_dir == (tmp_path / "flink" / "checkpoints").as_uri()


def test_credentials_gain_a_new_password_and_keep_the_old_ones(tmp_path):
    (tmp_path / "credentials.toml").write_text('[mariadb]\npassword = "kept"\n[canal]\npassword = "c"\n')
    config = config_module.load(environ={"GMALL_STACK_STATE_DIR": str(tmp_path)})
    assert ensure_credentials(config)
    config = config_module.load(environ={"GMALL_STACK_STATE_DIR": str(tmp_path)})
    assert (config.mariadb.password, config.canal.password) == ("kept", "c")
    assert config.mariadb.admin_password and config.redis.password
    assert not ensure_credentials(config)  # complete: left alone
