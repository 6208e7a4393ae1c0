"""The mapping keys of audio controls, kept beside the schema (mapping_schema.py's Control takes them in):

    - {audio: level, to: z1, in: [0, 0.3], attack: 0.01, release: 0.25}
    - {audio: beat, to: preset_next, every: 4}

`audio` names a feature of performer/audio/names.py; its raw range is the control's input range unless `in`
says otherwise. `attack`/`release` (seconds) put an envelope on the feature before the usual shaping.
`every: N` makes a control that fires an action fire on its Nth, 2Nth, ... trigger (any source).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from performer.audio.names import FEATURES


class AudioKeys(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False, populate_by_name=True)

    audio: str | None = Field(None, min_length=1, max_length=16, description="an audio feature")
    attack: float | None = Field(None, ge=0.0, le=10.0, description="envelope rise time constant, seconds")
    release: float | None = Field(None, ge=0.0, le=10.0, description="envelope fall time constant, seconds")
    every: int | None = Field(None, ge=1, le=1024, description="fire the action on every Nth trigger")

    @field_validator("audio")
    @classmethod
    def _audio(cls, v):
        if v is not None and v not in FEATURES:
            raise ValueError(f"audio feature must be one of {', '.join(FEATURES)}")
        return v

    def check_audio(self, target_kind: str) -> None:
        """ValueError for audio keys that do not go together (called from Control's own check)."""
        if self.audio is None and (self.attack is not None or self.release is not None):
            raise ValueError("attack and release apply to audio controls only")
        if self.every is not None and target_kind != "action":
            raise ValueError("every applies to controls that fire an action")

    def audio_range(self) -> tuple[float, float] | None:
        """The feature's raw range, for a control with no `in`."""
        if self.audio is None:
            return None
        feature = FEATURES[self.audio]
        return (feature.low, feature.high)
