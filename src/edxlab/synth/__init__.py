"""edxlab.synth: synthetic cohorts with ground truth.

``generate(preset, n_patients, seed)`` draws a latent truth per patient (NMOSD/MOGAD status,
attacks, MRI lesions, anterior horn damage and its age, peripheral neuropathies, signs) and the
measurements a laboratory would record; ``write_synthetic`` writes the dataset plus
``truth.csv``/``truth_patients.csv``; ``agreement(truth, study_findings)`` scores findings
against the truth. Every output is labelled synthetic.
"""

from edxlab.synth.agreement import agreement, compare
from edxlab.synth.generate import PRESETS, SyntheticCohort, generate, he2022_measures
from edxlab.synth.write import write_synthetic

__all__ = ["PRESETS", "SyntheticCohort", "agreement", "compare", "generate", "he2022_measures",
           "write_synthetic"]
