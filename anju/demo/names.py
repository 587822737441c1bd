"""Word lists for the synthetic L District: names of people, places and companies.

Everything here is plain data; `district.py` draws from it with a seeded generator.
Place names are modelled on Changzhi City (长治市), Shanxi, but the district itself is
the fictional "L区"."""


def words(text: str) -> list[str]:
    return text.split()


CITY = "长治市"
DISTRICT = "L区"
PROVINCE = "山西省"
PHONE_AREA = "0355"

AUTHORITY = ("LHSC", "长治市L区住房保障中心")

# 街道办事处: 4–6 of these are drawn.
STREETS = words("东街 西街 英雄南路 英雄中路 紫金 太行东街 太行西街 延安南路 常青 长北")

# 社区居委会: drawn without replacement, 2–4 per street.
COMMUNITIES = words(
    """
府后 城隍庙 大北街 南石槽 北石槽 五一路 八一路 解放东街 府坡 东关 西关 南关 北关 华丰
淮海 长兴 紫坊 故驿 东旺 西旺 马厂 关村 五马 南垂 漳泽 光明 建设 和平 新华 友谊 桃园
金威 丽景 英雄台
"""
)

OPERATORS = [
    "长治市安居住房运营管理有限公司",
    "长治市城发住房租赁有限公司",
    "山西上党保障性住房运营有限公司",
    "长治市潞安住房服务有限公司",
    "长治市惠居资产运营有限公司",
]

PROPERTY_COMPANIES = [
    "长治市宜居物业服务有限公司",
    "山西太行物业管理有限公司",
    "长治市惠民物业服务有限公司",
    "长治市康泰物业管理有限公司",
    "山西漳泽物业服务有限公司",
]

# Partner agencies (协查部门): (code, name). The codes are stable, so other parts of
# the system (verification requests) can address an agency by code.
# (code, name, what it verifies: anju.core.models.AgencyFunction, or "" for none yet)
AGENCIES = [
    ("AG-MZ", "长治市L区民政局", "civil_affairs"),
    ("AG-GA", "长治市公安局L区分局", "public_security"),
    ("AG-BDC", "长治市不动产登记中心L区分中心", "real_estate"),
    ("AG-SJ", "长治市L区市场监督管理局", "market_regulation"),
    ("AG-RS", "长治市L区人力资源和社会保障局(社保)", "social_insurance"),
    ("AG-GJJ", "长治市住房公积金管理中心L区管理部", "provident_fund"),
    ("AG-SW", "国家税务总局长治市L区税务局", ""),
    ("AG-CG", "长治市公安局交通警察支队车辆管理所", "vehicle_registry"),
]

ROADS = words(
    """
英雄中路 英雄南路 英雄北路 太行东街 太行西街 延安南路 延安中路 紫金东街 紫金西街 城东路
城南路 府后西街 东大街 西大街 解放东街 解放西街 八一路 五一路 长兴北路 长兴南路 漳泽路
捉马东大街 淮海东街 保宁门东街
"""
)

ESTATE_PREFIXES = words(
    """
康居 安泰 和谐 福馨 幸福 惠民 温馨 安居 宜居 阳光 同心 长兴 太行 漳泽 上党 紫金 英雄 锦绣
祥和 瑞安 康乐 民安 嘉禾 丰泽 怡和 百合 桂园 润泽 兴业 欣悦 广厦 惠泽 保宁 潞安 泰和 安康
"""
)
ESTATE_SUFFIXES = words("苑 小区 家园 花园 新村 公寓 佳园 雅居")
PHASES = ["", "二期", "三期", "四期", "五期", "六期", "七期", "八期", "九期"]

ACCESSIBILITY_NOTES = [
    "无障碍坡道、卫生间扶手",
    "入户无台阶、门宽90厘米",
    "无障碍坡道、紧急呼叫按钮",
    "卫生间扶手、低位开关",
]

# Surnames with rough weights (per mille), leaning to those common in southeast Shanxi.
SURNAMES = {
    name: int(weight)
    for name, weight in (
        item.split(":")
        for item in words(
            """
王:75 李:70 张:64 刘:52 赵:36 郭:30 杨:30 陈:24 牛:14 申:14 秦:13 崔:13 郝:13 武:14 贾:13
高:16 孙:14 马:14 胡:11 朱:10 周:12 吴:10 徐:9 黄:9 常:10 宋:10 韩:10 梁:9 冯:9 董:9 程:7
曹:7 任:8 田:7 石:7 魏:7 闫:9 薛:7 史:7 侯:7 苗:6 段:7 吕:5 范:5 许:5 栗:5 霍:4 樊:4 原:3
连:3 暴:2 路:4 裴:3 卫:3 靳:3 尚:3 司马:1
"""
        )
    )
}

# Given names by sex and generation: 0 born before 1965, 1 in 1965–1989, 2 from 1990.
GIVEN_NAMES = {
    ("M", 0): words(
        """
建国 建军 建华 国强 国庆 志刚 保国 振华 德胜 富贵 满仓 金生 永福 长生 双喜 文斌 树林 有才
全福 海 明 军 刚 平 林 忠 胜利 红旗 卫东 铁柱
"""
    ),
    ("F", 0): words(
        """
秀英 桂兰 玉兰 秀兰 凤英 桂英 淑珍 秀珍 玉梅 翠花 金花 秀梅 爱莲 素芳 巧云 兰英 春花 改花
二女 英 兰 芳 霞 萍 红
"""
    ),
    ("M", 1): words(
        """
伟 强 磊 勇 杰 涛 斌 超 鹏 辉 波 宁 亮 志伟 海涛 建平 晓东 晓军 国栋 俊杰 文杰 永刚 红伟
利军 鹏飞 小军 卫国 云峰 建伟 晋军
"""
    ),
    ("F", 1): words(
        """
丽 娟 敏 静 燕 艳 霞 芳 红梅 丽娜 晓燕 海燕 丽华 春燕 雪梅 晓红 秀丽 慧 琳 俊芳 丽萍 翠萍
晓丽 瑞芳 晋芳 小红 爱萍 彩霞
"""
    ),
    ("M", 2): words(
        """
浩然 子轩 宇航 梓豪 博文 一鸣 思远 浩宇 子豪 宇轩 皓轩 文博 天佑 明轩 晨阳 睿 昊 宸 泽宇
嘉懿 俊熙 铭泽 佳豪 鑫 帅 凯 旭 锦程
"""
    ),
    ("F", 2): words(
        """
欣怡 梓涵 诗涵 雨桐 子萱 可馨 思琪 佳怡 一诺 若曦 雨萱 梦瑶 语嫣 欣妍 静怡 悦 琪 萱 婷 雪
佳琪 梦琪 诗雨 紫涵 心怡 晓萌
"""
    ),
}

# Resident ID area codes of Changzhi City. stdnum checks that a code was in use in the
# holder's birth year, so the builder filters these by year; "140400" (the city as a
# whole) is valid in every year and is the fallback.
LOCAL_AREA_CODES = ["140402", "140403", "140411", "140400"]
COUNTY_AREA_CODES = {
    "140404": "上党区",
    "140405": "屯留区",
    "140406": "潞城区",
    "140421": "长治县",
    "140423": "襄垣县",
    "140424": "屯留县",
    "140425": "平顺县",
    "140426": "黎城县",
    "140427": "壶关县",
    "140428": "长子县",
    "140429": "武乡县",
    "140430": "沁县",
    "140431": "沁源县",
    "140481": "潞城市",
    "140400": "郊区",
}
# Towns of the counties, for the hukou of members registered outside the district.
TOWNS = {
    "上党区": words("韩店镇 苏店镇 荫城镇 西火镇"),
    "屯留区": words("麟绛镇 上村镇 渔泽镇 张店镇"),
    "潞城区": words("成家川街道 店上镇 微子镇 黄牛蹄乡"),
    "长治县": words("韩店镇 苏店镇 荫城镇 八义镇"),
    "襄垣县": words("古韩镇 王桥镇 侯堡镇 夏店镇"),
    "屯留县": words("麟绛镇 余吾镇 吾元镇 丰宜镇"),
    "平顺县": words("青羊镇 龙溪镇 石城镇 苗庄镇"),
    "黎城县": words("黎侯镇 东阳关镇 上遥镇 西井镇"),
    "壶关县": words("龙泉镇 百尺镇 店上镇 晋庄镇"),
    "长子县": words("丹朱镇 鲍店镇 石哲镇 大堡头镇"),
    "武乡县": words("丰州镇 洪水镇 蟠龙镇 故城镇"),
    "沁县": words("定昌镇 郭村镇 故县镇 新店镇"),
    "沁源县": words("沁河镇 郭道镇 灵空山镇 王和镇"),
    "潞城市": words("潞华街道 店上镇 微子镇 辛安泉镇"),
    "郊区": words("堠北庄镇 老顶山镇 黄碾镇 马厂镇"),
}
VILLAGES = words("东村 西村 南庄 北庄 前进村 红星村 王家庄 李家庄 张家沟 后河村")

EMPLOYERS = {
    "low_income": [
        "灵活就业",
        "L区环卫所",
        "社区公益性岗位",
        "个体(摆摊)",
        "家政服务",
        "无固定工作",
        "小区保洁",
    ],
    "lower_middle": [
        "长治市美特好超市",
        "L区东大街商贸有限公司",
        "长治市公共交通有限公司",
        "长治市第二人民医院(护工)",
        "长治市瑞丰物流有限公司",
        "长治市天脊餐饮管理有限公司",
        "L区英雄台商场",
        "长治市顺通出租汽车有限公司",
        "长治市华润万家超市",
    ],
    "new_employee": [
        "长治医学院附属和平医院",
        "长治学院",
        "潞安化工集团有限公司",
        "长治市高新区科技有限公司",
        "山西太行数据科技有限公司",
        "长治市第一中学",
        "中国银行长治分行",
        "长治市人民医院",
        "L区实验小学",
        "长治市城市建设投资有限公司",
        "山西漳泽电力股份有限公司",
        "长治市云海信息技术有限公司",
    ],
    "migrant_worker": [
        "长治市建工集团有限公司",
        "山西二建集团长治项目部",
        "长治市顺达快递服务有限公司",
        "长治市恒通建筑劳务有限公司",
        "长治市鑫源装饰工程有限公司",
        "外卖配送(美团)",
        "长治市钢铁集团有限公司",
        "长治市振兴机械厂",
        "长治市宏达物流有限公司",
    ],
    "special": ["无", "社区公益性岗位"],
}

SPECIAL_CARE = ["退役军人", "重病", "独居老人", "残疾人", "优抚对象", "失独家庭"]

# Full names of the demo staff log-ins, by username.
DEMO_STAFF_NAMES = {
    "officer": "李卫东",
    "street": "张丽华",
    "community": "赵红梅",
    "operator": "刘志强",
    "property": "郭海涛",
    "propmgr": "马建国",
    "agency": "陈淑芬",
    "auditor": "杨文斌",
    "sysadmin": "孙伟",
    "secadmin": "周敏",
}

# Mobile prefixes of China Mobile, Unicom and Telecom.
MOBILE_PREFIXES = words(
    """
130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 180 181 182 183
185 186 187 188 189 191 193 195 198 199
"""
)
