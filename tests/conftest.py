import pytest

from flink_jobs import config as config_module


@pytest.fixture(scope="session")
def config():
    """The same configuration the jobs and gmall-rt use (file from GMALL_RT_CONFIG, environment)."""
    return config_module.load()


def pytest_addoption(parser):
    parser.addoption("--e2e-jobs", default="",
                     help="comma-separated jobs the end-to-end pipeline runs (default: every job)")
