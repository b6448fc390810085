"""The data dictionary is generated from the declarations and shipped in docs/ up to date."""

from __future__ import annotations

from pathlib import Path

from edxlab.cli import main
from edxlab.model.dictionary import data_dictionary

DOCS = Path(__file__).resolve().parents[2] / "docs" / "data-dictionary.md"


def test_committed_dictionary_is_current():
    # `make docs` rewrites it; a change to tables.toml or a vocabulary must update it too
    assert DOCS.read_text(encoding="utf-8") == data_dictionary()


def test_columns_show_type_unit_range_nr_and_vocabulary():
    text = data_dictionary()
    assert ("| `amplitude` | number |  | mV (motor) / uV (sensory, mixed) | >= 0; by modality: "
            "motor <= 50, sensory <= 300, mixed <= 300; `NR` = sought and absent |") in text
    assert "| `patient_id` | identifier | yes |  | must match `patients.patient_id` |" in text
    assert "| `mog_titer` | whole number |  |  | 1 to 1,000,000 |" in text
    assert "| `alternative_dx_excluded` | true/false |  |  | empty means `true` |" in text


def test_vocabularies_list_the_abbreviations_reports_use():
    text = data_dictionary()
    assert '<a id="vocab-muscle"></a>' in text and "(#vocab-muscle)" in text
    row = next(line for line in text.splitlines() if line.startswith("| `abductor_pollicis_brevis` |"))
    assert "`apb`" in row
    row = next(line for line in text.splitlines() if line.startswith("| `tibialis_anterior` | tibialis"))
    assert "`ta`" in row


def test_cli_prints_and_writes(tmp_path, capsys):
    assert main(["dictionary"]) == 0
    assert capsys.readouterr().out == data_dictionary()
    assert main(["dictionary", "--out", str(tmp_path / "dd.md")]) == 0
    assert (tmp_path / "dd.md").read_text(encoding="utf-8") == data_dictionary()
