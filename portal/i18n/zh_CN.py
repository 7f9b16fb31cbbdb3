"""简体中文: every string the portal shows, in one place. A key missing here is an error at
render time (StrictUndefined), never a blank on the page."""
from __future__ import annotations

LANG = "zh-CN"

STRINGS: dict[str, str] = {
    "site_name": "连心 · 人大代表联络",
    "skip_to_content": "跳到正文",
    "footer": "人大代表联络服务平台",
    "home_title": "连心",
    "home_intro": "扫描人大代表的二维码，即可向代表反映问题；凭查询码随时查看办理进度。",
    # the card page (码上提)
    "card_title": "{name}代表",
    "card_levels": "代表层级",
    "card_region": "所在地区",
    "card_work_unit": "工作单位",
    "card_position": "职务",
    "card_phone": "联系电话",
    "card_specialties": "专业领域",
    "card_pledge": "履职承诺",
    "card_venues": "联络站点与接待时间",
    "venue_address": "地址",
    "venue_schedule": "接待时间",
    "venue_schedule_days": "每月{days}",
    "venue_no_schedule": "接待时间请咨询联络站",
    "opinion_form_title": "码上提：向代表反映问题",
    "opinion_form_intro": "请写明问题发生的地点和具体情况。留下姓名和电话便于代表联系您（选填，只有办理人员可见）。",
    "field_category": "问题类别",
    "field_category_choose": "请选择",
    "field_text": "问题描述",
    "field_text_hint": "最多 {max} 字",
    "field_contact_name": "您的姓名（选填）",
    "field_contact_phone": "联系电话（选填）",
    "submit_opinion": "提交",
    "submitted_title": "已提交",
    "submitted_intro": "您的意见已转给代表。请记下查询码，凭它查看办理进度和答复。",
    "tracking_code": "查询码",
    "short_link": "进度查询链接",
    "open_tracking": "查看办理进度",
    # tracking
    "track_title": "查询办理进度",
    "track_intro": "输入提交意见时得到的查询码。",
    "track_submit": "查询",
    "case_title": "办理进度",
    "case_category": "类别",
    "case_status": "当前状态",
    "case_raised_at": "提交时间",
    "case_steps": "办理过程",
    "case_answer": "代表答复",
    "case_department_reply": "部门答复",
    "case_feedback": "办理结果反馈",
    "case_outcome": "办理结果",
    "case_resolved": "已解决",
    "case_unresolved": "未解决",
    "case_rating": "您的评价",
    "rate_title": "评价办理结果",
    "rate_intro": "请为这次办理打分（1 到 5 分，5 分最满意）。",
    "field_rating": "评分",
    "field_comment": "评价意见（选填）",
    "submit_rating": "提交评价",
    "rated_thanks": "感谢您的评价。",
    "rating_value": "{n} 分",
    # errors
    "error_title": "出错了",
    "not_found_title": "没有找到",
    "card_not_found": "没有找到这张代表名片。它可能已停用，请核对二维码或联系当地人大。",
    "case_not_found": "没有找到这个查询码对应的意见，请核对后重新输入。",
    "page_not_found": "您访问的页面不存在。",
    "too_many_title": "请稍后再试",
    "too_many": "您的操作太频繁了，请过一分钟再试。",
    "forbidden_title": "请求无效",
    "forbidden": "表单已过期或不是从本站提交的。请返回页面刷新后重新提交（需要允许本站的 Cookie）。",
    "unavailable_title": "系统繁忙",
    "unavailable": "系统暂时无法处理您的请求，请稍后再试。您填写的内容没有丢失：返回上一页即可重新提交。",
    "server_error": "系统出现错误，请稍后再试。",
    "invalid_input": "请检查填写的内容：",
    "back_home": "返回首页",
    "too_large": "提交的内容太长了。",
}

# What to tell a citizen when a service refuses a form field (INVALID_ARGUMENT names the
# field; its own wording is for developers and in English, so the page says it this way).
FIELD_PROBLEMS: dict[str, str] = {
    "category": "请选择问题类别。",
    "text": "请填写问题描述，最多 2000 字。",
    "contact.name": "姓名最多 50 字。",
    "contact.phone": "联系电话只能包含数字、+、- 和空格，最多 20 位。",
    "rating": "请选择 1 到 5 分。",
    "comment": "评价意见最多 500 字。",
    "request_id": "表单已过期，请刷新页面后重新提交。",
}
FIELD_PROBLEM_OTHER = "填写的内容有误，请检查后重新提交。"

OPINION_STATUS: dict[int, str] = {
    1: "已提交", 2: "已受理", 3: "不予受理", 4: "代表已答复", 5: "已转交部门办理", 6: "部门已答复",
    7: "已提交上级办理", 8: "已解决", 9: "未解决", 10: "已反馈结果", 11: "已办结",
}

LEVELS: dict[int, str] = {1: "全国人大代表", 2: "自治区人大代表", 3: "市（州）人大代表", 4: "县（市、区）人大代表",
                          5: "乡镇人大代表"}

VENUE_KINDS: dict[int, str] = {1: "人大代表之家", 2: "代表联络站", 3: "专业特色代表工作站", 4: "代表活动室"}

# The categories a citizen picks from (the services take any short label).
CATEGORIES: tuple[str, ...] = ("道路交通", "教育", "医疗卫生", "社会保障", "就业", "住房", "生态环境",
                               "社区治理", "农业农村", "营商环境", "其他")

DATE = "{y}年{m}月{d}日"
DATETIME = "{y}年{m}月{d}日 {H:02d}:{M:02d}"
DAY_OF_MONTH = "{d}日"
LIST_SEPARATOR = "、"
