"""gmall-rt's argument handling, without a stack."""

from gmall_rt import cli


def test_jobs_submit_without_names_means_every_job():
    assert cli.build_parser().parse_args(["jobs", "submit"]).jobs == []


def test_jobs_submit_with_an_unknown_name_says_which_in_one_line(capsys):
    assert cli.main(["jobs", "submit", "dau", "dua"]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["gmall-rt: error: no job named 'dua'; the jobs are dau, gmv, alert, user-dim, sale-detail"]
