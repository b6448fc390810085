import numpy as np
import pytest

from edxlab.errors import SignalError
from edxlab.signal.readers import count_clipped, read_eaf, read_recording

from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
N2001_ALS = DATA / "emglab_n2001" / "N2001A01BB01"
N2001_CONTROL = DATA / "emglab_n2001" / "N2001C01BB51"
EMGDB_HEALTHY = DATA / "emgdb" / "emg_healthy"
EMGDB_MYOPATHY = DATA / "emgdb" / "emg_myopathy"


def test_emglab_bin_with_prefix_reads_in_microvolts():
    rec = read_recording(str(N2001_ALS) + ".hea")
    assert rec.fs == 23437.5
    assert len(rec.data) == 262124
    # 13.107 adu/uV: the largest MUAP peak of this ALS record is ~888 uV
    assert 850 < rec.data.max() < 900
    assert rec.meta["age_years"] == 56
    assert rec.meta["diagnosis"] == "ALS"
    assert rec.clipped_samples == 0


def test_lower_case_mv_unit_is_converted_to_microvolts():
    healthy = read_recording(str(EMGDB_HEALTHY) + ".dat")  # unit 'mV'
    myo = read_recording(str(EMGDB_MYOPATHY) + ".hea")  # unit written 'mv'
    assert healthy.fs == myo.fs == 4000
    assert 1000 < healthy.data.max() < 1200  # 1.1133 mV
    assert 600 < myo.data.max() < 800  # 0.775 mV, not 0.775 uV
    assert myo.meta["muscle"] == "tibialis anterior"
    assert myo.meta["age_years"] == 57


def test_edf_reader_normalizes_mv_and_counts_clipping(tmp_path):
    import pyedflib

    fs = 10000
    x = 0.2 * np.sin(np.arange(20000) / 7.0)  # mV
    x[5000:5010] = 0.5  # saturated at the physical maximum
    path = tmp_path / "rec.edf"
    w = pyedflib.EdfWriter(str(path), 1, file_type=pyedflib.FILETYPE_EDFPLUS)
    w.setSignalHeaders([dict(label="EMG", dimension="mV", sample_frequency=fs, physical_max=0.5,
                             physical_min=-0.5, digital_max=32767, digital_min=-32768)])
    w.writeSamples([x])
    w.close()
    rec = read_recording(path)
    assert rec.fs == fs
    assert abs(rec.data[:4000].max() - 200) < 1
    assert rec.clipped_samples == 10


def test_wav_and_csv_readers(tmp_path):
    from scipy.io import wavfile

    x = (100 * np.sin(np.arange(8000) / 5.0)).astype(np.int16)
    wavfile.write(tmp_path / "a.wav", 8000, x)
    rec = read_recording(tmp_path / "a.wav")
    assert rec.fs == 8000 and rec.data.max() == pytest.approx(x.max())
    t = np.arange(5000) / 5000.0
    lines = ["time_s,emg (mV)"] + [f"{a:.6f},{b:.4f}" for a, b in zip(t, 0.1 * np.sin(t * 300))]
    (tmp_path / "a.csv").write_text("\n".join(lines))
    rec = read_recording(tmp_path / "a.csv")
    assert rec.fs == pytest.approx(5000)
    assert rec.data.max() == pytest.approx(100, rel=1e-3)


def test_sampling_rate_outside_needle_emg_range_is_refused(tmp_path):
    (tmp_path / "slow.csv").write_text("# fs: 1000\nemg_uv\n" + "\n".join("1" for _ in range(100)))
    with pytest.raises(SignalError, match="sampling rate 1000 Hz is outside the 4000-50000 Hz"):
        read_recording(tmp_path / "slow.csv")


def test_unknown_unit_and_format_messages(tmp_path):
    (tmp_path / "x.csv").write_text("# fs: 5000\n# unit: degC\nemg\n1\n2\n3\n")
    with pytest.raises(SignalError, match="'degC' is not a voltage; accepted units are uV, mV and V"):
        read_recording(tmp_path / "x.csv")
    (tmp_path / "x.xyz").write_text("")
    with pytest.raises(SignalError, match="unknown recording format '.xyz'"):
        read_recording(tmp_path / "x.xyz")


def test_clipping_detects_flat_tops_only():
    x = np.sin(np.arange(1000) / 10.0)
    assert count_clipped(x) == 0
    y = np.clip(x, -0.9, 0.9)
    assert count_clipped(y) == int((np.abs(np.sin(np.arange(1000) / 10.0)) >= 0.9).sum())


def test_eaf_annotations():
    als = read_eaf(str(N2001_ALS) + ".eaf")
    ctl = read_eaf(str(N2001_CONTROL) + ".eaf")
    assert (len(als), sum(len(v) for v in als.values())) == (17, 318)
    assert (len(ctl), sum(len(v) for v in ctl.values())) == (11, 453)
    assert all(np.all(np.diff(v) > 0) for v in als.values())
