"""A small hand-made world where the ranking rules of SPEC §5 alone decide the order.

Each group of names sets a rule against its rivals: the exact name against longer names holding
it, a core name (what people type as a short name) against names that merely contain it, the query
as one phrase against the same characters scattered, a former name against a current one."""
from __future__ import annotations

from tests.contract.builders import ENV, TAX, licence, list_entry, penalty, uscc

# name → code. Divisions: 420111 洪山区 / 420106 武昌区 / 420100 武汉市 (湖北省 420000),
# 440304 福田区 (深圳市 440300), 440400 珠海市.
GUANGGU = "武汉市光谷科技有限公司"
GUANGGU_DEV = "武汉光谷科技发展有限公司"
GUANGMING = "光明谷物科技有限公司"        # 光…谷…科技: the characters, scattered
PINGAN = "平安银行股份有限公司"
PINGAN_PROPERTY = "平安银行大厦物业管理有限公司"
GREE = "珠海格力电器股份有限公司"
GREE_SALES = "格力电器销售服务有限公司"
VANKE = "万科企业股份有限公司"
WANJIA = "万家科技有限公司"
CHANGJIANG = "湖北长江新材料股份有限公司"   # formerly:
CHANGJIANG_OLD = "武汉长江化工有限公司"
CHANGJIANG_EQUIP = "武汉长江化工设备有限公司"
JIANGCHENG = "武汉江城商贸有限公司"          # known only by a 15-digit registration number

CODES = {
    GUANGGU: uscc("91", "420111", 101),
    GUANGGU_DEV: uscc("91", "420106", 102),
    GUANGMING: uscc("91", "440304", 103),
    PINGAN: uscc("91", "440304", 104),
    PINGAN_PROPERTY: uscc("91", "440304", 105),
    GREE: uscc("91", "440400", 106),
    GREE_SALES: uscc("91", "440400", 107),
    VANKE: uscc("91", "440304", 108),
    WANJIA: uscc("91", "420100", 109),
    CHANGJIANG: uscc("91", "420100", 110),
    CHANGJIANG_EQUIP: uscc("91", "420100", 111),
    JIANGCHENG: "420100000123456",
}
CODES[CHANGJIANG_OLD] = CODES[CHANGJIANG]


def world_rows() -> list[tuple[str, dict]]:
    c = CODES
    return [
        licence(GUANGGU, c[GUANGGU], 30),
        penalty(GUANGGU, c[GUANGGU], 60),
        licence(GUANGGU_DEV, c[GUANGGU_DEV], 40, dept=ENV),
        penalty(GUANGMING, c[GUANGMING], 100, dept=TAX),
        licence(PINGAN, c[PINGAN], 200, dept=TAX),
        list_entry(PINGAN, c[PINGAN], 10, list_type="红名单", list_name="A级纳税人", dept=TAX),
        licence(PINGAN_PROPERTY, c[PINGAN_PROPERTY], 20, dept=TAX),
        licence(GREE, c[GREE], 15, dept=TAX),
        penalty(GREE, c[GREE], 300, dept=TAX, severity="严重"),   # 3-year window
        licence(GREE_SALES, c[GREE_SALES], 25, dept=TAX),
        licence(VANKE, c[VANKE], 35, dept=TAX),
        penalty(WANJIA, c[WANJIA], 45),
        # Renamed: the old licence still carries the former name; newer records the current one.
        licence(CHANGJIANG_OLD, c[CHANGJIANG], 700),
        penalty(CHANGJIANG, c[CHANGJIANG], 50, dept=ENV),
        list_entry(CHANGJIANG, c[CHANGJIANG], 5),
        licence(CHANGJIANG_EQUIP, c[CHANGJIANG_EQUIP], 70),
        licence(JIANGCHENG, c[JIANGCHENG], 80),
    ]
