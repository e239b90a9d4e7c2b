"""Generators of personal data as source departments write it, for leak tests: ID numbers, phone,
card and account numbers, home addresses and personal names, each in the spellings clerks use
(groupings, prefixes, full-width and traditional forms, stray zero-width characters), put into
free text between ordinary phrases, and whole source rows of every kind carrying them.

Every generator takes a `Pick`, the source of its choices: `DrawPick` draws them with hypothesis
(shrinking towards the first option, the smallest integer and "no"), `RandomPick` from a seeded
`random.Random`, so the same code gives hypothesis strategies (`strategy(...)`) and reproducible
bulk data sets (`data_set(...)`).

A secret is recoverable from a public string when one of its canonical forms occurs in the string
as `canonical_text` normalizes it; `leaks` reports each occurrence."""
from __future__ import annotations

import csv
import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Callable, Iterator, Sequence, TypeVar

import opencc
from hypothesis import strategies as st

from analyzers.normalize import normalize
from credit.catalog import Catalog
from credit.codes import id_check_char, luhn_check_digit, uscc_check_char

T = TypeVar("T")

ORG, SOLE_TRADER, PERSON = "法人及非法人组织", "个体工商户", "自然人"


# -- where choices come from -----------------------------------------------------------------------

_SCRAMBLE = 7394811203457913  # coprime to 10
_OFFSETS = (73928150647319265847261, 50283719462830571946318)


class Pick:
    def choice(self, options: Sequence[T]) -> T:
        raise NotImplementedError

    def integer(self, lo: int, hi: int) -> int:
        raise NotImplementedError

    def chance(self, p: float) -> bool:
        raise NotImplementedError

    def digits(self, n: int, stream: int = 0) -> str:
        """n digits. The drawn integer is scrambled (a bijection), so shrinking leads to random-looking
        digits, not to 000…, which public codes are full of; public numbers use their own `stream`."""
        value = self.integer(0, 10 ** n - 1)
        return f"{(value * _SCRAMBLE + _OFFSETS[stream]) % 10 ** n:0{n}d}"


class DrawPick(Pick):
    def __init__(self, draw):
        self.draw = draw

    def choice(self, options: Sequence[T]) -> T:
        return self.draw(st.sampled_from(options))

    def integer(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, hi))

    def chance(self, p: float) -> bool:
        # Shrinks to 0, i.e. to "no": a minimal failing example keeps only the options it needs.
        return self.draw(st.integers(0, 999)) >= 1000 - round(p * 1000)


class RandomPick(Pick):
    def __init__(self, rng: random.Random):
        self.rng = rng

    def choice(self, options: Sequence[T]) -> T:
        return self.rng.choice(options)

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p


def strategy(make: Callable[..., T], *args) -> st.SearchStrategy[T]:
    """A hypothesis strategy of `make(pick, *args)`."""
    @st.composite
    def build(draw):
        return make(DrawPick(draw), *args)
    return build()


# -- characters ------------------------------------------------------------------------------------

# Secret names, and road names of home addresses, use characters that no phrase, department, list
# or region name below contains, so finding one in public text can only mean a leak.
SURNAMES = "张陈刘杨黄赵吴孙马罗郑谢韩冯邓萧"
COMPOUND_SURNAMES = ("欧阳", "诸葛", "慕容", "上官", "皇甫")
GIVEN = "伟华国军丽明小芳敏静婷涛辉强鹏飞宁颖晓艳燕玲萍杰斌龙凤兰秀桂霞娟磊浩宇轩涵欣怡睿泽晨琳雪洁倩峰波勇毅俊玉"
ROAD_CHARS = "樱桃梧桐榴枫梅竹柳荷菊槐杉榕长丰兴庆乐汤钟"
# Names that are public (organisations' legal representatives, natural persons on lists published
# by law): their own pool, so they never collide with a secret name.
PUBLIC_SURNAMES = "王李周徐朱胡高林何郭"
PUBLIC_GIVEN = "建新春志永德胜利平和东光荣"

ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")

_S2T, _T2S = opencc.OpenCC("s2t"), opencc.OpenCC("t2s")
SECRET_CHARS = SURNAMES + "".join(COMPOUND_SURNAMES) + GIVEN + ROAD_CHARS
# Traditional form of each secret character that has one (陈 → 陳, 华 → 華, 长 → 長 …).
TRADITIONAL = {c: t for c in SECRET_CHARS if (t := _S2T.convert(c)) != c and _T2S.convert(t) == c}


def _compatibility_forms() -> dict[str, str]:
    """Kangxi radicals and CJK compatibility ideographs that NFKC (then t2s) turns into a secret
    character (⼩ → 小, ⾶ → 飛 → 飞): text extracted from PDFs is full of them."""
    forms: dict[str, str] = {}
    for cp in (*range(0x2F00, 0x2FD6), *range(0xF900, 0xFADA)):
        plain = _T2S.convert(unicodedata.normalize("NFKC", chr(cp)))
        if len(plain) == 1 and plain in SECRET_CHARS:
            forms.setdefault(plain, chr(cp))
    return forms


COMPATIBILITY = _compatibility_forms()


def full_width(text: str) -> str:
    """ASCII letters, digits and punctuation as their full-width forms, spaces as U+3000."""
    return "".join("\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


# -- public text around the secrets ------------------------------------------------------------------

def uscc(kind: str, region: str, serial: str) -> str:
    first17 = f"{kind}{region}{serial}"
    return first17 + uscc_check_char(first17)


# Legitimate text that must stay exactly as written (and may stand next to a secret).
LEGIT_DATES = ("2024-03-05", "2024年3月5日")
LEGIT_AMOUNT = "罚款人民币5000元"
LEGIT_DOC_NO = "武市监罚〔2024〕123号"
LEGIT_LICENCE_NO = "JY14201050012345"
# A licence number whose digits are Luhn-valid: still not a card, it is glued to its letters.
LEGIT_LUHN_LICENCE_NO = "JY1" + "420105001234" + luhn_check_digit("1420105001234")
LEGIT_USCC = uscc("91", "420100", "MA4K2XYW1")
LEGIT = (*LEGIT_DATES, LEGIT_AMOUNT, LEGIT_DOC_NO, LEGIT_LICENCE_NO, LEGIT_LUHN_LICENCE_NO, LEGIT_USCC)

# Phrases never start or end with an ASCII letter or digit, so a secret next to one is delimited.
FILLER = (
    "经查", "当事人在经营过程中", "未按规定公示相关信息", "责令改正", "依法予以处罚", "于2024年3月5日",
    "自2024-03-05起", LEGIT_AMOUNT, f"文号{LEGIT_DOC_NO}", f"（许可证编号{LEGIT_LICENCE_NO}）",
    f"（编号{LEGIT_LUHN_LICENCE_NO}）", f"（统一社会信用代码{LEGIT_USCC}）", "现场检查发现问题", "涉案货值较大",
    "已依法送达", "当事人已缴纳罚款", "备案材料齐全", "予以许可", "预包装食品销售", "经营场所位于某街道",
    "见附件", "情节较轻", "按照有关规定", "第五十五条",
)
DELIMITERS = ("，", "", " ", "；", "：", "。", "、", "（")
CLAUSE_ENDS = ("，", "；", "。")

DEPARTMENTS = ("武汉市市场监督管理局", "湖北省生态环境厅", "武汉市税务局", "洪山区卫生健康局")
DEPT_CODES = {d: uscc("11", "420100", f"{i:09d}") for i, d in enumerate(DEPARTMENTS, start=1)}
REGIONS = ("420100", "420102", "420106", "420111")
DOC_NAMES = ("食品经营许可决定书", "行政许可决定书", "准予许可决定书")
CERT_NAMES = ("食品经营许可证", "排污许可证")
LICENCE_CONTENT = ("食品销售", "预包装食品销售", "排放大气污染物")
VIOLATIONS = ("虚假宣传", "未按规定公示信息", "超范围经营")
FACTS = ("发布虚假广告", "未按规定公示相关信息", "超出许可范围从事经营活动")
PENALTY_BASES = ("《广告法》第五十五条", "《食品安全法》第一百二十二条")
PENALTY_CONTENT = ("罚款人民币一万元", LEGIT_AMOUNT, "没收违法所得")
SUSPENDED = ("食品经营许可证", "排污许可证")
REMARKS = ("见附件", "已缴纳罚款", "备案材料齐全")
REASONS = ("拒不履行行政处罚决定", "拒不履行生效法律文书确定的义务", "依法纳税信用良好")
LIST_BASES = ("《严重违法失信名单管理办法》", "《最高人民法院关于公布失信被执行人名单信息的若干规定》")
COMPANY_WORDS = (("恒通", "远达", "新创", "博雅", "鼎盛", "信诚"), ("商贸", "科技", "餐饮", "建筑", "物流"))
SHOP_SUFFIXES = ("便利店", "副食店", "餐馆", "五金店")
PLACES = ("", "武汉市洪山区", "湖北省武汉市江岸区", "武昌区")
ROAD_SUFFIXES = ("路", "街", "大道", "巷")
# Lists that name natural persons (catalogue: natural_persons: true), and lists that do not.
PERSON_LISTS = (("失信被执行人", "黑名单"), ("重大税收违法失信主体", "黑名单"))
ORG_LISTS = (("严重违法失信企业", "黑名单"), ("A级纳税人", "红名单"), ("经营异常名录", "重点关注名单"),
             ("守合同重信用企业", "红名单"))

# Every fixed string a public document can hold besides the secrets (see test_leak_properties).
PUBLIC_STRINGS = (*FILLER, *DEPARTMENTS, *DOC_NAMES, *CERT_NAMES, *LICENCE_CONTENT, *VIOLATIONS, *FACTS,
                  *PENALTY_BASES, *PENALTY_CONTENT, *SUSPENDED, *REMARKS, *REASONS, *LIST_BASES,
                  *(w for words in COMPANY_WORDS for w in words), *SHOP_SUFFIXES, *PLACES,
                  *(n for n, _ in PERSON_LISTS + ORG_LISTS), PUBLIC_SURNAMES, PUBLIC_GIVEN,
                  "有限公司", "武汉", "工商银行武汉分行", "普通", "有效", "罚款", "没收违法所得", "一般", "严重",
                  "轻微", "普通程序", "红名单", "黑名单", "重点关注名单", ORG, SOLE_TRADER, PERSON)


# -- the secrets -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Secret:
    kind: str                    # id | id15 | mobile | landline | local | card | account | address | e_mail | handle | name
    value: str                   # as the record (or the person) holds it
    written: str                 # as it was spelled in the source text
    canonicals: tuple[str, ...]  # forms whose presence in a normalized public string is a leak


_ZERO_WIDTH = dict.fromkeys(map(ord, ZERO_WIDTH))
_BETWEEN_DIGITS = re.compile(r"(?<=\d)[\W_]+(?=\d)")


def canonical_text(text: str) -> str:
    """NFKC, zero-width characters removed, traditional → simplified, case-folded, no whitespace,
    and no separator (anything neither a letter, a digit nor an ideograph) between two digits."""
    return _BETWEEN_DIGITS.sub("", normalize(text.translate(_ZERO_WIDTH)))


def adult_birth_date(p: Pick, today: date) -> date:
    """Between 19 and 80 years ago: an adult on every decision date the rows use."""
    oldest, youngest = _years_before(today, 80), _years_before(today, 19)
    return oldest + timedelta(days=p.integer(0, (youngest - oldest).days))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


ID_REGIONS = ("420102", "420106", "420111", "420115", "110105", "310104", "440305", "510107", "330106", "610113")


def with_id_check(first17: str) -> str:
    return first17 + id_check_char(first17)


def citizen_id(p: Pick, today: date) -> str:
    """A valid 18-character ID number of an adult; about one in five ends in X."""
    first14 = p.choice(ID_REGIONS) + adult_birth_date(p, today).strftime("%Y%m%d")
    seq = int(p.digits(3))
    if p.chance(0.2):
        seq = next(s for s in ((seq + k) % 1000 for k in range(1000)) if id_check_char(f"{first14}{s:03d}") == "X")
    return with_id_check(f"{first14}{seq:03d}")


def old_citizen_id(p: Pick) -> str:
    """A 15-digit ID number (issued before 1999): region, YYMMDD of a real date, 3 digits."""
    born = date(1935, 1, 1) + timedelta(days=p.integer(0, (date(1979, 12, 31) - date(1935, 1, 1)).days))
    return p.choice(ID_REGIONS) + born.strftime("%y%m%d") + p.digits(3)


def mobile(p: Pick) -> str:
    return "1" + p.choice("3456789") + p.digits(9)


AREA_CODES = ("027", "010", "020", "021", "022", "023", "024", "025", "028", "029", "0710", "0716", "0571", "0731",
              "0898")


def landline(p: Pick) -> tuple[str, str]:
    """(area code, local number): 8 digits after 010/02x, 7 or 8 after a four-digit code."""
    area = p.choice(AREA_CODES)
    return area, local_number(p, 8 if len(area) == 3 else p.choice((8, 7)))


def local_number(p: Pick, length: int) -> str:
    return str(p.integer(2, 8)) + p.digits(length - 1)


# (issuer prefix, lengths) of real card schemes: UnionPay, Visa, Mastercard, Diners, Amex.
CARD_SCHEMES = (("62", (16, 17, 18, 19)), ("4", (16, 13)), ("5", (16,)), ("36", (14,)), ("37", (15,)))


def card(p: Pick) -> str:
    prefix, lengths = p.choice(CARD_SCHEMES)
    body = prefix + p.digits(p.choice(lengths) - 1 - len(prefix))
    return body + luhn_check_digit(body)


def account(p: Pick) -> str:
    return str(p.integer(1, 9)) + p.digits(p.integer(8, 20) - 1)


def address(p: Pick) -> tuple[str, str]:
    """(home address, its canonical part: road and house number)."""
    road = p.choice(ROAD_CHARS) + p.choice(ROAD_CHARS) + p.choice(ROAD_SUFFIXES)
    house = f"{p.integer(1, 999)}号"
    unit = f"{p.integer(1, 30)}栋{p.integer(1, 6)}单元{p.integer(1, 30)}0{p.integer(1, 9)}室" if p.chance(0.5) else ""
    return p.choice(PLACES) + road + house + unit, road + house


PINYIN = ("zhang", "wang", "li", "liu", "chen", "yang", "zhao", "huang", "zhou", "wu", "xiaoming", "jun", "hua", "lei")
MAIL_DOMAINS = ("qq.com", "163.com", "126.com", "sina.com", "gmail.com", "foxmail.com", "yeah.net", "hbxy.com.cn")
# Those the catalogue names (scrub.mail_domains): only there is an address without its @ masked.
WELL_KNOWN_MAIL_DOMAINS = MAIL_DOMAINS[:-1]


def e_mail(p: Pick) -> str:
    local = p.choice(PINYIN) + p.choice(("", ".", "_", "-")) + p.choice(PINYIN)
    return local + (p.digits(p.integer(2, 4)) if p.chance(0.5) else "") + "@" + p.choice(MAIL_DOMAINS)


def handle(p: Pick) -> str:
    """A QQ number (8 to 11 digits) or a WeChat ID (a letter first, 6 to 20 characters)."""
    if p.chance(0.5):
        return str(p.integer(1, 9)) + p.digits(p.integer(7, 10))
    return (p.choice(PINYIN) + p.choice(("", "_", "-")) + p.choice(PINYIN) + p.digits(p.integer(2, 4)))[:20]


def person_name(p: Pick) -> str:
    """A secret name: single or compound surname and a one- to three-character given name."""
    surname = p.choice(COMPOUND_SURNAMES) if p.chance(0.15) else p.choice(SURNAMES)
    return surname + "".join(p.choice(GIVEN) for _ in range(p.integer(1, 3)))


def public_name(p: Pick) -> str:
    return p.choice(PUBLIC_SURNAMES) + "".join(p.choice(PUBLIC_GIVEN) for _ in range(p.integer(1, 2)))


def surname_length(name: str) -> int:
    return 2 if name[:2] in COMPOUND_SURNAMES else 1


def given_name(name: str) -> str:
    return name[surname_length(name):]


def name_canonicals(name: str) -> tuple[str, ...]:
    """The full name, and the given name alone when it has two or more characters (张小明 → 小明)."""
    given = given_name(name)
    return (name, given) if len(given) >= 2 else (name,)


# -- spellings -------------------------------------------------------------------------------------

SEPARATORS = (" ", "-", ".", "\u3000", "－", "．", " - ", "·", "\u200b")
ID_GROUPINGS = (None, (6, 8, 4), (6, 4, 4, 4), (3, 3, 4, 4, 4), (4, 4, 4, 4, 2), (6, 6, 6), "random")
OLD_ID_GROUPINGS = (None, (6, 6, 3), (3, 3, 3, 3, 3), (6, 9), "random")
ID_PREFIXES = ("", "身份证号", "sfz", "身份证号:", "身份证号码：", "公民身份号码", "SFZ", "ID", "证件号码 ")
# Digits glued before an 18-character ID number, making one longer run: NO.2024420102198506123458.
ID_GLUED_PREFIXES = ("NO.2024", "编号2024", "（20240")
# What clerks type for the check character X.
ID_X_FORMS = ("x", "×", "＊", "*")
# Chinese numerals for the digits (一三九〇七一二八八六五).
NUMERALS = dict(zip("0123456789", "〇一二三四五六七八九"))
MOBILE_GROUPINGS = (None, (3, 4, 4), (3, 8), (4, 4, 3), (3, 3, 5), (7, 4), "random")
MOBILE_PREFIXES = ("", "+86", "+86 ", "+86-", "0086", "0086 ", "86", "86-", "(+86)", "（+86）", "tel", "Tel:",
                   "手机", "手机号：", "电话：")
LANDLINE_STYLES = ("{a}-{l}", "({a}){l}", "（{a}）{l}", "{a} {l}", "{a}{l}", "+86-{r}-{l}", "+86 {r} {l}",
                   "0086-{r}-{l}", "+86({r}){l}", "{a}.{l}", "{a}－{l}", "(+86){r}-{l}")
LANDLINE_WORDS = ("", "电话", "联系电话：", "座机：", "Tel:", "传真")
PHONE_WORDS = ("电话", "座机", "联系方式", "联系电话", "手机", "传真", "拨打", "致电", "固话", "Fax:")
# A clause holding only a person's title between the telephone word and the number.
TITLED = ("王女士", "李先生", "周经理")
E_MAIL_WORDS = ("", "邮箱", "电子邮箱：", "E-mail: ", "邮件发至", "联系邮箱 ")
HANDLE_WORDS = ("QQ", "qq", "QQ号", "ＱＱ", "微信", "微信号", "WeChat", "wechat", "釘釘", "扣扣", "V信", "微信号码",
                "微信账号", "WeChat ID", "微\u200b信", "Q\u200bQ", "微 信")
# Words that also begin codes (WX2024001): written with a colon before the handle.
SHORT_HANDLE_WORDS = ("VX", "vx", "wx", "WX")
SHORT_HANDLE_CONNECTORS = ("：", ":", "： ", "号：")
# How the @ and the dots of an address at a well-known mail domain get written to dodge a filter.
MAIL_AT = ("#", " at ", "(at)", "[at]", "【at】", " AT ")
MAIL_DOT = (".", " dot ", "点", "(dot)", " .")
CONNECTORS = ("", "：", ":", " ", "为", "是", "： ")
CARD_WORDS = ("", "转账至", "卡号", "银行卡号：")
ACCOUNT_WORDS = ("账号", "帐号", "账户", "卡号", "银行卡", "开户行", "工商银行", "个人结算户", "汇入")
ACCOUNT_CONNECTORS = (*CONNECTORS, "：工商银行武汉分行 ", "（工商银行）")
ADDRESS_WORDS = ("住址", "家庭住址", "居住地址", "居住地", "户籍地", "暂住地", "户口所在地", "住 址", "住\u3000\u3000址",
                 "住\u200b址", "現住", "男，住", "女，住", "现居", "居住在")
ADDRESS_CONNECTORS = ("：", "", ":", " ", "为", "在", "是")
NAME_FORMS = ("plain", "traditional", "compatibility")
NAME_GAPS = ("", " ", "\u3000", *ZERO_WIDTH, "spaced")


def split(text: str, sizes: Sequence[int]) -> list[str]:
    parts, start = [], 0
    for size in sizes:
        parts.append(text[start:start + size])
        start += size
    return parts


def _sizes(p: Pick, length: int, pattern) -> Sequence[int]:
    if pattern == "fours":
        return [4] * (length // 4) + ([length % 4] if length % 4 else [])
    if pattern == "random":
        cuts = sorted({p.integer(1, length - 1) for _ in range(p.integer(1, 4))})
        return [b - a for a, b in zip([0, *cuts], [*cuts, length])]
    return pattern


def grouped(p: Pick, digits: str, patterns: Sequence) -> str:
    """The number split into groups by separators (one kind throughout, or now and then mixed)."""
    pattern = p.choice(patterns)
    if pattern is None:
        return digits
    parts = split(digits, _sizes(p, len(digits), pattern))
    sep, mixed = p.choice(SEPARATORS), p.chance(0.15)
    return parts[0] + "".join((p.choice(SEPARATORS) if mixed else sep) + part for part in parts[1:])


def _maybe_full_width(p: Pick, text: str, rate: float = 0.25) -> str:
    return full_width(text) if p.chance(rate) else text


def spell_id(p: Pick, number: str) -> str:
    text = grouped(p, number, ID_GROUPINGS if len(number) == 18 else OLD_ID_GROUPINGS)
    if text.endswith("X") and p.chance(0.5):
        text = text[:-1] + p.choice(ID_X_FORMS)
    glued = len(number) == 18 and p.chance(0.1)
    return p.choice(ID_GLUED_PREFIXES if glued else ID_PREFIXES) + _maybe_full_width(p, text)


def spell_mobile(p: Pick, number: str) -> str:
    return _maybe_full_width(p, p.choice(MOBILE_PREFIXES) + grouped(p, number, MOBILE_GROUPINGS))


def in_numerals(digits: str) -> str:
    return "".join(NUMERALS[d] for d in digits)


def _grouped_local(p: Pick, local: str) -> str:
    halves = (len(local) // 2, len(local) - len(local) // 2)
    return grouped(p, local, (None, halves, (len(local) - 4, 4)))


def spell_landline(p: Pick, area: str, local: str) -> str:
    text = p.choice(LANDLINE_STYLES).format(a=area, r=area[1:], l=_grouped_local(p, local))
    return p.choice(LANDLINE_WORDS) + _maybe_full_width(p, text)


def spell_local(p: Pick, local: str, numerals: bool = False) -> str:
    """A bare local number after a telephone word of the same clause (or of the clause before, when
    this one holds only a person's title), in digits or Chinese numerals."""
    word = p.choice(PHONE_WORDS) + p.choice(CONNECTORS)
    if p.chance(0.15):
        word += p.choice(TITLED) + p.choice(("，", ","))
    return word + (in_numerals(local) if numerals else _maybe_full_width(p, _grouped_local(p, local)))


def spell_card(p: Pick, number: str) -> str:
    return p.choice(CARD_WORDS) + _maybe_full_width(p, grouped(p, number, (None, "fours", "random")))


def spell_account(p: Pick, number: str) -> str:
    text = grouped(p, number, (None, "fours", "random"))
    return p.choice(ACCOUNT_WORDS) + p.choice(ACCOUNT_CONNECTORS) + _maybe_full_width(p, text)


def spell_address(p: Pick, text: str) -> str:
    """After an address word; the caller ends the clause right after it."""
    if p.chance(0.2):  # the address goes on after a comma: 湖北省，武汉市江岸区樱桃路…
        text = re.sub("([省市区])", r"\1，", text, count=1)
    if p.chance(0.2):
        text = "".join(TRADITIONAL.get(c, c) for c in text)
    if p.chance(0.2):
        text = re.sub(r"(\d+)", lambda m: full_width(m.group()), text)
    if p.chance(0.2):
        text = re.sub(r"(?<=[区路街道巷])", " ", text)
    if p.chance(0.1):
        at = p.integer(1, len(text) - 1)
        text = text[:at] + p.choice(ZERO_WIDTH) + text[at:]
    return p.choice(ADDRESS_WORDS) + p.choice(ADDRESS_CONNECTORS) + text


def spell_e_mail(p: Pick, address: str) -> str:
    """After a word or not; in capitals, with a full-width or small @, or all full-width."""
    if p.chance(0.2):
        address = address.upper()
    if p.chance(0.2):
        address = address.replace("@", p.choice(("＠", "﹫")))
    return p.choice(E_MAIL_WORDS) + _maybe_full_width(p, address, 0.15)


def obfuscated_e_mail(p: Pick, address: str) -> str:
    """The address with its @ and dots written as #, at, 点, dot … (zhaomin88#163.com)."""
    local, domain = address.split("@")
    return local + p.choice(MAIL_AT) + p.choice(MAIL_DOT).join(domain.split("."))


def spell_handle(p: Pick, text: str) -> str:
    if p.chance(0.15):
        return p.choice(SHORT_HANDLE_WORDS) + p.choice(SHORT_HANDLE_CONNECTORS) + text
    return p.choice(HANDLE_WORDS) + p.choice(CONNECTORS) + _maybe_full_width(p, text, 0.15)


def spell_name(p: Pick, name: str, given_alone: bool = True) -> str:
    """The name (or its given name alone) in simplified, traditional or compatibility characters,
    with spaces or a zero-width character inside."""
    given = given_name(name)
    text = given if given_alone and len(given) >= 2 and p.chance(0.2) else name
    form = p.choice(NAME_FORMS)
    if form == "traditional":
        text = "".join(TRADITIONAL.get(c, c) for c in text)
    elif form == "compatibility":
        text = "".join(COMPATIBILITY.get(c, c) for c in text)
    gap = p.choice(NAME_GAPS)
    if gap == "spaced":
        return p.choice((" ", "\u3000")).join(text)
    at = p.integer(1, len(text) - 1)
    return text[:at] + gap + text[at:]


# -- secrets written into text -----------------------------------------------------------------------

def id_secret(p: Pick, number: str) -> Secret:
    """Its first 17 digits are a leak too (an X written as × or * would hide the whole number)."""
    return Secret("id", number, spell_id(p, number), (number, number[:17]))


def _new_id(p: Pick, subject: Subject) -> Secret:
    return id_secret(p, subject.person_id if subject.person_id and p.chance(0.5) else citizen_id(p, subject.today))


def _old_id(p: Pick, subject: Subject) -> Secret:
    number = old_citizen_id(p)
    return Secret("id15", number, spell_id(p, number), (number,))


def _mobile(p: Pick, subject: Subject) -> Secret:
    number = mobile(p)
    if p.chance(0.1):
        return Secret("mobile", number, p.choice(("", "手机", "联系电话：")) + in_numerals(number),
                      (number, in_numerals(number)))
    return Secret("mobile", number, spell_mobile(p, number), (number,))


def _landline(p: Pick, subject: Subject) -> Secret:
    area, local = landline(p)
    return Secret("landline", area + local, spell_landline(p, area, local), (area[1:] + local, local))


def _local(p: Pick, subject: Subject) -> Secret:
    local = local_number(p, p.choice((8, 7)))
    numerals = p.chance(0.1)
    return Secret("local", local, spell_local(p, local, numerals), (local, in_numerals(local)))


def _card(p: Pick, subject: Subject) -> Secret:
    number = card(p)
    return Secret("card", number, spell_card(p, number), (number,))


def _account(p: Pick, subject: Subject) -> Secret:
    number = account(p)
    return Secret("account", number, spell_account(p, number), (number,))


def _address(p: Pick, subject: Subject) -> Secret:
    text, canonical = address(p)
    return Secret("address", text, spell_address(p, text), (canonical,))


def _e_mail(p: Pick, subject: Subject) -> Secret:
    address = e_mail(p)
    if address.split("@")[1] in WELL_KNOWN_MAIL_DOMAINS and p.chance(0.3):
        written = obfuscated_e_mail(p, address)
        return Secret("e_mail", address, p.choice(E_MAIL_WORDS) + _maybe_full_width(p, written, 0.15),
                      (canonical_text(address), canonical_text(written)))
    return Secret("e_mail", address, spell_e_mail(p, address), (canonical_text(address),))


def _handle(p: Pick, subject: Subject) -> Secret:
    text = handle(p)
    return Secret("handle", text, spell_handle(p, text), (canonical_text(text),))


def _name(p: Pick, subject: Subject) -> Secret:
    return Secret("name", subject.private_name, spell_name(p, subject.private_name),
                  name_canonicals(subject.private_name))


SECRET_MAKERS = (_mobile, _new_id, _landline, _card, _account, _address, _local, _old_id, _e_mail, _handle)


def any_secret(p: Pick, subject: Subject) -> Secret:
    """A secret of any kind; the subject's private name (if it has one) as often as any other kind."""
    makers = SECRET_MAKERS + ((_name,) if subject.private_name else ())
    return p.choice(makers)(p, subject)


def free_text(p: Pick, base: str, secrets: Sequence[Secret]) -> str:
    """`base`, then each secret between phrases; an address runs to the end of its clause. A base
    ending in a letter or digit (a licence number) is parted from the secret by punctuation."""
    parts = [base]
    for secret in secrets:
        before = CLAUSE_ENDS if _ascii_alnum(parts[-1][-1:]) else DELIMITERS
        after = CLAUSE_ENDS if secret.kind == "address" else DELIMITERS
        parts += [p.choice(before), secret.written, p.choice(after), p.choice(FILLER)]
    return "".join(parts)


def _ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def filler_text(p: Pick) -> str:
    """Ordinary text only: what must come out exactly as it went in."""
    phrases = [p.choice(FILLER) for _ in range(p.integer(1, 6))]
    return phrases[0] + "".join(p.choice(DELIMITERS) + phrase for phrase in phrases[1:])


# -- subjects and their rows -----------------------------------------------------------------------

@dataclass
class Subject:
    today: date
    type: str
    name: str                                        # 行政相对人名称 / 主体名称 as written
    codes: dict = field(default_factory=dict)        # the columns that identify it
    people: dict = field(default_factory=dict)       # legal_rep, legal_rep_id_no, id_no (licences, penalties)
    private_name: str = ""                           # a name the public may not see
    person_id: str = ""                              # the operator's or the natural person's ID number
    secrets: list[Secret] = field(default_factory=list)

    def text(self, p: Pick, bases: Sequence[str], rate: float = 0.5, most: int = 2) -> str:
        """One of `bases`, with up to `most` secrets written into it `rate` of the time."""
        base = p.choice(bases)
        secrets = [any_secret(p, self) for _ in range(p.integer(1, most))] if p.chance(rate) else []
        self.secrets += secrets
        return free_text(p, base, secrets)


@dataclass
class Case:
    """The source rows of one subject, and everything in them the public may never recover."""
    subject_type: str
    rows: list[tuple[str, dict]]    # (kind, {column key: cell text})
    secrets: list[Secret]


def _code(p: Pick, kind: str) -> str:
    return uscc(kind, p.choice(REGIONS), p.digits(9, stream=1))


def organisation(p: Pick, today: date) -> Subject:
    words = COMPANY_WORDS
    subject = Subject(today, ORG, f"武汉{p.choice(words[0])}{p.choice(words[1])}有限公司", {"code_uscc": _code(p, "91")})
    if p.chance(0.7):
        subject.people["legal_rep"] = public_name(p)
    if p.chance(0.5):  # never shown
        number = citizen_id(p, today)
        subject.people["legal_rep_id_no"] = number
        subject.secrets.append(Secret("id", number, number, (number,)))
    return subject


def sole_trader(p: Pick, today: date) -> Subject:
    operator, number = person_name(p), citizen_id(p, today)
    shop = f"{p.choice(('', '洪山区', '武昌区'))}{p.choice(COMPANY_WORDS[0])}{p.choice(SHOP_SUFFIXES)}"
    style = p.choice(("shop", "operator_in_name", "operator_is_name"))
    subject = Subject(today, SOLE_TRADER, shop, private_name=operator, person_id=number)
    subject.codes = {"code_uscc": _code(p, "92")} if p.chance(0.8) else {"id_no": number}
    subject.people = {"id_no": number} if p.chance(0.5) else {}
    if p.chance(0.5):
        subject.people["legal_rep_id_no"] = number
    subject.secrets.append(Secret("id", number, number, (number,)))
    if style == "operator_is_name" and len(operator) <= 4:
        # No operator column: the name registered is the operator's own.
        subject.name = "".join(TRADITIONAL.get(c, c) for c in operator) if p.chance(0.3) else operator
        subject.secrets.append(Secret("name", operator, subject.name, name_canonicals(operator)))
        return subject
    subject.people["legal_rep"] = spell_name(p, operator, given_alone=False)
    subject.secrets.append(Secret("name", operator, subject.people["legal_rep"], name_canonicals(operator)))
    if style == "operator_in_name":
        subject.name = f"{p.choice(('', '洪山区'))}{spell_name(p, operator)}{p.choice(SHOP_SUFFIXES)}"
        subject.secrets.append(Secret("name", operator, subject.name, name_canonicals(operator)))
    return subject


def natural_person(p: Pick, today: date, listed: bool) -> Subject:
    """A natural person; on a list published by law (`listed`) the name is public, else it is not."""
    number = citizen_id(p, today)
    name = public_name(p) if listed else person_name(p)
    subject = Subject(today, PERSON, name, {"id_no": number}, private_name="" if listed else name, person_id=number)
    subject.secrets.append(Secret("id", number, number, (number,)))
    if not listed:
        subject.secrets.append(Secret("name", name, name, name_canonicals(name)))
    return subject


def _day(today: date, days_ago: int) -> str:
    return (today - timedelta(days=days_ago)).isoformat()


def _department(p: Pick, subject: Subject) -> tuple[str, str]:
    """(department as written, its code): now and then with a telephone number or the like in it."""
    dept = p.choice(DEPARTMENTS)
    return subject.text(p, (dept,), rate=0.1, most=1), DEPT_CODES[dept]


def _doc_no(p: Pick, subject: Subject, prefix: str) -> str:
    return subject.text(p, (f"{prefix}〔{subject.today.year}〕{p.integer(1, 99999)}号",), rate=0.1, most=1)


def licence_row(p: Pick, subject: Subject) -> dict:
    decided = _day(subject.today, p.integer(1, 300))
    authority, code = _department(p, subject)
    source, source_code = _department(p, subject)
    row = {
        **subject.codes, **subject.people, "subject_name": subject.name, "subject_type": subject.type,
        "doc_name": subject.text(p, DOC_NAMES), "doc_no": _doc_no(p, subject, "鄂许"), "licence_category": "普通",
        "content": subject.text(p, LICENCE_CONTENT), "decided_on": decided, "valid_from": decided,
        "valid_to": (subject.today + timedelta(days=3 * 365)).isoformat(), "authority": authority,
        "authority_code": code, "status": "有效", "source_dept": source, "source_dept_code": source_code,
    }
    if p.chance(0.6):
        row["cert_name"] = subject.text(p, CERT_NAMES)
    if p.chance(0.6):
        row["licence_no"] = subject.text(p, (LEGIT_LICENCE_NO, LEGIT_LUHN_LICENCE_NO), rate=0.3)
    if p.chance(0.6):
        row["remarks"] = subject.text(p, REMARKS)
    return row


def penalty_row(p: Pick, subject: Subject) -> dict:
    authority, code = _department(p, subject)
    source, source_code = _department(p, subject)
    row = {
        **subject.codes, **subject.people, "subject_name": subject.name, "subject_type": subject.type,
        "doc_no": _doc_no(p, subject, "武市监罚"), "violation_type": subject.text(p, VIOLATIONS),
        "facts": subject.text(p, FACTS), "basis": subject.text(p, PENALTY_BASES),
        "penalty_types": p.choice(("罚款", "罚款;没收违法所得")), "content": subject.text(p, PENALTY_CONTENT),
        "fine_amount": "0.5", "decided_on": _day(subject.today, p.integer(1, 300)), "authority": authority,
        "authority_code": code, "source_dept": source, "source_dept_code": source_code,
        "severity": p.choice(("一般", "严重", "轻微")), "procedure": "普通程序",
    }
    if p.chance(0.5):
        row["suspended_licence"] = subject.text(p, SUSPENDED)
    if p.chance(0.6):
        row["remarks"] = subject.text(p, REMARKS)
    return row


def list_row(p: Pick, subject: Subject, lists: Sequence[tuple[str, str]]) -> dict:
    list_name, list_type = p.choice(lists)
    if subject.type != PERSON and p.chance(0.15):  # a list the catalogue does not know, named with a secret
        list_name, list_type = subject.text(p, ("诚信示范企业",), rate=1, most=1), "红名单"
    name = subject.name
    if subject.type == PERSON and not subject.private_name and p.chance(0.15):
        name = subject.text(p, (name,), rate=1, most=1)  # 张三（身份证号…）
    source, _code = _department(p, subject)
    row = {
        "list_type": list_type, "list_name": list_name, "subject_name": name, "subject_type": subject.type,
        **{k: v for k, v in subject.codes.items() if k in ("code_uscc", "id_no")},
        "reason": subject.text(p, REASONS), "basis": subject.text(p, LIST_BASES),
        "authority": subject.text(p, DEPARTMENTS, rate=0.1, most=1), "decided_on": _day(subject.today, p.integer(1, 300)),
        "source_dept": source,
    }
    if p.chance(0.3):
        row["valid_to"] = (subject.today + timedelta(days=365)).isoformat()
    return row


def _rows(p: Pick, subject: Subject, count: int, lists, kinds=("penalty", "licence", "list")) -> list[tuple[str, dict]]:
    rows = []
    for _ in range(count):
        kind = p.choice(kinds)
        make = {"licence": licence_row, "penalty": penalty_row}.get(kind)
        rows.append((kind, make(p, subject) if make else list_row(p, subject, lists)))
    return rows


def subject_case(p: Pick, today: date) -> Case:
    """One subject — an organisation, a sole trader or a natural person — with one to three rows."""
    kind = p.choice(("organisation", "sole_trader", "person"))
    if kind == "person":
        listed = p.chance(0.5)
        subject = natural_person(p, today, listed)
        # Natural persons' licences, penalties and unlisted list entries are never public.
        rows = [("list", list_row(p, subject, PERSON_LISTS))] if listed else []
        rows += _rows(p, subject, p.integer(0 if listed else 1, 2), ORG_LISTS)
    elif kind == "sole_trader":
        subject = sole_trader(p, today)
        # A list entry has no operator column: a licence or penalty tells whose name to mask.
        rows = _rows(p, subject, 1, (), ("penalty", "licence"))
        rows += _rows(p, subject, p.integer(0, 2), ORG_LISTS + PERSON_LISTS)
    else:
        subject = organisation(p, today)
        rows = _rows(p, subject, p.integer(1, 3), ORG_LISTS + PERSON_LISTS)
    return Case(subject.type, rows, subject.secrets)


def subject_cases(today: date) -> st.SearchStrategy[Case]:
    return strategy(subject_case, today)


def data_set(seed: int, rows: int, today: date) -> list[Case]:
    """Subjects drawn with a seeded random.Random until they hold at least `rows` rows."""
    pick, cases = RandomPick(random.Random(seed)), []
    while sum(len(c.rows) for c in cases) < rows:
        cases.append(subject_case(pick, today))
    return cases


def write_csvs(folder: Path, cases: Sequence[Case], catalog: Catalog) -> list[Path]:
    """One CSV file per kind, under the national column names."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind_name, kind in catalog.kinds.items():
        rows = [raw for case in cases for k, raw in case.rows if k == kind_name]
        if not rows:
            continue
        path = folder / f"{kind_name}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([c.header for c in kind.columns])
            writer.writerows([row.get(c.key, "") for c in kind.columns] for row in rows)
        paths.append(path)
    return paths


# -- finding leaks ---------------------------------------------------------------------------------

def strings(value, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, string) of every string inside a document."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from strings(item, f"{path}[{i}]")


def leaks(docs: Sequence[dict], secrets: Sequence[Secret]) -> list[str]:
    """One line per secret recoverable from a string of a document, naming both."""
    needles: dict[str, Secret] = {}
    for secret in secrets:
        for canonical in secret.canonicals:
            needles.setdefault(canonical_text(canonical), secret)
    if not needles:
        return []
    # A lookahead finds overlapping needles too; the longest is tried first at each position.
    finder = re.compile("(?=(" + "|".join(map(re.escape, sorted(needles, key=len, reverse=True))) + "))")
    found = []
    for doc in docs:
        label = f"{doc.get('doc_type')} {doc.get('kind', '')} {doc.get('id')}"
        for path, text in strings(doc):
            for match in finder.finditer(canonical_text(text)):
                secret = needles[match.group(1)]
                found.append(f"{secret.kind} {secret.value} (first written {secret.written!r}) "
                             f"recoverable from {label} {path} = {text!r}")
    return list(dict.fromkeys(found))
