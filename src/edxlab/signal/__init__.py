"""edxlab.signal: raw needle EMG recordings -> spontaneous activity, MUAP trains, classification.

Public API: :func:`read_recording`, :func:`analyze_file`, :func:`analyze_recording`,
:func:`write_outputs`, :func:`analyze_signals`, :func:`measured_signals`, :func:`score_units`, :func:`read_eaf`.
Heavy work is imported lazily so that ``import edxlab.signal`` stays cheap.
"""

from __future__ import annotations


def __getattr__(name):
    if name in ("analyze_file", "analyze_recording", "write_outputs", "analyze_signals", "SignalAnalysis",
                "measured_signals"):
        from edxlab.signal import analyze

        return getattr(analyze, name)
    if name in ("read_recording", "read_eaf", "Recording"):
        from edxlab.signal import readers

        return getattr(readers, name)
    if name == "score_units":
        from edxlab.signal.score import score_units

        return score_units
    raise AttributeError(name)
