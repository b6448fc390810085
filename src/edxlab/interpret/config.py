"""Options of the interpretation (profile, criteria set, temperature policy)."""

from __future__ import annotations

from dataclasses import dataclass, field

from edxlab.reference.profiles import Profile


@dataclass(frozen=True)
class InterpretConfig:
    """How studies are interpreted.

    - ``profile``: reference-limit profile for studies whose ``reference_profile`` is empty
      (None = the shipped default, see ``edxlab.reference.profiles.default_profile_name``).
    - ``override_profile``: use ``profile`` for every study, ignoring ``reference_profile``.
    - ``criteria``: demyelination criteria set (None = default, see ``ncs_criteria.toml``).
    - ``temperature_correction``: correct latencies/velocities of cold limbs instead of
      leaving them uninterpreted (off by default: warming is the recommended practice).
    - ``extra_profiles``: a lab's own profiles (``load_profile_file``), usable by name.
    - ``emg_criteria``: overrides of the needle EMG criteria (see ``load_emg_criteria``).
    """

    profile: str | None = None
    override_profile: bool = False
    criteria: str | None = None
    temperature_correction: bool = False
    extra_profiles: tuple[Profile, ...] = field(default_factory=tuple)
    #: overrides of the needle EMG criteria (``reference/emg_criteria.toml``), nested like the
    #: file: ``{"mri": {"margin": 2}, "active": {"fasciculations_count": True}}``
    emg_criteria: dict | None = None
