"""The account import reads what Excel did to cells the way the roster import does: a
formula without a saved value, an error value, or a logical value refuses its row, naming
the column; good rows still parse."""
import io

from openpyxl import Workbook

from services.identity.sheets import read_accounts
from shared.sheets import FORMULA_WITHOUT_VALUE


def xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)   # openpyxl saves formulas without a computed value, as report generators do
    return buf.getvalue()


def test_cells_excel_damaged_refuse_their_row_naming_the_column():
    rows = read_accounts(xlsx([
        ["用户名", "姓名", "角色", "区划代码", "代表或部门", "初始密码"],
        ["wang.xl", "王秀兰", "工作人员", "652301", "", ""],
        ["li.q", '="李"&"强"', "工作人员", "652301", "", ""],
        ["zhao.m", "赵敏", "工作人员", "652301", "#N/A", ""],
        ["ma.l", True, "工作人员", "652301", "", ""],
    ]), "xlsx", "652301")
    good, formula, error, logical = rows
    assert good.errors == () and good.draft is not None and good.draft.display_name == "王秀兰"
    assert [(e.column, e.reason) for e in formula.errors] == [("姓名", f"姓名: {FORMULA_WITHOUT_VALUE}")]
    assert formula.draft is None
    assert [e.column for e in error.errors] == ["代表或部门"] and "#N/A" in error.errors[0].reason
    assert [e.column for e in logical.errors] == ["姓名"] and "logical value" in logical.errors[0].reason
