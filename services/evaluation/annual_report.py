"""A deputy's annual report draft (年度履职情况报告), to present to their constituents (the seed:
各级人大代表每年向原选区选民报告工作; 述职 at least once a term): a DOCX in Chinese written
with python-docx from the deputy's performance file of the year, ready for the deputy to edit.

Layout: the title; who (name, levels, region); 一、履职概况 (the year's items and points, and a
table by kind: 类别, 次数, 积分); 二、履职明细 (each kind with its count, then its items by
day: the day and what was done); 三、存在的不足和今后打算 left for the deputy to write. The
file's core properties name it as the deputy's draft: title, author (the deputy), language zh-CN.
"""
from __future__ import annotations

import io
from collections import defaultdict

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from services.evaluation import scoring as sc
from services.evaluation.performance import FileView
from shared.clock import now

KIND_LABELS = {
    sc.WorkKind.SESSION_ATTENDED: "出席人民代表大会会议",
    sc.WorkKind.BILL_SUBMITTED: "提出议案",
    sc.WorkKind.SUGGESTION_SUBMITTED: "提出建议、批评和意见",
    sc.WorkKind.CO_SIGNED: "附议、联名议案建议",
    sc.WorkKind.INSPECTION_JOINED: "参加视察、调研和执法检查",
    sc.WorkKind.ACTIVITY: "参加代表活动",
    sc.WorkKind.VISIT: "走访选民",
    sc.WorkKind.RECEPTION: "接待选民",
    sc.WorkKind.OPINION_ANSWERED: "答复群众意见",
    sc.WorkKind.BALLOT_CAST: "参加民生实事项目票决",
    sc.WorkKind.SATISFACTION_VOTE_CAST: "参加满意度测评",
    sc.WorkKind.ORGAN_HEAD_MEETING: "约见国家机关负责人",
    sc.WorkKind.CONSTITUENT_REPORT: "向原选区选民述职",
}
# The seats as the portal names them (its zh_CN LEVELS), so the draft and the pages agree.
LEVEL_LABELS = {sc.Level.NATIONAL: "全国人大代表", sc.Level.PROVINCIAL: "自治区人大代表",
                sc.Level.PREFECTURE: "市（州）人大代表", sc.Level.COUNTY: "县（市、区）人大代表",
                sc.Level.TOWNSHIP: "乡镇人大代表", sc.Level.DELIBERATION: "街道议事代表"}
ORDINALS = "一二三四五六七八九十"
PLACEHOLDER = "（请代表本人填写。）"


def day_text(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def filename(view: FileView) -> str:
    return f"{view.deputy.name}-{view.year}年度履职报告.docx"


def render(view: FileView, region_name: str) -> bytes:
    """The draft as DOCX bytes."""
    doc = Document()
    heading = f"{view.deputy.name}代表{view.year}年度履职情况报告"
    # The file's own properties, as Word and WPS show them: the deputy's draft (python-docx's
    # template would otherwise name "python-docx" as its author, with no title).
    props = doc.core_properties
    props.title, props.subject = heading, f"{view.year}年度履职情况报告（草稿）"
    props.author = props.last_modified_by = view.deputy.name
    props.language = "zh-CN"
    props.comments = "根据代表履职档案生成的草稿，请代表本人修改完善。"
    props.created = props.modified = now()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "宋体", Pt(14)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(heading)
    run.bold, run.font.size = True, Pt(20)
    sub = doc.add_paragraph("（草稿）")
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    levels = "、".join(LEVEL_LABELS[sc.Level(int(x))] for x in view.deputy.levels.split(",")
                      if x and int(x) in sc.Level._value2member_map_ and int(x))
    doc.add_paragraph(f"代表：{view.deputy.name}　　层级：{levels or '—'}　　所在区划：{region_name}")

    doc.add_heading("一、履职概况", level=1)
    count = len(view.items)
    doc.add_paragraph(f"{view.year}年，本人履职记录共{count}项，按履职量化考评细则计{sc.points_text(view.total)}分。"
                      if count else f"{view.year}年，本人尚无履职记录。")
    table = doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("履职类别", "次数", "积分"), strict=True):
        cell.text = text
    for kind, n, points in view.kinds:
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = KIND_LABELS[kind], str(n), sc.points_text(points)
    cells = table.add_row().cells
    cells[0].text, cells[1].text, cells[2].text = "合计", str(count), sc.points_text(view.total)

    doc.add_heading("二、履职明细", level=1)
    by_kind = defaultdict(list)
    for row in view.items:
        by_kind[sc.WorkKind(row.kind)].append(row)
    for i, (kind, n, _) in enumerate(view.kinds):
        doc.add_heading(f"（{ORDINALS[i] if i < len(ORDINALS) else i + 1}）{KIND_LABELS[kind]}（{n}次）", level=2)
        for row in by_kind[kind]:
            doc.add_paragraph(f"{day_text(row.day)}　{row.title}", style="List Bullet")
    if not view.kinds:
        doc.add_paragraph(PLACEHOLDER)

    doc.add_heading("三、存在的不足和今后打算", level=1)
    doc.add_paragraph(PLACEHOLDER)
    doc.add_paragraph(f"积分按{view.year}年适用的履职量化考评细则计算，明细以代表履职档案为准。")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
