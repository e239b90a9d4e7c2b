"""Publicity windows and masking (SPEC §4), from the catalogue profiles."""
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from credit.catalog import load_catalog
from credit.documents import subject_documents
from credit.masking import mask_person_name, scrub
from credit.publicity import ended, is_revoked, penalty_until, publicity, publicity_cap

DEFAULT = load_catalog("default")
NATIONAL = load_catalog("national2026")
TODAY = date(2026, 11, 22)


def penalty(**over):
    values = {"subject_type": "法人及非法人组织", "decided_on": "2026-01-10", "penalty_types": ["罚款"],
              "severity": "一般", "procedure": "普通程序"}
    return {**values, **over}


def test_general_penalty_public_for_one_year_then_gone():
    p = publicity("penalty", penalty(), DEFAULT, TODAY)
    assert p.public and p.until == date(2027, 1, 9)
    assert publicity("penalty", penalty(), DEFAULT, date(2027, 1, 9)).public
    assert not publicity("penalty", penalty(), DEFAULT, date(2027, 1, 10)).public


def test_severe_penalty_three_years():
    assert publicity("penalty", penalty(severity="严重", decided_on="2024-01-10"), DEFAULT, TODAY).until == \
        date(2027, 1, 9)


def test_deadline_column_wins():
    p = publicity("penalty", penalty(publicity_until="2026-06-30"), DEFAULT, TODAY)
    assert not p.public and p.until == date(2026, 6, 30)
    assert publicity_cap(penalty(publicity_until="2026-06-30"), DEFAULT) is None


@pytest.mark.parametrize("catalog,severity,deadline,until", [
    (DEFAULT, "一般", "2030-01-01", date(2027, 1, 9)),
    (DEFAULT, "严重", "2030-01-01", date(2029, 1, 9)),
    (NATIONAL, "一般", "2027-06-30", date(2027, 1, 9)),
])
def test_deadline_never_beyond_the_profiles_maximum(catalog, severity, deadline, until):
    values = penalty(severity=severity, publicity_until=deadline)
    assert penalty_until(values, catalog) == until and publicity_cap(values, catalog) == until
    assert publicity("penalty", values, catalog, until).public
    assert not publicity("penalty", values, catalog, until + timedelta(days=1)).public


def test_deadline_on_the_maximum_is_not_capped():
    values = penalty(publicity_until="2027-01-09")
    assert penalty_until(values, DEFAULT) == date(2027, 1, 9) and publicity_cap(values, DEFAULT) is None


def test_unpublished_severity_has_no_cap():
    values = penalty(severity="轻微", publicity_until="2030-01-01")
    assert penalty_until(values, NATIONAL) is None and publicity_cap(values, NATIONAL) is None


@pytest.mark.parametrize("over,state", [
    ({"procedure": "简易程序"}, "简易程序"),
    ({"penalty_types": ["警告"]}, "警告"),
    ({"penalty_types": ["警告", "通报批评"]}, "通报批评"),
    ({"subject_type": "自然人"}, "自然人"),
])
def test_never_published(over, state):
    p = publicity("penalty", penalty(**over), DEFAULT, TODAY)
    assert not p.public and state in p.state


def test_warning_with_fine_is_published():
    assert publicity("penalty", penalty(penalty_types=["警告", "罚款"]), DEFAULT, TODAY).public


def test_national_profile_hides_minor_penalties():
    assert publicity("penalty", penalty(severity="轻微"), DEFAULT, TODAY).public
    assert not publicity("penalty", penalty(severity="轻微"), NATIONAL, TODAY).public


def test_revoked_repaired_suspended_leave_at_once():
    for flag in ("revoked", "repaired", "suspended"):
        assert not publicity("penalty", penalty(), DEFAULT, TODAY, **{flag: True}).public


@pytest.mark.parametrize("remarks, revoked", [
    ("撤销原处罚决定", True), ("已申请撤销并获批准，已撤销", True), ("经复议，已撤销", True),
    ("撤销申请已获批准", True), ("申请撤销，已批准", True), ("当事人申请撤销已获准", True),
    ("不予撤销", False), ("不准予撤销", False), ("不同意撤销", False), ("撤销申请被驳回，处罚维持", False),
    ("当事人申请撤销", False), ("撤销申请未获批准", False), ("申请撤销，经审查不予批准", False),
    ("不予撤销的决定已获批准", False),
])
def test_a_revocation_asked_for_revokes_only_when_granted(remarks, revoked):
    """A 备注 that only asks for revocation revokes nothing; one saying the request was granted
    revokes the record as 已撤销 does; a refusal, of the revocation or of the request, does not."""
    assert is_revoked({"remarks": remarks}, DEFAULT) is revoked


def test_licence_public_until_three_years_after_validity():
    values = {"subject_type": "法人及非法人组织", "valid_to": "2023-11-21"}
    assert not publicity("licence", values, DEFAULT, TODAY).public
    assert publicity("licence", {**values, "valid_to": "2023-11-22"}, DEFAULT, TODAY).public


def test_list_entries_removed_or_natural_persons():
    entry = {"subject_type": "法人及非法人组织", "list_name": "严重违法失信企业", "decided_on": "2025-01-01"}
    assert publicity("list", entry, DEFAULT, TODAY).public
    assert not publicity("list", {**entry, "removed_on": "2026-01-01"}, DEFAULT, TODAY).public
    person = {**entry, "subject_type": "自然人"}
    assert not publicity("list", person, DEFAULT, TODAY).public
    assert publicity("list", {**person, "list_name": "失信被执行人"}, DEFAULT, TODAY).public


@pytest.mark.parametrize("name,masked", [("张三", "张*"), ("欧阳小明", "欧阳**"), ("司马光", "司马*"),
                                         ("李", "*"), ("王小二", "王**")])
def test_mask_person_name(name, masked):
    assert mask_person_name(name, DEFAULT) == masked


def test_scrub_free_text():
    text = "经营者张三（身份证420102199003071234，电话13912345678、027-87654321）销售过期食品"
    out = scrub(text, DEFAULT, ("张三",))
    assert "张三" not in out and "张*" in out
    for secret in ("420102199003071234", "13912345678", "87654321"):
        assert secret not in out
    assert "销售过期食品" in out


@pytest.mark.parametrize("text,masked", [
    ("联系人邮箱 ZhangSan.1990@163.com，已送达", "联系人邮箱 ***，已送达"),
    ("请发送至 service＠hbcredit.gov.cn 。", "请发送至 *** 。"),                 # a full-width @
    ("x@163.com和y.z@qq.com", "***和***"),
    ("举报人ＱＱ：３８４７２９１０５６，微信号：zhang_san-88；", "举报人ＱＱ：***，微信号：***；"),
    ("当事人QQ号为 12345", "当事人QQ号为 ***"),
    ("釘釘號 wang_wu2020", "釘釘號 ***"),                                  # traditional, and 號
    ("WeChat: Li-Si_1988", "WeChat: ***"),
    ("邮箱 zhangsan@163。com，", "邮箱 ***，"),                             # 。 for the dot
    ("QQ：3847 2910 56", "QQ：***"),                                       # grouped like a telephone number
    ("QQ群 12345678", "QQ群 ***"),
    ("邮箱 zhangsan @ 163.com", "邮箱 ***"),
    ("微 信：zhangsan88；Ｗ ｅ Ｃｈａｔ　li_si_1990", "微 信：***；Ｗ ｅ Ｃｈａｔ　***"),
])
def test_scrub_masks_e_mail_addresses_and_messaging_handles(text, masked):
    assert scrub(text, DEFAULT) == masked


@pytest.mark.parametrize("text", ["微信公众号“信用湖北”发布", "网址 www.hbcredit.gov.cn",
                                  "邮箱：a@b", "微信支付商户号审核", "开通QQ音乐会员业务",
                                  "检查发现住宅楼内存放烟花爆竹", "经查发现住宿登记不全"])
def test_scrub_leaves_what_is_not_a_handle_or_address(text):
    assert scrub(text, DEFAULT) == text


def record(identity, values, kind="penalty", key="92420111MA4K12345E"):
    return SimpleNamespace(identity=identity, public_id=f"id-{identity}", kind=kind, subject_key=key, subject_type=values["subject_type"],
                           values=values, revoked=False, objection=None, repaired_on=None)


def test_sole_trader_documents_are_masked_everywhere():
    values = penalty(subject_type="个体工商户", subject_name="武汉市洪山区张三便利店", legal_rep="张三",
                     legal_rep_id_no="420102199003071234", facts="张三销售过期食品", code_uscc="92420111MA4K12345E",
                     doc_no="罚1", source_dept="市场监管局")
    out = subject_documents("92420111MA4K12345E", [record("a", values)], DEFAULT, TODAY)
    text = repr(out.docs)
    assert "张三" not in text and "420102199003071234" not in text
    subject = [d for d in out.docs if d["doc_type"] == "subject"][0]
    assert subject["name"] == "武汉市洪山区张*便利店"


def test_former_names_and_current_name():
    old = penalty(subject_name="武汉旧名科技有限公司", decided_on="2026-01-01", code_uscc="91420100MA4K12345K",
                  doc_no="1", source_dept="d")
    new = penalty(subject_name="武汉新名科技有限公司", decided_on="2026-05-01", code_uscc="91420100MA4K12345K",
                  doc_no="2", source_dept="d")
    out = subject_documents("91420100MA4K12345K", [record("a", old), record("b", new)], DEFAULT, TODAY)
    subject = out.docs[-1]
    assert subject["name"] == "武汉新名科技有限公司"
    assert subject["former_names"] == ["武汉旧名科技有限公司"]


def test_hidden_records_are_listed_for_removal():
    hidden = penalty(procedure="简易程序", doc_no="3", source_dept="d", subject_name="某公司",
                     code_uscc="91420100MA4K12345K")
    out = subject_documents("91420100MA4K12345K", [record("c", hidden)], DEFAULT, TODAY)
    assert out.docs == [] and len(out.hidden) == 2  # the record and the subject entry


def test_a_capped_deadline_is_shown_as_capped():
    values = penalty(subject_name="武汉某某科技有限公司", code_uscc="91420100MA4K12345K", doc_no="9", source_dept="d",
                     decided_on=(TODAY - timedelta(days=30)).isoformat(), publicity_until="2099-12-31")
    doc = subject_documents("91420100MA4K12345K", [record("cap", values)], DEFAULT, TODAY).docs[0]
    assert doc["fields"]["publicity_until"] == doc["public_until"] < "2099-12-31"


@pytest.mark.parametrize("kind, values, last_day", [
    ("penalty", penalty(), date(2027, 1, 9)),                                          # published: its window
    ("penalty", penalty(procedure="简易程序"), date(2027, 1, 9)),                       # never published: the same
    ("penalty", penalty(penalty_types=["警告"], severity="严重"), date(2029, 1, 9)),
    ("penalty", penalty(subject_type="自然人"), date(2027, 1, 9)),
    ("licence", {"subject_type": "自然人", "valid_to": "2020-03-01"}, date(2023, 3, 1)),
    ("list", {"subject_type": "自然人", "list_name": "严重违法失信企业", "valid_to": "2026-11-30"}, date(2026, 11, 30)),
])
def test_a_record_ends_with_the_window_it_has_or_would_have(kind, values, last_day):
    """Records that were never public end too (SPEC §6: then they are the subject's and staff's alone)."""
    assert not ended(kind, values, DEFAULT, last_day)
    assert ended(kind, values, DEFAULT, last_day + timedelta(days=1))


def test_revoked_repaired_and_removed_records_have_ended():
    assert ended("penalty", penalty(), DEFAULT, TODAY, revoked=True)
    assert ended("penalty", penalty(), DEFAULT, TODAY, repaired=True)
    assert ended("list", {"valid_to": "2030-01-01", "removed_on": "2026-01-01"}, DEFAULT, TODAY)
    assert not ended("list", {"valid_to": ""}, DEFAULT, TODAY)


@pytest.mark.parametrize("text,masked", [
    ("住　　址：武汉市洪山区樱桃路12号3栋", "住　　址：***"),                  # spaces inside the word
    ("住\u200b址：武汉市洪山区樱桃路12号3栋", "住\u200b址：***"),                # a zero-width character
    ("当事人张某，男，住武汉市洪山区梧桐路8号", "当事人张某，男，住***"),
    ("女 住洪山区梧桐路8号，已送达", "女 住***，已送达"),
    ("张某居住在武汉市洪山区梧桐路8号", "张某居住在***"),
    ("暂住地：武汉市洪山区梧桐路8号", "暂住地：***"),
    ("户口所在地：湖北省黄冈市蕲春县百博村9组53号", "户口所在地：***"),
    ("现居武汉市洪山区梧桐路8号", "现居***"),
    ("現住武漢市洪山區梧桐路8號", "現住***"),                                    # traditional
    ("住址：湖北省武汉市，洪山区樱桃路12号，3栋2单元501室，已送达", "住址：***，已送达"),
])
def test_scrub_masks_home_addresses(text, masked):
    assert scrub(text, DEFAULT) == masked


@pytest.mark.parametrize("text", [
    "湖北省住房和城乡建设厅", "经查，住宅小区内设置广告牌", "，住院部未按规定", "男装店，住建局检查",
    "当事人武汉某公司，住所：武汉市洪山区珞喻路1号，法定代表人王建新", "经查发现居民区内噪声超标",
    "暂住证办理中心", "居住在此的居民反映噪声",
    "经营场所：武汉市洪山区樱桃路12号，经营食品",
])
def test_scrub_leaves_company_seats_and_words_with_住(text):
    assert scrub(text, DEFAULT) == text


def test_an_address_ends_with_the_first_clause_that_is_not_one():
    assert scrub("住址：武汉市洪山区樱桃路12号，经营食品，罚款5000元", DEFAULT) == "住址：***，经营食品，罚款5000元"


@pytest.mark.parametrize("text,masked", [
    ("VX：zhangxm_1988", "VX：***"),
    ("加vx zhangxm_1988", "加vx ***"),
    ("V信：zhangxm_1988", "V信：***"),
    ("WeChat ID: wxid_abc123", "WeChat ID: ***"),
    ("微信号码：zhangxm_1988", "微信号码：***"),
    ("微信账号：zhangxm_1988", "微信账号：***"),
    ("微信ID：zhangxm_1988", "微信ID：***"),
    ("微\u200b信：zhangxm_1988", "微\u200b信：***"),
    ("Q\u200bQ：38472910", "Q\u200bQ：***"),
    ("扣扣：38472910", "扣扣：***"),
    ("邮箱zhaomin88#163.com，", "邮箱***，"),
    ("邮箱 lijun77 at 163 dot com", "邮箱 ***"),
    ("邮箱wangfei99@163 .com", "邮箱***"),
    ("邮箱name(at)163.com", "邮箱***"),
    ("邮箱name[at]qq.com", "邮箱***"),
    ("邮箱name@163点com", "邮箱***"),
])
def test_scrub_masks_handles_and_e_mail_addresses_however_written(text, masked):
    assert scrub(text, DEFAULT) == masked


@pytest.mark.parametrize("text", ["许可证编号WX2024001", "许可证编号：WX 2024001", "look at 163 pages",
                                  "依据GB 2763-2021第163条"])
def test_scrub_leaves_licence_numbers_after_wx_and_numbers_like_mail_domains(text):
    assert scrub(text, DEFAULT) == text


@pytest.mark.parametrize("text,masked", [
    ("联系电话：张女士，87654321", "联系电话：张女士，***"),
    ("联系电话：一三九〇七一二八八六五", "联系电话：***"),
    ("请拨打87654321", "请拨打***"),
    ("致电 8765 4321", "致电 ***"),
    ("固话87654321", "固话***"),
    ("Fax: 87654321", "Fax: ***"),
])
def test_scrub_masks_telephone_numbers_after_a_title_in_words_or_numerals(text, masked):
    assert scrub(text, DEFAULT) == masked


@pytest.mark.parametrize("text", ["罚款人民币壹万贰仟叁佰肆拾伍元", "二〇二四年三月五日", "联系人张女士，共12345678元"])
def test_scrub_leaves_amounts_and_dates_in_numerals(text):
    assert scrub(text, DEFAULT) == text


@pytest.mark.parametrize("text,masked", [
    ("当事人雇员（42010619851122008×）", "当事人雇员（***）"),                  # × for the check character X
    ("当事人雇员（42010619851122008＊）", "当事人雇员（***）"),
    ("当事人雇员（42010619851122008*）", "当事人雇员（***）"),
    ("NO.2024420102198506123458", "NO.2024***"),                                 # glued inside a longer run
    ("编号4201021985061234582024", "编号***2024"),
])
def test_scrub_masks_id_numbers_with_a_written_check_character_or_glued(text, masked):
    assert scrub(text, DEFAULT) == masked


@pytest.mark.parametrize("text", ["文号2024420102202403050012", "NO.2024420102198506123457",  # a wrong check digit
                                  "武市监罚〔2024〕123号", "许可编号WX2024001"])
def test_scrub_leaves_long_document_numbers(text):
    assert scrub(text, DEFAULT) == text


@pytest.mark.parametrize("text,masked", [
    ("工商银行6222 0212 3456 7890 129", "工商银行***"),
    ("个人结算户6222021234567890129", "个人结算户***"),
    ("货款汇入6222021234567890129", "货款汇入***"),
])
def test_scrub_masks_accounts_after_a_bank(text, masked):
    assert scrub(text, DEFAULT) == masked


@pytest.mark.parametrize("text,masked", [
    ("当事人李某，住 武 汉 市洪山区樱桃路12号", "当事人李某，住 ***"),                 # spaces inside the place
    ("户籍：湖北省武汉市洪山区樱桃路12号", "户籍：***"),
    ("家在武汉市洪山区樱桃路12号", "家在***"),
    ("住处：武汉市洪山区樱桃路12号", "住处：***"),
    ("住址湖北省武汉市；洪山区樱桃路12号", "住址***"),                               # on past a semicolon
    ("联系人张女士，87654321", "联系人张女士，***"),
    ("联系电话一三九 一二三四 五六七八", "联系电话***"),                             # numerals in groups
    ("手机：一三九-一二三四-五六七八", "手机：***"),
    ("手机13912345678元", "手机***元"),                                              # a mobile number still
    ("zhaomin88艾特163点com", "***"),
    ("威信：zhangxm_1988，企鹅号：384729105", "威信：***，企鹅号：***"),
])
def test_scrub_masks_more_addresses_and_numbers_as_clerks_write_them(text, masked):
    assert scrub(text, DEFAULT) == masked


@pytest.mark.parametrize("text", [
    "汇入款项合计1234567.00元", "转入账户的资金共计人民币12345678元", "销售手机12345678台",   # quantities
    "12345热线工单号：20240305000123", "银行流水号2024030512345678", "传真件编号20240305001",  # references
    "热线电话：400-800-1234", "客服电话4008001234",                                          # service numbers
    "户籍管理科民警到场",
])
def test_scrub_leaves_quantities_references_and_service_numbers_after_telephone_and_account_words(text):
    assert scrub(text, DEFAULT) == text
