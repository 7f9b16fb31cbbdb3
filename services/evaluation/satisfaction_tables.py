"""Storage of the satisfaction vote (满意度测评), its rectifications (整改) and inquiries (询问/质询).

Secrecy (shared/secret_ballot.py, docs/decisions.md "The secret ballot"): who voted is
satisfaction_voters; what was voted is satisfaction_ballots and satisfaction_receipts, with
random keys, no voter, no time, no sequence and no key joining them. On SQLite they are
WITHOUT ROWID tables (stored in key order, not in the order of the casts); closing a vote
rewrites them in random order and vacuums them.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.evaluation.tables import Base
from shared.db import UtcDateTime


class SatisfactionRulesRow(Base):
    """A region's rules of the vote (inherited down the tree when a region has none)."""
    __tablename__ = "satisfaction_rules"
    region_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    quorum_percent: Mapped[int] = mapped_column(Integer)
    satisfied_percent: Mapped[int] = mapped_column(Integer)
    acceptable_percent: Mapped[int] = mapped_column(Integer)
    plan_days: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SatisfactionVoteRow(Base):
    """One region's vote of one year: the projects and the electorate fixed when it opens, the
    rules in force then, and after the count the bulletin, its digest and the overall rate."""
    __tablename__ = "satisfaction_votes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(100))
    status: Mapped[int] = mapped_column(Integer)
    eligible: Mapped[int] = mapped_column(Integer)
    quorum_percent: Mapped[int] = mapped_column(Integer)
    satisfied_percent: Mapped[int] = mapped_column(Integer)
    acceptable_percent: Mapped[int] = mapped_column(Integer)
    plan_days: Mapped[int] = mapped_column(Integer)
    rate: Mapped[str] = mapped_column(String(10), default="")        # exact decimal percent text
    bulletin: Mapped[str] = mapped_column(Text, default="")
    digest: Mapped[str] = mapped_column(String(64), default="")
    opened_by: Mapped[str] = mapped_column(String(100), default="")
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    projects: Mapped[list[VoteProjectRow]] = relationship(
        cascade="all, delete-orphan", order_by="VoteProjectRow.position", lazy="selectin")
    __table_args__ = (UniqueConstraint("region_code", "year", name="uq_satisfaction_votes_region_year"),
                      Index("ix_satisfaction_votes_region_path_year_id", "region_path", "year", "id"))


class VoteProjectRow(Base):
    """A project on the vote's ballot (in ballot order), its state at year end, and after the
    count its tally and verdict."""
    __tablename__ = "satisfaction_vote_projects"
    vote_id: Mapped[str] = mapped_column(ForeignKey("satisfaction_votes.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[str] = mapped_column(String(36))
    title: Mapped[str] = mapped_column(String(100))
    finished: Mapped[bool] = mapped_column(Boolean)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)
    basically: Mapped[int] = mapped_column(Integer, default=0)
    unsatisfied: Mapped[int] = mapped_column(Integer, default=0)
    verdict: Mapped[int] = mapped_column(Integer, default=0)        # 0 until counted


class SatisfactionVoterRow(Base):
    """A voter of the vote (the electorate when it opened): voted once their ballot is in.
    Nothing here says which ballot is theirs."""
    __tablename__ = "satisfaction_voters"
    vote_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    deputy_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(50), default="")
    voted: Mapped[bool] = mapped_column(Boolean, default=False)


class SatisfactionBallotRow(Base):
    """One ballot: a random id and the ratings, one letter per project in ballot order
    (S 满意, B 基本满意, U 不满意). No voter, no time, no order."""
    __tablename__ = "satisfaction_ballots"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    vote_id: Mapped[str] = mapped_column(String(36))
    marks: Mapped[str] = mapped_column(String(500))
    __table_args__ = (Index("ix_satisfaction_ballots_vote", "vote_id", "id"), {"sqlite_with_rowid": False})


class SatisfactionReceiptRow(Base):
    """A receipt code of a ballot in the box: proves a ballot is counted, not what it says."""
    __tablename__ = "satisfaction_receipts"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    vote_id: Mapped[str] = mapped_column(String(36))
    __table_args__ = (Index("ix_satisfaction_receipts_vote", "vote_id", "code"), {"sqlite_with_rowid": False})


class RectificationRow(Base):
    """整改: a project rated unsatisfied, or unfinished at year end, for which the government
    owes a written explanation and a rectification plan, then its completion."""
    __tablename__ = "rectifications"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    vote_id: Mapped[str] = mapped_column(String(36))
    project_id: Mapped[str] = mapped_column(String(36))
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(100))
    verdict: Mapped[int] = mapped_column(Integer)
    unfinished: Mapped[bool] = mapped_column(Boolean)
    department: Mapped[str] = mapped_column(String(100), default="")
    department_name: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[int] = mapped_column(Integer)
    plan_due: Mapped[date] = mapped_column(Date)                    # explanation and plan due by
    explanation: Mapped[str] = mapped_column(Text, default="")
    plan: Mapped[str] = mapped_column(Text, default="")
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)   # rectified by (the plan's)
    report: Mapped[str] = mapped_column(Text, default="")
    reminders: Mapped[str] = mapped_column(Text, default="")       # lateness keys reminded, one a line
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (UniqueConstraint("vote_id", "project_id", name="uq_rectifications_vote_project"),
                      Index("ix_rectifications_region_path_year_id", "region_path", "year", "id"))


class RectificationStepRow(Base):
    """A step in a rectification's history, in order (seq from 1): an explanation and plan as
    submitted (kind 1; a later one replaces it on the rectification, never here), or the lead
    department it was addressed to once the project's plan named one (kind 2)."""
    __tablename__ = "rectification_steps"
    rectification_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    by_subject: Mapped[str] = mapped_column(String(100), default="")
    by_role: Mapped[str] = mapped_column(String(20), default="")
    by_name: Mapped[str] = mapped_column(String(50), default="")
    explanation: Mapped[str] = mapped_column(Text, default="")
    plan: Mapped[str] = mapped_column(Text, default="")
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    department: Mapped[str] = mapped_column(String(100), default="")
    department_name: Mapped[str] = mapped_column(Text, default="")


class InquiryRow(Base):
    """询问 or 质询 on a project under rectification: the organ questioned, the questions, the
    answers and the follow-up, one item a line in questions and answers."""
    __tablename__ = "inquiries"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    rectification_id: Mapped[str] = mapped_column(String(36))
    project_id: Mapped[str] = mapped_column(String(36))
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    kind: Mapped[int] = mapped_column(Integer)
    organ: Mapped[str] = mapped_column(String(100))
    questions: Mapped[str] = mapped_column(Text)
    answers: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[int] = mapped_column(Integer)
    held_on: Mapped[date] = mapped_column(Date)
    opened_by: Mapped[str] = mapped_column(String(100), default="")
    opened_by_name: Mapped[str] = mapped_column(String(50), default="")
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    __table_args__ = (Index("ix_inquiries_region_path_opened_id", "region_path", "opened_at", "id"),)
