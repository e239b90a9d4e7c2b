"""Masking (SPEC §4): personal names, ID numbers, phone, card and account numbers, home
addresses, e-mail addresses and messaging handles never reach a public page, however a clerk
wrote them.

Text is matched in its normalized form (`analyzers.folded`: NFKC, zero-width characters removed,
traditional → simplified, case-folded — the normalization search uses) and masked in the text as
written, so everything else stays exactly as the source sent it. The vocabularies (telephone,
account, handle and address words, person titles, mail domains, Chinese numerals, separators,
compound surnames) are catalogue data; the shapes of the numbers (GB 11643 ID numbers, mobile and
landline numbers, Luhn card numbers) and of an e-mail address are code."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from analyzers.normalize import ZERO_WIDTH, folded, normalize
from credit.catalog import Catalog
from credit.codes import birth_date_ok, id_check_char, is_luhn_valid, regno_check_char

_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0[1-9]\d{1,2}\d{7,8}")          # area code with its 0, then the local number
_INTL_LANDLINE = re.compile(r"[1-9]\d{1,2}\d{7,8}")      # after +86: the area code without its 0
_ASTRAL = "[\U00010000-\U0010ffff]"
_LONGEST = 23      # digits of the longest secret: 0086 + area code + local number, or a card
# In the normalized view (case-folded, full-width @ and ． made @ and .): a local part, @, labels
# parted by dots (or 。, as Chinese input methods type one).
_EMAIL = re.compile(r"[0-9a-z][-.+_0-9a-z]*\s*@\s*[0-9a-z](?:[-0-9a-z]*[0-9a-z])?"
                    r"(?:[.。][0-9a-z](?:[-0-9a-z]*[0-9a-z])?)+")
_SHORTEST = 7      # a bare local number after a telephone word
_ID_LENGTH = 18
# The first two digits of a GB 11643 ID number: the province (GB/T 2260) of the registration.
_PROVINCES = frozenset("11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
                       "61 62 63 64 65 71 81 82".split())
_ADULT_YEARS = 16  # an ID number found inside a longer run of digits: a person at least this old
_HAN = r"\u4e00-\u9fff"


def mask_person_name(name: str, catalog: Catalog) -> str:
    """张三 → 张*, 欧阳小明 → 欧阳**: the surname stays, every other character is hidden (spaces and
    zero-width characters a clerk typed inside the name go too)."""
    name = _compact(name)
    if len(name) <= 1:
        return "*" * len(name)
    keep = _surname_length(name, catalog)
    return name[:keep] + "*" * (len(name) - keep)


def _compact(name: str) -> str:
    return "".join(ch for ch in name if not ch.isspace() and ch not in ZERO_WIDTH)


def _surname_length(name: str, catalog: Catalog) -> int:
    return 2 if len(name) > 2 and normalize(name[:2]) in _rules(catalog).compound else 1


@dataclass(frozen=True)
class _Rules:
    replacement: str
    groups: re.Pattern          # runs of digits that separators may split: 139 1234 5678
    chunk: re.Pattern
    phone_words: re.Pattern
    account_words: re.Pattern
    id_words: re.Pattern
    handle: re.Pattern          # a handle word, then the handle (group 1)
    mail_hint: re.Pattern       # a known mail domain's first label: worth looking for mail_obfuscated
    mail_obfuscated: re.Pattern  # an address at a known mail domain, with #, at, 点, dot …
    address: re.Pattern         # an address word, then the address up to the end of the clause
    lead_address: re.Pattern    # a lead word (住, 现居 …), then an address that starts like a place
    address_more: re.Pattern    # a further clause of address parts only: ，洪山区樱桃路12号
    quantity: re.Pattern        # a unit right after a number: 12345678元, 12345678台
    reference: re.Pattern       # a reference word right before a number: 工单号20240305000123
    titled: re.Pattern          # a clause that ends with a person's title (张女士)
    numerals: re.Pattern        # a run of Chinese numerals, read as digits
    numeral_digits: dict
    clause_end: str
    # The cheap "nothing to do" test, one scan of the raw text: a run of digits in any width, an
    # address word, or an astral character (𝟗 …: in the digit class they slow every search 10×).
    worth_a_look: re.Pattern
    compound: frozenset


@lru_cache(maxsize=8)
def _rules(catalog: Catalog) -> _Rules:
    spec = catalog.scrub
    sep = r"[\s" + re.escape(spec["separators"]) + "]"
    run = "{0,%d}" % spec["max_separator_run"]
    ends = spec["clause_end"]
    def words(key: str, between: str = "") -> str:
        """The catalogue's words of `key` as one alternation, longest first (`between` their characters)."""
        return words_of(spec[key], between)

    def words_of(items: list[str], between: str = "") -> str:
        return "|".join(between.join(map(re.escape, w)) for w in sorted({normalize(w) for w in items},
                                                                         key=len, reverse=True))
    address_words, handle_words = words("address_words", r"\s*"), words("handle_words", r"\s*")
    lead_words, handle_suffixes = words("address_lead_words", r"\s*"), words("handle_suffixes")
    first_parts, later_parts = (words_of(parts) for parts in spec["address_parts"])
    not_lead = re.escape(spec["address_lead_not"])
    # A place name: up to six characters (spaces between them) and the end of a place (武汉市,
    # 洪山区, 樱桃路), at the start.
    place = rf"(?![{not_lead}])(?:[{_HAN}]\s*){{1,6}}?(?:{first_parts})"
    part = rf"[{_HAN}0-9a-z#\s-]{{0,8}}?(?:{first_parts}|{later_parts})"
    numerals = {normalize(k): str(v) for k, v in spec["numeral_digits"].items()}
    numeral_class = "[" + "".join(map(re.escape, numerals)) + "]"
    raw_numeral = "[" + "".join(map(re.escape, spec["numeral_digits"])) + "]"
    at = r"(?:\s*(?:@|#|艾特|[(\[【]\s*at\s*[)\]】])\s*|\s+at\s+)"
    dot = r"(?:\s*(?:[.。]|点|[(\[【]\s*dot\s*[)\]】])\s*|\s+dot\s+)"
    domains = "|".join(dot.join(map(re.escape, d.lower().split("."))) for d in spec["mail_domains"])
    labels = sorted({d.lower().split(".")[0] for d in spec["mail_domains"]}, key=len, reverse=True)
    # Each character of the basic plane as NFKC makes it: what the raw text may hold for a digit,
    # a separator or a letter of a handle word.
    forms = [(chr(cp), unicodedata.normalize("NFKC", chr(cp))) for cp in range(0x10000)]
    variants = _variants(["@", *spec["handle_words"], *spec["short_handle_words"], *spec["address_words"],
                          *spec["address_lead_words"], *labels], forms)
    return _Rules(
        replacement=spec["replacement"],
        groups=re.compile(rf"[0-9](?:{sep}{run}[0-9]){{{_SHORTEST - 1},}}(?:{sep}{run}(?:x(?![a-z])|[×*]))?"),
        chunk=re.compile(r"[0-9]+|[x×*]"),
        phone_words=re.compile(words("phone_words")),
        account_words=re.compile(words("account_words")),
        id_words=re.compile(words("id_words")),
        handle=re.compile(rf"(?:(?:{handle_words})\s*(?:{handle_suffixes})?[\s:：号为是]*"
                          rf"|(?<![0-9a-z])(?:{words('short_handle_words')})\s*(?:{handle_suffixes})?"
                          rf"(?:\s*[:：号][\s:：号为是]*|\s+(?=[a-z])))"
                          rf"([0-9a-z][-_0-9a-z]{{4,19}})(?![-_0-9a-z])"),
        mail_hint=re.compile("|".join(map(re.escape, labels))),
        mail_obfuscated=re.compile(rf"[0-9a-z][-.+_0-9a-z]*{at}(?:{domains})(?![0-9a-z])"),
        address=re.compile(rf"(?:{address_words})[\s:：为是在]*([^{re.escape(ends)}]+)"),
        lead_address=re.compile(rf"(?:{lead_words})[\s:：为是在于]*({place}[^{re.escape(ends)}]*)"),
        address_more=re.compile(rf"[，,；;]\s*(?:{part})+\s*(?=[{re.escape(ends)}]|$)"),
        quantity=re.compile(rf"\s*(?:{words('quantity_units')})"),
        reference=re.compile(rf"(?:{words('reference_words')})[\s:：]*$"),
        titled=re.compile(rf"(?:{words('person_titles')})[\s:：]*$"),
        numerals=re.compile(rf"{numeral_class}(?:{sep}{run}{numeral_class}){{{_SHORTEST - 1},}}"),
        numeral_digits=str.maketrans(numerals),
        clause_end=ends,
        worth_a_look=re.compile("|".join([_raw_runs(spec["separators"], spec["max_separator_run"], forms), _ASTRAL,
                                          _spelled(["@", *spec["handle_words"], *spec["short_handle_words"],
                                                    *spec["address_words"]], variants),
                                          # 住 not as in 住房, 住所; 163 as in 163.com, 163点com
                                          _spelled(spec["address_lead_words"], variants) + f"(?![{not_lead}])",
                                          _spelled(labels, variants) + r"\s*[.。．｡点(（\[【dD]",
                                          # numerals in groups too: 一三九 一二三四 五六七八
                                          f"{raw_numeral}(?:{sep}{run}{raw_numeral}){{{_SHORTEST - 1},}}"])),
        compound=frozenset(normalize(s) for s in spec["compound_surnames"]),
    )


def _raw_runs(separators: str, max_run: int, forms: list[tuple[str, str]]) -> str:
    """Runs of at least _SHORTEST digits as written: any character that NFKC turns into digits
    (full-width ９, circled ⑨, superscript ⁹ …) or a separator (in any width, or invisible)."""
    digits, seps = [], set(separators) | set(ZERO_WIDTH)
    for char, folded_char in forms:
        if any("0" <= c <= "9" for c in folded_char):
            digits.append(char)
        elif folded_char and (folded_char in separators or folded_char.isspace()):
            seps.add(char)
    digit, sep = (f"[{''.join(map(re.escape, sorted(chars)))}]" for chars in (digits, seps))
    return f"{digit}(?:{sep}{{0,{max_run + 2}}}{digit}){{{_SHORTEST - 2},}}"


def _variants(words: list[str], forms: list[tuple[str, str]]) -> dict[str, set[str]]:
    """Each letter of the words, and the characters NFKC makes it, in any case (q: qQｑＱ …)."""
    variants: dict[str, set[str]] = {ch: {ch} for word in words for ch in word.lower()}
    for char, folded_char in forms:
        if len(folded_char) == 1 and (lowered := folded_char.lower()) in variants:
            variants[lowered].add(char)
    return variants


def _spelled(words: list[str], variants: dict[str, set[str]]) -> str:
    """The words as one pattern over the raw text, their letters in any width and case (ｑｑ, QQ, ＱＱ …),
    spaces and zero-width characters allowed between them (微 信, 微\u200b信); other scripts' spellings
    are words of their own in the catalogue (釘釘 beside 钉钉). A look-ahead at every word's first
    letter comes first: one test per position of the text rather than one per word (8× faster)."""
    words = [word.lower() for word in words]
    gap = f"[\\s{ZERO_WIDTH}]*"
    spelled = [gap.join(f"[{re.escape(''.join(sorted(variants[ch])))}]" for ch in word) for word in words]
    first = "".join(sorted({char for word in words for char in variants[word[0]]}))
    return f"(?=[{re.escape(first)}])(?:{'|'.join(spelled)})"


def scrub(text: str, catalog: Catalog, private_names: tuple[str, ...] = ()) -> str:
    """The text with ID, phone, card and account numbers, home addresses, e-mail addresses and
    messaging handles replaced, and the given personal names masked wherever and however they are
    written."""
    if not text:
        return text
    rules = _rules(catalog)
    if rules.worth_a_look.search(text):
        text = _mask_numbers_and_addresses(text, rules)
    if private_names:
        names = [n for n in {normalize(n) for n in private_names} if len(n) >= 2]
        text = _mask_names(text, names, catalog) if names else text
    return text


# -- numbers and addresses ---------------------------------------------------------------------------

def _mask_numbers_and_addresses(text: str, rules: _Rules) -> str:
    view, owner = folded(text)
    spans = [_address_span(view, m, rules) for m in rules.address.finditer(view)]
    spans += [_address_span(view, m, rules) for m in rules.lead_address.finditer(view)]
    spans += [m.span(1) for m in rules.handle.finditer(view)]
    spans += [m.span() for m in _EMAIL.finditer(view)] if "@" in view else []
    spans += [m.span() for m in rules.mail_obfuscated.finditer(view)] if rules.mail_hint.search(view) else []
    # Chinese numerals (一三九〇七一二八八六五) read as the digits they stand for; same length.
    digits_view = rules.numerals.sub(lambda m: m.group().translate(rules.numeral_digits), view)
    for group in rules.groups.finditer(digits_view):
        spans += _secret_spans(digits_view, group, rules)
    return _replace(text, owner, spans, lambda _start, _end: rules.replacement)


def _address_span(view: str, match: re.Match, rules: _Rules) -> tuple[int, int]:
    """The address of an address match, through further clauses made of address parts only."""
    start, end = match.span(1)
    while more := rules.address_more.match(view, end):
        end = more.end()
    return start, end


def _secret_spans(view: str, group: re.Match, rules: _Rules) -> list[tuple[int, int]]:
    """Spans of the view, within one run of digits, that are personal numbers."""
    # × and * (full-width ＊ too) stand for the check character X of an ID number.
    chunks = [(m.group() if m.group().isdigit() else "x", group.start() + m.start(), group.start() + m.end())
              for m in rules.chunk.finditer(group.group())]
    total = sum(len(c) for c, _, _ in chunks)
    context = _clause_before(view, group.start(), rules)
    if ((rules.phone_words.search(context) or rules.account_words.search(context) and total >= 8
            or rules.id_words.search(context)) and not _public_number(view, group, chunks, context, rules)):
        return [_with_plus(view, group.start(), group.end())]
    glued = group.start() > 0 and view[group.start() - 1].isascii() and view[group.start() - 1].isalpha()
    spans, i = [], 0
    while i < len(chunks):
        end = _longest_secret_from(chunks, i, glued and i == 0)
        if end is None:
            i += 1
            continue
        spans.append(_with_plus(view, chunks[i][1], chunks[end][2]))
        i = end + 1
    if total > _ID_LENGTH:
        spans += _glued_ids(chunks)
    return spans


def _public_number(view: str, group: re.Match, chunks: list, context: str, rules: _Rules) -> bool:
    """Whether a number after a telephone, account or ID word is none of those: a quantity (a unit
    follows), a reference (a reference word comes right before) or a service number (400/800…).
    Its shape alone may still make it one (a mobile or ID number, a card)."""
    digits = "".join(c for c, _, _ in chunks)
    return bool(rules.quantity.match(view, group.end()) or rules.reference.search(context)
                or len(digits) == 10 and digits[:3] in ("400", "800"))


def _glued_ids(chunks: list) -> list[tuple[int, int]]:
    """ID numbers glued inside a longer run of digits (NO.2024420102198506123458): every window of
    18 characters with a province code, the birth date of a person at least _ADULT_YEARS old and
    the right check character."""
    digits = "".join(c for c, _, _ in chunks)
    where = [start + k for c, start, _ in chunks for k in range(len(c))]
    latest = str(date.today().year - _ADULT_YEARS)
    spans = []
    for i in range(len(digits) - _ID_LENGTH + 1):
        window = digits[i:i + _ID_LENGTH]
        if (window[:2] in _PROVINCES and window[:17].isdigit() and "1900" <= window[6:10] <= latest
                and birth_date_ok(window[6:14]) and id_check_char(window[:17]).lower() == window[17]):
            spans.append((where[i], where[i + _ID_LENGTH - 1] + 1))
    return spans


def _longest_secret_from(chunks: list, first: int, glued: bool) -> int | None:
    """The last chunk of the longest secret number that starts at chunk `first`, if any."""
    digits, found = "", None
    for last in range(first, len(chunks)):
        digits += chunks[last][0]
        if len(digits) > _LONGEST:
            break
        if _is_secret_number(digits, glued):
            found = last
    return found


def _is_secret_number(digits: str, glued_to_letters: bool) -> bool:
    if "x" in digits[:-1]:
        return False
    if digits.endswith("x"):
        return len(digits) == 18 and birth_date_ok(digits[6:14])
    if len(digits) == 18 and birth_date_ok(digits[6:14]) or len(digits) == 15 and birth_date_ok("19" + digits[6:12]):
        return True
    for prefix in ("0086", "86", ""):
        rest = digits[len(prefix):] if digits.startswith(prefix) else None
        if rest and (_MOBILE.fullmatch(rest) or (_INTL_LANDLINE if prefix else _LANDLINE).fullmatch(rest)):
            return True
    # Identifiers such as licence numbers (JY14201…) put letters right before their digits, and a
    # valid 15-digit registration number is a public code; neither is a card (15-digit cards are 34/37…).
    if len(digits) == 15 and regno_check_char(digits[:14]) == digits[14] and digits[:2] not in ("34", "37"):
        return False
    return 13 <= len(digits) <= 19 and not glued_to_letters and is_luhn_valid(digits)


def _clause_before(view: str, start: int, rules: _Rules, reach: int = 24) -> str:
    """The text before a number (the view is normalized already), back to the start of its clause
    (at most `reach` characters), without spaces: 电 话 is still a telephone word. A number that
    starts its clause after a comma and a person's title (联系电话：张女士，87654321) belongs to the
    clause before too."""
    window = view[max(0, start - reach):start]
    cut = max(map(window.rfind, rules.clause_end))
    if cut >= 0 and window[cut] in "，," and not window[cut + 1:].strip(" :：") and rules.titled.search(window, 0, cut):
        cut = max(window.rfind(end, 0, cut) for end in rules.clause_end)
    return "".join(window[cut + 1:].split())


def _with_plus(view: str, start: int, end: int) -> tuple[int, int]:
    """A span that takes a leading + (as in +86), or the ( of an area code in brackets, with it."""
    before = view[start - 1] if start > 0 else ""
    return (start - 1, end) if before == "+" or before == "(" and ")" in view[start:end] else (start, end)


# -- names -----------------------------------------------------------------------------------------

def _mask_names(text: str, names: list[str], catalog: Catalog) -> str:
    """Each name, and its given name alone when that has two or more characters, masked wherever it
    occurs in the text's normalized form — through spaces, zero-width characters, full-width and
    traditional spellings."""
    view, owner = folded(text, keep_spaces=False)
    spans, masks = [], {}
    for name in sorted(names, key=len, reverse=True):
        keep = _surname_length(name, catalog)
        patterns = [(name, keep)] + ([(name[keep:], 0)] if len(name) - keep >= 2 else [])
        for pattern, kept in patterns:
            if pattern not in view:   # the common case, without a regex
                continue
            for m in re.finditer(re.escape(pattern), view):
                spans.append(m.span())
                masks[m.span()] = (kept, len(pattern))
    return _replace(text, owner, spans, lambda s, e: _name_mask(text, owner, masks, s, e))


def _name_mask(text: str, owner, masks: dict, start: int, end: int) -> str:
    kept, length = masks.get((start, end), (0, end - start))
    surname = "".join(text[_orig(owner, i)] for i in range(start, start + kept))
    return surname + "*" * (length - kept)


# -- applying spans --------------------------------------------------------------------------------

def _orig(owner: list[int] | None, i: int) -> int:
    return i if owner is None else owner[i]


def _replace(text: str, owner: list[int] | None, spans: list[tuple[int, int]], mask) -> str:
    """Replace view spans (merged where they overlap) in the original text, mapping positions back."""
    if not spans:
        return text
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, last = [], 0
    for start, end in merged:
        if end <= start:
            continue
        lo, hi = _orig(owner, start), _orig(owner, end - 1) + 1
        out.append(text[last:lo])
        out.append(mask(start, end))
        last = hi
    out.append(text[last:])
    return "".join(out)
