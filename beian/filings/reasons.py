"""Field labels for rejection entries and the library of common rejection reasons."""

from __future__ import annotations

# Chinese label (key_name) of the fields reviewers most often reject; others show their path.
FIELD_LABELS: dict[str, str] = {
    "icp_subject.base_info.name": "主办单位名称",
    "icp_subject.base_info.address": "通信地址",
    "icp_subject.organize_info.certificate_photo": "主体证件照片",
    "icp_subject.organize_info.certificate_number": "主体证件号码",
    "icp_subject.organize_info.certificate_address": "证件住所",
    "icp_subject.principal_info": "主体负责人信息",
    "icp_subject.principal_info.certificate_photo_front": "主体负责人证件正面",
    "icp_subject.principal_info.certificate_photo_back": "主体负责人证件反面",
    "icp_subject.principal_info.authorization_letter": "主体负责人授权书",
    "icp_subject.principal_info.emergency_contact": "主体负责人应急联系电话",
    "icp_subject.legal_person_info": "法定代表人信息",
    "icp_applets.base_info.name": "小程序名称",
    "icp_applets.base_info.comment": "小程序备注",
    "icp_applets.base_info.service_content_types": "服务内容类型",
    "icp_applets.base_info.nrlx_details": "前置审批项",
    "icp_applets.principal_info": "小程序负责人信息",
    "icp_applets.principal_info.verify_task_id": "小程序负责人人脸核身",
    "icp_materials": "补充材料",
}

# A reviewer picks one and may edit its text (SPEC §5).
REASON_LIBRARY: list[dict[str, str]] = [
    {
        "field": "icp_subject.organize_info.certificate_photo",
        "error": "主体证件照片不清晰或不完整",
        "suggest": "请上传证件原件的彩色扫描件或照片，四角完整、文字清晰可辨",
    },
    {
        "field": "icp_subject.base_info.address",
        "error": "通信地址不详细",
        "suggest": "请填写到门牌号，例如“XX路XX号XX室”，无需重复省市区",
    },
    {
        "field": "icp_applets.base_info.comment",
        "error": "小程序备注未说明实际提供的服务",
        "suggest": "请用20至200字写明小程序的具体功能和服务对象",
    },
    {
        "field": "icp_applets.base_info.nrlx_details",
        "error": "涉及前置审批的服务缺少审批文件",
        "suggest": "请上传与服务内容对应的前置审批文件并填写审批号",
    },
    {
        "field": "icp_applets.base_info.name",
        "error": "小程序名称不符合命名规范",
        "suggest": "个人主体的小程序名称不得包含企业、官方或行业字样，请修改后重新提交",
    },
    {
        "field": "icp_applets.principal_info",
        "error": "电话核验未能联系到小程序负责人",
        "suggest": "请确认手机号码正确并保持畅通，审核人员将再次致电",
    },
    {
        "field": "icp_subject.principal_info.authorization_letter",
        "error": "负责人非法定代表人，授权书缺失或未盖章",
        "suggest": "请上传加盖公章并由法定代表人签字的授权书",
    },
]


def label(field: str) -> str:
    """The Chinese label of a field path (the nearest labelled ancestor), or the path."""
    path = field
    while path:
        if path in FIELD_LABELS:
            return FIELD_LABELS[path]
        path = path.rpartition(".")[0]
    return field
