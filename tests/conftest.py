import pytest

from gmall_rt import config as config_module
from gmall_rt.stack.flink import prepare_flink_home


@pytest.fixture(scope="session")
def config():
    """The same configuration gmall-rt uses (file from GMALL_RT_CONFIG, environment), with the
    local Flink home the jobs' clients are built with written as `stack up` writes it (the unit
    tests need no stack)."""
    loaded = config_module.load()
    prepare_flink_home(loaded)
    return loaded


def pytest_addoption(parser):
    parser.addoption("--e2e-jobs", default="",
                     help="comma-separated jobs the end-to-end pipeline runs (default: every job)")
