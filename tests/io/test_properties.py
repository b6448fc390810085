"""Property tests: arbitrary bytes or mangled CSVs give validation issues, never a traceback."""

from __future__ import annotations

import shutil

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from edxlab.errors import ValidationError
from edxlab.io import read_dataset, validate_dataset
from tests.conftest import EXAMPLE

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _fresh(tmp_path_factory):
    target = tmp_path_factory.mktemp("ds")
    for name in ("patients", "studies", "ncs", "emg"):
        shutil.copy(EXAMPLE / f"{name}.csv", target / f"{name}.csv")
    return target


@SETTINGS
@given(data=st.binary(max_size=400), name=st.sampled_from(["patients", "studies", "ncs", "emg"]))
@example(data=b"^$", name="patients")  # a header Polars would read as a regex
def test_arbitrary_bytes_give_issues(tmp_path_factory, data, name):
    path = _fresh(tmp_path_factory)
    (path / f"{name}.csv").write_bytes(data)
    issues = validate_dataset(path)
    assert all(i.severity in ("error", "warning") for i in issues)
    try:
        read_dataset(path)
    except ValidationError as exc:
        assert exc.issues


@SETTINGS
@given(cut=st.integers(min_value=0, max_value=3000), junk=st.text(max_size=30),
       name=st.sampled_from(["ncs", "emg", "studies"]))
def test_mangled_csv_gives_issues(tmp_path_factory, cut, junk, name):
    path = _fresh(tmp_path_factory)
    text = (path / f"{name}.csv").read_text()
    cut = min(cut, len(text))
    (path / f"{name}.csv").write_text(text[:cut] + junk + text[cut:])
    issues = validate_dataset(path)
    for issue in issues:
        assert issue.file and issue.message


@SETTINGS
@given(data=st.binary(max_size=300))
def test_arbitrary_json_and_xlsx_bytes_give_issues(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("files")
    for suffix in (".json", ".xlsx"):
        target = folder / f"ds{suffix}"
        target.write_bytes(data)
        assert any(i.severity == "error" for i in validate_dataset(target))
