"""Every refusal balloting can give the office's campaign pages is shown in Chinese: the
service words FAILED_PRECONDITION, NOT_FOUND and ALREADY_EXISTS in English for developers, and
INVALID_ARGUMENT names a field; the portal's catalogue (portal/i18n/zh_CN.py: BALLOT_REFUSALS,
FIELD_PROBLEMS) turns each into a sentence for the office.

The messages are walked from balloting's own source (every ``raise FailedPrecondition(...)``,
``AlreadyExists(...)`` and ``NotFound(...)`` in services/balloting, its f-strings filled with
sample values), and the fields from the request messages of the RPCs the campaign pages call,
so a message or field added to balloting without its Chinese fails here."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from lianxin.balloting.v1 import balloting_pb2 as bpb

from portal.i18n import catalogue
from portal.pages import campaigns
from shared.errors import AlreadyExists, NotFound

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "services" / "balloting").glob("*.py"))
REFUSALS = ("FailedPrecondition", "AlreadyExists", "NotFound")
# The RPCs portal/pages/campaigns.py calls with a user's form (GetStatistics' region and
# years are a query, refused as a page that is not there).
PAGE_RPCS = ("CreateCampaign", "CloseCall", "ShortlistProposal", "ReviewProposal", "MergeProposals",
             "FixCandidates", "OpenSession", "CheckIn", "NameTellers", "OpenBallot", "IssuePaperBallot", "EnterPaperBallot",
             "CloseBallot", "PublishResult")


def _sample(node: ast.expr) -> str:
    """A message argument with every formatted part replaced by 1 (a count, an id, a label)."""
    if isinstance(node, ast.Constant):
        return str(node.value)
    if isinstance(node, ast.JoinedStr):
        return "".join(str(v.value) if isinstance(v, ast.Constant) else "1" for v in node.values)
    return "1"


def balloting_refusals() -> list[tuple[str, str]]:
    """(where, message) for every refusal balloting's source raises."""
    out = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            name = getattr(node.exc.func, "id", getattr(node.exc.func, "attr", ""))
            if name not in REFUSALS:
                continue
            args = [_sample(a) for a in node.exc.args]
            where = f"{path.name}:{node.lineno}"
            if name == "FailedPrecondition":
                out.append((where, "".join(args)))
            elif name == "AlreadyExists":
                out.append((where, str(AlreadyExists(*args))))
            else:
                out.append((where, str(NotFound(*args))))
    # What the storage layer answers for a unique key taken by a concurrent call (shared.rpc.errors).
    out.append(("shared/rpc/errors.py", "a record with the same key was written at the same time"))
    return out


def test_the_walk_finds_balloting_refusals():
    found = balloting_refusals()
    assert len(found) > 25
    assert any("differential ballot needs at least" in m for _, m in found)


@pytest.mark.parametrize("where,message", balloting_refusals())
def test_every_refusal_reads_in_chinese(where, message):
    cat = catalogue()
    said = cat.ballot_refusal(message)
    assert said != cat.ballot_refusal_other, f"{where}: no Chinese for {message!r}"
    assert not re.search(r"[A-Za-z]", said), f"{where}: {said!r}"


def _fields(descriptor, prefix: str = "") -> list[str]:
    out = []
    for f in descriptor.fields:
        name = prefix + f.name
        if f.message_type is not None and f.message_type.full_name.startswith("lianxin.balloting"):
            out += _fields(f.message_type, name + ".")
        else:
            out.append(name)
    return out


def page_fields() -> list[tuple[str, str]]:
    service = bpb.DESCRIPTOR.services_by_name["BallotingService"]
    return [(rpc, field) for rpc in PAGE_RPCS for field in _fields(service.methods_by_name[rpc].input_type)]


@pytest.mark.parametrize("rpc,field", page_fields())
def test_every_field_the_pages_send_has_its_sentence(rpc, field):
    cat = catalogue()
    said = cat.field_error(f"{field}: is wrong")
    assert said != cat.field_problem_other, f"{rpc}: no sentence for {field}"
    # ...also as balloting names a repeated field's element: candidates[3].proposal_id
    head, _, rest = field.partition(".")
    if rest:
        assert cat.field_error(f"{head}[3].{rest}: is wrong") == said


def test_a_refusal_nobody_worded_is_still_chinese():
    cat = catalogue()
    assert cat.ballot_refusal("something new went wrong") == cat.ballot_refusal_other


def test_investment_is_written_in_yi_or_wan_yuan_exactly():
    assert campaigns.money(431_000_000_000) == "43.10亿元"          # the seed's 4.31 billion yuan
    assert campaigns.money(120_000_000) == "120.00万元"
    assert campaigns.money(123_456_789) == "123.46万元"
    assert campaigns.money(10_000_000_000) == "1.00亿元"
    assert campaigns.money(1_234_567_000_000) == "123.46亿元"
    assert campaigns.money(0) == "0.00万元"
