"""Phrase banks for the generated training set: what sellers offer, and what they offer instead.

The classifier is trained only on text the project generates, so these
banks are its whole view of the trade. They are written from the domain
(the labelling conventions of the field: does the buyer receive personal
information about specific third persons?) and deliberately hold the hard
negatives: tutorials and tools that *mention* data, lookup-site source code,
SMS-interception devices, real-name accounts without identity material,
hacking services, fake documents, checkers. Each positive category has
Chinese and English product phrases; `{n}` placeholders are filled with
numbers by `intel.trainset`.
"""

from __future__ import annotations

# The data categories of issue 5 (slugs follow the labelling conventions of the field).
CATEGORIES: tuple[str, ...] = (
    "orders_logistics", "identity_docs", "contacts_phone", "finance_bank", "cards_cvv",
    "credentials_accounts", "education", "medical", "employment_resume", "travel_hotel",
    "gambling_leads", "telecom", "government_social", "lookup_service", "mixed_other",
)

POSITIVE_ZH: dict[str, list[str]] = {
    "orders_logistics": [
        "网购数据", "电商订单数据", "快递数据", "快递单号数据", "物流面单", "淘宝买家数据", "京东订单数据",
        "拼多多收货信息", "外卖订单", "快递收件人信息", "网购收货人资料", "唯品会会员订单", "母婴网购数据",
        "化妆品网购客户", "保健品买家数据", "代购客户资料", "电视购物客户", "美团订单数据", "顺丰快递信息",
        "中通面单", "圆通快递数据", "韵达物流单", "网购综合数据", "淘宝实时订单", "天猫买家信息", "电商平台客户",
        "微商客户数据", "快递实时单号", "购物网站用户收货地址", "海淘订单", "茶叶网购客户", "服装网购数据",
        "物流信息 姓名电话地址", "网购买家 姓名手机地址",
    ],
    "identity_docs": [
        "身份证正反面", "手持身份证照片", "身份证号姓名", "身份证四件套", "实名认证资料", "身份证照片",
        "人脸照片 身份证", "护照扫描件", "驾驶证信息", "身份证高清照片", "二要素数据", "三要素数据", "身份证正反面加手持",
        "实名身份信息", "身份证信息 姓名 号码", "证件照", "港澳通行证扫描件", "身份证复印件", "人脸识别照片 带身份证",
        "四件套 身份证 银行卡 手机卡 U盾", "全套身份资料", "台湾身份证资料", "身份证加手持视频", "实名资料 身份证",
        "公民身份信息", "一证一码 身份数据",
    ],
    "contacts_phone": [
        "手机号码", "精准手机号", "机主姓名号码", "通讯录", "QQ号数据", "微信号数据 带手机", "老板手机号",
        "高管通讯录", "内部通讯录", "客户名单 手机", "QQ群成员", "邮箱数据", "手机号段 带姓名", "企业名录 联系人",
        "企业法人手机号", "展会买家名录", "外贸客户邮箱", "B2B客户数据", "人脉资源数据", "手机号 姓名 地址",
        "个人手机号", "企业老板电话", "商家联系人名单", "微信好友数据", "qq邮箱数据", "手机通讯录备份",
        "行业客户名单", "总裁通讯录", "精准客户电话",
    ],
    "finance_bank": [
        "网贷数据", "贷款客户数据", "信用卡申请数据", "股民数据", "炒股客户", "期货客户", "理财客户",
        "银行客户资料", "P2P投资人", "借款人信息", "征信报告", "银行流水", "保险客户", "外汇客户", "银行四件套",
        "信用卡持卡人资料", "车贷客户", "房贷客户", "催收数据", "逾期客户名单", "小额贷款数据", "网贷实时数据",
        "大学生贷款数据", "学生网贷名单", "校园贷数据", "裸贷资料", "贷款注册用户", "证券开户客户", "银行VIP客户", "基金投资者", "现金贷用户", "借条平台数据", "网贷黑名单",
        "信用卡审批通过数据", "金卡客户信息", "贷款申请人资料", "股票开户数据", "数字货币交易所用户",
        "银行卡 预留手机 身份证", "支付宝实名 带身份证 送全套资料",
    ],
    "cards_cvv": [
        "CVV", "信用卡CVV", "卡料", "磁道数据", "二磁料", "全料", "带CVV信用卡", "美国卡料", "欧洲信用卡料",
        "带余额信用卡", "CVV 料", "信用卡全资料", "海外信用卡", "日本卡料", "带密码信用卡", "有效信用卡",
        "新鲜CVV", "Visa 万事达卡料", "银联卡 带CVV", "美卡 全料", "信用卡号 有效期 CVV",
    ],
    "credentials_accounts": [
        "邮箱账号密码", "账号密码", "明文密码", "撞库数据", "社工库数据", "QQ账号密码", "游戏账号库",
        "微博账号", "论坛用户数据库", "网站会员数据库", "拖库数据", "脱裤", "用户表 带密码", "苹果ID账号密码",
        "站点数据库 用户密码", "邮箱密码数据库", "游戏玩家账号数据", "网站用户数据 明文", "163邮箱账号",
        "gmail账号密码", "社工库 明文密码", "数据库 用户名密码手机", "论坛裤子", "会员账号 密码",
        "网站数据库 会员资料", "抖音账号 实名", "PayPal账号 批量",
    ],
    "education": [
        "学籍数据", "学生数据", "学生家长信息", "高考考生资料", "大学生数据", "毕业生信息", "中小学生数据",
        "培训机构学员名单", "考研学生资料", "留学生数据", "教师信息", "幼儿园家长数据", "初中生学籍", "高中生家长电话",
        "大学新生资料", "在校大学生名单", "考生信息 姓名 电话", "学员信息", "家长姓名 手机号 学生班级", "大学生身份信息",
        "艺考生数据",
    ],
    "medical": [
        "医院病人信息", "孕妇数据", "新生儿数据", "产妇信息", "体检客户信息", "患者信息", "医美客户", "整形客户",
        "药店会员", "病历数据", "不孕不育患者", "糖尿病患者资料", "宝妈数据", "医院就诊记录", "高血压患者",
        "母婴新生儿家长", "妇产医院数据", "月子中心客户", "住院病人名单",
    ],
    "employment_resume": [
        "简历数据", "求职者信息", "招聘网站简历", "智联简历", "前程无忧简历", "猎聘简历", "人才库数据",
        "员工信息", "社保缴纳员工名单", "求职简历 带电话", "工人信息", "应聘者资料", "员工花名册", "企业员工资料",
    ],
    "travel_hotel": [
        "酒店开房记录", "住宿登记数据", "航空旅客数据", "机票订单", "携程订单", "12306用户数据", "高铁出行数据",
        "旅游客户", "民宿订单", "航班旅客信息", "酒店入住数据", "开房数据", "旅行社客户", "如家酒店数据",
        "华住酒店会员", "出行记录", "机票旅客 姓名 身份证",
    ],
    "gambling_leads": [
        "博彩数据", "菠菜数据", "棋牌玩家数据", "彩票用户", "赌客资料", "时时彩会员", "网赌充值会员",
        "六合彩用户", "捕鱼玩家数据", "博彩会员 充值", "菠菜充值用户", "BC数据", "棋牌充值数据", "体育博彩客户",
        "赌博网站会员", "百家乐玩家", "彩票注册用户",
    ],
    "telecom": [
        "运营商数据", "移动用户数据", "联通客户资料", "电信宽带用户", "话费账单数据", "携号转网用户", "新开卡用户",
        "运营商实时数据", "移动机主资料", "宽带用户信息", "手机卡用户", "三网数据", "运营商 话费 套餐 客户",
    ],
    "government_social": [
        "户籍数据", "社保数据", "公积金数据", "公务员信息", "机关单位人员信息", "人口信息", "党员信息",
        "低保人员", "车管所数据", "驾驶人信息", "政府内网数据", "医保数据", "退休人员名单", "事业单位人员",
        "公安人口数据", "户籍资料", "全省户籍", "社保参保人员", "政务系统 公民数据",
    ],
    "lookup_service": [
        "查档", "开房查询", "手机定位", "户籍查询", "通话记录查询", "轨迹查询", "车辆查询", "人肉搜索",
        "身份证查询", "快递查询 查人", "银行卡查询", "全国查人", "婚姻查询", "名下资产查询", "定位服务",
        "查开房记录", "查户籍", "查通话详单", "实时定位", "微信查询 机主", "手机号查机主", "查身份证照片",
        "全国开房 查询", "社工查询", "征信查询", "手机号定位 精准", "查人找人", "个人信息查询",
        "查档渠道", "开房查询渠道", "定位渠道 一手", "户籍查询接口 出结果", "全国身份证照片查询", "同住人查询",
        "名下车辆查询", "出行记录查询", "微信实名反查", "支付宝实名查询",
    ],
    "mixed_other": [
        "业主资料", "车主数据", "会员数据", "客户资料", "小区业主信息", "装修客户", "美容院会员", "健身房会员",
        "婚恋网用户", "交友网站会员", "伴游网会员数据", "楼凤信息", "小姐信息", "购车意向客户", "房产客户",
        "买房客户资料", "楼盘业主", "汽车4S店客户", "社会调查用户资料", "游戏玩家信息", "直播平台用户",
        "APP注册用户数据", "平台用户资料", "各类数据", "综合数据", "精准数据", "社工数据", "公民个人信息",
        "个人信息", "一手数据",
    ],
}

POSITIVE_EN: dict[str, list[str]] = {
    "orders_logistics": [
        "e-commerce order database", "online shop customers with addresses", "Amazon buyers list",
        "delivery records with names and addresses", "shipping labels database", "eBay buyers leads",
        "Shopify customer dump", "online store orders leak", "logistics customer data", "retail customers database",
    ],
    "identity_docs": [
        "SSN DOB fullz", "passport scans", "driver license scans", "ID card scans", "selfie with ID",
        "KYC documents", "USA fullz with DL", "personal info", "personal information", "personal data", "fullz",
        "profiles with SSN", "full info + credit score", "dead fullz without CC",
        "credit profile with score 700+", "credit reports of real people", "fulls information for credit applications", "utility bill scans", "ID + selfie pack", "passport + selfie verification pack",
        "SSN + DOB", "fullz with background report", "real ID scans front and back", "UK fullz", "Canada fullz SIN",
        "scans of passports", "DL scan front back", "identity pack", "EU ID scans",
    ],
    "contacts_phone": [
        "phone number leads", "email list", "mailing list", "contact list", "CEO emails", "B2B leads",
        "SMS leads", "WhatsApp numbers database", "mobile numbers with names", "email leads USA",
        "verified email database", "business contacts database", "cell phone leads",
    ],
    "finance_bank": [
        "bank logins", "bank account with balance", "bank drops", "loan applicants leads", "credit report",
        "payday loan leads", "forex traders list", "investor leads", "bank statements", "bank log",
        "online banking access", "bank drop with login", "mortgage leads", "crypto exchange users database",
        "high balance bank accounts", "credit union logins",
        # Payment-service and brokerage logins are finance data too (listings-en/LABELING.md).
        "PayPal accounts", "PayPal logins", "PayPal accounts with balance", "Coinbase accounts", "Venmo logins",
        "Skrill accounts", "brokerage account logins", "crypto exchange accounts", "hacked bank accounts full access",
        "bank account with routing and account numbers", "checking account + all user info",
    ],
    "cards_cvv": [
        "CVV", "fresh CVV", "CC with CVV", "dumps track 1/2", "dumps with pin", "fullz with CC", "US cards",
        "EU CVV", "101 dumps", "201 dumps", "valid CC", "credit cards", "CC fullz", "high balance CVV",
        "track2 dumps", "Visa Mastercard CVV", "non VBV cards", "cards with billing address", "AMEX CVV",
        "AMEX VISA MC with DOB SSN", "CC + DOB + DL", "cards with SSN DOB MMN", "full info with CC",
        "CC fullz with DOB", "VISA MC DISC with DOB",
    ],
    "credentials_accounts": [
        "combo list", "email:pass combo", "Netflix accounts", "Spotify premium accounts",
        "hacked accounts", "database dump users", "leaked passwords", "Uber accounts", "eBay accounts",
        "Amazon accounts", "cracked accounts", "account logins", "Hulu premium accounts", "HBO GO accounts",
        "Fortnite accounts", "hacked email accounts",
        "user:pass database", "forum database leak", "SQL dump with hashes and emails", "Steam accounts",
        "Walmart accounts", "Instagram accounts hacked", "DirecTV accounts", "Minecraft premium accounts",
    ],
    "education": ["student records", "university students database", "parents of students leads", "student loan leads",
                  "school database students", "college applicants data"],
    "medical": ["patient records", "medical records", "health insurance members", "pharmacy customers",
                "hospital database", "Medicare leads"],
    "employment_resume": ["resumes database", "job seekers database", "CVs with contacts", "employee records",
                          "HR database employees"],
    "travel_hotel": ["hotel guest records", "airline passenger data", "travel bookings", "frequent flyer accounts",
                     "hotel reservations database"],
    "gambling_leads": ["casino players leads", "betting customers", "gambling leads", "sportsbook users",
                       "poker players database"],
    "telecom": ["carrier subscriber data", "telecom customer records", "SIM owner database", "mobile carrier customers"],
    "government_social": ["government employee database", "voter records", "social security numbers database",
                          "DMV records", "police database", "citizen registry", "FBI employees names and emails",
                          "federal agency staff dump", "military personnel list", "police officers database",
                          "government staff emails", "DHS employee list", "city hall employees database"],
    "lookup_service": ["SSN lookup", "background check service", "reverse phone lookup", "DOB lookup",
                       "credit report pull", "people search", "locate anyone", "phone tracking service",
                       "SSN + DOB lookup service", "dox anyone", "address lookup", "CR pull with SSN",
                       "SSN retrieval", "find SSN by name and address", "find DOB by name", "DOB search",
                       "SSN search by name", "UK DOB search", "MMN search", "any info on anyone"],
    "mixed_other": ["dating site users", "forum members database", "marketing leads", "customer database",
                    "leads", "database leak", "users data"],
}

# Not trafficking, even when data is named (tutorials, tools, drugs, software, services ...).
NEGATIVE_ZH: dict[str, list[str]] = {
    "tutorial": [
        "数据清洗教程", "社工教程", "开房查询教程", "暗网新手教程", "Tor配置教程", "比特币混币方法", "撞库教程",
        "信用卡套现教程", "网赚教程", "引流教程", "爬虫教程", "黑客入门教程", "社工库搭建教程", "查档方法教学",
        "渗透测试视频教程", "刷单赚钱方法", "项目教程 日赚", "洗钱方法", "手机定位原理教程", "免杀教程",
        "CVV使用教程", "支付宝套现教程", "网贷口子教程", "如何获取公民信息 教程",
    ],
    "tool": [
        "短信拦截设备", "伪基站", "GSM嗅探设备", "短信嗅探", "木马", "远控软件", "查询软件源码", "社工库源码",
        "爬虫软件", "群发软件", "采集软件", "扫号器", "撞库工具", "验证器", "手机号检测软件", "空号检测", "微信多开",
        "改机软件", "短信验证码接收平台", "接码平台", "虚拟定位软件", "手机监控软件", "窃听器", "GPS定位器",
        "嗅探器 可截验证码", "查询系统源码", "数据采集器", "改IP工具", "抢单软件", "引流软件", "短信轰炸机",
        "QQ群发器", "邮件群发系统", "开房查询网站源码", "CVV检测工具", "写卡器", "读卡器", "POS机",
        "侧录器", "卡站邀请码", "料站注册邀请码", "洗料渠道", "查询网址大全", "社工库网址合集", "CVV商城账号",
    ],
    "drugs": [
        "冰毒", "麻古", "K粉", "大麻", "叶子", "摇头丸", "迷药", "听话水", "催情药", "氯胺酮", "海洛因",
        "可卡因", "LSD邮票", "曲马多", "安眠药", "减肥药", "蓝精灵", "神仙水", "上头电子烟", "止咳水",
    ],
    "software": [
        "破解版软件", "激活码", "VPN账号 一年", "梯子", "翻墙工具", "Office激活", "系统镜像", "加速器",
        "游戏外挂", "辅助脚本", "安卓APP源码", "网站源码", "棋牌源码", "博彩源码", "小程序源码", "直播APP源码",
        "VyprVPN账号 保一年", "SS节点", "云服务器", "域名出售", "防红短链接",
    ],
    "hacking": [
        "渗透服务", "DDOS攻击", "入侵网站", "后台权限", "webshell", "网站漏洞", "提权漏洞", "SQL注入漏洞",
        "服务器权限", "黑客接单", "代拿shell", "0day漏洞", "网站挂马", "流量劫持", "APP逆向", "攻击服务 按小时",
        "数据库提权漏洞", "后台管理权限 出售",
    ],
    "money": [
        "洗钱", "跑分", "代收款", "承兑", "USDT兑换", "比特币回收", "换汇", "资金盘", "套现", "代付通道",
        "支付通道", "四方支付", "POS套现", "出金通道", "收U", "黑钱洗白", "信用卡代还",
    ],
    "accounts": [
        "微信号 老号", "支付宝实名号 不送资料", "实名手机卡", "代实名认证", "QQ靓号", "抖音号出售", "微信解封",
        "实名认证服务", "企业对公账户", "营业执照 对公户", "空白号", "游戏装备", "微信辅助注册", "手机卡 电话卡",
        "境外手机卡", "苹果ID 美区", "已实名微信号", "对公账户四件套", "企业执照四件套", "PayPal认证账户",
    ],
    "goods": [
        "手机", "名表", "高仿包包", "假证制作", "办证", "仿真枪", "弩", "香烟", "茶叶", "假币", "手表",
        "电子烟", "苹果手机 低价", "iPhone", "二手笔记本", "黄金", "古董", "猫粮", "奶粉代购",
    ],
    "service": [
        "刷单", "代刷", "刷粉", "刷流量", "代开发票", "代办信用卡", "征信修复", "网贷下款", "招代理", "招聘跑腿",
        "诚招合作", "代孕", "私家侦探 跟踪", "讨债", "推广引流", "代写论文", "上门服务", "网站建设", "APP开发",
        "技术合作", "找人合作 项目", "招收徒弟", "出号商合作", "会所推荐", "足浴店信息", "KTV场子推荐",
        "夜场攻略", "车险代办", "代理加盟",
    ],
    "media": [
        "电影资源", "小说合集", "视频资源", "网盘资源", "学习资料 课程", "考试资料", "电子书", "音乐合集",
        "素材合集", "网课资源", "破解课程",
    ],
    "chatter": [
        "新人报道", "市场又挂了？", "有人被骗过吗", "求推荐靠谱卖家", "今天U价多少", "担保交易规则", "论坛公告",
        "卖家被封了", "提现问题", "大家注意安全", "求教 如何充值", "网站打不开", "新手求助",
    ],
}

NEGATIVE_EN: dict[str, list[str]] = {
    "drugs": [
        "cocaine", "MDMA pills", "MDMA crystals", "ketamine", "Xanax bars", "alprazolam", "oxycodone 30mg",
        "heroin", "fentanyl", "LSD tabs", "magic mushrooms", "DMT", "weed", "OG Kush", "hash", "cannabis oil",
        "speed paste", "amphetamine", "methamphetamine", "crystal meth", "valium diazepam", "tramadol",
        "adderall", "ritalin", "codeine syrup", "GHB", "2C-B", "ecstasy pills", "steroids testosterone",
        "anavar", "clenbuterol", "modafinil", "viagra", "weight loss pills", "kratom", "shrooms", "blotter",
        "Girl Scout Cookies strain", "AK-47 strain", "Purple Haze", "wax dab", "shatter", "edibles",
        "percocet", "dilaudid", "methadone", "subutex", "suboxone", "morphine", "ephedrine", "MDA",
        "4-FA", "mescaline", "ayahuasca", "psilocybin", "Lorazepam", "Klonopin", "etizolam", "bromazolam",
        "pipe", "grinder", "scale 0.01g", "syringes",
    ],
    "guides": [
        "carding guide", "cashout tutorial", "social engineering tutorial", "how to make money online",
        "fullz tutorial", "how to get CVV", "OPSEC guide", "PGP tutorial", "bank drop method", "refund method",
        "paypal method", "carding method 2017", "how to hack facebook", "SE guide", "dumps cashout guide",
        "money making ebook", "loan fraud tutorial", "tax return fraud guide", "how to find fullz", "bitcoin mixing guide",
        "credit repair guide", "lockpicking guide", "hacking course", "how to cash out PayPal", "amazon refund method",
        "how to use CVV", "beginners guide to carding", "SSN lookup method", "doxing tutorial",
    ],
    "software": [
        "RAT", "keylogger", "crypter FUD", "botnet", "account checker", "brute forcer", "combo maker tool",
        "PayPal checker", "CC checker", "ransomware", "exploit kit", "phishing page", "scam page", "SQLi dumper",
        "proxy list", "VPN subscription", "Windows 10 key", "Office 2016 license", "antivirus license",
        "game keys", "bulk mailer", "SMS bomber", "android spyware", "MSR reader writer", "skimmer",
        "Sentry MBA configs", "email extractor software", "lead generation software", "socks5 proxies",
        "RDP access", "VPS hosting", "bulletproof hosting", "cracked software", "Adobe cracked", "premium VPN 1 year",
    ],
    "counterfeit": [
        "fake ID", "novelty driver license", "fake passport", "PSD template", "counterfeit bills", "fake 20 euro",
        "replica watch", "Rolex replica", "fake designer bag", "counterfeit sneakers", "fake diploma", "fake Louis Vuitton",
        "ID template", "utility bill template", "fake bank statement template", "prop money",
    ],
    "weapons": ["Glock 17", "AK-47 rifle", "9mm ammo", "pistol", "knife", "taser", "silencer", "explosives", "brass knuckles"],
    "services": [
        "hacking service", "DDOS service", "cashout service", "escrow service", "custom orders", "reshipping service",
        "money laundering", "bitcoin exchange", "hitman", "fake reviews", "instagram followers", "website development",
        "phone unlocking", "grades change", "social media boost", "SEO service", "drop service",
    ],
    "goods": [
        "gift card", "Amazon gift card", "iTunes code", "gold bar", "silver coins", "jewelry", "iPhone 7", "MacBook",
        "PS4", "electronics", "cigarettes", "clothes", "shoes", "perfume",
    ],
    "media": ["ebook collection", "movies pack", "porn pack", "music collection", "course bundle", "video tutorials pack"],
    "chatter": ["vendor review", "market down again", "scammed by vendor", "which escrow is safe", "welcome new buyers"],
}

# Pieces that sellers wrap around the product; shared by both labels so they carry no signal alone.
OFFER_ZH = ["出售", "出", "出售 ", "低价出售", "转让", "批发", "长期出", "长期供应", "供应", "打包出", "便宜出",
            "", "", "", "", "【出售】", "诚信出售", "独家出售", "最新", "全新", "特价", "急出"]
DEMAND_ZH = ["收", "求购", "长期收", "高价收", "收购", "求"]
QUALIFIER_ZH = ["一手", "二手", "实时", "最新", "精准", "高质量", "新鲜", "真实有效", "独家", "全网最低", "不重复",
                "可验证", "有样本", "可测试", "包更新", "每日更新", "自动发货", "担保交易", "量大优惠", "支持担保"]
OFFER_EN = ["", "", "", "Fresh ", "NEW ", "Selling ", "HQ ", "[AUTO] ", "*** ", "BEST ", "Cheap ", "Premium ",
            "Wholesale ", "High quality ", "Verified ", "Private ", "VIP "]
DEMAND_EN = ["WTB ", "Buying ", "Looking for "]
QUALIFIER_EN = ["fresh", "updated", "high quality", "100% valid", "instant delivery", "auto delivery", "escrow",
                "private stock", "no dupes", "replacement guaranteed", "best price", "bulk discount", "2017",
                "tested", "guaranteed", "lifetime", "fast shipping", "worldwide", "USA", "UK", "EU", "Canada",
                "stealth shipping", "free sample", "read description", "FE", "cheapest", "top quality",
                "domestic", "US to US", "next day shipping", "full escrow", "bulk discount", "restock", "promo",
                "sale", "limited supply", "custom listing", "AAA+", "quantity discount", "free shipping", "listing"]
COUNTRIES_EN = ["USA", "UK", "Canada", "Germany", "France", "Australia", "EU", "Italy", "Spain", "Japan", "China"]
UNITS_ZH = ["条", "条", "条", "w条", "万条", "万", "w", "W", "套", "份", "组", "个", "人", "行", "kw", "亿条", "+", "多条"]
UNITS_EN = [" records", " rows", " lines", "k", "K", " pcs", "x", "M", " leads", " accounts", " entries", ""]
DRUG_UNITS_EN = ["g", "gr", " grams", "mg", " pills", " tabs", "oz", " ug", "x", " kg", "ml"]

# Brands whose stolen logins are sold by the batch (accounts and bank logs), and the ways they are sold.
ACCOUNT_BRANDS_EN = [
    "Netflix", "Spotify", "Hulu", "HBO Now", "HBO GO", "Amazon Prime", "Uber", "Lyft", "Airbnb", "Starbucks",
    "Dominos", "Pornhub Premium", "Brazzers", "Crunchyroll", "Deezer", "Tidal", "Pandora", "Sky Go", "DirecTV",
    "Xfinity", "Origin", "Uplay", "Steam", "PSN", "Xbox Live", "Minecraft", "Fortnite", "League of Legends",
    "Instagram", "Twitter", "Facebook", "Snapchat", "Tinder", "Match.com", "Grubhub", "Postmates", "DoorDash",
    "Walmart", "Target", "BestBuy", "Apple ID", "iCloud", "Gmail", "Yahoo", "AOL", "Outlook", "Hotmail",
    "Coinbase", "Blockchain.info", "Skrill", "Neteller", "Payoneer", "Venmo", "Cash App", "PayPal", "eBay",
    "Amazon", "Alibaba", "Wish", "Groupon", "Chegg", "Scribd", "Audible", "Kindle Unlimited", "Fitbit",
    "Western Union", "MoneyGram", "Bet365", "William Hill", "Paddy Power", "Betfair", "Ladbrokes", "Dropbox",
    "Mega.nz", "LinkedIn", "Badoo", "Plenty of Fish", "Zoosk", "Adult Friend Finder", "Chaturbate", "OnlyFans",
    "Naughty America", "Reality Kings", "Twitch", "Twitch Prime", "Battle.net", "Blizzard", "Ubisoft", "EA",
    "Verizon", "AT&T", "T-Mobile", "Sprint", "Comcast", "Vodafone", "O2", "Orange", "Poste", "ebay seller",
    "NordVPN", "ExpressVPN", "IPVanish", "HMA VPN", "PIA VPN", "CyberGhost",  # logins, unlike a licence bought
]
FINANCE_BRANDS_EN = frozenset({"Coinbase", "Blockchain.info", "Skrill", "Neteller", "Payoneer", "Venmo", "Cash App",
                               "PayPal", "Western Union", "MoneyGram"})
BANK_BRANDS_EN = [
    "Chase", "Wells Fargo", "Bank of America", "BOA", "Citi", "Citibank", "HSBC", "Barclays", "Lloyds", "NatWest",
    "Santander", "TD Bank", "RBC", "Capital One", "Discover", "US Bank", "PNC", "SunTrust", "BB&T", "Regions",
    "Halifax", "Nationwide", "Commonwealth Bank", "ANZ", "Westpac", "Deutsche Bank", "ING", "BNP", "Societe Generale",
    "Credit Agricole", "USAA", "Navy Federal", "Huntington", "Fifth Third", "Scotiabank", "BMO", "CIBC",
]
# Ways stolen logins are sold (single "premium account, lifetime" offers come from `intel.trainset_market`).
ACCOUNT_WAYS_EN = [
    "accounts", "premium accounts", "accs", "login", "logins", "log", "logs",
    "account + email access", "account with balance", "accounts with cards attached", "account full access",
    "hacked account", "cracked accounts", "x10 accounts", "account [email:pass]", "account with history",
    "account + cookies", "accounts bulk", "hacked logins",
]
BANK_WAYS_EN = [
    "bank log", "bank logs", "bank login", "online banking login", "bank account", "bank drop", "bank drops",
    "account with balance", "log with email access", "fullz + online access", "checking account login", "bank account + routing",
]
CARD_WAYS_EN = ["CVV", "CVV2", "CC", "cards", "dumps", "dumps + pin", "track 1/2", "T1+T2", "101 dumps", "201 dumps",
                "fullz cc", "card with billing", "cc + ssn", "non vbv cc", "ccs", "credit cards with cvv"]
CARD_PLACES_EN = ["USA", "US", "UK", "EU", "Canada", "CA", "AU", "Germany", "France", "Italy", "Spain", "Asia",
                  "Visa", "Mastercard", "Amex", "Discover", "Platinum", "Gold", "Business", "Classic"]
PII_WAYS_EN = ["fullz", "full info", "SSN", "SSN + DOB", "DOB", "dead fullz", "fullz with DL", "info", "profiles",
               "scan", "scans", "selfie", "ID scan", "passport scan", "DL scan", "bill scan", "docs", "KYC pack",
               "personal info", "identity", "background report", "credit report", "leads", "database"]
PII_PLACES_EN = ["USA", "UK", "Canada", "Australia", "Germany", "France", "Italy", "Spain", "Netherlands", "Texas",
                 "California", "Florida", "New York", "Ohio", "Michigan", "Ontario", "Quebec", "EU", "Sweden", "Poland"]
FAKE_DOC_EN = ["driver license", "driving licence", "ID card", "passport", "state ID", "residence permit", "SSN card",
               "birth certificate", "student ID", "diploma", "bank statement", "utility bill"]
FAKE_WAYS_EN = ["fake", "novelty", "scannable", "replica", "high quality fake", "PSD template", "template",
                "real registered", "hologram", "physical", "printed", "custom", "editable template", "blank"]
STRAINS_EN = [
    "Blue Dream", "Sour Diesel", "Gorilla Glue", "Girl Scout Cookies", "Gelato", "White Widow", "Northern Lights",
    "Jack Herer", "Pineapple Express", "Amnesia Haze", "Lemon Haze", "Bubba Kush", "Skunk", "Cheese", "Zkittlez",
    "Wedding Cake", "Runtz", "Critical", "Durban Poison", "Green Crack", "Purple Kush", "Tangie", "Moroccan hash",
    "Afghan hash", "Charas", "bubble hash", "rosin", "moon rocks", "CBD flower", "THC cartridge", "pre-rolls",
    "Columbian cocaine", "Peruvian flake", "pure MDMA", "Dutch XTC", "Tesla pills", "Blue Punisher", "speed",
    "meth shards", "heroin #4", "black tar", "oxy 80", "roxy 30", "Norco", "Xanax 2mg", "Valium 10mg", "Ambien",
    "Lyrica", "gabapentin", "Ritalin 10mg", "Vyvanse", "Cialis", "Sildenafil", "Nandrolone", "Trenbolone",
    "Winstrol", "Dianabol", "HGH", "MXE", "4-MMC", "mephedrone", "alpha-PVP", "Bromazepam", "phenibut", "poppers",
]

# Chinese listings name whose data it is (a platform, a group of people) and then a data word.
BRANDS_ZH: dict[str, list[str]] = {
    "orders_logistics": ["京东", "淘宝", "天猫", "拼多多", "唯品会", "顺丰", "中通", "圆通", "申通", "韵达", "苏宁",
                         "美团", "饿了么", "当当", "聚美优品", "亚马逊", "闲鱼", "有赞", "蘑菇街", "小红书"],
    "finance_bank": ["宜人贷", "拍拍贷", "人人贷", "陆金所", "招商银行", "建设银行", "工商银行", "农业银行", "平安银行",
                     "中国银行", "交通银行", "浦发", "民生银行", "平安保险", "中国人寿", "同花顺", "东方财富", "花呗",
                     "借呗", "京东金融", "360借条", "趣店", "分期乐", "火币", "币安", "期货公司", "证券公司"],
    "credentials_accounts": ["网易", "新浪", "搜狐", "天涯", "CSDN", "人人网", "开心网", "多玩", "17173", "QQ",
                             "163", "126", "猫扑", "百合网", "小米", "迅雷", "Discuz论坛", "某论坛", "某游戏", "某APP"],
    "travel_hotel": ["携程", "去哪儿", "飞猪", "同程", "艺龙", "如家", "汉庭", "7天", "华住", "锦江", "东航", "南航",
                     "国航", "12306", "途牛", "马蜂窝"],
    "employment_resume": ["智联招聘", "前程无忧", "51job", "猎聘", "BOSS直聘", "拉勾", "58同城招聘", "赶集网"],
    "education": ["新东方", "学而思", "好未来", "作业帮", "猿辅导", "某大学", "某中学", "教育局", "驾校", "考试院"],
    "medical": ["某医院", "妇幼保健院", "美年大健康", "爱康国宾", "某药房", "月子会所", "整形医院"],
    "gambling_leads": ["澳门银河", "葡京", "太阳城", "皇冠", "威尼斯人", "某菠菜平台", "某棋牌平台", "开元棋牌"],
    "telecom": ["中国移动", "中国联通", "中国电信", "移动营业厅", "联通营业厅", "电信营业厅", "广电"],
    "mixed_other": ["世纪佳缘", "珍爱网", "陌陌", "探探", "58同城", "安居客", "链家", "汽车之家", "易车", "大众点评",
                    "某平台", "某网站", "某APP", "健身房", "美容院", "某小区", "某公司", "伴游网"],
    "government_social": ["公安局", "社保局", "车管所", "派出所", "人社局", "税务局", "民政局", "某政府"],
}
DATA_SUFFIX_ZH = ["数据", "用户数据", "账号密码", "数据（带账号密码）", "会员数据 可登录", "会员数据", "数据库", "客户信息", "用户资料", "注册用户", "后台数据", "客户资料",
                  "会员资料", "用户信息", "客户名单", "人员信息", "名单", "资料", "信息", "全部数据", "数据打包",
                  "手机号", "用户手机号", "数据（带手机号）", "会员信息"]
GROUPS_ZH: dict[str, list[str]] = {
    "mixed_other": ["业主", "车主", "会员", "老年人", "房东", "租客", "买房客户", "装修业主", "宝妈", "网红",
                    "主播", "微商", "店主", "商户", "企业主"],
    "finance_bank": ["股民", "基民", "贷款客户", "信用卡客户", "理财客户", "保险客户", "投资人", "借款人", "网贷用户",
                     "期货客户", "大额存款客户", "黄金客户", "外汇投资者", "私募客户"],
    "contacts_phone": ["老板", "高管", "企业法人", "总经理", "采购经理", "外贸客户", "展会买家", "行业客户", "客户经理",
                       "店员", "董事长", "财务人员"],
    "education": ["学生", "家长", "大学生", "高中生", "初中生", "小学生", "考生", "毕业生", "研究生", "教师", "学员",
                  "留学生"],
    "medical": ["病人", "患者", "孕妇", "产妇", "新生儿家长", "体检客户", "医生", "护士", "整形客户"],
    "employment_resume": ["求职者", "应聘者", "员工", "工人", "技术人员", "程序员"],
    "government_social": ["公务员", "机关单位人员", "事业单位人员", "党员", "退休人员", "低保户", "军人", "警察",
                          "社保参保人", "驾驶员"],
    "gambling_leads": ["赌客", "彩民", "棋牌玩家", "博彩会员", "网赌玩家", "百家乐客户"],
    "travel_hotel": ["旅客", "住客", "游客", "乘客", "航空会员"],
    "telecom": ["移动用户", "联通用户", "电信用户", "宽带用户", "手机卡用户"],
}
GROUP_SUFFIX_ZH = ["信息", "资料", "数据", "名单", "电话", "手机号", "姓名电话", "身份信息", "通讯录", "姓名手机号地址",
                   "联系方式", "名录", "详细资料"]

# 料 ("material") is the trade's word for leads: 股票料, 菠菜料, 宝妈料 ...
LIAO_SECTORS_ZH: dict[str, list[str]] = {
    "finance_bank": ["股票", "贷款", "网贷", "信用卡", "理财", "保险", "期货", "外汇", "币圈", "黄金", "P2P"],
    "gambling_leads": ["菠菜", "博彩", "棋牌", "彩票", "BC", "时时彩", "百家乐"],
    "mixed_other": ["宝妈", "车主", "房产", "业主", "微商", "装修", "美容", "交友", "婚恋", "老人", "保健品"],
    "education": ["教育", "学生", "家长", "考生", "培训"],
    "orders_logistics": ["网购", "快递", "电商", "淘宝"],
    "cards_cvv": ["CVV", "美卡", "信用卡全"],
    "contacts_phone": ["精准", "老板", "企业"],
    "medical": ["医疗", "孕妇", "医美"],
}
LIAO_SUFFIX_ZH = ["料", "料子", "数据料", "新料", "一手料", "实时料", "精准料"]
