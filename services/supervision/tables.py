"""Supervision storage: project files (projects) with their departments (主办/协办), task list,
milestones and history (project_changes); inspections; deputies' bills and suggestions (items,
with co-signers, departments, meetings, replies and history) and meetings with heads of state
organs (organ_meetings); reminder letters (letters) about either.

Projects carry region_code and region_path (the materialised path of their region) so a
subtree listing is a prefix match on an index. A project opened from a ballot keeps
balloting's proposal id, unique, so a redelivered ProjectAdopted opens nothing twice.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.bus import bus_tables
from shared.db import UtcDateTime
from shared.idempotency import Idempotency, idempotency_table


class Base(DeclarativeBase):
    metadata = MetaData()


BUS = bus_tables(Base.metadata)
# Create RPCs with a request_id (AIP-155) keep their first response here (shared.idempotency).
IDEMPOTENT = Idempotency(idempotency_table(Base.metadata))


class ProjectRow(Base):
    __tablename__ = "projects"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(20), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    origin: Mapped[int] = mapped_column(Integer)
    campaign_id: Mapped[str] = mapped_column(String(36), default="")
    # balloting's proposal id for a project opened from a ballot; NULL for a direct one.
    proposal_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    funding_source: Mapped[str] = mapped_column(String(200), default="")
    schedule: Mapped[str] = mapped_column(String(200), default="")
    location_region: Mapped[str] = mapped_column(String(9), default="")
    # Money in integer fen (1 yuan = 100 fen): never a float.
    budget_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # How the lateness sweep last saw it (d.ProjectStandingKind; 0 = not swept yet) and its
    # overdue milestones then: a change is published (ProjectStanding) for the statistics.
    standing: Mapped[int] = mapped_column(Integer, default=0)
    milestones_late: Mapped[int] = mapped_column(Integer, default=0)

    departments: Mapped[list[ProjectDepartmentRow]] = relationship(
        cascade="all, delete-orphan", order_by="ProjectDepartmentRow.position", lazy="selectin")
    tasks: Mapped[list[TaskRow]] = relationship(
        cascade="all, delete-orphan", order_by="TaskRow.position", lazy="selectin")
    milestones: Mapped[list[MilestoneRow]] = relationship(
        cascade="all, delete-orphan", order_by="MilestoneRow.position", lazy="selectin")
    history: Mapped[list[ProjectChangeRow]] = relationship(
        cascade="all, delete-orphan", order_by="ProjectChangeRow.id", lazy="selectin")

    __table_args__ = (
        UniqueConstraint("proposal_id", name="uq_projects_proposal_id"),
        # The listing's keyset order (shared.paging): region path, year, id.
        Index("ix_projects_region_path_year_id", "region_path", "year", "id"),
    )


class ProjectDepartmentRow(Base):
    """A department of the project: the lead (主办) or a co-department (协办), with its
    responsible person. The department's region is the project's (a tier's own government)."""
    __tablename__ = "project_departments"
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    department: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(50))
    role: Mapped[int] = mapped_column(Integer)
    responsible_person: Mapped[str] = mapped_column(String(50))
    __table_args__ = (Index("ix_project_departments_department", "department", "project_id"),)


class TaskRow(Base):
    __tablename__ = "project_tasks"
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    department: Mapped[str] = mapped_column(String(100))


class MilestoneRow(Base):
    __tablename__ = "milestones"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(100))
    due_date: Mapped[date] = mapped_column(Date)
    weight: Mapped[int] = mapped_column(Integer)
    percent: Mapped[int] = mapped_column(Integer, default=0)
    spent_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    evidence: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[str] = mapped_column(Text, default="")   # references, one a line
    reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reported_by: Mapped[str] = mapped_column(String(100), default="")


class Change:
    """The columns of one entry of a history (a project's, an item's): who, when, what,
    before -> after. Mixed into each history table beside its own key and owner."""
    action: Mapped[str] = mapped_column(String(30))
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(100))
    actor_role: Mapped[str] = mapped_column(String(20))
    actor_name: Mapped[str] = mapped_column(String(50), default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class ProjectChangeRow(Change, Base):
    """One change of a project (its history)."""
    __tablename__ = "project_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)


class InspectionRow(Base):
    """An inspection (督导调研) held by a tier's office or its deputies, of a project or not."""
    __tablename__ = "inspections"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=True,
                                                   index=True)
    title: Mapped[str] = mapped_column(String(100))
    scheduled_on: Mapped[date] = mapped_column(Date)
    held_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[int] = mapped_column(Integer)
    findings: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_role: Mapped[str] = mapped_column(String(20))
    created_name: Mapped[str] = mapped_column(String(50), default="")
    recorded_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    participants: Mapped[list[ParticipantRow]] = relationship(
        cascade="all, delete-orphan", order_by="ParticipantRow.position", lazy="selectin")
    problems: Mapped[list[ProblemRow]] = relationship(
        cascade="all, delete-orphan", order_by="ProblemRow.position", lazy="selectin")

    __table_args__ = (
        # The listing's keyset order (shared.paging): region path, day scheduled, id.
        Index("ix_inspections_region_path_scheduled_id", "region_path", "scheduled_on", "id"),
    )


class ParticipantRow(Base):
    """Who took part in an inspection, in order: a deputy by roster id (the name kept for
    display), anyone else by name only (``deputy_id`` empty). NULL ``deputy_id``: named before
    ids were kept, deputy or not unknown (published without ids: evaluation matches the name)."""
    __tablename__ = "inspection_participants"
    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    deputy_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    name: Mapped[str] = mapped_column(String(50))


class ProblemRow(Base):
    """A problem an inspection found, open until solved (who, when, how)."""
    __tablename__ = "inspection_problems"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    inspection_id: Mapped[str] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)
    solution: Mapped[str] = mapped_column(Text, default="")
    solved_by: Mapped[str] = mapped_column(String(100), default="")
    solved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ItemRow(Base):
    """A deputy's bill or suggestion (议案建议), of the congress of its region (the submitting
    deputy's token region), from submission to the deputy's rating. ``seq`` numbers the
    registered items per region, year and kind (NULL before registration)."""
    __tablename__ = "items"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    number: Mapped[str] = mapped_column(String(100), default="")
    kind: Mapped[int] = mapped_column(Integer, default=0)
    requested_kind: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(20), default="")
    submitter_id: Mapped[str] = mapped_column(String(100))
    submitter_name: Mapped[str] = mapped_column(String(50), default="")
    status: Mapped[int] = mapped_column(Integer)
    signers_required: Mapped[int] = mapped_column(Integer, default=0)   # the rule applied at registration
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    final_rating: Mapped[int] = mapped_column(Integer, default=0)
    # The four in place (四落实), NULL/"" until recorded.
    plan: Mapped[str] = mapped_column(Text, default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    target: Mapped[str] = mapped_column(Text, default="")
    time_limit: Mapped[date | None] = mapped_column(Date, nullable=True)
    four_recorded_by: Mapped[str] = mapped_column(String(100), default="")
    four_recorded_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    co_signers: Mapped[list[ItemCoSignerRow]] = relationship(
        cascade="all, delete-orphan", order_by="ItemCoSignerRow.position", lazy="selectin")
    departments: Mapped[list[ItemDepartmentRow]] = relationship(
        cascade="all, delete-orphan", order_by="ItemDepartmentRow.position", lazy="selectin")
    meetings: Mapped[list[ItemMeetingRow]] = relationship(
        cascade="all, delete-orphan", order_by="ItemMeetingRow.id", lazy="selectin")
    replies: Mapped[list[ItemReplyRow]] = relationship(
        cascade="all, delete-orphan", order_by="ItemReplyRow.round", lazy="selectin")
    history: Mapped[list[ItemChangeRow]] = relationship(
        cascade="all, delete-orphan", order_by="ItemChangeRow.id", lazy="selectin")

    __table_args__ = (
        UniqueConstraint("region_code", "year", "kind", "seq", name="uq_items_region_year_kind_seq"),
        # The listing's keyset order (shared.paging): region path, day submitted, id.
        Index("ix_items_region_path_submitted_id", "region_path", "submitted_at", "id"),
        Index("ix_items_submitter", "submitter_id"),
    )


class ItemCoSignerRow(Base):
    """A deputy invited to co-sign (联名); ``signed_at`` once they signed with their own token."""
    __tablename__ = "item_co_signers"
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    deputy_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(50), default="")
    signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    __table_args__ = (Index("ix_item_co_signers_deputy", "deputy_id", "item_id"),)


class ItemDepartmentRow(Base):
    """A department an item is assigned to: the lead (主办) or a co-department (协办), of the
    item's region (as a project's departments)."""
    __tablename__ = "item_departments"
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    department: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(50))
    role: Mapped[int] = mapped_column(Integer)
    responsible_person: Mapped[str] = mapped_column(String(50))
    __table_args__ = (Index("ix_item_departments_department", "department", "item_id"),)


class ItemMeetingRow(Base):
    """One of the three meetings with the deputy (三见面), in a round of handling."""
    __tablename__ = "item_meetings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    stage: Mapped[int] = mapped_column(Integer)
    held_on: Mapped[date] = mapped_column(Date)
    form: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (UniqueConstraint("item_id", "round", "stage", name="uq_item_meetings_round_stage"),)


class ItemReplyRow(Base):
    """The final reply of a round (A/B/C) and the deputy's rating of it."""
    __tablename__ = "item_replies"
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    round: Mapped[int] = mapped_column(Integer, primary_key=True)
    reply_class: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    replied_by: Mapped[str] = mapped_column(String(100))
    replied_at: Mapped[datetime] = mapped_column(UtcDateTime)
    rating: Mapped[int] = mapped_column(Integer, default=0)
    rating_comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ItemChangeRow(Change, Base):
    """One change of an item (its history)."""
    __tablename__ = "item_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)


class ItemRulesRow(Base):
    """A region's own rules for items (else its nearest ancestor's, else the law's defaults)."""
    __tablename__ = "item_rules"
    region_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    bill_signers_required: Mapped[int] = mapped_column(Integer)
    handling_months: Mapped[int] = mapped_column(Integer)
    rehandling_months: Mapped[int] = mapped_column(Integer)


class OrganMeetingRow(Base):
    """A deputy's meeting with the head of a state organ (约见), from request to follow-up done."""
    __tablename__ = "organ_meetings"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    deputy_id: Mapped[str] = mapped_column(String(100), index=True)
    deputy_name: Mapped[str] = mapped_column(String(50), default="")
    organ: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)
    meeting_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    arranged_organ: Mapped[str] = mapped_column(String(100), default="")
    head_name: Mapped[str] = mapped_column(String(50), default="")
    head_post: Mapped[str] = mapped_column(String(50), default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[str] = mapped_column(Text, default="")
    follow_up_result: Mapped[str] = mapped_column(Text, default="")
    arranged_by: Mapped[str] = mapped_column(String(100), default="")
    recorded_by: Mapped[str] = mapped_column(String(100), default="")
    completed_by: Mapped[str] = mapped_column(String(100), default="")
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    arranged_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    held_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (
        Index("ix_organ_meetings_region_path_requested_id", "region_path", "requested_at", "id"),
    )


class LetterRow(Base):
    """A reminder letter (提醒督办函) the lateness sweep issued to a project's lead department.
    ``chain`` names the lateness it answers (an overdue milestone and its due day, or a
    project behind plan as of a milestone's due day); ``lateness`` is unique per letter of
    the chain (the chain's key for the first, "<chain>#<level>" for a firmer one, and
    "above:<region>:<chain>" for a letter of the tier above), so no lateness gets two letters
    of one level, also when two sweeps run at once or an event comes twice. ``number`` counts
    per issuing region and year. A letter of the tier above (origin_region set) has no project
    here (project_id NULL) when the project lives in the deployment below."""
    __tablename__ = "letters"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    lateness: Mapped[str] = mapped_column(String(120), unique=True)
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(100))
    # What the letter is about: a project (subject_kind "project", project_id set) or a
    # deputy's item ("item", project_id NULL); subject_id is the one's id. A letter of the
    # tier above keeps the subject's kind and id as sent from below, with project_id NULL.
    subject_kind: Mapped[str] = mapped_column(String(20), default="project")
    subject_id: Mapped[str] = mapped_column(String(36))
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True,
                                                   nullable=True)
    milestone_id: Mapped[str] = mapped_column(String(36), default="")
    department: Mapped[str] = mapped_column(String(100))
    department_name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[int] = mapped_column(Integer)
    days_late: Mapped[int] = mapped_column(Integer)
    what_is_late: Mapped[str] = mapped_column(Text)
    reply_by: Mapped[date] = mapped_column(Date)
    issuer: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    document: Mapped[bytes] = mapped_column(LargeBinary)
    level: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(20), default="")
    follows_id: Mapped[str] = mapped_column(String(36), default="")
    chain: Mapped[str] = mapped_column(String(120), default="")
    subject_text: Mapped[str] = mapped_column(String(300), default="")   # 2031年民生实事项目“…”
    subject_region: Mapped[str] = mapped_column(String(9), default="")   # the subject's region
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    answered_by: Mapped[str] = mapped_column(String(100), default="")
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    escalated_to: Mapped[str] = mapped_column(String(9), default="")
    origin_region: Mapped[str] = mapped_column(String(9), default="")
    origin_letter_id: Mapped[str] = mapped_column(String(36), default="")
    origin_number: Mapped[str] = mapped_column(String(100), default="")
    __table_args__ = (
        UniqueConstraint("region_code", "year", "seq", name="uq_letters_region_year_seq"),
        Index("ix_letters_region_path_issued_id", "region_path", "issued_at", "id"),
        Index("ix_letters_chain", "chain"),
        Index("ix_letters_follows_id", "follows_id"),
    )


class FigureProjectRow(Base):
    """A project as it last stood, from ProjectOpened and ProjectStanding events of every
    deployment (statistics; rollup.py)."""
    __tablename__ = "figure_projects"
    project_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    standing: Mapped[int] = mapped_column(Integer, default=0)
    milestones_late: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (Index("ix_figure_projects_region_path_year", "region_path", "year"),)


class FigureItemRow(Base):
    """A deputy's bill or suggestion as it last stood, from the item events of every deployment
    (statistics; rollup.py): its kind once registered, its latest reply's class and rating."""
    __tablename__ = "figure_items"
    item_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[int] = mapped_column(Integer, default=0)
    reply_class: Mapped[int] = mapped_column(Integer, default=0)
    rating: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (Index("ix_figure_items_region_path_year", "region_path", "year"),)


class FigureCountRow(Base):
    """A counter per (region, year, name), added to from events of every deployment (letters
    issued and answered, inspections held, problems found and solved, bills and suggestions,
    meetings): a new figure is a new name, no new column."""
    __tablename__ = "figure_counts"
    region_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    region_path: Mapped[str] = mapped_column(String(64))
    value: Mapped[int] = mapped_column(BigInteger, default=0)
    __table_args__ = (Index("ix_figure_counts_region_path_year", "region_path", "year"),)
