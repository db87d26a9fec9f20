"""The tag table, document types and enumerations against the research facts."""

from __future__ import annotations

import re

import pytest

from kkt_drivers.ffd import tags as t
from kkt_drivers.ffd.values import ValueType

# Every tag named in ffd_fn.md §1.4 (table rows, ranges, children lists and the counter paragraph).
SECTION_1_4 = {
    1000, 1001, 1002, 1005, 1008, 1009, 1012, 1013, 1016, 1017, 1018, 1020, 1021, 1022, 1023, 1026, 1030,
    1031, 1036, 1037, 1038, 1040, 1041, 1042, 1043, 1044, 1046, 1048, 1050, 1051, 1052, 1053, 1054, 1055,
    1056, 1057, 1059, 1060, 1062, 1068, 1073, 1074, 1075, 1077, 1078, 1079, 1081, 1084, 1085, 1086, 1097,
    1098, 1101, 1102, 1103, 1104, 1105, 1106, 1107, 1108, 1109, 1110, 1111, 1116, 1117, 1118, 1126, 1129,
    1130, 1131, 1132, 1133, 1134, 1135, 1136, 1138, 1139, 1140, 1141, 1142, 1143, 1144, 1145, 1146, 1157,
    1158, 1162, 1163, 1171, 1173, 1174, 1177, 1178, 1179, 1183, 1187, 1188, 1189, 1190, 1191, 1192, 1193,
    1194, 1196, 1197, 1198, 1199, 1200, 1201, 1203, 1205, 1206, 1207, 1208, 1209, 1212, 1213, 1214, 1215,
    1216, 1217, 1218, 1219, 1220, 1221, 1222, 1223, 1224, 1225, 1226, 1227, 1228, 1229, 1230, 1231, 1232,
    1233, 1243, 1244, 1245, 1246, 1254, 1256, 1260, 1261, 1262, 1263, 1264, 1265, 1270, 1271, 1272, 1273,
    1290, 1291, 1292, 1293, 1294, *range(1300, 1310), *range(1320, 1326), 2000, 2104, 2106, 2107, 2108,
    2115, 2116,
}

# JSON names the research gives explicitly (§1.4 JSON column) — a sample across the table.
RESEARCH_JSON = {
    1008: "buyerPhoneOrAddress", 1012: "dateTime", 1017: "ofdInn", 1018: "userInn", 1020: "totalSum",
    1023: "quantity", 1037: "kktRegId", 1041: "fiscalDriveNumber", 1042: "requestNumber", 1054: "operationType",
    1055: "taxationType", 1059: "items", 1062: "taxationType", 1068: "messageToFn", 1077: "fiscalSign",
    1084: "properties", 1101: "correctionReasonCode", 1102: "nds18", 1162: "productCode", 1174: "correctionBase",
    1205: "correctionKktReasonCode", 1209: "fiscalDocumentFormatVer", 1213: "fnKeyResource", 1214: "paymentType",
    1290: "usageConditionSigns",
    # 2108: the research said "measure"; RUSTT and a real FNS JSON receipt of 2026 (search-index file
    # 70208999133: "itemsQuantityMeasure": 0) say otherwise
    2108: "itemsQuantityMeasure",
}

# §1.2: tags Shtrih marks fixed-length (1245 deliberately excluded — its length is unverified, gap 10).
FIXED_STRINGS = {1016, 1017, 1018, 1037, 1041, 1203, 1226, 1228, 1230, 1243, 1244, 1263, 1301, 1302, 1303,
                 1307, 1308, 1309, 2115}


def test_table_covers_section_1_4() -> None:
    assert SECTION_1_4 <= set(t.TAGS)
    assert len(t.TAGS) >= 150


@pytest.mark.parametrize(("tag", "name"), sorted(RESEARCH_JSON.items()))
def test_research_json_names(tag: int, name: str) -> None:
    info = t.TAGS[tag]
    assert info.json_name == name
    assert not info.json_name_inferred


def test_inferred_names_are_marked() -> None:
    assert t.TAGS[1074].json_name_inferred
    assert t.TAGS[1000].json_name_inferred


#: Names the FNS JSON gives to two tags that never meet in one object: 1055/1062 (receipt / registration), the
#: counters named as the receipt sums they add up (1201 = 1020, 1218–1220 = 1215–1217, inside 1129…), 1120
#: (inside 1119) = 1200 (inside 1059), 1273 (inside 1270) = 1012, and in FFD 1.05 1134 (in 1157) = 1135 (in
#: 1129…) — sources in protocol-notes/ffd/vat-2026.md §2 and RUSTT.
SHARED_NAMES = [{1055, 1062}, {1020, 1201}, {1215, 1218}, {1216, 1219}, {1217, 1220}, {1120, 1200}, {1134, 1135},
                {1012, 1273}]


def test_json_names_are_camel_case_and_unique() -> None:
    for ffd in ("1.05", "1.2"):
        seen: dict[str, int] = {}
        for info in t.TAGS.values():
            name = info.json_name_in(ffd)
            assert re.fullmatch(r"[a-z][A-Za-z0-9]*", name), info
            if name in seen:
                assert {seen[name], info.tag} in SHARED_NAMES, (ffd, name, seen[name], info.tag)
            seen[name] = info.tag


def test_version_dependent_json_names() -> None:
    assert (t.TAGS[1134].json_name_in("1.05"), t.TAGS[1134].json_name_in("1.2")) == (
        "receiptCount", "totalReceiptBsoCount")
    assert (t.TAGS[1106].json_name_in("1.05"), t.TAGS[1106].json_name_in("1.2")) == ("ndsCalculated18", "nds18118")
    assert t.TAGS[1129].json_name_in("1.05") == t.TAGS[1129].json_name_in("1.2") == "sellOper"


def test_fixed_length_strings() -> None:
    for tag in FIXED_STRINGS:
        assert t.TAGS[tag].fixed_len and t.TAGS[tag].type is ValueType.STRING, tag
    fixed_strings = {i.tag for i in t.TAGS.values() if i.fixed_len and i.type is ValueType.STRING}
    assert fixed_strings == FIXED_STRINGS
    assert t.TAGS[1037].max_len == 20
    assert t.TAGS[1041].max_len == 16


@pytest.mark.parametrize(
    ("tag", "vtype", "max_len"),
    [
        (1012, ValueType.UNIXTIME, 4), (1020, ValueType.VLN, 6), (1023, ValueType.FVLN, 8),
        (1040, ValueType.UINT32, 4), (1059, ValueType.STLV, 1024), (1077, ValueType.BYTES, 6),
        (1136, ValueType.VLN, 8), (1213, ValueType.UINT16, 2), (1290, ValueType.UINT32, 4),
        (1174, ValueType.STLV, 292), (1030, ValueType.STRING, 128), (1162, ValueType.BYTES, 32),
    ],
)
def test_types_and_limits(tag: int, vtype: ValueType, max_len: int) -> None:
    assert t.TAGS[tag].type is vtype
    assert t.TAGS[tag].max_len == max_len


def test_fixed_width_types_have_their_width() -> None:
    widths = {ValueType.BYTE: 1, ValueType.UINT16: 2, ValueType.UINT32: 4, ValueType.UNIXTIME: 4}
    for info in t.TAGS.values():
        if info.type in widths:
            assert info.fixed_len and info.max_len == widths[info.type], info


def test_fn_formed_flags() -> None:
    for tag in (1012, 1018, 1020, 1037, 1040, 1041, 1054, 1077, 1209):
        assert t.TAGS[tag].formed_by_fn
        assert t.TAGS[tag].formed_by_fn_in == {"1.1", "1.2"}
    assert t.TAGS[1109].formed_by_fn_in == {"1.1"}
    assert t.TAGS[1290].formed_by_fn_in == {"1.2"}
    for tag in (1008, 1021, 1023, 1030, 1059, 1055, 1057):
        assert not t.TAGS[tag].formed_by_fn
    assert {2106, 1290, 2116, 2104} <= t.FN_FORMED_FFD12
    assert 1221 in t.FN_FORMED_FFD11 and 1221 not in t.FN_FORMED_FFD12


def test_versions() -> None:
    assert t.TAGS[1101].ffd_versions == {"1.05"}
    assert t.TAGS[1205].ffd_versions == {"1.2"}
    assert t.TAGS[1162].ffd_versions == {"1.05"} and t.TAGS[1163].ffd_versions == {"1.2"}
    assert t.TAGS[2108].ffd_versions == {"1.2"}
    assert t.TAGS[1020].ffd_versions == {"1.05", "1.2"}
    for info in t.TAGS.values():
        assert info.ffd_versions and info.ffd_versions <= t.FFD_VERSIONS


def test_multi_tags() -> None:
    assert {i.tag for i in t.TAGS.values() if i.multi} == {1059, 1101, 1073, 1074, 1075, 1119, 1171, 1260, 1261,
                                                           2107}


def test_lookup_helpers() -> None:
    assert t.tag_info(1059) is t.TAGS[1059]
    assert t.tag_info(3) is not None and t.tag_info(3).json_name == "receipt"  # type: ignore[union-attr]
    assert t.tag_info(1058) is None
    unknown = t.info_for(1058)
    assert not unknown.known and unknown.type is ValueType.BYTES and unknown.json_name == "1058"


DOCS = [
    (1, "fiscalReport", 658, 6144), (11, "fiscalReportCorrection", 658, 6144), (2, "openShift", 440, 4096),
    (21, "currentStateReport", 32768, 32768), (3, "receipt", 32768, 32768), (31, "receiptCorrection", 32768, 32768),
    (4, "bso", 32768, 32768), (41, "bsoCorrection", 32768, 32768), (5, "closeShift", 441, 4096),
    (6, "closeArchive", 432, 4096), (7, "operatorAck", 512, 512),
]


@pytest.mark.parametrize(("code", "json_name", "max105", "max12"), DOCS)
def test_document_types(code: int, json_name: str, max105: int, max12: int) -> None:
    doc = t.DocumentType(code)
    assert doc.stlv_tag == code
    assert doc.json_name == json_name
    assert doc.max_size("1.05") == max105
    assert doc.max_size("1.2") == max12


def test_document_type_names() -> None:
    assert t.DocumentType.RECEIPT.value == 3
    assert t.DocumentType.REREGISTRATION.value == 11
    assert t.DocumentType.CORRECTION_RECEIPT.value == 31
    assert t.DocumentType.OPERATOR_CONFIRMATION.value == 7
    assert t.DocumentType.MARKING_REQUEST.info.json_name_inferred
    assert t.document_type(99) is None


def test_enumerations() -> None:
    assert [m.value for m in t.OperationType] == [1, 2, 3, 4]
    assert t.OperationType.INCOME_RETURN.value == 2
    assert t.TaxationSystem(6) == t.TaxationSystem.USN_INCOME | t.TaxationSystem.USN_INCOME_MINUS_EXPENSE
    assert t.TaxationSystem.PSN.value == 0x20
    assert (t.VatRate.VAT_20.value, t.VatRate.NO_VAT.value, t.VatRate.VAT_7_107.value) == (1, 6, 10)
    assert t.PaymentMethod.FULL_PAYMENT.value == 4 and len(t.PaymentMethod) == 7
    assert t.PaymentSubject(12) is t.PaymentSubject.PAYOUT is t.PaymentSubject.COMPOSITE  # type: ignore[comparison-overlap]
    assert t.PaymentSubject.MARKED_WITH_CODE == 33
    assert t.CorrectionType.BY_ORDER == 1
    assert [v.label for v in t.FfdVersion] == ["1.0", "1.05", "1.1", "1.2"]
    assert t.FfdVersion.from_label("1.2") is t.FfdVersion.V1_2
    with pytest.raises(ValueError):
        t.FfdVersion.from_label("2.0")
    assert t.ReregistrationReason.FN_REPLACEMENT == 1 and t.ReregistrationReason.KKT_SETTINGS_CHANGE == 4
    assert t.kkt_change_reason_bits(0b1001) == (0, 3)
    with pytest.raises(ValueError):
        t.kkt_change_reason_bits(-1)
    assert t.AgentType.OTHER_AGENT == 0x40
    assert t.UsageConditions.WHOLESALE == 1 << 16
    assert t.QuantityMeasure.KILOGRAM == 11
