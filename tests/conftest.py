import pytest
from hypothesis import HealthCheck, Phase, settings

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


# property-based tests (Hypothesis): CI draws the same few examples every run and reports a failing
# one as drawn (shrinking it runs the job's SQL again for minutes); the "long" profile
# (pytest --hypothesis-profile=long) searches and shrinks on demand. Each example runs a job's SQL,
# so no deadline and no complaint about slow or large examples.
_SLOW_EXAMPLES = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                            HealthCheck.large_base_example])
settings.register_profile("ci", max_examples=6, derandomize=True, database=None,
                          phases=[Phase.explicit, Phase.generate], **_SLOW_EXAMPLES)
settings.register_profile("long", max_examples=200, **_SLOW_EXAMPLES)
settings.load_profile("ci")


def pytest_addoption(parser):
    parser.addoption("--e2e-jobs", default="",
                     help="comma-separated jobs the end-to-end pipeline runs (default: every job)")
