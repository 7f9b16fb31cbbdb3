"""Balloting storage: ballot rules per region, campaigns and their steps, proposals with their
reviews, the committee's candidate list, and (ballot_deputies) the read model of the roster
this service keeps from roster events.

Campaigns carry region_code and region_path (the materialised path of their region) so a
subtree listing is a prefix match on an index; proposals belong to one campaign and are
reached through it.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.bus import bus_tables
from shared.db import UtcDateTime
from shared.idempotency import Idempotency, idempotency_table


class Base(DeclarativeBase):
    metadata = MetaData()


BUS = bus_tables(Base.metadata)
# Create RPCs with a request_id (AIP-155) keep their first response here (shared.idempotency).
IDEMPOTENT = Idempotency(idempotency_table(Base.metadata))


class BallotRulesRow(Base):
    """A region's own rules; regions without a row inherit their nearest ancestor's."""
    __tablename__ = "ballot_rules"
    region_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    min_surplus_percent: Mapped[int] = mapped_column(Integer)
    quorum_percent: Mapped[int] = mapped_column(Integer)
    adoption_base: Mapped[int] = mapped_column(Integer)
    # the count waits for named tellers and scrutineers (计票人, 监票人)
    tellers_required: Mapped[bool] = mapped_column(Boolean, default=False)


class CampaignRow(Base):
    __tablename__ = "campaigns"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(100))
    phase: Mapped[int] = mapped_column(Integer)
    seats: Mapped[int] = mapped_column(Integer, default=0)
    min_surplus_percent: Mapped[int] = mapped_column(Integer)
    session_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    steps: Mapped[list[CampaignStepRow]] = relationship(
        cascade="all, delete-orphan", order_by="CampaignStepRow.id", lazy="selectin")
    candidates: Mapped[list[CandidateRow]] = relationship(
        cascade="all, delete-orphan", order_by="CandidateRow.position", lazy="selectin")

    __table_args__ = (
        # One campaign per region and year.
        UniqueConstraint("region_code", "year", name="uq_campaigns_region_year"),
        # The listing's keyset order (shared.paging): region path, year, id.
        Index("ix_campaigns_region_path_year_id", "region_path", "year", "id"),
    )


class CampaignStepRow(Base):
    __tablename__ = "campaign_steps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    phase: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(100))
    actor_role: Mapped[str] = mapped_column(String(20))
    actor_name: Mapped[str] = mapped_column(String(50), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class CandidateRow(Base):
    """The committee's list (决策): one row per candidate project, in the list's order."""
    __tablename__ = "candidates"
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    funding_source: Mapped[str] = mapped_column(String(200))
    land: Mapped[str] = mapped_column(String(200), default="")
    schedule: Mapped[str] = mapped_column(String(200), default="")
    priority: Mapped[int] = mapped_column(Integer, default=0)

    proposal: Mapped[ProposalRow] = relationship(lazy="joined")


class ProposalRow(Base):
    __tablename__ = "proposals"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(20))
    # Money in integer fen (1 yuan = 100 fen): never a float.
    investment_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    location_region: Mapped[str] = mapped_column(String(9))
    proposer_kind: Mapped[int] = mapped_column(Integer)
    proposer_id: Mapped[str] = mapped_column(String(100), default="")
    proposer_name: Mapped[str] = mapped_column(String(50), default="")
    proposer_phone: Mapped[str] = mapped_column(String(20), default="")
    supporters: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[int] = mapped_column(Integer)
    merged_into: Mapped[str] = mapped_column(String(36), default="")
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by: Mapped[str] = mapped_column(String(100), default="")

    reviews: Mapped[list[ReviewRow]] = relationship(
        cascade="all, delete-orphan", order_by="ReviewRow.id", lazy="selectin")

    __table_args__ = (
        # The listing's keyset order (shared.paging): received_at, id within a campaign.
        Index("ix_proposals_campaign_received_id", "campaign_id", "received_at", "id"),
    )


class ReviewRow(Base):
    """One judgement of one proposal on one criterion by one reviewer (初选)."""
    __tablename__ = "proposal_reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    reviewer_kind: Mapped[int] = mapped_column(Integer)
    reviewer: Mapped[str] = mapped_column(String(100))
    reviewer_name: Mapped[str] = mapped_column(String(50), default="")
    criterion: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)
    opinion: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (UniqueConstraint("proposal_id", "reviewer_kind", "reviewer", "criterion",
                                       name="uq_proposal_reviews_once"),)


class BallotDeputyRow(Base):
    """The roster's deputies as balloting learns them from roster events (directory.py):
    who they are, which seats they hold (levels, e.g. "4,6") and whether they still serve."""
    __tablename__ = "ballot_deputies"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(9))
    region_path: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(50), default="")
    levels: Mapped[str] = mapped_column(String(30), default="")
    specialties: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (Index("ix_ballot_deputies_region_path_name_id", "region_path", "name", "id"),)


# ---- the ballot (票决) --------------------------------------------------------------------------
# Secrecy (docs/decisions.md, "The secret ballot"): who voted is ballot_voters; what was voted is
# ballots and ballot_receipts, with random keys, no voter, no time, no sequence, no channel, and
# no key joining them. On SQLite they are WITHOUT ROWID tables (stored in key order, not in the
# order of the casts); closing a round rewrites them in random order and vacuums them.

class BallotRoundRow(Base):
    """One round of a campaign's ballot: the first, a run-off among tied candidates, or one
    held again after a void vote. The electorate and the rules are fixed when it opens."""
    __tablename__ = "ballot_rounds"
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[int] = mapped_column(Integer)
    seats: Mapped[int] = mapped_column(Integer)
    candidates: Mapped[str] = mapped_column(Text)               # proposal ids in ballot order, comma-separated
    eligible: Mapped[int] = mapped_column(Integer)
    quorum_percent: Mapped[int] = mapped_column(Integer)
    adoption_base: Mapped[int] = mapped_column(Integer)
    paper_issued: Mapped[int] = mapped_column(Integer, default=0)
    paper_returned: Mapped[int] = mapped_column(Integer, default=0)
    adopted: Mapped[str] = mapped_column(Text, default="")     # adopted in this round, highest first
    runoff: Mapped[str] = mapped_column(Text, default="")      # tied at the last seat
    bulletin: Mapped[str] = mapped_column(Text, default="")
    digest: Mapped[str] = mapped_column(String(64), default="")
    # 计票人 and 监票人, one name a line; the rule in force when the session opened
    tellers: Mapped[str] = mapped_column(Text, default="")
    scrutineers: Mapped[str] = mapped_column(Text, default="")
    tellers_required: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class BallotVoterRow(Base):
    """A voter of a round (the electorate when it opened): present once checked in, voted
    once their ballot is in (online) or a paper ballot was handed to them. Nothing here says
    which ballot is theirs."""
    __tablename__ = "ballot_voters"
    campaign_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    round: Mapped[int] = mapped_column(Integer, primary_key=True)
    deputy_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(50), default="")
    present: Mapped[bool] = mapped_column(Boolean, default=False)
    checked_in_by: Mapped[str] = mapped_column(String(100), default="")
    voted: Mapped[bool] = mapped_column(Boolean, default=False)


class BallotRow(Base):
    """One ballot as cast: a random id, the marks (one letter per candidate in ballot order:
    A 同意, O 不同意, X 弃权) and whether it is valid. No voter, no time, no order."""
    __tablename__ = "ballots"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(36))
    round: Mapped[int] = mapped_column(Integer)
    marks: Mapped[str] = mapped_column(String(2000))
    valid: Mapped[bool] = mapped_column(Boolean)
    __table_args__ = (Index("ix_ballots_campaign_round", "campaign_id", "round", "id"),
                      {"sqlite_with_rowid": False})


class ReceiptRow(Base):
    """A receipt code of a ballot in the box: proves a ballot is counted, not what it says."""
    __tablename__ = "ballot_receipts"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(36))
    round: Mapped[int] = mapped_column(Integer)
    __table_args__ = (Index("ix_ballot_receipts_campaign_round", "campaign_id", "round", "code"),
                      {"sqlite_with_rowid": False})

