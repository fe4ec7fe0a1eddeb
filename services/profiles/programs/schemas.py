"""The program API's bodies. Writes refuse unknown fields (a misspelt policy knob would
otherwise be ignored); what the API returns is the record as the stream carries it."""

from pydantic import BaseModel, ConfigDict, Field

from shared.programs import PolicyOverrides, ProgramFields, ProgramPatch, ProgramSnapshot


class StrictOverrides(PolicyOverrides):
    """Knobs as their types say: `true` is not a weight, nor `1` a switch (lax mode would take
    both)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class ProgramPut(ProgramFields):
    """The whole program: the body of `PUT /programs/{id}`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    policy: StrictOverrides = Field(default_factory=StrictOverrides)

    def fields(self) -> ProgramFields:
        return ProgramFields.model_validate(self.model_dump())


class ProgramChange(ProgramPatch):
    """Any subset of the fields: the body of `PATCH /programs/{id}`."""

    model_config = ConfigDict(extra="forbid")

    policy: StrictOverrides | None = None

    def patch(self) -> ProgramPatch:
        return ProgramPatch.model_validate(self.model_dump(exclude_unset=True))


class ProgramQuery(BaseModel):
    """The query of a listing; unknown parameters are refused."""

    model_config = ConfigDict(extra="forbid")

    after: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$", description="`next_cursor`."
    )
    limit: int = Field(default=100, ge=1, le=500)


class ProgramList(BaseModel):
    items: list[ProgramSnapshot]
    next_cursor: str | None = Field(
        default=None, description="The id after which the next page starts; None: the last."
    )
