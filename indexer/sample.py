"""Synthetic source-department data (SPEC §3): deterministic, realistic, streamed to disk.

`generate()` writes what a Hubei credit centre receives from its source departments — licences,
penalties and list entries under the catalogue's Chinese column headers, in every accepted input
format — with ~3 % deliberately bad rows, re-sent corrections and revocations, and a manifest
saying exactly which rows are bad and why, so ingest can be tested against it. Free text carries
what masking must hide (ID, phone, card and account numbers, home addresses, sole traders'
operators' names) in the spellings clerks use, not only the plain one.

Everything is drawn from one seeded `random.Random` (never the global one) in a fixed order, so
a seed, a subject count and a date always give the same bytes. Rows are written as each subject
is made; besides the manifest's list of bad rows, the only state that grows with the data set is
a bit set of a few MB guarding unique names and codes (a million subjects: ~220 MB peak RSS).
"""
from __future__ import annotations

import csv
import io
import json
import os
import random
import re
import sys
import zlib
from bisect import bisect
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, cached_property
from itertools import accumulate
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

import opencc
import yaml
from openpyxl import Workbook
from tqdm import tqdm

from credit.codes import (
    SUBJECT_CODE_KEYS,
    USCC_ALPHABET,
    id_check_char,
    normalize_code,
    uscc_check_char,
)

_CREDIT = Path(__file__).resolve().parent.parent / "credit"
CATALOG_PATH = _CREDIT / "catalog.yaml"
REGIONS_PATH = _CREDIT / "data" / "regions.tsv"

REASONS = ("missing_required", "bad_date", "future_date", "valid_to_before_from", "bad_amount",
           "bad_uscc", "bad_citizen_id", "bad_enum", "no_legal_code")
# How often each reason is picked once a row is chosen to be bad: clerks mostly leave fields
# empty or mistype codes and dates.
_REASON_WEIGHTS = (25, 15, 8, 8, 8, 15, 8, 8, 5)

BAD_ROW_RATE = 0.03
# Until every reason (and every file) has a bad row, rows are made bad far more often, so even a
# 100-subject set covers them all; on large sets this changes the overall rate imperceptibly.
COVERAGE_RATE = 0.25
# Share of the secrets written into free text (ID, phone, card and account numbers, operators'
# names) that clerks spell otherwise than plainly. Until each spelling has been written a few
# times, most secrets take one of those, so even a small sample has all that masking must find
# (and some of it on records that are public) besides plain ones.
SPELLING_RATE = 0.25
SPELLING_COVERAGE = 5
SPELLING_COVERAGE_RATE = 0.75
# The given name alone fits fewer names (not 张伟) and is the easiest to miss: written twice as
# often until covered.
_STYLE_COVERAGE = {"given_name": 2 * SPELLING_COVERAGE}
CORRECTION_RATE = 0.01
REVOCATION_SHARE = 0.3
RENAME_RATE = 0.02
_RENAMEABLE_SHARE = 0.85 * 0.85    # companies and branches among all subjects: only they rename
# Share of subjects on a list (≈ 5 % overall); courts list many natural persons as 失信被执行人.
_LIST_RATES = {"org": 0.05, "sole": 0.05, "person": 0.15}
OTHER_DATE_STYLE_RATE = 0.08
CODE_NOISE_RATE = 0.03
EXTRA_FILE_ROWS = (20, 300)        # bounds of each small extra-format file
LONG_TERM = date(2099, 12, 31)     # what departments write for a licence without an end date
REVOKED_REMARK = "该处罚决定已撤销"


class _Weighted:
    """Values with weights, drawn by bisecting precomputed cumulative weights (random.choices
    recomputes them on every call, which shows at a million rows)."""

    def __init__(self, pairs):
        pairs = list(pairs)
        self.values = [v for v, _ in pairs]
        self._cumulative = list(accumulate(w for _, w in pairs))

    def draw(self, rng: random.Random):
        return self.values[bisect(self._cumulative, rng.random() * self._cumulative[-1])]


def _counts(*weights: int) -> _Weighted:
    return _Weighted(enumerate(weights))


def _words(text: str) -> tuple[str, ...]:
    """Whitespace-separated words, first occurrence kept."""
    return tuple(dict.fromkeys(text.split()))


# Rows per subject: index = count, value = weight. Means ≈ 1.5 licences per organisation and
# 0.6 penalties per subject once the "at least one record" rule is applied.
_LICENCE_COUNTS = {"org": _counts(14, 50, 22, 9, 3, 2), "sole": _counts(25, 60, 15), "person": _counts(85, 15)}
_PENALTY_COUNTS = {"org": _counts(62, 24, 9, 4, 1), "sole": _counts(55, 35, 10), "person": _counts(30, 60, 10)}
_MANY_PENALTIES_RATE = 0.005       # the few organisations with a long record, for profile pages
# Expected rows per subject of each kind, to size the small extra-format files.
_ROWS_PER_SUBJECT = {"licence": 1.45, "penalty": 0.6, "list": 0.06}

# ---------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------

# Ordered by frequency: picked with a bias towards the front.
_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
             "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
             "毛郝龚邵万钱严覃武戴莫孔向汤柯鲁喻舒童聂詹晏涂易甘艾操")
_COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "皇甫", "东方", "令狐", "慕容", "尉迟", "公孙",
                      "夏侯", "长孙", "宇文", "司徒", "端木")
_GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红玲芬燕彬鹏辉斌宇浩凯健俊帆旭宁龙林"
          "欣佳雪婷倩晨阳文博志建国海兵亮成荣新春梅兰云飞峰波丹鑫悦子轩怡涵思雨梓睿晓晶琳莉慧颖琴毅"
          "诚嘉瑶璐昊然晗泽宏运豪智婉蓉秋菊冬松柏青")

# 字号 (trade names): 2–3 characters, the part of a company name people remember.
_TRADE_NAMES = _words("""
光谷 长江 楚天 鑫源 华信 恒达 汉江 荆楚 江城 东湖 黄鹤 晴川 珞珈 南湖 知音 楚风 楚韵 楚信 汉韵 汉通
汉欣 江汇 江腾 江源 鑫盛 鑫达 鑫泰 鑫宇 鑫海 鑫隆 鑫旺 鑫瑞 华通 华泰 华宇 华兴 华盛 华联 华峰 华科
华创 恒通 恒信 恒泰 恒盛 恒昌 恒远 恒瑞 恒丰 宏达 宏图 宏远 宏业 宏盛 宏泰 宏伟 宏发 天成 天宇 天元
天泽 天润 天恒 天汇 天和 金桥 金鼎 金达 金源 金盛 金辉 金鑫 金帆 金穗 博远 博雅 博瑞 博创 博达 博通
盛世 盛达 盛源 盛泰 盛和 盛隆 瑞丰 瑞祥 瑞达 瑞源 瑞恒 瑞康 永盛 永安 永兴 永泰 永通 永丰 兴隆 兴达
兴旺 兴业 兴华 兴邦 泰和 泰丰 泰达 泰盛 福润 福瑞 福源 福达 福星 福兴 合力 合众 合盛 合创 合美 新锐
新兴 新宇 新辰 新航 卓越 卓远 卓信 卓诚 创新 创联 创达 创美 睿智 睿达 睿博 睿信 睿德 智联 智远 智诚
智达 云帆 云天 云海 云达 云图 远航 远大 远景 远洋 远通 启航 启明 启辰 启迪 正华 正通 正信 正源 正和
德润 德信 德隆 德胜 德源 信达 信诚 信和 信源 信义 诚泰 诚达 诚远 鸿运 鸿达 鸿图 鸿泰 鸿业 鸿源 润泽
润达 润丰 润华 安泰 安达 安信 安康 安捷 佳和 佳美 佳禾 佳诚 汇通 汇达 汇智 汇鑫 景泰 景和 景明 嘉禾
嘉利 嘉信 嘉诚 中南 中博 中诚 中楚 中汉 东方 东升 东润 东信 南方 南华 北辰 明阳 明达 明远 明德 宇航
宇辰 三镇 九州 万通 万顺 万和 千禧 百川 绿源 绿洲 绿野 青山 碧水 蓝天 银河 星河 星辰 星光 山河 江海
海纳 荣华 荣昌 开元 开泰 广源 广达 广信 丰源 丰华 丰收 立信 立达 振华 振兴 振业 龙腾 龙源 龙盛 凤凰
富源 富达 富民 晨光 晨曦 朝阳 旭日 精诚 精工 同心 同创 同益 利民 利达 利源 康达 康源 康宁 世纪 世通
时代 亿达 亿通 亿鑫 聚源 聚力 聚鑫 君安 君诚 和信 和美 和润 尚品 尚德 优品 楚源 楚汉 楚商 楚邦 楚航
楚鑫 楚峰 江南 江北 金太阳 新长江 好邻居 新世纪 红太阳 长江源 大汉口 汉正街 楚天舒 鑫百汇
""")

# Trade names are also composed from a leading and a trailing character (鑫+达, 华+泰 …), so a
# million subjects still find free names in one district.
_TRADE_FIRST = ("鑫华恒宏天金博盛瑞永兴泰福合新卓创睿智云远启正德信诚鸿润安佳汇景嘉中东南北明宇"
                "万百绿青蓝银星山江海荣开广丰立振龙凤富晨朝旭精同利康世亿聚君和尚优楚汉")
_TRADE_SECOND = "源达信通泰盛昌远瑞丰发成宇元泽润恒汇和桥鼎辉帆穗雅创博祥康安兴隆旺邦美锐辰航越诚智联图景洋迪华川洲野晖业德运"
_COMPOSED_TRADE_SHARE = 0.3

# (industry word, the domains its licences and penalties usually come from)
_INDUSTRIES = (
    ("科技", ("market", "tax")), ("信息技术", ("market", "labour")), ("网络科技", ("market", "culture")),
    ("电子科技", ("market", "env")), ("生物科技", ("market", "env", "drug")), ("软件", ("market", "tax")),
    ("建筑工程", ("housing", "safety")), ("建筑劳务", ("housing", "labour")), ("装饰工程", ("housing", "fire")),
    ("市政工程", ("housing", "urban")), ("食品", ("market", "agri")), ("餐饮管理", ("market", "health", "fire")),
    ("医药", ("drug",)), ("医疗器械", ("drug", "market")), ("物流", ("transport",)),
    ("供应链管理", ("transport", "commerce")), ("商贸", ("market", "commerce", "tobacco")),
    ("贸易", ("market", "commerce")), ("环保科技", ("env",)), ("机械制造", ("market", "safety", "env")),
    ("机电设备", ("market", "safety")), ("汽车销售", ("market", "commerce")), ("汽车服务", ("transport", "env")),
    ("房地产开发", ("housing", "land")), ("物业管理", ("housing", "fire")), ("农业发展", ("agri", "land", "water")),
    ("新能源", ("env", "dev")), ("光电", ("env", "market")), ("电力工程", ("housing", "safety")),
    ("化工", ("safety", "env")), ("建材", ("market", "env")), ("钢结构", ("housing", "market")),
    ("文化传媒", ("culture", "market")), ("广告", ("market", "urban")), ("教育咨询", ("education", "market")),
    ("企业管理咨询", ("market", "tax")), ("人力资源", ("labour",)), ("旅游开发", ("culture", "land")),
    ("酒店管理", ("health", "fire", "police")), ("置业", ("housing", "land")), ("实业", ("market", "env", "tax")),
    ("电子商务", ("market", "tax")), ("纺织", ("env", "labour")), ("服饰", ("market",)), ("印务", ("env", "market")),
    ("包装", ("env", "market")), ("水产", ("agri", "market")), ("茶业", ("agri", "market")),
    ("粮油", ("market", "agri")), ("矿业", ("land", "safety", "env")), ("石油化工", ("safety", "env", "commerce")),
    ("再生资源回收", ("env",)), ("健康管理", ("health",)), ("娱乐", ("culture", "fire")),
)
_COMPANY_FORMS = _Weighted((("有限公司", 66), ("有限责任公司", 16), ("股份有限公司", 8), ("集团有限公司", 4)))
# ((form, USCC prefix: registration authority + organisation type), weight)
_ORG_FORMS = _Weighted(((("company", "91"), 78), (("branch", "91"), 7), (("coop", "93"), 5), (("inst", "12"), 5),
                        (("social", "51"), 5)))
_COOP_PRODUCTS = ("水稻种植", "蔬菜种植", "茶叶种植", "柑橘种植", "生猪养殖", "水产养殖", "小龙虾养殖", "中药材种植",
                  "食用菌种植", "农机", "家禽养殖", "油茶种植", "葡萄种植", "苗木种植", "蜂业", "莲藕种植")
_INSTITUTIONS = (
    ("人民医院", ("health",)), ("中医医院", ("health", "drug")), ("妇幼保健院", ("health",)),
    ("疾病预防控制中心", ("health",)), ("第一中学", ("education",)), ("实验小学", ("education",)),
    ("职业技术学校", ("education",)), ("图书馆", ("culture", "fire")), ("文化馆", ("culture",)),
    ("博物馆", ("culture", "fire")), ("公共资源交易中心", ("commerce",)), ("不动产登记中心", ("land",)),
    ("社会福利院", ("health", "fire")), ("农业技术推广中心", ("agri",)), ("水利工程管理处", ("water",)),
    ("城市排水管理处", ("water", "env")), ("广播电视台", ("culture",)), ("园林绿化管理所", ("urban",)),
    ("政务服务中心", ("commerce",)), ("市政设施维护中心", ("urban", "housing")), ("环境卫生管理处", ("urban", "env")),
)
_LOCAL_INSTITUTIONS = ("小学", "中学", "幼儿园", "实验学校", "中心小学", "社区卫生服务中心", "文化站", "社区服务中心")
_CN_NUMBERS = "一二三四五六七八九十"
_SOCIAL_TOPICS = ("书画", "摄影", "围棋", "象棋", "老年体育", "创业投资", "电子商务", "物流", "餐饮", "建筑业", "软件",
                  "汽车维修", "家政服务", "钓鱼", "收藏", "茶文化", "诗词", "足球", "羽毛球", "太极拳", "志愿服务",
                  "青年企业家", "女企业家", "个体劳动者", "信息化", "养老服务", "物业管理", "装饰", "中医药",
                  "心理咨询", "广告", "品牌建设", "楹联", "民间文艺", "红十字", "知识产权", "质量管理", "安全生产")
_SOCIAL_FORMS = ("协会", "行业协会", "商会", "促进会", "联合会", "研究会", "学会")
_SOCIAL_DOMAINS = ("culture", "labour", "commerce", "education")
_COOP_DOMAINS = ("agri", "water", "land")
_SHOPS = (
    ("便利店", ("market", "tobacco")), ("副食店", ("market", "tobacco")), ("小吃店", ("market", "fire")),
    ("餐馆", ("market", "fire", "health")), ("热干面馆", ("market", "urban")), ("五金店", ("market",)),
    ("日杂店", ("market",)), ("理发店", ("health",)), ("美容美发店", ("health",)), ("服装店", ("market",)),
    ("水果店", ("market", "urban")), ("烟酒店", ("tobacco", "market")), ("汽车修理部", ("transport", "env")),
    ("家电维修部", ("market",)), ("建材经营部", ("market",)), ("手机维修店", ("market",)), ("粮油店", ("market",)),
    ("早餐店", ("market", "urban")), ("茶叶店", ("market",)), ("大药房", ("drug",)), ("农资店", ("agri",)),
    ("养殖场", ("agri", "env")), ("家庭农场", ("agri", "land")), ("网吧", ("culture", "fire")),
    ("旅社", ("police", "health", "fire")), ("货运部", ("transport",)), ("废品收购站", ("env", "police")),
    ("干洗店", ("env", "market")),
)
_PERSON_DOMAINS = ("police", "urban", "transport", "agri", "market")
# Where a record comes from when it does not follow the subject's line of business.
_GENERAL_DOMAINS = (("market", 40), ("tax", 10), ("fire", 8), ("env", 10), ("health", 6), ("transport", 6),
                    ("safety", 6), ("housing", 6), ("labour", 4), ("commerce", 4), ("police", 3), ("urban", 3))

_MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
                    "155", "156", "157", "158", "159", "166", "170", "176", "177", "180", "181", "182", "183",
                    "185", "186", "187", "188", "189", "191", "198", "199")
_ROADS = ("解放大道", "中山大道", "建设大道", "珞喻路", "武珞路", "雄楚大道", "民族大道", "光谷大道", "关山大道",
          "沿江大道", "发展大道", "汉阳大道", "鹦鹉大道", "和平大道", "友谊大道", "青年路", "江汉路", "新华路",
          "徐东大街", "楚汉路", "人民路", "建设路", "解放路", "胜利街", "东风路", "文化路", "城南大道", "江北路")

# ---------------------------------------------------------------------------------------------
# Source departments (~30), each with a fixed USCC derived from its name
# ---------------------------------------------------------------------------------------------

# (name, region, 文号 abbreviation, domain, name pattern of its district offices)
_DEPARTMENTS = (
    ("湖北省市场监督管理局", "420000", "鄂市监", "market", None),
    ("武汉市市场监督管理局", "420100", "鄂武市监", "market", "{city}{district}市场监督管理局"),
    ("黄石市市场监督管理局", "420200", "鄂黄市监", "market", "{city}{district}市场监督管理局"),
    ("宜昌市市场监督管理局", "420500", "鄂宜市监", "market", "{city}{district}市场监督管理局"),
    ("襄阳市市场监督管理局", "420600", "鄂襄市监", "market", "{city}{district}市场监督管理局"),
    ("荆州市市场监督管理局", "421000", "鄂荆市监", "market", "{city}{district}市场监督管理局"),
    ("湖北省生态环境厅", "420000", "鄂环", "env", None),
    ("武汉市生态环境局", "420100", "鄂武环", "env", "{city}生态环境局{district}分局"),
    ("国家税务总局湖北省税务局", "420000", "鄂税", "tax", None),
    ("国家税务总局武汉市税务局", "420100", "鄂武税", "tax", "国家税务总局{city}{district}税务局"),
    ("湖北省应急管理厅", "420000", "鄂应急", "safety", None),
    ("武汉市应急管理局", "420100", "鄂武应急", "safety", None),
    ("湖北省住房和城乡建设厅", "420000", "鄂建", "housing", None),
    ("武汉市城乡建设局", "420100", "鄂武建", "housing", None),
    ("湖北省药品监督管理局", "420000", "鄂药监", "drug", None),
    ("湖北省交通运输厅", "420000", "鄂交", "transport", None),
    ("武汉市交通运输局", "420100", "鄂武交", "transport", None),
    ("湖北省卫生健康委员会", "420000", "鄂卫", "health", None),
    ("武汉市卫生健康委员会", "420100", "鄂武卫", "health", None),
    ("湖北省文化和旅游厅", "420000", "鄂文旅", "culture", None),
    ("湖北省自然资源厅", "420000", "鄂自然资", "land", None),
    ("湖北省水利厅", "420000", "鄂水", "water", None),
    ("湖北省农业农村厅", "420000", "鄂农", "agri", None),
    ("湖北省人力资源和社会保障厅", "420000", "鄂人社", "labour", None),
    ("武汉市人力资源和社会保障局", "420100", "鄂武人社", "labour", None),
    ("湖北省商务厅", "420000", "鄂商务", "commerce", None),
    ("湖北省发展和改革委员会", "420000", "鄂发改", "dev", None),
    ("湖北省烟草专卖局", "420000", "鄂烟", "tobacco", None),
    ("湖北省教育厅", "420000", "鄂教", "education", None),
    ("武汉市城市管理执法委员会", "420100", "鄂武城管", "urban", "{city}{district}城市管理执法局"),
    ("湖北省消防救援总队", "420000", "鄂消", "fire", None),
    ("武汉市消防救援支队", "420100", "鄂武消", "fire", "{city}消防救援支队{district}大队"),
    ("湖北省公安厅", "420000", "鄂公", "police", None),
    ("武汉市公安局", "420100", "鄂武公", "police", "{city}公安局{district}分局"),
    ("湖北省高级人民法院", "420000", "鄂高法", "court", None),
    ("武汉市中级人民法院", "420100", "鄂武中法", "court", None),
)

# ---------------------------------------------------------------------------------------------
# Record templates. Blanks in braces are filled by _Generator._blanks; in number patterns
# '#' is a digit, '@' a letter. Subject kinds: o organisation, s 个体工商户, p 自然人.
# ---------------------------------------------------------------------------------------------

_KIND_LETTERS = {"org": "o", "sole": "s", "person": "p"}


@dataclass(frozen=True)
class _Licence:
    category: str
    doc_name: str
    cert: str
    contents: tuple[str, ...]
    years: int              # validity; 0 = long-term
    number: str
    kinds: str


@dataclass(frozen=True)
class _Penalty:
    violation: str
    facts: tuple[str, ...]
    basis: str
    types: tuple[tuple[str, int], ...]   # (处罚类别 joined by ";", weight)
    kinds: str

    @cached_property
    def weighted_types(self) -> _Weighted:
        return _Weighted(self.types)


@dataclass(frozen=True)
class _ListRule:
    domain: str
    reasons: tuple[str, ...]
    basis: str
    years: int | None       # usual length of the entry; None = until removed
    kinds: str
    weight: int


_LICENCES = {
    "market": (
        _Licence("普通", "食品经营许可决定书", "食品经营许可证",
                 ("预包装食品（含冷藏冷冻食品）销售", "预包装食品（不含冷藏冷冻食品）销售，散装食品（不含冷藏冷冻食品）销售",
                  "热食类食品制售，冷食类食品制售", "热食类食品制售，自制饮品制售", "保健食品销售，特殊医学用途配方食品销售"),
                 5, "JY1{r}#######", "os"),
        _Licence("普通", "准予行政许可决定书", "食品生产许可证",
                 ("糕点（热加工糕点）", "饮料（包装饮用水）", "调味品（酱油、食醋）", "肉制品（熟肉制品）",
                  "方便食品（其他方便食品）", "速冻食品（速冻面米食品）"), 5, "SC1##{r}#####", "o"),
        _Licence("核准", "准予行政许可决定书", "特种设备生产许可证",
                 ("压力管道安装（GC2）", "电梯安装、修理（A2级）", "起重机械安装、修理（桥式、门式起重机）",
                  "锅炉安装、改造、修理（B级）"), 4, "TS3842###-{y}", "o"),
        _Licence("普通", "准予行政许可决定书", "工业产品生产许可证",
                 ("电线电缆（低压电线电缆）", "建筑用钢筋", "危险化学品（工业硫酸）", "水泥（通用硅酸盐水泥）", "化肥（复肥）"),
                 5, "（鄂）XK06-###-#####", "o"),
        _Licence("登记", "准予设立登记通知书", "营业执照",
                 ("准予设立登记", "准予变更登记（经营范围变更）", "准予变更登记（住所变更）"), 0, "{u}", "os"),
        _Licence("认可", "准予行政许可决定书", "特种设备安全管理和作业人员证",
                 ("叉车司机（N1）", "电梯修理（T）", "工业锅炉司炉（G1）", "起重机司机（Q2）"), 4, "{id}", "p"),
    ),
    "drug": (
        _Licence("普通", "药品经营许可决定书", "药品经营许可证",
                 ("处方药、甲类非处方药、乙类非处方药：中药饮片、中成药、化学药制剂、抗生素制剂、生化药品",
                  "乙类非处方药：中成药、化学药制剂"), 5, "鄂AA#######", "os"),
        _Licence("普通", "准予行政许可决定书", "医疗器械经营许可证",
                 ("第三类医疗器械：注射穿刺器械、医用高分子材料及制品", "第三类医疗器械：体外诊断试剂"),
                 5, "鄂药监械经营许{y}#####号", "o"),
        _Licence("认可", "准予注册决定书", "执业药师注册证", ("执业范围：药品经营企业；执业类别：药学",), 5, "{id}", "p"),
    ),
    "env": (
        _Licence("普通", "排污许可证核发决定书", "排污许可证",
                 ("行业类别：表面处理；主要污染物类别：废气、废水",
                  "行业类别：锅炉；主要污染物类别：废气（颗粒物、二氧化硫、氮氧化物）",
                  "行业类别：食品制造；主要污染物类别：废水（化学需氧量、氨氮）"), 5, "{u}001@", "o"),
        _Licence("核准", "建设项目环境影响报告表批复", "",
                 ("同意{project}按照环境影响报告表所列性质、规模、地点和环境保护措施建设",), 5, "", "o"),
    ),
    "tax": (
        _Licence("普通", "准予税务行政许可决定书", "",
                 ("增值税专用发票（增值税税控系统）最高开票限额审批：最高开票限额十万元",
                  "增值税专用发票（增值税税控系统）最高开票限额审批：最高开票限额一百万元"), 3, "", "os"),
    ),
    "safety": (
        _Licence("普通", "准予行政许可决定书", "危险化学品经营许可证",
                 ("经营（带有储存设施）：汽油、柴油", "经营（不带储存设施）：硫酸、盐酸、氢氧化钠",
                  "经营（不带储存设施）：乙醇、丙酮、甲苯"), 3, "鄂危化经字〔{y}〕######", "o"),
        _Licence("普通", "准予行政许可决定书", "安全生产许可证",
                 ("许可范围：建筑施工", "许可范围：非煤矿山（建筑石料用灰岩露天开采）", "许可范围：危险化学品生产"),
                 3, "（鄂）JZ安许证字〔{y}〕######", "o"),
    ),
    "housing": (
        _Licence("认可", "准予行政许可决定书", "建筑业企业资质证书",
                 ("建筑工程施工总承包贰级", "市政公用工程施工总承包叁级", "建筑装修装饰工程专业承包贰级",
                  "地基基础工程专业承包叁级", "施工劳务不分等级"), 5, "D2420#####", "o"),
        _Licence("普通", "建筑工程施工许可决定书", "建筑工程施工许可证", ("{project}，建筑面积{area}平方米",),
                 1, "{r}{y}####0101", "o"),
        _Licence("普通", "商品房预售许可决定书", "商品房预售许可证", ("{project}{n}号楼，预售面积{area}平方米",),
                 2, "鄂房预售证第{y}####号", "o"),
        _Licence("认可", "准予注册决定书", "注册建造师注册证书", ("建筑工程（一级）", "市政公用工程（二级）"),
                 3, "鄂1##########", "p"),
    ),
    "transport": (
        _Licence("特许", "道路运输经营许可决定书", "道路运输经营许可证",
                 ("道路普通货物运输", "道路旅客运输（班车客运）", "经营性道路危险货物运输（3类）", "机动车维修：一类机动车维修"),
                 4, "鄂交运管许可字{r}######号", "os"),
        _Licence("认可", "准予行政许可决定书", "道路运输从业人员从业资格证",
                 ("经营性道路货物运输驾驶员", "经营性道路旅客运输驾驶员", "出租汽车驾驶员"), 6, "{id}", "p"),
    ),
    "health": (
        _Licence("认可", "准予行政许可决定书", "医疗机构执业许可证",
                 ("诊疗科目：内科；外科；妇产科；儿科；医学检验科", "诊疗科目：口腔科；医学影像科", "诊疗科目：中医科；康复医学科"),
                 5, "PDY#####{r}####", "o"),
        _Licence("普通", "准予行政许可决定书", "公共场所卫生许可证", ("住宿", "美容美发", "沐浴", "游泳场所"),
                 4, "鄂卫公证字〔{y}〕第######号", "os"),
    ),
    "culture": (
        _Licence("普通", "准予行政许可决定书", "娱乐经营许可证", ("歌舞娱乐场所", "游艺娱乐场所"), 2, "{r}#######", "os"),
        _Licence("普通", "准予行政许可决定书", "网络文化经营许可证",
                 ("利用信息网络经营音乐娱乐产品、演出剧（节）目、动漫产品",), 3, "鄂网文〔{y}〕####-###号", "o"),
        _Licence("普通", "准予行政许可决定书", "旅行社业务经营许可证", ("国内旅游业务、入境旅游业务",), 0, "L-HUB-#####", "o"),
    ),
    "land": (
        _Licence("特许", "采矿权出让决定书", "采矿许可证",
                 ("开采矿种：建筑石料用灰岩；开采方式：露天开采；生产规模：{n}万吨/年",
                  "开采矿种：饰面用花岗岩；开采方式：露天开采；生产规模：{n}万立方米/年"), 5, "C4200002010##########", "o"),
        _Licence("普通", "准予行政许可决定书", "建设用地规划许可证", ("{project}，用地面积{area}平方米",),
                 0, "地字第{r}{y}#####号", "o"),
    ),
    "water": (
        _Licence("特许", "取水许可决定书", "取水许可证",
                 ("取水用途：工业用水；年取水量：{n}万立方米", "取水用途：农业灌溉；年取水量：{n}万立方米"),
                 5, "D{r}S{y}-####", "o"),
    ),
    "agri": (
        _Licence("普通", "准予行政许可决定书", "农药经营许可证", ("农药（不含限制使用农药）",), 5, "农药经许（鄂）{r}#####", "os"),
        _Licence("普通", "准予行政许可决定书", "兽药经营许可证", ("兽用化学药品、中兽药",), 5, "（{y}）兽药经营证字17######号", "os"),
        _Licence("特许", "准予行政许可决定书", "渔业捕捞许可证", ("作业类型：刺网；作业场所：{county}境内水库",),
                 5, "（鄂）船捕（{y}）HY-######号", "p"),
    ),
    "labour": (
        _Licence("普通", "准予行政许可决定书", "劳务派遣经营许可证", ("劳务派遣",), 3, "{r}{y}####", "o"),
        _Licence("普通", "准予行政许可决定书", "人力资源服务许可证", ("职业中介活动；人力资源供求信息的收集和发布",),
                 5, "（鄂）人服证字〔{y}〕第####号", "o"),
    ),
    "commerce": (
        _Licence("普通", "准予行政许可决定书", "成品油零售经营批准证书", ("汽油、柴油零售",), 5, "油零售证书第42#####号", "o"),
        _Licence("其他", "备案登记表", "对外贸易经营者备案登记表", ("货物进出口、技术进出口",), 0, "0#######", "o"),
    ),
    "dev": (
        _Licence("核准", "项目核准批复", "", ("{project}核准，总投资{n}亿元",), 2, "", "o"),
    ),
    "tobacco": (
        _Licence("特许", "准予行政许可决定书", "烟草专卖零售许可证", ("卷烟、雪茄烟零售",), 5, "{r}######", "os"),
    ),
    "education": (
        _Licence("普通", "准予行政许可决定书", "民办学校办学许可证", ("文化教育类培训", "学前教育", "艺术类培训"),
                 5, "教民1{r}#######号", "o"),
    ),
    "urban": (
        _Licence("核准", "准予行政许可决定书", "城市建筑垃圾处置核准证", ("建筑垃圾运输处置：{project}",),
                 1, "鄂城管渣核〔{y}〕####号", "o"),
        _Licence("普通", "准予行政许可决定书", "", ("在{addr}设置户外广告牌一块，面积{n}平方米",), 1, "", "os"),
    ),
    "fire": (
        _Licence("普通", "公众聚集场所投入使用、营业前消防安全检查意见书", "", ("同意投入使用、营业（场所面积{area}平方米）",),
                 0, "", "os"),
    ),
    "police": (
        _Licence("普通", "准予行政许可决定书", "特种行业许可证", ("旅馆业",), 0, "鄂公特旅字第#####号", "os"),
    ),
}

_PENALTIES = {
    "market": (
        _Penalty("经营超过保质期的食品",
                 ("经查，{party}于{when}在其经营场所（{addr}）销售超过保质期的{food}共{n}件，货值金额{money}元。",
                  "{party}在{addr}经营的门店内陈列销售已超过保质期的{food}{n}件，执法人员现场查获。"),
                 "《中华人民共和国食品安全法》第三十四条第（十）项、第一百二十四条第一款第（五）项",
                 (("罚款", 5), ("警告", 2), ("罚款;没收违法所得", 3), ("没收非法财物;罚款", 2), ("吊销许可证件;罚款", 1)), "os"),
        _Penalty("发布虚假广告",
                 ("{party}在其微信公众号及门店宣传资料中使用“国家级”“最佳”等用语，并虚构产品功效，广告费用{money}元。",),
                 "《中华人民共和国广告法》第九条第（三）项、第二十八条、第五十五条第一款",
                 (("罚款", 5), ("罚款;没收违法所得", 2), ("警告", 1)), "o"),
        _Penalty("未按规定公示年度报告",
                 ("{party}未按照《企业信息公示暂行条例》规定的期限公示{year}年度报告，经责令限期履行仍未履行。",),
                 "《企业信息公示暂行条例》第八条、第十七条", (("警告", 3), ("通报批评", 1), ("其他", 1)), "o"),
        _Penalty("销售侵犯注册商标专用权的商品",
                 ("{party}于{when}在{addr}销售侵犯“{brand}”注册商标专用权的{goods}{n}件，违法经营额{money}元。",),
                 "《中华人民共和国商标法》第五十七条第（三）项、第六十条第二款",
                 (("没收非法财物;罚款", 5), ("没收非法财物;没收违法所得;罚款", 2)), "os"),
        _Penalty("无照经营", ("{party}未依法取得营业执照，擅自在{addr}从事{business}经营活动。",),
                 "《无证无照经营查处办法》第二条、第十三条", (("罚款", 3), ("没收违法所得;罚款", 1), ("警告", 1)), "sp"),
        _Penalty("不执行明码标价规定",
                 ("{party}在经营活动中不执行明码标价规定，标示价格与实际结算价格不一致，多收消费者价款{money}元。",),
                 "《中华人民共和国价格法》第十三条、第四十二条", (("罚款", 3), ("警告", 2), ("没收违法所得;罚款", 1)), "os"),
        _Penalty("特种设备未经定期检验继续使用",
                 ("{party}使用的{equip}（设备注册代码：{equip_code}）未经定期检验，于{when}仍在继续使用。",),
                 "《中华人民共和国特种设备安全法》第四十条第三款、第八十四条第（一）项",
                 (("责令停产停业;罚款", 2), ("罚款", 4)), "o"),
    ),
    "env": (
        _Penalty("超标排放大气污染物",
                 ("经监测，{party}{outlet}排放的{pollutant}浓度为{conc}mg/m³，超过{std}规定的排放限值。",),
                 "《中华人民共和国大气污染防治法》第十八条、第九十九条第（二）项",
                 (("罚款", 4), ("限制开展生产经营活动;罚款", 2), ("责令停产停业;罚款", 1)), "o"),
        _Penalty("未取得排污许可证排放污染物",
                 ("{party}未取得排污许可证，自{when}起在生产过程中向外环境排放{pollutant}。",),
                 "《排污许可管理条例》第二条、第三十三条第（一）项",
                 (("罚款", 3), ("责令停产停业;罚款", 1), ("责令关闭", 1)), "o"),
        _Penalty("危险废物贮存不规范",
                 ("{party}将废矿物油、废包装桶等危险废物约{n}吨露天堆放于{place}，未设置危险废物识别标志。",),
                 "《中华人民共和国固体废物污染环境防治法》第八十一条、第一百一十二条第一款第（六）项",
                 (("罚款", 4), ("没收违法所得;罚款", 1)), "os"),
    ),
    "tax": (
        _Penalty("未按期办理纳税申报", ("{party}未按照规定期限办理{tax}纳税申报（所属期：{period}）。",),
                 "《中华人民共和国税收征收管理法》第六十二条", (("罚款", 4), ("警告", 1)), "osp"),
        _Penalty("虚开发票",
                 ("{party}在没有真实业务的情况下，为他人开具增值税普通发票{n}份，金额合计{money}元。",),
                 "《中华人民共和国发票管理办法》第二十一条、第三十五条", (("罚款;没收违法所得", 3), ("罚款", 2)), "o"),
        _Penalty("偷税", ("{party}通过隐匿收入、进行虚假纳税申报等手段，少缴{tax}{money}元。",),
                 "《中华人民共和国税收征收管理法》第六十三条第一款", (("罚款", 1),), "os"),
    ),
    "safety": (
        _Penalty("未落实安全生产主体责任",
                 ("{party}未按规定对从业人员进行安全生产教育和培训，{n}名作业人员未经培训上岗作业。",
                  "{party}未建立事故隐患排查治理制度，{when}检查发现{n}项事故隐患未及时消除。"),
                 "《中华人民共和国安全生产法》第二十八条、第九十七条第（三）项",
                 (("罚款", 5), ("警告;罚款", 2), ("责令停产停业;罚款", 1)), "o"),
        _Penalty("发生生产安全事故", ("{when}，{party}在{place}作业过程中发生一起{accident}事故，造成{n}人受伤。",),
                 "《中华人民共和国安全生产法》第一百一十四条第一款第（一）项",
                 (("罚款", 3), ("限制从业;罚款", 1), ("责令停产停业;罚款", 1)), "o"),
        _Penalty("危险化学品储存不符合规定", ("{party}将{n}桶易燃液体存放于{place}，与其他物品混存，未设置明显标志。",),
                 "《危险化学品安全管理条例》第二十四条、第八十条第一款",
                 (("罚款", 2), ("责令停产停业;罚款", 1), ("吊销许可证件", 1)), "o"),
    ),
    "housing": (
        _Penalty("未取得施工许可证擅自施工",
                 ("{party}承建的{project}未取得建筑工程施工许可证即擅自开工建设，工程合同价款{contract}万元。",),
                 "《建筑工程施工许可管理办法》第三条、第十二条", (("罚款", 4), ("通报批评", 1)), "o"),
        _Penalty("违反工程建设强制性标准",
                 ("{party}在{project}施工中未按照工程设计图纸和施工技术标准施工，{part}混凝土强度不符合设计要求。",),
                 "《建设工程质量管理条例》第二十八条、第六十四条",
                 (("罚款", 4), ("降低资质等级;罚款", 1), ("责令停产停业;罚款", 1)), "o"),
        _Penalty("允许其他单位以本单位名义承揽工程",
                 ("{party}允许无资质的个人以本单位名义承揽{project}，收取管理费{money}元。",),
                 "《中华人民共和国建筑法》第二十六条、第六十六条",
                 (("降低资质等级;没收违法所得;罚款", 1), ("吊销许可证件", 1), ("罚款;没收违法所得", 2)), "o"),
    ),
    "drug": (
        _Penalty("销售劣药",
                 ("{party}于{when}销售的{drug}（批号：{batch}）经检验{item}项不符合规定，为劣药，货值金额{money}元。",),
                 "《中华人民共和国药品管理法》第九十八条第三款、第一百一十七条第一款",
                 (("没收非法财物;没收违法所得;罚款", 4), ("吊销许可证件;没收违法所得;罚款", 1), ("限制从业;罚款", 1)), "os"),
        _Penalty("未凭处方销售处方药", ("{party}于{when}在未查验处方的情况下向消费者销售处方药{drug}{n}盒。",),
                 "《药品经营和使用质量监督管理办法》第四十二条、第七十二条", (("警告", 3), ("罚款", 2)), "os"),
    ),
    "transport": (
        _Penalty("超限运输",
                 ("{party}所属车牌号为{plate}的货车于{when}在{road}超限运输，车货总重{weight}吨，超限{over}%。",),
                 "《公路安全保护条例》第三十三条、第六十四条", (("罚款", 5), ("暂扣许可证件;罚款", 1)), "osp"),
        _Penalty("未取得道路运输经营许可擅自从事道路运输经营",
                 ("{party}驾驶车牌号为{plate}的小型轿车，未取得道路运输经营许可，擅自从事道路旅客运输经营。",),
                 "《中华人民共和国道路运输条例》第十条、第六十三条", (("罚款;没收违法所得", 3), ("罚款", 3)), "sp"),
    ),
    "health": (
        _Penalty("使用非卫生技术人员从事医疗卫生技术工作",
                 ("{party}于{when}安排未取得执业资格的人员{n}名从事诊疗活动。",),
                 "《医疗机构管理条例》第二十七条、第四十七条",
                 (("罚款", 3), ("警告", 2), ("暂扣许可证件;罚款", 1), ("通报批评", 1)), "o"),
        _Penalty("公共场所卫生不合格", ("{party}经营的{shop}公共用品用具未按规定清洗消毒，{when}抽检{item}不合格。",),
                 "《公共场所卫生管理条例实施细则》第十四条、第三十六条", (("警告", 3), ("罚款", 2)), "os"),
    ),
    "culture": (
        _Penalty("擅自从事营业性演出经营活动", ("{party}未取得营业性演出许可证，于{when}在{addr}组织营业性演出，票款收入{money}元。",),
                 "《营业性演出管理条例》第六条、第四十三条", (("罚款;没收违法所得", 2), ("没收非法财物;罚款", 1)), "os"),
        _Penalty("接纳未成年人进入互联网上网服务营业场所", ("{party}于{when}接纳{n}名未成年人进入其经营的网吧上网。",),
                 "《互联网上网服务营业场所管理条例》第二十一条、第三十一条",
                 (("警告", 2), ("罚款", 3), ("责令停产停业;罚款", 1), ("吊销许可证件", 1)), "os"),
    ),
    "land": (
        _Penalty("非法占用土地", ("{party}未经批准，擅自占用{location}集体土地{area}平方米建设{building}。",),
                 "《中华人民共和国土地管理法》第四十四条、第七十七条", (("其他;罚款", 3), ("没收非法财物;罚款", 1)), "osp"),
        _Penalty("未取得采矿许可证擅自采矿", ("{party}未取得采矿许可证，于{when}在{location}擅自开采建筑用砂石约{n}吨。",),
                 "《中华人民共和国矿产资源法》第三条、第三十九条", (("没收非法财物;没收违法所得;罚款", 2),), "os"),
    ),
    "water": (
        _Penalty("未经批准擅自取水", ("{party}未取得取水许可，自{when}起从{river}擅自取水用于生产。",),
                 "《取水许可和水资源费征收管理条例》第二条、第四十八条", (("罚款", 3), ("其他;罚款", 1)), "o"),
        _Penalty("在河道管理范围内违法采砂", ("{party}未取得河道采砂许可，于{when}在{river}{location}河段采砂约{n}立方米。",),
                 "《中华人民共和国长江保护法》第二十八条、第九十一条", (("没收非法财物;没收违法所得;罚款", 3),), "osp"),
    ),
    "agri": (
        _Penalty("经营假农药", ("{party}于{when}销售的{n}瓶除草剂经检测有效成分含量为零，属假农药。",),
                 "《农药管理条例》第四十四条、第五十五条", (("没收非法财物;没收违法所得;罚款", 3), ("吊销许可证件;罚款", 1)), "os"),
        _Penalty("在禁捕水域非法捕捞", ("{party}于{when}在{river}禁捕水域使用{tool}非法捕捞，查获渔获物{n}公斤。",),
                 "《中华人民共和国长江保护法》第五十三条、第八十六条",
                 (("没收非法财物;罚款", 3), ("没收非法财物;没收违法所得;罚款", 1)), "sp"),
    ),
    "labour": (
        _Penalty("拖欠劳动者工资", ("{party}拖欠{n}名劳动者{period}工资共计{money}元，经责令限期支付逾期未支付。",),
                 "《保障农民工工资支付条例》第十五条、第五十五条", (("罚款", 3), ("限制开展生产经营活动;罚款", 1)), "o"),
        _Penalty("未依法缴纳社会保险费", ("{party}未为{n}名职工足额缴纳{period}社会保险费，经责令限期缴纳逾期仍未缴纳。",),
                 "《中华人民共和国社会保险法》第八十六条", (("罚款", 1),), "o"),
    ),
    "commerce": (
        _Penalty("单用途商业预付卡发卡未备案", ("{party}自{when}起发行单用途商业预付卡{n}张，未在规定期限内办理备案。",),
                 "《单用途商业预付卡管理办法（试行）》第七条、第三十六条", (("警告", 2), ("罚款", 1), ("通报批评", 1)), "o"),
    ),
    "tobacco": (
        _Penalty("无烟草专卖零售许可证经营烟草制品零售业务",
                 ("{party}未取得烟草专卖零售许可证，在{addr}销售卷烟{n}条，案值{money}元。",),
                 "《中华人民共和国烟草专卖法实施条例》第五十七条", (("没收非法财物;没收违法所得;罚款", 3), ("没收非法财物", 1)), "sp"),
        _Penalty("销售假冒卷烟", ("{party}于{when}在其经营场所销售假冒卷烟{n}条，货值金额{money}元。",),
                 "《中华人民共和国烟草专卖法》第三十三条", (("没收非法财物;罚款", 2), ("吊销许可证件", 1)), "os"),
    ),
    "education": (
        _Penalty("民办学校违规招生", ("{party}于{when}发布的招生简章内容与备案不符，超范围招收学员{n}名。",),
                 "《中华人民共和国民办教育促进法》第六十二条",
                 (("警告", 2), ("通报批评", 2), ("限制开展生产经营活动", 1), ("没收违法所得", 1)), "o"),
    ),
    "urban": (
        _Penalty("占道经营", ("{party}于{when}在{road}人行道上摆摊设点占道经营，经劝阻拒不改正。",),
                 "《武汉市城市综合管理条例》第三十二条、第六十九条", (("罚款", 3), ("警告", 2), ("没收非法财物", 1)), "sp"),
        _Penalty("违法建设", ("{party}未取得建设工程规划许可证，擅自在{addr}楼顶搭建{building}约{area}平方米。",),
                 "《中华人民共和国城乡规划法》第四十条、第六十四条", (("其他", 3), ("其他;罚款", 2)), "osp"),
        _Penalty("违规处置建筑垃圾", ("{party}所属车牌号为{plate}的渣土车于{when}未按核准路线运输，沿途撒漏建筑垃圾。",),
                 "《城市建筑垃圾管理规定》第十四条、第二十三条", (("罚款", 3),), "o"),
    ),
    "fire": (
        _Penalty("消防设施、器材未保持完好有效", ("{party}在{addr}的经营场所内{n}具灭火器压力不足，自动喷水灭火系统处于关闭状态。",),
                 "《中华人民共和国消防法》第十六条第一款第（二）项、第六十条第一款第（一）项",
                 (("罚款", 4), ("警告", 1), ("责令停产停业;罚款", 1)), "os"),
        _Penalty("占用、堵塞、封闭疏散通道", ("{party}在{addr}的经营场所安全出口被货物堵塞，疏散通道被占用。",),
                 "《中华人民共和国消防法》第二十八条、第六十条第一款第（三）项", (("罚款", 3), ("警告", 2)), "os"),
    ),
    "police": (
        _Penalty("殴打他人", ("{party}于{when}在{addr}因琐事与他人发生纠纷，殴打他人致其轻微伤。",),
                 "《中华人民共和国治安管理处罚法》第四十三条第一款", (("行政拘留;罚款", 3), ("行政拘留", 3), ("罚款", 1)), "p"),
        _Penalty("扰乱公共场所秩序", ("{party}于{when}在{addr}酒后滋事，扰乱公共场所秩序。",),
                 "《中华人民共和国治安管理处罚法》第二十三条第一款第（二）项", (("警告", 2), ("罚款", 2), ("行政拘留", 2)), "p"),
        _Penalty("旅馆未按规定登记住宿旅客信息", ("{party}于{when}接待{n}名旅客住宿，未按规定登记住宿旅客身份信息。",),
                 "《旅馆业治安管理办法》第六条、第十五条", (("警告", 2), ("罚款", 2), ("责令停产停业", 1)), "os"),
    ),
}

# Rules per catalogue list name; a list name the catalogue adds later gets _DEFAULT_LIST_RULE.
_LIST_RULES = {
    "A级纳税人": _ListRule("tax", ("{year}年度纳税信用级别评定为A级",),
                           "《纳税信用管理办法（试行）》（国家税务总局公告2014年第40号）", 1, "o", 30),
    "守合同重信用企业": _ListRule("market", ("{year}—{next_year}年度湖北省“守合同重信用”企业",),
                            "《湖北省“守合同重信用”企业公示办法》", 2, "o", 10),
    "诚信示范企业": _ListRule("dev", ("{year}年度湖北省诚信建设示范企业",), "《湖北省社会信用信息管理条例》第二十三条", 3, "o", 5),
    "失信被执行人": _ListRule("court", ("有履行能力而拒不履行生效法律文书确定义务", "违反财产报告制度", "违反限制消费令",
                                  "以伪造证据、暴力、威胁等方法妨碍、抗拒执行"),
                        "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条", None, "osp", 15),
    "重大税收违法失信主体": _ListRule("tax", ("虚开增值税专用发票", "偷税数额100万元以上且占各税种应纳税总额10%以上",
                                  "逃避追缴欠税数额10万元以上"),
                            "《重大税收违法失信主体信息公布管理办法》（国家税务总局令第54号）", 3, "op", 5),
    "严重违法失信企业": _ListRule("market", ("被列入经营异常名录届满3年仍未履行相关义务", "提交虚假材料取得公司登记被撤销"),
                            "《市场监督管理严重违法失信名单管理办法》（国家市场监督管理总局令第44号）", 3, "o", 5),
    "经营异常名录": _ListRule("market", ("未按照《企业信息公示暂行条例》第八条规定的期限公示年度报告",
                                  "通过登记的住所或者经营场所无法联系", "公示企业信息隐瞒真实情况、弄虚作假"),
                        "《市场监督管理严重违法失信名单管理办法》第十三条", None, "os", 25),
    "安全生产重点关注对象": _ListRule("safety", ("发生生产安全责任事故，被责令停产停业整顿", "重大事故隐患排查治理不力"),
                            "《安全生产严重失信主体名单管理办法》（应急管理部令第11号）", 1, "o", 5),
}
_DEFAULT_LIST_RULE = _ListRule("market", ("经认定列入{list_name}",), "有关部门认定文件", 1, "o", 2)

# Round fines (万元) most decisions settle on.
_ROUND_FINES = (0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 3, 5, 10, 20, 30, 50, 100, 200, 500)
# Penalty types that make a case 严重 (serious) in practice.
_SERIOUS_TYPES = {"吊销许可证件", "责令关闭", "降低资质等级", "限制从业", "责令停产停业", "行政拘留"}
# 处罚内容 wording of the penalty types that need no figures.
_FIXED_PHRASES = {"警告": "给予警告", "通报批评": "予以通报批评", "没收非法财物": "没收违法经营的物品及工具",
                  "降低资质等级": "降低建筑业企业资质等级（由贰级降为叁级）", "责令关闭": "责令关闭"}
# Wrong values clerks actually type into enumerated columns (checked against the catalogue).
_BAD_ENUM_VALUES = {
    "subject_type": ("企业", "个人", "单位"),
    "licence_category": ("一般", "审批", "行政审批"),
    "status": ("3", "注销", "正常"),
    "penalty_types": ("责令改正", "罚金", "通报"),
    "severity": ("较重", "重大"),
    "procedure": ("一般程序", "简易"),
    "list_type": ("灰名单", "警示名单"),
}
_BAD_DATES = ("{y}-02-30", "{y}-13-{d:02d}", "{y}/{m}/32", "{y}年2月30日", "待定", "0000-00-00")
_BAD_AMOUNTS = ("五千元", "壹万元整", "待定", "约2万")

# Words for the blanks in the templates above.
_WORDS = {
    "food": ("纯牛奶", "面包", "火腿肠", "碳酸饮料", "方便面", "酸奶", "饼干", "速冻水饺", "月饼", "卤制品", "糕点"),
    "goods": ("运动鞋", "白酒", "手提包", "休闲服装", "洗发水", "手机充电器", "轮胎", "润滑油"),
    "brand": ("耐克", "阿迪达斯", "茅台", "五粮液", "海飞丝", "米其林", "壳牌", "华为"),
    "business": ("餐饮", "废品收购", "服装销售", "机动车维修", "食品销售", "美容美发"),
    "equip": ("乘客电梯", "叉车", "燃气锅炉", "压力容器", "桥式起重机"),
    "outlet": ("1号锅炉排气筒", "喷涂车间排气筒", "烘干工序排气筒", "2号窑炉排气筒"),
    "pollutant": ("颗粒物", "二氧化硫", "氮氧化物", "挥发性有机物"),
    "std": ("《锅炉大气污染物排放标准》（GB 13271-2014）", "《大气污染物综合排放标准》（GB 16297-1996）",
            "《工业炉窑大气污染物排放标准》（GB 9078-1996）"),
    "place": ("厂区东侧空地", "原料仓库", "生产车间", "厂区北侧围墙边", "地下室"),
    "tax": ("增值税", "个人所得税", "企业所得税", "城市维护建设税", "印花税", "房产税"),
    "accident": ("高处坠落", "物体打击", "机械伤害", "触电", "起重伤害"),
    "project_type": ("花园二期项目", "产业园一期工程", "综合楼新建工程", "厂房扩建项目", "小学改扩建工程", "安置房项目"),
    "part": ("3号楼二层梁板", "地下室顶板", "1号楼五层柱", "车库底板"),
    "drug": ("阿莫西林胶囊", "板蓝根颗粒", "复方甘草片", "六味地黄丸", "维生素C片", "头孢克肟分散片"),
    "item": ("含量测定", "微生物限度", "溶出度", "大肠菌群", "菌落总数"),
    "shop": ("宾馆", "浴池", "美发店", "游泳馆", "足浴店"),
    "building": ("简易钢架棚", "砖混结构房屋", "彩钢板房", "钢结构厂房"),
    "river": ("汉江", "长江", "府河", "滠水", "举水", "清江", "东荆河"),
    "tool": ("电鱼器具", "地笼网", "三层刺网"),
    "remark": ("当事人已于{paid}缴清罚款", "已整改到位", "当事人已履行处罚决定", "联系人：{person}，联系电话：{phone}",
               "执法人员联系电话：{landline}", "当事人联系电话：{mobile}", "当事人已于{paid}通过本人银行卡（卡号：{card}）缴清罚款",
               "当事人申请退还多缴罚款，开户行：{bank}，账号：{account}"),
}
# Words that introduce a person's home address in case files.
_ADDRESS_WORDS = ("住址", "住址", "家庭住址", "居住地址")
_BANKS = ("中国工商银行", "中国农业银行", "中国银行", "中国建设银行", "交通银行", "招商银行", "中国邮政储蓄银行", "湖北银行",
          "汉口银行")
# (IIN, length) of debit cards common in Hubei.
_CARD_IINS = (("622202", 19), ("622848", 19), ("621661", 19), ("621700", 19), ("622260", 19), ("621799", 19),
              ("621483", 16), ("622588", 16))
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+-.()"}
_FULL_WIDTH_TABLE = str.maketrans(_FULL_WIDTH)
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# Natural persons are adults on every decision the sample dates (up to 4,400 days back): records of
# minors are rejected at ingest, and the sample's only rejected rows are the ones it breaks on purpose.
_FIRST_BIRTH, _LAST_BIRTH = date(1950, 1, 1).toordinal(), date(1995, 12, 31).toordinal()


# ---------------------------------------------------------------------------------------------
# Spellings: how clerks write secrets in free text besides the plain form. Each style returns
# None where it does not apply (a lower-case x needs an ID number ending in X).
# ---------------------------------------------------------------------------------------------

def _full_width(text: str) -> str:
    return text.translate(_FULL_WIDTH_TABLE)


def _groups(text: str, sizes: tuple[int, ...], sep: str) -> str:
    """'13912345678', (3, 4), ' ' → '139 1234 5678': the last size repeats until the text ends."""
    parts, start = [], 0
    while start < len(text):
        size = sizes[min(len(parts), len(sizes) - 1)]
        parts.append(text[start:start + size])
        start += size
    return sep.join(parts)


def _surname_length(name: str) -> int:
    return 2 if name[:2] in _COMPOUND_SURNAMES else 1


def _between_names(sep: str):
    return lambda name: name[:_surname_length(name)] + sep + name[_surname_length(name):]


def _given_name(name: str) -> str | None:
    """小明 for 张小明: how colleagues write the operator, when two characters or more."""
    given = name[_surname_length(name):]
    return given if len(given) >= 2 else None


@cache
def _to_traditional() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def _traditional(name: str) -> str | None:
    """張小明: a name copied from a document in traditional characters."""
    spelled = _to_traditional().convert(name)
    return spelled if spelled != name else None


def _landline_style(make):
    """A style of a landline written 027-87654321, given its area code and local number."""
    return lambda number: make(*number.split("-"))


_SPELLINGS = {
    "id": {
        "spaced": lambda n: f"{n[:6]} {n[6:14]} {n[14:]}",
        "dashed": lambda n: f"{n[:6]}-{n[6:10]}-{n[10:14]}-{n[14:]}",
        "lettered": lambda n: f"sfz{n}",        # 身份证 abbreviated in pinyin, as some systems export it
        "full_width": _full_width,
        "lower_x": lambda n: n.lower() if n.endswith("X") else None,
    },
    "mobile": {
        "plus86": lambda m: f"+86 {_groups(m, (3, 4), ' ')}",
        "0086": lambda m: f"0086-{m}",
        "86": lambda m: f"86-{m}",
        "dotted": lambda m: _groups(m, (3, 4), "."),
        "spaced": lambda m: _groups(m, (3, 4), " "),
        "full_width": _full_width,
    },
    "landline": {
        "bracketed": _landline_style(lambda area, local: f"({area}){local}"),
        "plus86": _landline_style(lambda area, local: f"+86-{area[1:]}-{local}"),
        "spaced": _landline_style(lambda area, local: f"{area} {local}"),
        "split": _landline_style(lambda area, local: f"{area}-{local[:4]} {local[4:]}"),
        # Bare, as written after 联系电话 (every caller's label): the number alone is the phone.
        "local": _landline_style(lambda area, local: local),
        "full_width": _full_width,
    },
    "card": {
        "grouped": lambda n: _groups(n, (4,), " "),
        "dashed": lambda n: _groups(n, (4,), "-"),
        "full_width": _full_width,
    },
    "name": {
        "spaced": _between_names(" "),
        "ideographic_space": _between_names("\u3000"),
        "zero_width": _between_names("\u200b"),
        "traditional": _traditional,
        "given_name": _given_name,
    },
}


def _with_luhn_check(body: str) -> str:
    """A card number: the ISO/IEC 7812 (Luhn) check digit appended."""
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str(-total % 10)


# ---------------------------------------------------------------------------------------------
# Public entry point
# ---------------------------------------------------------------------------------------------

def generate(out_dir: str | Path, subjects: int = 1000, seed: int = 1, today: date | None = None,
             progress: bool = False) -> dict:
    """Write a synthetic data set in the source-department format into `out_dir` and return its
    manifest (also written to out_dir/manifest.json).

    Same seed, subject count and `today` → byte-identical files. All dates are relative to
    `today` (default: the real today)."""
    if subjects < 1:
        raise ValueError("subjects must be at least 1")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    generator = _Generator(out, subjects, seed, today or date.today())
    try:
        for _ in tqdm(range(subjects), desc="样例数据", unit="主体", file=sys.stderr, disable=not progress):
            generator.subject_records()
    finally:
        generator.close()
    manifest = generator.manifest()
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    _stamp_arrival(out, list(manifest["files"]), generator.today)
    return manifest


def _stamp_arrival(out: Path, names: list[str], today: date) -> None:
    """Modification times in the order the files 'arrived' (the manifest's order, corrections
    last): a folder is ingested in arrival order, so a re-sent row replaces the original."""
    base = int(datetime.combine(today, datetime.min.time()).timestamp()) + 9 * 3600
    for minute, name in enumerate(names):
        os.utime(out / name, (base + 60 * minute, base + 60 * minute))


# ---------------------------------------------------------------------------------------------
# Codes
# ---------------------------------------------------------------------------------------------

def _org_code(body8: str) -> str:
    """GB 11714 organisation code: 8 characters and a check character (also USCC positions 9–17)."""
    check = 11 - sum(int(c, 36) * w for c, w in zip(body8, _ORG_CODE_WEIGHTS)) % 11
    return body8 + ("X" if check == 10 else "0" if check == 11 else str(check))


def _with_uscc_check(first17: str) -> str:
    return first17 + uscc_check_char(first17)


def _with_regno_check(first14: str) -> str:
    """15-digit business registration number (GB 32100's predecessor): ISO 7064 MOD 11,10."""
    p = 10
    for c in first14:
        p = ((p + int(c)) % 10 or 10) * 2 % 11
    return first14 + str((11 - p) % 10)


def _with_id_check(first17: str) -> str:
    return first17 + id_check_char(first17)


def _dept_code(name: str, region: str) -> str:
    """A department's USCC (11 = 机关), fixed by its name so it is the same for every seed."""
    digits = random.Random(f"dept:{name}").randrange(10 ** 7)
    return _with_uscc_check(f"11{region}{_org_code(f'0{digits:07d}')}")


# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------

def _plus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:          # 29 February
        return day.replace(year=day.year + years, day=28)


def _slashed(day: date) -> str:
    return f"{day.year}/{day.month}/{day.day}"


def _chinese(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _compact(day: date) -> str:
    return f"{day.year}{day.month:02d}{day.day:02d}"


_OTHER_DATE_STYLES = (_slashed, _chinese, _compact)


# ---------------------------------------------------------------------------------------------
# Supporting pieces
# ---------------------------------------------------------------------------------------------

class _FastRandom(random.Random):
    """random.Random whose choice and randrange scale random() instead of rejection sampling:
    three times faster, and a bias below 2**-40 does not matter for sample data."""

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def randrange(self, start, stop=None):
        if stop is None:
            start, stop = 0, start
        return start + int(self.random() * (stop - start))


class _Taken:
    """Names and codes already given out, as a bit set of CRC32 hashes: a few MB even for a
    million subjects. A hash collision only makes the generator draw again, so uniqueness holds."""

    def __init__(self, expected: int):
        size = 1 << max(16, (expected * 32).bit_length())
        self._mask = size - 1
        self._bits = bytearray(size >> 3)

    def claim(self, key: str) -> bool:
        h = zlib.crc32(key.encode()) & self._mask
        byte, bit = h >> 3, 1 << (h & 7)
        if self._bits[byte] & bit:
            return False
        self._bits[byte] |= bit
        return True


# GB/T 2260 entries that group counties rather than name a place.
_NOT_PLACES = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")


class _Regions:
    """GB/T 2260 names and the county-level codes subjects are registered in."""

    def __init__(self, path: Path):
        self.names: dict[str, str] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                code, name = line.split("\t")
                if name not in _NOT_PLACES:
                    self.names[code] = name
        counties = [c for c in self.names if not c.endswith("00") and c[:2] not in ("71", "81", "82")]
        self.wuhan = [c for c in counties if c.startswith("4201")]
        self.hubei = [c for c in counties if c.startswith("42") and not c.startswith("4201")]
        self.elsewhere = [c for c in counties if not c.startswith("42")]
        self.home = self.wuhan + self.hubei

    def province(self, code: str) -> str:
        return self.names[code[:2] + "0000"]

    def city(self, code: str) -> str:
        """The prefecture-level name, or the province for municipalities and 省直辖 counties."""
        return self.names.get(code[:4] + "00") or self.province(code)

    def county(self, code: str) -> str:
        return self.names.get(code, "")

    def place(self, code: str) -> str:
        """How a shop or an institution names its place: 武汉市洪山区, 大冶市, 京山县."""
        county = self.county(code)
        if not county:
            return self.city(code)
        return self.city(code) + county if county.endswith("区") else county


def _short(name: str) -> str:
    """湖北省 → 湖北, 武汉市 → 武汉, 广西壮族自治区 → 广西: the form used inside company names."""
    if name.endswith("自治区"):
        return "内蒙古" if name.startswith("内蒙古") else name[:2]
    if name.endswith(("省", "市")) and len(name) > 2:
        return name[:-1]
    return name


@dataclass(frozen=True)
class _Dept:
    name: str
    region: str
    abbr: str
    domain: str
    code: str
    office_pattern: str | None


@dataclass
class _Subject:
    type: str                    # org | sole | person
    form: str                    # company, branch, coop, inst, social; "" for persons
    name: str
    region: str
    domains: tuple[str, ...]
    uscc: str = ""
    regno: str = ""
    person: str = ""             # legal representative, operator, or the natural person
    person_id: str = ""
    former_name: str = ""


class _Blanks(dict):
    """Template blanks made on first use, so a template pays only for the blanks it has."""

    def __init__(self, makers: dict, **known):
        super().__init__(known)
        self._makers = makers

    def __missing__(self, key: str) -> str:
        value = self[key] = self._makers[key](self)
        return value


class _Sink:
    """One output file. `write` returns the line number a reader will report for the row."""
    first_line = 2               # header on line 1

    def __init__(self, path: Path, kind: str):
        self.path, self.kind = path, kind
        self.rows = 0
        self.bad = 0

    def write(self, values: list[str]) -> int:
        self._write(values)
        self.rows += 1
        return self.first_line + self.rows - 1


class _CsvSink(_Sink):
    def __init__(self, path: Path, kind: str, headers: list[str], encoding: str):
        super().__init__(path, kind)
        self._fh = path.open("w", encoding=encoding, newline="")
        self._writer = csv.writer(self._fh)
        self._writer.writerow(headers)

    def _write(self, values):
        self._writer.writerow(values)

    def close(self):
        self._fh.close()


class _JsonlSink(_Sink):
    first_line = 1               # no header line

    def __init__(self, path: Path, kind: str, headers: list[str]):
        super().__init__(path, kind)
        self._headers = headers
        self._fh = path.open("w", encoding="utf-8", newline="")

    def _write(self, values):
        self._fh.write(json.dumps(dict(zip(self._headers, values)), ensure_ascii=False) + "\n")

    def close(self):
        self._fh.close()


class _XlsxSink(_Sink):
    def __init__(self, path: Path, kind: str, headers: list[str], stamp: date):
        super().__init__(path, kind)
        self._stamp = stamp
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet("名单信息")
        self._sheet.append(headers)

    def _write(self, values):
        self._sheet.append([v or None for v in values])

    def close(self):
        buffer = io.BytesIO()
        self._book.save(buffer)
        _restamp_zip(buffer.getvalue(), self.path, self._stamp)


def _restamp_zip(data: bytes, path: Path, stamp: date) -> None:
    """openpyxl stamps the archive entries and docProps/core.xml with the wall clock; rewrite
    them with `stamp` so the same seed gives the same bytes."""
    when = f"{stamp.isoformat()}T00:00:00Z".encode()
    with ZipFile(io.BytesIO(data)) as src, ZipFile(path, "w", ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + when, content)
            entry = ZipInfo(info.filename, date_time=(stamp.year, stamp.month, stamp.day, 0, 0, 0))
            entry.compress_type = ZIP_DEFLATED
            dst.writestr(entry, content)


# ---------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------

class _Generator:
    def __init__(self, out: Path, subjects: int, seed: int, today: date):
        self.rng = _FastRandom(seed)
        self.seed, self.subjects, self.today = seed, subjects, today
        self.today_ord = today.toordinal()
        self.regions = _Regions(REGIONS_PATH)
        self.taken = _Taken(3 * subjects)
        self._load_catalog(yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8")))
        self._load_departments()
        self._counters: dict[str, int] = {}
        self._number_parts: dict[str, list[str]] = {}
        self._offices: dict[str, str] = {}
        self.bad_rows: list[dict] = []
        self.corrections = self.revocations = 0
        self._unspelled = {kind: [s for s in styles for _ in range(_STYLE_COVERAGE.get(s, SPELLING_COVERAGE))]
                           for kind, styles in _SPELLINGS.items()}
        self.blank_makers = self._blank_makers()
        # Each maker breaks a row in its one way and returns the column key, or None when the
        # row has nothing to break that way.
        self._breakers = {
            "missing_required": self._break_missing_required, "bad_date": self._break_bad_date,
            "future_date": self._break_future_date, "valid_to_before_from": self._break_valid_to_before_from,
            "bad_amount": self._break_bad_amount, "bad_uscc": self._break_bad_uscc,
            "bad_citizen_id": self._break_bad_citizen_id, "bad_enum": self._break_bad_enum,
            "no_legal_code": self._break_no_legal_code,
        }
        self._open_sinks(out)

    # -- setup --------------------------------------------------------------------------------

    def _load_catalog(self, catalog: dict) -> None:
        """Column order, headers and the column properties the bad-row makers need, per kind."""
        labels = catalog["subject_types"]
        self.type_labels = {"org": labels["organisation"], "sole": labels["sole_trader"], "person": labels["person"]}
        self.list_names = catalog["list_names"]
        self.keys, self.headers, self.columns = {}, {}, {}
        for kind, spec in catalog["kinds"].items():
            cols = spec["columns"] + spec.get("extra_columns", [])
            self.keys[kind] = [c["key"] for c in cols]
            self.headers[kind] = [c["header"] for c in cols]
            self.columns[kind] = {c["key"]: c for c in cols}
        self.date_index = {k: [i for i, key in enumerate(keys) if self.columns[k][key].get("type") == "date"]
                           for k, keys in self.keys.items()}
        self.bad_enum_values = {
            kind: {key: [v for v in _BAD_ENUM_VALUES[key] if v not in col.get("values", ()) and v not in col.get("aliases", {})]
                   for key, col in cols.items() if col.get("type") in ("enum", "enum_multi") and key in _BAD_ENUM_VALUES}
            for kind, cols in self.columns.items()}
        self.kind_reasons = {kind: [r for r in REASONS if self._reason_fits_kind(r, kind)] for kind in self.keys}
        self._uncovered = {kind: list(reasons) for kind, reasons in self.kind_reasons.items()}

    def _cols_of(self, kind: str, **props) -> list[str]:
        return [k for k, c in self.columns[kind].items() if all(c.get(p, False) == v for p, v in props.items())]

    def _reason_fits_kind(self, reason: str, kind: str) -> bool:
        keys = self.keys[kind]
        return {
            "missing_required": bool(self._cols_of(kind, required=True)),
            "bad_date": bool(self._cols_of(kind, type="date")),
            "future_date": bool(self._cols_of(kind, type="date", future=False)),
            "valid_to_before_from": "valid_from" in keys and "valid_to" in keys,
            "bad_amount": bool(self._cols_of(kind, type="amount")),
            "bad_uscc": bool(self._cols_of(kind, type="uscc")),
            "bad_citizen_id": bool(self._cols_of(kind, type="citizen_id")),
            "bad_enum": bool(self.bad_enum_values[kind]),
            "no_legal_code": all(k in keys for k in SUBJECT_CODE_KEYS),
        }[reason]

    def _load_departments(self) -> None:
        self.depts = [_Dept(name, region, abbr, domain, _dept_code(name, region), office)
                      for name, region, abbr, domain, office in _DEPARTMENTS]
        self._dept_choices: dict[tuple[str, str], tuple] = {}
        self._templates: dict[tuple, tuple[dict[str, tuple], _Weighted, dict]] = {}

    def _open_sinks(self, out: Path) -> None:
        headers = self.headers
        quota = min(EXTRA_FILE_ROWS[1], max(EXTRA_FILE_ROWS[0], self.subjects // 10))
        self.bulk = {"licence": _CsvSink(out / "licences.csv", "licence", headers["licence"], "utf-8-sig"),
                     "penalty": _CsvSink(out / "penalties.csv", "penalty", headers["penalty"], "utf-8"),
                     "list": _CsvSink(out / "lists.csv", "list", headers["list"], "utf-8")}
        self.extra = {"licence": _JsonlSink(out / "licences.jsonl", "licence", headers["licence"]),
                      "penalty": _CsvSink(out / "penalties_gbk.csv", "penalty", headers["penalty"], "gb18030"),
                      "list": _XlsxSink(out / "lists.xlsx", "list", headers["list"], self.today)}
        self.extra_quota = quota
        self.extra_share = {k: min(0.5, quota / (self.subjects * rate)) for k, rate in _ROWS_PER_SUBJECT.items()}
        self.corrections_sink = _CsvSink(out / "corrections.csv", "penalty", headers["penalty"], "utf-8")

    def _sinks(self) -> list[_Sink]:
        return [*self.bulk.values(), *self.extra.values(), self.corrections_sink]

    def close(self) -> None:
        for sink in self._sinks():
            sink.close()

    def manifest(self) -> dict:
        order = {sink.path.name: i for i, sink in enumerate(self._sinks())}
        return {
            "seed": self.seed,
            "subjects": self.subjects,
            "today": self.today.isoformat(),
            # In the order to ingest them: corrections.csv re-sends rows of the penalty files, so
            # it must come after them (it would sort first in a folder listing).
            "files": {s.path.name: {"kind": s.kind, "rows": s.rows} for s in self._sinks()},
            "bad_rows": sorted(self.bad_rows, key=lambda b: (order[b["file"]], b["line"])),
            "corrections": self.corrections,
            "revocations": self.revocations,
        }

    # -- small random helpers -----------------------------------------------------------------

    def _pick(self, weighted):
        """Choice from ((value, weight), ...) built on the fly; static tables are _Weighted."""
        values, weights = zip(*weighted)
        return self.rng.choices(values, weights)[0]

    def _digits(self, n: int) -> str:
        return f"{self.rng.randrange(10 ** n):0{n}d}"

    def _days_ago(self, low: int, high: int) -> date:
        return date.fromordinal(self.today_ord - self.rng.randrange(low, high))

    def _fill_number(self, pattern: str, **known) -> str:
        parts = self._number_parts.get(pattern)
        if parts is None:
            parts = self._number_parts[pattern] = [p for p in re.split(r"(#+|@)", pattern) if p]
        return "".join(self._digits(len(p)) if p[0] == "#" else self.rng.choice(_PLATE_LETTERS) if p == "@"
                       else p.format(**known) if "{" in p else p for p in parts)

    def _noisy_code(self, code: str) -> str:
        """Now and then a code as clerks type it: lower case, full width or with stray spaces —
        all valid again after normalization."""
        if not code or self.rng.random() >= CODE_NOISE_RATE:
            return code
        style = self.rng.randrange(3)
        if style == 0 and any(c.isalpha() for c in code):
            return code.lower()
        if style == 1:
            return code.translate(_FULL_WIDTH_TABLE)
        cut = self.rng.randrange(1, len(code))
        return f" {code[:cut]} {code[cut:]}"

    # -- people -------------------------------------------------------------------------------

    def _person_name(self) -> str:
        r = self.rng
        if r.random() < 0.015:
            surname = r.choice(_COMPOUND_SURNAMES)
        else:
            surname = _SURNAMES[int(len(_SURNAMES) * r.random() ** 2)]
        given = r.choice(_GIVEN) if r.random() < 0.3 else r.choice(_GIVEN) + r.choice(_GIVEN)
        return surname + given

    def _citizen_id(self, region: str | None = None) -> str:
        r = self.rng
        region = region or (r.choice(self.regions.home) if r.random() < 0.85
                            else r.choice(self.regions.elsewhere))
        born = date.fromordinal(r.randrange(_FIRST_BIRTH, _LAST_BIRTH + 1))
        return _with_id_check(f"{region}{born.year}{born.month:02d}{born.day:02d}{self._digits(3)}")

    def _unique_citizen_id(self, region: str) -> str:
        while True:
            number = self._citizen_id(region if self.rng.random() < 0.7 else None)
            if self.taken.claim(number):
                return number

    def _mobile(self) -> str:
        return self.rng.choice(_MOBILE_PREFIXES) + self._digits(8)

    def _landline(self) -> str:
        return "027-8" + self._digits(7)

    def _phone(self) -> str:
        """A contact number in free text: mostly a mobile, now and then an office landline."""
        if self.rng.random() < 0.6:
            return self._spell("mobile", self._mobile())
        return self._spell("landline", self._landline())

    def _card(self) -> str:
        iin, length = self.rng.choice(_CARD_IINS)
        return _with_luhn_check(iin + self._digits(length - len(iin) - 1))

    def _account(self) -> str:
        """A settlement account number: 17 digits without a check digit a reader could test."""
        return self.rng.choice(("1702", "3202", "4201", "5715")) + self._digits(13)

    def _bank_branch(self, region: str) -> str:
        """中国农业银行武汉洪山支行: a bank's branch where the subject is registered."""
        return f"{self.rng.choice(_BANKS)}{self.regions.city(region)[:2]}{self.regions.county(region)[:2]}支行"

    def _home_address(self, region: str) -> str:
        """Where a person lives, as a case file writes it: a flat in town or a house in a village,
        now and then with a stray space after the district."""
        r, regions = self.rng, self.regions
        province, city = regions.province(region), regions.city(region)
        prefix = province + (city if city != province else "") + regions.county(region)
        if r.random() < 0.6:
            rest = (f"{r.choice(_ROADS)}{r.randrange(1, 999)}号{r.randrange(1, 30)}栋{r.randrange(1, 6)}单元"
                    f"{r.randrange(1, 33)}{r.randrange(1, 9):02d}室")
        else:
            rest = f"{self._trade_name()}村{r.randrange(1, 13)}组{r.randrange(1, 80)}号"
        return f"{prefix} {rest}" if r.random() < 0.1 else prefix + rest

    def _spell(self, kind: str, value: str) -> str:
        """`value` (a number or an operator's name) as a clerk may write it in free text: mostly
        as it is, sometimes in another spelling of its kind."""
        r, uncovered = self.rng, self._unspelled[kind]
        spellings = {style: make(value) for style, make in _SPELLINGS[kind].items()}
        pending = [style for style in uncovered if spellings[style] is not None]
        if r.random() >= (SPELLING_COVERAGE_RATE if pending else SPELLING_RATE):
            return value
        style = r.choice(pending or [style for style, text in spellings.items() if text is not None])
        if style in uncovered:
            uncovered.remove(style)
        return spellings[style]

    def _named(self, subject: _Subject) -> str:
        """The person behind a subject as free text names them; a sole trader's operator in any
        spelling, since only masking stands between that name and the public."""
        if subject.type == "sole":
            return self._spell("name", subject.person)
        return subject.person or subject.name

    def _particulars(self, subject: _Subject) -> str:
        """身份证号码：…，住址：…，联系电话：… of a party, as a case file records them."""
        r = self.rng
        parts = [f"身份证号码：{self._spell('id', subject.person_id)}"]
        if r.random() < 0.5:
            parts.append(f"{r.choice(_ADDRESS_WORDS)}：{self._home_address(subject.region)}")
        parts.append(f"联系电话：{self._spell('mobile', self._mobile())}")
        return "，".join(parts)

    # -- subjects -----------------------------------------------------------------------------

    def _region(self) -> str:
        r = self.rng.random()
        regions = self.regions.wuhan if r < 0.45 else self.regions.hubei if r < 0.88 else self.regions.elsewhere
        return self.rng.choice(regions)

    def _subject(self) -> _Subject:
        r = self.rng.random()
        region = self._region()
        if r < 0.05:
            number = self._unique_citizen_id(region)
            return _Subject("person", "", self._person_name(), region, _PERSON_DOMAINS, person_id=number)
        if r < 0.15:
            return self._sole_trader(region)
        return self._organisation(region)

    def _unique(self, make) -> str:
        """Draw from `make` until the result has not been given out before."""
        for _ in range(10_000):
            value = make()
            if self.taken.claim(value):
                return value
        raise RuntimeError("synthetic name space exhausted; add words to the vocabulary")

    def _uscc(self, prefix: str, region: str, form: str) -> str:
        """Positions 9–17 are an organisation code: new registrations get MA…/MJ… codes,
        older ones their pre-2015 numeric organisation code."""
        r = self.rng
        if form == "social":
            body = "MJ" + "".join(r.choices(USCC_ALPHABET[:10], k=6))
        elif form == "inst" or r.random() < 0.3:
            body = ("4" if form == "inst" else str(r.randrange(1, 10))) + self._digits(7)
        else:
            body = "MA" + "".join(r.choices(USCC_ALPHABET, k=6))
        return _with_uscc_check(f"{prefix}{region}{_org_code(body)}")

    def _organisation(self, region: str) -> _Subject:
        form, prefix = _ORG_FORMS.draw(self.rng)
        name, domains = self._org_name(form, region)
        subject = _Subject("org", form, name, region, domains, person=self._person_name(),
                           person_id=self._citizen_id())
        if self.rng.random() < 0.03:
            subject.regno = self._unique(lambda: _with_regno_check(f"{region}0{self._digits(7)}"))
        else:
            subject.uscc = self._unique(lambda: self._uscc(prefix, region, form))
        if form in ("company", "branch") and self.rng.random() < RENAME_RATE / _RENAMEABLE_SHARE:
            subject.former_name = self._org_name(form, region)[0]
        return subject

    def _sole_trader(self, region: str) -> _Subject:
        operator = self._person_name()
        shop, domains = self.rng.choice(_SHOPS)
        place = self.regions.place(region)

        def name() -> str:
            r = self.rng.random()
            if r < 0.7:
                return f"{place}{operator}{shop}"
            if r < 0.85:
                return f"{self.regions.county(region) or place}{self._trade_name()}{shop}"
            return operator
        subject = _Subject("sole", "", self._unique(name), region, domains, person=operator,
                           person_id=self._unique_citizen_id(region))
        subject.uscc = self._unique(lambda: self._uscc("92", region, "sole"))
        return subject

    def _org_name(self, form: str, region: str) -> tuple[str, tuple[str, ...]]:
        maker = {"company": self._company_name, "branch": self._branch_name, "coop": self._coop_name,
                 "inst": self._institution_name, "social": self._social_name}[form]
        drawn: list[tuple[str, tuple[str, ...]]] = []

        def name() -> str:
            drawn.append(maker(region))
            return drawn[-1][0]
        self._unique(name)
        return drawn[-1]

    def _trade_name(self) -> str:
        r = self.rng
        if r.random() < _COMPOSED_TRADE_SHARE:
            return r.choice(_TRADE_FIRST) + r.choice(_TRADE_SECOND)
        return r.choice(_TRADE_NAMES)

    def _name_prefix(self, region: str) -> str:
        """How the registered place shows in a company name: 湖北, 武汉, 武汉市, 武汉市江汉区, 大冶 …"""
        regions, r = self.regions, self.rng.random()
        if r < 0.30:
            return _short(regions.province(region))
        if r < 0.65:
            return _short(regions.city(region))
        if r < 0.80:
            return regions.city(region)
        if r < 0.92:
            return regions.place(region)
        return ""

    def _company_name(self, region: str) -> tuple[str, tuple[str, ...]]:
        r = self.rng
        trade = self._trade_name()
        industry, domains = r.choice(_INDUSTRIES)
        form = _COMPANY_FORMS.draw(self.rng)
        prefix = self._name_prefix(region)
        if prefix and r.random() < 0.05:
            # 光谷（武汉）科技有限公司: the place in brackets after the trade name
            left, right = ("(", ")") if r.random() < 0.2 else ("（", "）")
            city = self.regions.city(region)
            place = _short(city if city.endswith("市") else self.regions.province(region))
            return f"{trade}{left}{place}{right}{industry}{form}", domains
        return f"{prefix}{trade}{industry}{form}", domains

    def _branch_name(self, region: str) -> tuple[str, tuple[str, ...]]:
        """湖北恒达建筑工程有限公司宜昌分公司: a parent registered in another city."""
        home = self._region()
        while home[:4] == region[:4]:
            home = self._region()
        parent, domains = self._company_name(home)
        county = self.regions.county(region)
        where = county.removesuffix("区") if county.endswith("区") and self.rng.random() < 0.5 else _short(self.regions.city(region))
        return f"{parent}{where}分公司", domains

    def _coop_name(self, region: str) -> tuple[str, tuple[str, ...]]:
        r = self.rng
        return f"{self.regions.place(region)}{self._trade_name()}{r.choice(_COOP_PRODUCTS)}专业合作社", _COOP_DOMAINS

    def _institution_name(self, region: str) -> tuple[str, tuple[str, ...]]:
        r, place = self.rng, self.regions.place(region)
        roll = r.random()
        if roll < 0.4:
            suffix, domains = r.choice(_INSTITUTIONS)
            return place + suffix, domains
        if roll < 0.6:
            return f"{place}第{r.choice(_CN_NUMBERS[1:])}{r.choice(('人民医院', '中学', '小学'))}", ("health", "education")
        return f"{place}{self._trade_name()}{r.choice(_LOCAL_INSTITUTIONS)}", ("education", "health")

    def _social_name(self, region: str) -> tuple[str, tuple[str, ...]]:
        r = self.rng
        place = self.regions.place(region) if r.random() < 0.6 else self.regions.city(region)
        trade = self._trade_name() if r.random() < 0.5 else ""
        return f"{place}{trade}{r.choice(_SOCIAL_TOPICS)}{r.choice(_SOCIAL_FORMS)}", _SOCIAL_DOMAINS

    # -- departments and templates ------------------------------------------------------------

    def _templates_for(self, table: dict, subject: _Subject) -> tuple[dict[str, tuple], _Weighted, dict]:
        """(domain → templates that apply to this kind of subject, the general domains among
        them, a cache of own domains by line of business), only domains with a department
        serving the subject's city; cached per table, subject type and city."""
        key = (id(table), subject.type, subject.region[:4])
        if key not in self._templates:
            letter = _KIND_LETTERS[subject.type]
            found = {d: tuple(t for t in ts if letter in t.kinds) for d, ts in table.items()
                     if self._departments_for(d, subject.region)}
            available = {d: ts for d, ts in found.items() if ts}
            general = [(d, w) for d, w in _GENERAL_DOMAINS if d in available] or [(d, 1) for d in available]
            self._templates[key] = available, _Weighted(general), {}
        return self._templates[key]

    def _template(self, table: dict, subject: _Subject):
        """Mostly from the subject's own line of business, sometimes from anywhere."""
        available, general, own_by_domains = self._templates_for(table, subject)
        own = own_by_domains.get(subject.domains)
        if own is None:
            own = own_by_domains[subject.domains] = [d for d in subject.domains if d in available]
        domain = self.rng.choice(own) if own and self.rng.random() < 0.7 else general.draw(self.rng)
        return domain, self.rng.choice(available[domain])

    def _departments_for(self, domain: str, region: str) -> tuple[list[_Dept], list[_Dept]]:
        """(the subject's city departments, provincial ones) of a domain; both empty when no
        department serves the place (a Wuhan-only bureau does not act in Yichang)."""
        key = (domain, region[:4])
        if key not in self._dept_choices:
            of_domain = [d for d in self.depts if d.domain == domain]
            local = [d for d in of_domain if d.region[:4] == region[:4]]
            provincial = [d for d in of_domain if d.region.endswith("0000")]
            self._dept_choices[key] = (local, provincial) if local or provincial else ()
        return self._dept_choices[key]

    def _department(self, domain: str, region: str) -> _Dept:
        """The subject's own city department when there is one, else a provincial one."""
        local, provincial = self._departments_for(domain, region)
        return self.rng.choice(local if local and (not provincial or self.rng.random() < 0.85) else provincial)

    def _authority(self, dept: _Dept, region: str) -> tuple[str, str]:
        """(name, USCC) of the deciding authority: the department, or now and then its district
        office where the subject is registered."""
        district = self.regions.county(region)
        if not (dept.office_pattern and region[:4] == dept.region[:4] and district.endswith("区")
                and self.rng.random() < 0.25):
            return dept.name, dept.code
        name = dept.office_pattern.format(city=self.regions.city(region), district=district)
        if name not in self._offices:
            self._offices[name] = _dept_code(name, region)
        return name, self._offices[name]

    def _doc_no(self, dept: _Dept, tag: str, year: int) -> str:
        """鄂武市监罚〔2023〕56号: numbered per department, tag and year, so never repeated."""
        key = f"{dept.abbr}{tag}〔{year}〕"
        # Starting somewhere into the year and skipping a few numbers looks like a real register.
        previous = self._counters.get(key) or self.rng.randrange(1, 200)
        self._counters[key] = number = previous + self.rng.randint(1, 3)
        return f"{key}{number}号"

    # -- template blanks ----------------------------------------------------------------------

    def _blank_makers(self) -> dict:
        r, words = self.rng, _WORDS
        regions = self.regions

        def word(key):
            return lambda b: r.choice(words[key])

        def plate(b):
            return "鄂A" + "".join(r.choices(_PLATE_LETTERS + "0123456789", k=5))

        makers = {key: word(key) for key in words}
        makers.update({
            "when": lambda b: _chinese(b["decided"] - timedelta(days=r.randrange(10, 200))),
            "addr": lambda b: f"{regions.place(b['region'])}{r.choice(_ROADS)}{r.randrange(1, 999)}号",
            "n": lambda b: str(r.randrange(2, 60)),
            "money": lambda b: str(r.randrange(300, 200_000)),
            "equip_code": lambda b: f"3110{b['region']}{b['decided'].year}{self._digits(4)}",
            "conc": lambda b: str(r.randrange(35, 400)),
            "year": lambda b: str(b["decided"].year - 1),
            "next_year": lambda b: str(b["decided"].year),
            "period": lambda b: f"{b['decided'].year - 1}年{r.randrange(1, 13)}月",
            "project": lambda b: f"{regions.county(b['region']) or regions.city(b['region'])}{self._trade_name()}"
                                 f"{r.choice(words['project_type'])}",
            "contract": lambda b: str(r.randrange(80, 20_000)),
            "batch": lambda b: f"{b['decided'].year % 100:02d}{self._digits(6)}",
            "plate": plate,
            "road": lambda b: r.choice(("G107国道", "G318国道", "沪渝高速", "京港澳高速")) + f"K{r.randrange(10, 999)}处",
            "weight": lambda b: str(r.randrange(49, 121)),
            "over": lambda b: str(r.randrange(10, 150)),
            "location": lambda b: f"{regions.place(b['region'])}{self._trade_name()}村",
            "area": lambda b: str(r.randrange(80, 30_000)),
            "county": lambda b: regions.place(b["region"]),
            "paid": lambda b: _chinese(b["decided"] + timedelta(days=r.randrange(3, 30))),
            "person": lambda b: self._person_name(),
            "mobile": lambda b: self._spell("mobile", self._mobile()),
            "landline": lambda b: self._spell("landline", self._landline()),
            "phone": lambda b: self._phone(),
            "card": lambda b: self._spell("card", self._card()),
            "account": lambda b: self._spell("card", self._account()),
            "bank": lambda b: self._bank_branch(b["region"]),
        })
        return makers

    def _blanks(self, subject: _Subject, decided: date, **known) -> _Blanks:
        return _Blanks(self.blank_makers, decided=decided, region=subject.region, **known)

    # -- one subject's records ----------------------------------------------------------------

    def subject_records(self) -> None:
        subject = self._subject()
        licences = _LICENCE_COUNTS[subject.type].draw(self.rng)
        records = [("licence", self._licence(subject)) for _ in range(licences)]
        penalties = _PENALTY_COUNTS[subject.type].draw(self.rng)
        if subject.type == "org" and self.rng.random() < _MANY_PENALTIES_RATE:
            penalties = self.rng.randrange(5, 16)
        records += [("penalty", self._penalty(subject)) for _ in range(penalties)]
        records += [("list", self._list_entry(subject, name)) for name in self._lists_for(subject)]
        if not records:
            records.append(("penalty", self._penalty(subject)) if subject.type == "person"
                           else ("licence", self._licence(subject)))
        if subject.former_name:
            self._rename(subject, records)
        for kind, row in records:
            self._emit(kind, row)

    def _rename(self, subject: _Subject, records: list[tuple[str, dict]]) -> None:
        """Records decided before the change carry the former name, later ones the new name."""
        days = sorted({row["decided_on"] for _, row in records})
        if len(days) < 2:
            records.append(("licence", self._licence(subject, before=days[0])))
            days.insert(0, records[-1][1]["decided_on"])
        switch = days[self.rng.randrange(1, len(days))]
        for _, row in records:
            if row["decided_on"] < switch:
                for key, value in row.items():
                    if isinstance(value, str) and subject.name in value:
                        row[key] = value.replace(subject.name, subject.former_name)

    def _subject_columns(self, subject: _Subject) -> dict:
        """The 行政相对人 columns shared by licences and penalties."""
        r = self.rng
        name = subject.name + (" " if r.random() < 0.005 else "")
        row = {"subject_name": name, "subject_type": self.type_labels[subject.type]}
        if subject.type == "person":
            row.update(id_type="身份证", id_no=self._noisy_code(subject.person_id))
            return row
        if subject.uscc:
            row["code_uscc"] = self._noisy_code(subject.uscc)
            if r.random() < 0.08:   # older systems still send the codes the USCC replaced
                row["code_org"] = subject.uscc[8:17]
                row["code_tax"] = subject.uscc[2:17]
        else:
            row["code_regno"] = subject.regno
        if subject.form == "inst" and r.random() < 0.3:
            row["code_inst"] = f"事证第1{subject.region}{self._digits(5)}号"
        if subject.form == "social" and r.random() < 0.3:
            row["code_social"] = f"{_short(self.regions.city(subject.region))}民证字第{self._digits(6)}号"
        if r.random() < 0.9:
            row["legal_rep"] = subject.person
            if r.random() < 0.5:
                row.update(legal_rep_id_type="身份证", legal_rep_id_no=self._noisy_code(subject.person_id))
        if subject.type == "sole" and r.random() < 0.7:
            row.update(id_type="身份证", id_no=self._noisy_code(subject.person_id))
        return row

    def _licence(self, subject: _Subject, before: date | None = None) -> dict:
        r = self.rng
        domain, tpl = self._template(_LICENCES, subject)
        dept = self._department(domain, subject.region)
        if before:
            decided = before - timedelta(days=r.randrange(180, 1500))
        else:
            decided = self._days_ago(0, 1800) if r.random() < 0.7 else self._days_ago(1800, 4400)
        valid_from = decided + timedelta(days=r.randrange(0, 20)) if r.random() < 0.2 else decided
        valid_to = LONG_TERM if tpl.years == 0 else _plus_years(valid_from, tpl.years) - timedelta(days=1)
        invalid = r.random() < (0.5 if valid_to < self.today else 0.05)
        authority, authority_code = self._authority(dept, subject.region)
        content = r.choice(tpl.contents)
        row = self._subject_columns(subject)
        row.update(
            doc_name=tpl.doc_name, doc_no=self._doc_no(dept, "许", decided.year),
            licence_category=tpl.category, cert_name=tpl.cert,
            licence_no=self._fill_number(tpl.number, r=subject.region, y=decided.year,
                                         u=subject.uscc or subject.regno, id=subject.person_id),
            content=content.format_map(self._blanks(subject, decided)) if "{" in content else content,
            decided_on=decided, valid_from=valid_from, valid_to=valid_to,
            authority=authority, authority_code=authority_code, status="2" if invalid else "1",
            source_dept=dept.name, source_dept_code=dept.code)
        if r.random() < (0.4 if subject.type == "sole" else 0.05):
            row["remarks"] = self._licence_remark(subject)
        return row

    def _licence_remark(self, subject: _Subject) -> str:
        """A contact or the applicant's bank account in 备注; for a sole trader, the operator's
        particulars from the application."""
        if subject.type == "sole":
            return f"经营者：{self._named(subject)}，{self._particulars(subject)}"
        if self.rng.random() < 0.3:
            return f"基本存款账户：{self._bank_branch(subject.region)}，账号：{self._spell('card', self._account())}"
        return f"联系人：{subject.person or self._person_name()}，联系电话：{self._phone()}"

    def _penalty(self, subject: _Subject) -> dict:
        r = self.rng
        domain, tpl = self._template(_PENALTIES, subject)
        dept = self._department(domain, subject.region)
        # Recent years hold more records; a good share is already past its publicity window.
        decided = self._days_ago(0, 365) if r.random() < 0.4 else self._days_ago(365, 1826)
        simple = r.random() < 0.10
        types = r.choice(("警告", "罚款")) if simple else tpl.weighted_types.draw(r)
        type_set = types.split(";")
        fine = self._fine(subject, simple) if "罚款" in type_set else None
        confiscated = self._confiscated(type_set)
        authority, authority_code = self._authority(dept, subject.region)
        blanks = self._blanks(subject, decided, party=self._party(subject))
        row = self._subject_columns(subject)
        row.update(
            doc_no=self._doc_no(dept, "简罚" if simple else "罚", decided.year),
            violation_type=tpl.violation, facts=self._facts(subject, tpl, blanks), basis=tpl.basis,
            penalty_types=types, content=self._penalty_content(subject, domain, type_set, fine, confiscated),
            fine_amount=_amount(fine), confiscated_amount=_amount(confiscated),
            suspended_licence=self._suspended_licence(subject, domain, type_set, decided),
            decided_on=decided, authority=authority, authority_code=authority_code,
            source_dept=dept.name, source_dept_code=dept.code)
        self._penalty_extras(row, subject, type_set, fine, simple, blanks)
        return row

    def _penalty_extras(self, row: dict, subject: _Subject, type_set: list[str], fine: float | None,
                        simple: bool, blanks: _Blanks) -> None:
        """Severity, procedure, the optional date columns and remarks."""
        r = self.rng
        decided = row["decided_on"]
        if r.random() >= 0.10:      # left empty in ~10 % of rows: the catalogue default applies
            row["severity"] = self._severity(type_set, fine, simple)
        if r.random() >= 0.10:
            row["procedure"] = "简易程序" if simple else "普通程序"
        if r.random() < 0.10:
            row["publicity_until"] = decided + timedelta(days=r.choice((182, 365, 730, 1095)))
        if r.random() < 0.25 or {"暂扣许可证件", "限制从业", "限制开展生产经营活动"} & set(type_set):
            row["penalty_valid_until"] = decided + timedelta(days=r.choice((90, 180, 365, 730, 1095)))
        if r.random() < 0.15:
            row["remarks"] = r.choice(_WORDS["remark"]).format_map(blanks)

    def _party(self, subject: _Subject) -> str:
        """How the facts name the subject; a 个体工商户's operator is named half the time."""
        if subject.type == "person":
            return f"当事人{subject.name}"
        if subject.type == "sole" and self.rng.random() < 0.5:
            return f"当事人{self._named(subject)}"
        return subject.name if self.rng.random() < 0.6 else "当事人"

    def _facts(self, subject: _Subject, tpl: _Penalty, blanks: _Blanks) -> str:
        facts = self.rng.choice(tpl.facts).format_map(blanks)
        if subject.type != "org" and self.rng.random() < 0.3:
            # ID and phone numbers and a home address in free text, as clerks write them: masking must find them
            return f"{facts}当事人{self._named(subject)}（{self._particulars(subject)}）对上述事实无异议。"
        return facts

    def _fine(self, subject: _Subject, simple: bool) -> float:
        """Fines in 万元: on-the-spot fines are capped by law (200 元 for a person, 3000 元 for an
        organisation); others spread over 0.05–500 万元, mostly round figures."""
        r = self.rng
        if simple:
            return r.choice((0.005, 0.01, 0.02) if subject.type == "person" else (0.05, 0.1, 0.2, 0.3))
        if subject.type == "person":
            return r.choice((0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 3))
        if subject.type == "sole":
            return r.choice((0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 3, 5))
        value = min(500, 10 ** r.triangular(-1.3, 2.7, -0.3))
        if r.random() < 0.6:
            return _ROUND_FINES[bisect(_ROUND_FINES, value) - 1]
        return round(value, 4 if value < 1 else 2)

    def _confiscated(self, type_set: list[str]) -> float | None:
        if "没收违法所得" in type_set or ("没收非法财物" in type_set and self.rng.random() < 0.5):
            return round(10 ** self.rng.uniform(-2, 1.7), 4)
        return None

    def _severity(self, type_set: list[str], fine: float | None, simple: bool) -> str:
        r = self.rng.random()
        if simple:
            return "轻微" if r < 0.6 else "一般"
        if _SERIOUS_TYPES & set(type_set) or (fine or 0) >= 50:
            return "严重" if r < 0.85 else "一般"
        if (fine or 0) >= 5:
            return "一般" if r < 0.8 else "严重"
        return "轻微" if r < 0.2 else "一般" if r < 0.9 else "严重"

    def _penalty_content(self, subject: _Subject, domain: str, type_set: list[str], fine: float | None,
                         confiscated: float | None) -> str:
        phrases = (self._penalty_phrase(t, subject, domain, fine, confiscated) for t in type_set)
        return "决定给予当事人如下行政处罚：" + "，".join(phrases) + "。"

    def _penalty_phrase(self, penalty_type: str, subject: _Subject, domain: str, fine: float | None,
                        confiscated: float | None) -> str:
        r = self.rng
        if penalty_type == "罚款":
            return f"罚款人民币{_yuan(fine)}元"
        if penalty_type == "没收违法所得":
            return f"没收违法所得人民币{_yuan(confiscated)}元"
        if penalty_type == "暂扣许可证件":
            return f"暂扣{self._sanctioned_cert(domain)}{r.choice((1, 3, 6))}个月"
        if penalty_type == "吊销许可证件":
            return f"吊销{self._sanctioned_cert(domain)}"
        if penalty_type == "限制开展生产经营活动":
            return f"限制开展生产经营活动{r.choice((3, 6, 12))}个月"
        if penalty_type == "责令停产停业":
            return f"责令停产停业整顿{r.choice((15, 30, 60))}日"
        if penalty_type == "限制从业":
            return f"对主要负责人{self._named(subject)}处五年内不得从事相关生产经营活动"
        if penalty_type == "行政拘留":
            return f"行政拘留{r.choice((5, 7, 10, 15))}日"
        if penalty_type == "其他":
            return r.choice(("责令限期拆除违法建设", "责令退还非法占用的土地", "责令限期改正"))
        return _FIXED_PHRASES[penalty_type]

    @staticmethod
    def _sanctioned_licence(domain: str) -> _Licence | None:
        """The licence a domain's penalties suspend or revoke: its first numbered certificate."""
        return next((t for t in _LICENCES.get(domain, ()) if t.cert and t.number), None)

    def _sanctioned_cert(self, domain: str) -> str:
        tpl = self._sanctioned_licence(domain)
        return tpl.cert if tpl else "营业执照"

    def _suspended_licence(self, subject: _Subject, domain: str, type_set: list[str], decided: date) -> str:
        """暂扣或吊销证照名称及编号: 食品经营许可证（JY14201110012345）."""
        tpl = self._sanctioned_licence(domain)
        if tpl is None or not {"暂扣许可证件", "吊销许可证件"} & set(type_set):
            return ""
        number = self._fill_number(tpl.number, r=subject.region, y=decided.year - 2,
                                   u=subject.uscc or subject.regno, id=subject.person_id)
        return f"{tpl.cert}（{number}）"

    # -- list entries -------------------------------------------------------------------------

    def _lists_for(self, subject: _Subject) -> list[str]:
        """~5 % of subjects are on a list, a few on two; organisations without a USCC are not."""
        if (subject.type != "person" and not subject.uscc) or self.rng.random() >= _LIST_RATES[subject.type]:
            return []
        letter = _KIND_LETTERS[subject.type]
        choices = [(name, self._list_rule(name).weight) for name in self.list_names
                   if letter in self._list_rule(name).kinds]
        if not choices:
            return []
        first = self._pick(choices)
        rest = [c for c in choices if c[0] != first]
        return [first, self._pick(rest)] if rest and self.rng.random() < 0.15 else [first]

    @staticmethod
    def _list_rule(name: str) -> _ListRule:
        return _LIST_RULES.get(name, _DEFAULT_LIST_RULE)

    def _list_entry(self, subject: _Subject, list_name: str) -> dict:
        r = self.rng
        rule = self._list_rule(list_name)
        dept = self._department(rule.domain, subject.region)
        decided = self._days_ago(0, 1826)
        blanks = self._blanks(subject, decided, list_name=list_name)
        row = {"list_type": self.list_names[list_name]["type"], "list_name": list_name,
               "subject_name": subject.name, "subject_type": self.type_labels[subject.type],
               "reason": self._list_reason(subject, rule, blanks), "basis": rule.basis,
               "authority": self._list_authority(rule, dept, subject), "decided_on": decided,
               "source_dept": dept.name}
        if subject.uscc:
            row["code_uscc"] = self._noisy_code(subject.uscc)
        if subject.type == "person":
            row["id_no"] = self._noisy_code(subject.person_id)
        if rule.years and r.random() < 0.75:
            row["valid_to"] = _plus_years(decided, rule.years) - timedelta(days=1)
        if r.random() < 0.15 and (self.today - decided).days > 31:
            row["removed_on"] = decided + timedelta(days=r.randrange(30, (self.today - decided).days))
        return row

    def _list_reason(self, subject: _Subject, rule: _ListRule, blanks: _Blanks) -> str:
        """列入原因; a court clerk now and then copies a debtor's home address and phone from the
        case file into it, which the public list (it names natural persons) must not show."""
        reason = self.rng.choice(rule.reasons).format_map(blanks)
        if subject.type == "person" and rule.domain == "court" and self.rng.random() < 0.5:
            reason += (f"（被执行人{self.rng.choice(_ADDRESS_WORDS)}：{self._home_address(subject.region)}，"
                       f"联系电话：{self._phone()}）")
        return reason

    def _list_authority(self, rule: _ListRule, dept: _Dept, subject: _Subject) -> str:
        """Courts decide 失信被执行人 locally; other lists are decided by the department."""
        if rule.domain == "court":
            county = self.regions.county(subject.region)
            local = f"{self.regions.city(subject.region)}{county}" if county.endswith("区") else county
            return f"{local}人民法院" if self.rng.random() < 0.7 else f"{self.regions.city(subject.region)}中级人民法院"
        return self._authority(dept, subject.region)[0]

    # -- writing, bad rows and corrections ----------------------------------------------------

    def _emit(self, kind: str, row: dict) -> None:
        sink = self._sink_for(kind)
        bad = self._maybe_make_bad(kind, row, sink)
        line = sink.write(self._render(kind, row))
        if bad:
            reason, column = bad
            sink.bad += 1
            for reasons in self._uncovered.values():
                if reason in reasons:
                    reasons.remove(reason)
            self.bad_rows.append({"file": sink.path.name, "line": line, "reason": reason,
                                  "column": self.columns[kind][column]["header"]})
        elif kind == "penalty":
            self._maybe_correct(row)

    def _sink_for(self, kind: str) -> _Sink:
        extra = self.extra[kind]
        if extra.rows < self.extra_quota and self.rng.random() < self.extra_share[kind]:
            return extra
        return self.bulk[kind]

    def _render(self, kind: str, row: dict) -> list[str]:
        """Cells in catalogue order; most rows write dates as 2024-03-05, a few in other styles."""
        style = date.isoformat if self.rng.random() >= OTHER_DATE_STYLE_RATE else self.rng.choice(_OTHER_DATE_STYLES)
        get = row.get
        cells = [get(key, "") for key in self.keys[kind]]
        for i in self.date_index[kind]:
            if cells[i].__class__ is date:
                cells[i] = style(cells[i])
        return cells

    def _maybe_make_bad(self, kind: str, row: dict, sink: _Sink) -> tuple[str, str] | None:
        """Now and then break the row in exactly one way; (reason, column key) or None."""
        uncovered = self._uncovered[kind]
        rate = COVERAGE_RATE if uncovered or not sink.bad else BAD_ROW_RATE
        if self.rng.random() >= rate:
            return None
        weighted = [(r, w) for r, w in zip(REASONS, _REASON_WEIGHTS) if r in self.kind_reasons[kind]]
        for reason in [*uncovered, self._pick(weighted), *self.kind_reasons[kind]]:
            column = self._breakers[reason](kind, row)
            if column:
                return reason, column
        return None

    def _filled(self, kind: str, row: dict, **props) -> list[str]:
        return [k for k in self._cols_of(kind, **props) if row.get(k)]

    def _break_missing_required(self, kind: str, row: dict) -> str | None:
        keys = self._filled(kind, row, required=True)
        if not keys:
            return None
        key = self.rng.choice(keys)
        row[key] = ""
        return key

    def _break_bad_date(self, kind: str, row: dict) -> str | None:
        keys = [k for k in self._filled(kind, row, type="date") if isinstance(row[k], date)]
        if not keys:
            return None
        key = self.rng.choice(keys)
        day = row[key]
        row[key] = self.rng.choice(_BAD_DATES).format(y=day.year, m=day.month, d=day.day)
        return key

    def _break_future_date(self, kind: str, row: dict) -> str | None:
        keys = self._filled(kind, row, type="date", future=False)
        if not keys:
            return None
        key = self.rng.choice(keys)
        row[key] = date.fromordinal(self.today_ord + self.rng.randrange(1, 400))
        if key == "decided_on" and row.get("removed_on"):
            row["removed_on"] = ""    # else 移出日期 would precede 列入日期: a second fault
        return key

    def _break_valid_to_before_from(self, kind: str, row: dict) -> str | None:
        start = row.get("valid_from")
        if not isinstance(start, date) or "valid_to" not in self.keys[kind]:
            return None
        row["valid_to"] = start - timedelta(days=self.rng.randrange(1, 720))
        return "valid_to"

    def _break_bad_amount(self, kind: str, row: dict) -> str | None:
        keys = self._cols_of(kind, type="amount")
        if not keys:
            return None
        filled = [k for k in keys if row.get(k)]
        key = self.rng.choice(filled or keys)
        row[key] = f"-{row[key]}" if row.get(key) and self.rng.random() < 0.5 else self.rng.choice(_BAD_AMOUNTS)
        return key

    def _break_bad_uscc(self, kind: str, row: dict) -> str | None:
        """A mistyped code: wrong check character, a letter O or I for a digit, a character
        lost, or two swapped (GB 32100's check catches every adjacent swap)."""
        key = next((k for k in ("code_uscc", "authority_code") if row.get(k) and k in self.columns[kind]), None)
        if key is None:
            return None
        code = normalize_code(row[key])
        while True:
            typo = self._uscc_typo(code)
            if typo != code and (len(typo) != 18 or any(c not in USCC_ALPHABET for c in typo)
                                 or uscc_check_char(typo[:17]) != typo[17]):
                row[key] = typo
                return key

    def _uscc_typo(self, code: str) -> str:
        r, i = self.rng, self.rng.randrange(2, 16)
        style = r.randrange(4)
        if style == 0:
            return code[:17] + r.choice(USCC_ALPHABET.replace(code[17], ""))
        if style == 1:
            return code[:i] + r.choice("OI") + code[i + 1:]
        if style == 2:
            return code[:i] + code[i + 1:]
        return code[:i] + code[i + 1] + code[i] + code[i + 2:]

    def _break_bad_citizen_id(self, kind: str, row: dict) -> str | None:
        keys = self._filled(kind, row, type="citizen_id")
        if keys:
            key = self.rng.choice(keys)
            number = normalize_code(row[key])
        elif "legal_rep_id_no" in self.columns[kind] and row.get("legal_rep"):
            key, number = "legal_rep_id_no", self._citizen_id()
            row["legal_rep_id_type"] = "身份证"
        else:
            return None
        style = self.rng.randrange(3)
        if style == 0:
            row[key] = number[:17] + self.rng.choice("0123456789X".replace(number[17], ""))
        elif style == 1:
            row[key] = number[:17]
        else:
            row[key] = number[:6] + number[8:17]       # a 15-digit first-generation number
        return key

    def _break_bad_enum(self, kind: str, row: dict) -> str | None:
        keys = [k for k in self.bad_enum_values[kind] if row.get(k) and self.bad_enum_values[kind][k]]
        if not keys:
            return None
        key = self.rng.choice(keys)
        wrong = self.rng.choice(self.bad_enum_values[kind][key])
        multi = self.columns[kind][key].get("type") == "enum_multi"
        row[key] = f"{row[key]};{wrong}" if multi and self.rng.random() < 0.5 else wrong
        return key

    def _break_no_legal_code(self, kind: str, row: dict) -> str | None:
        if row.get("subject_type") != self.type_labels["org"] or not all(k in self.columns[kind] for k in SUBJECT_CODE_KEYS):
            return None
        for key in SUBJECT_CODE_KEYS:
            row[key] = ""
        return SUBJECT_CODE_KEYS[0]

    def _maybe_correct(self, row: dict) -> None:
        """Re-send a penalty (same department code and 文号) corrected, or revoked."""
        rate = COVERAGE_RATE if not (self.corrections and self.revocations) else CORRECTION_RATE
        if self.rng.random() >= rate:
            return
        fixed = dict(row)
        revoke = self.revocations == 0 or (self.corrections and self.rng.random() < REVOCATION_SHARE)
        if revoke:
            fixed["remarks"] = REVOKED_REMARK
            self.revocations += 1
        else:
            self._correct(fixed)
            self.corrections += 1
        self.corrections_sink.write(self._render("penalty", fixed))

    def _correct(self, row: dict) -> None:
        r = self.rng
        if row.get("fine_amount") and r.random() < 0.6:
            old = float(row["fine_amount"])
            new = old * r.choice((0.5, 0.8, 1.5, 2))
            new = new if new <= 500 else old / 2
            row["fine_amount"] = _amount(new)
            row["content"] = re.sub(r"罚款人民币\d+元", f"罚款人民币{_yuan(new)}元", row["content"])
        else:
            row["facts"] = f"{row['facts']}（经复核，更正原认定的违法事实：涉案数量以现场检查笔录为准。）"


def _amount(value: float | None) -> str:
    """万元 as departments write them: 0.5, 12, 3.25."""
    if value is None:
        return ""
    return f"{value:.4f}".rstrip("0").rstrip(".")


def _yuan(wan: float | None) -> str:
    return str(round((wan or 0) * 10_000))
