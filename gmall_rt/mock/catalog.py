"""Value distributions of the app's mock data, in the spirit of the classic gmall mocker."""

from decimal import Decimal

APP_ID = "gmall2020"
AREAS = ["beijing", "shanghai", "guangdong", "hebei", "heilongjiang", "shandong", "shanxi", "sichuan",
         "zhejiang", "jiangsu"]
CHANNELS = ["xiaomi", "huawei", "oppo", "vivo", "appstore", "wandoujia", "360", "tencent", "baidu", "website"]
OPERATING_SYSTEMS = [("android", 8), ("ios", 2)]
VERSIONS = ["1.1.0", "1.1.1", "1.1.2", "1.2.0"]
# evid weights: browsing dominates, coupon claims are rare
EVENT_WEIGHTS = [("clickItem", 50), ("addCart", 10), ("addFavor", 8), ("addComment", 5), ("coupon", 5)]
PAGES = 50
ITEMS = 50

SKUS = [
    (1, "小米手机 Redmi Note 8 Pro 6GB+128GB 冰翡翠", Decimal("1399.00")),
    (2, "小米手机 Redmi K30 8GB+256GB 紫玉幻境", Decimal("2199.00")),
    (3, "华为 HUAWEI P40 5G 8GB+128GB 亮黑色", Decimal("4188.00")),
    (4, "Apple iPhone 11 (A2223) 128GB 黑色", Decimal("5499.00")),
    (5, "TCL 55A950C 55英寸 4K 超清电视", Decimal("3199.00")),
    (6, "小米电视 4A 32英寸 高清智能网络液晶平板电视", Decimal("999.00")),
    (7, "十月稻田 长粒香大米 东北大米 5kg", Decimal("59.90")),
    (8, "金龙鱼 东北大米 蟹稻共生 盘锦大米 5KG", Decimal("44.90")),
    (9, "CAREMiLLE 珂曼奶油小方口红 雾面滋润保湿 M01醉蔷薇", Decimal("69.00")),
    (10, "索芙特i-Softto 口红 不掉色唇膏 \"持久\" 保湿 #03", Decimal("39.90")),
    (11, "联想 ThinkPad X1 Carbon 14英寸 笔记本电脑", Decimal("9999.00")),
    (12, "Dell 戴尔 XPS 13 笔记本电脑 100% sRGB", Decimal("8999.00")),
    (13, "O'Neill 男士 户外 冲锋衣 (M)", Decimal("699.00")),
    (14, "安踏 跑步鞋 男 轻便 * 透气 运动鞋", Decimal("259.00")),
    (15, "Kindle Paperwhite 电子书阅读器 8GB", Decimal("998.00")),
]

ORDER_STATUS_UNPAID, ORDER_STATUS_PAID, ORDER_STATUS_CANCELLED, ORDER_STATUS_FINISHED = "1001", "1002", "1003", "1004"
PAYMENT_WAYS = ["1101", "1102", "1103"]
CONSIGNEE_SURNAMES = ["张", "王", "李", "赵", "刘", "陈", "杨", "黄"]
CONSIGNEE_NAMES = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军"]
PROVINCES = 34
USER_LEVELS = ["1", "2", "3", "4", "5"]
