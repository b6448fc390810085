"""edxlab: electrodiagnostic (NCS and needle EMG) findings for clinics and cohorts."""

__version__ = "0.1.0"

__all__ = ["__version__"]
