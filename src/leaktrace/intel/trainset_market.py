"""Market-shaped product phrases for the generated training set: the kinds the plain banks under-cover.

`intel.trainset_phrases` names products; real market index pages wrap them
in vendor hype, mis-decoded decoration and tier/brand/amount detail, and
mix in many listings that sit next to data but deliver none. This module
composes those kinds from parts, in general terms (no market's titles):

- positives: card listings by issuer, tier and balance; dumps by track and
  PIN; fullz and lookups by field set; batches of hacked logins and combos;
  bank logs and drops; leads and mailing lists by sector; leak archives sold
  by size (`158G库`) and Chinese card, loan-lead, bank-kit and lookup wording;
- hard negatives: upgrades and invites applied to the buyer's own account
  (nobody's login changes hands; a "premium account, lifetime" does, and is
  a positive), counterfeit documents and templates, guides and method packs
  wrapped in money-making hype, fraud tools (anti-detect browsers, EMV/dump
  writers, generators, checkers, cardable-site and BIN lists), transfers and
  cash-out services, gift cards, document templates, card-shop links and
  invites, anonymous mail/storage, custom listings, tip jars.

Which kinds are trafficking follows the issue's question: does the buyer
receive personal information about specific third persons?
"""

from __future__ import annotations

import random

from leaktrace.intel.trainset_phrases import ACCOUNT_BRANDS_EN, BANK_BRANDS_EN, FINANCE_BRANDS_EN

# -- English positives --------------------------------------------------------------------------

CARD_ISSUERS_EN = ["Visa", "Mastercard", "Amex", "Discover", "Chase", "Citi", "BOA", "Wells Fargo", "Capital One",
                   "Barclays", "HSBC", "Santander", "Lloyds", "NatWest", "RBC", "TD", "Scotiabank", "Commonwealth",
                   "ANZ", "Deutsche", "Sparkasse", "BNP", "ING", "UnionPay", "JCB", "Maestro", "Visa/Master"]
CARD_TIERS_EN = ["Classic", "Gold", "Platinum", "Business", "Corporate", "Signature", "World", "World Elite",
                 "Infinite", "Black", "Titanium", "Prepaid", "Debit", "Credit", "Purchasing", "Standard"]
CARD_TRAITS_EN = ["non VBV", "no VBV/MSC", "high balance", "high limit", "with billing address", "with DOB", "with SSN",
                  "fresh and live", "sniffed", "from shop admin", "90% valid", "with zip", "with phone and email",
                  "full billing", "checked live", "with MMN", "refundable", "base", "fresh base", "with balance",
                  "random", "mix", "(used)", "x{n}", "{n} pcs", "per card"]
CARD_NOUNS_EN = ["CVV", "CVV2", "CC", "CCs", "cards", "credit cards", "debit cards", "card", "CC fullz", "cc+cvv"]
DUMP_NOUNS_EN = ["dumps", "dumps with pin", "track 1+2", "track2", "101 dumps", "201 dumps", "dumps + pin", "D+P",
                 "track 2 with pin", "skimmed dumps", "ATM dumps", "T1/T2 dumps", "dumps base"]

FULLZ_FIELDS_EN = ["SSN", "DOB", "MMN", "DL", "address", "phone", "email", "employer", "credit score", "bank info",
                   "routing", "account number", "EIN", "income", "background report", "security questions", "ITIN"]
FULLZ_NOUNS_EN = ["fullz", "full info", "profiles", "fulls", "identity profiles", "info packs", "dead fullz",
                  "tax fullz", "business fullz", "elderly fullz", "fullz with high credit score"]
LOOKUP_NOUNS_EN = ["SSN lookup", "DOB lookup", "SSN+DOB search", "background lookup", "credit report pull",
                   "MMN lookup", "address lookup", "reverse phone search", "DL lookup", "people search by name"]
SCAN_NOUNS_EN = ["ID scans", "passport scans", "DL scans front and back", "selfie with ID", "KYC pack (ID + selfie + bill)",
                 "verification pack", "real document photos", "utility bill scans of real people", "holding ID photos",
                 "scans with matching selfie", "ID + SSN card scans", "DL scans {n}x", "genuine ID scans",
                 "real passport scans", "scans, priced per scan", "identity docs + proof of address",
                 "ID docs and proof of address, per piece", "drivers licence scans", "HD scans of driving licences",
                 "passport + proof of address scans", "POA documents of real people", "ID + POA mix", "ID card and licence scans, {n} sets", "W-2 forms", "tax returns with SSN", "credit reports", "pay stubs of real employees"]

ACCOUNT_BATCH_EN = ["hacked {b} logins", "{b} logins with user and password", "{n} {b} accounts", "{b} accounts x{n}",
                    "{b} accounts with balance", "{b} accounts with card attached", "{b} logs with email access",
                    "{n}k {b} combo", "{b} email:pass list", "{b} user:pass", "stolen {b} accounts",
                    "{b} accounts (cracked, {n} pcs)", "{b} accounts bulk", "{b} account + mail access",
                    "{n} {b} logins", "{b} full access accounts with personal info"]
COMBO_NOUNS_EN = ["combo list", "combolist", "email:pass combo", "user:pass combo", "mail access combo",
                  "private combo", "HQ combo", "gaming combo", "shopping combo", "streaming combo", "leaked combo",
                  "breach compilation", "hashes + emails", "database dump", "SQL dump", "site database", "forum db",
                  "user database", "customer database", "member database", "leaked database"]
LEADS_SECTORS_EN = ["payday loan", "mortgage", "credit repair", "insurance", "forex", "crypto investor", "casino",
                    "sweepstakes", "debt settlement", "auto loan", "student loan", "medicare", "senior", "dating",
                    "real estate", "B2B", "CEO", "small business", "pharmacy", "diet", "tax debt"]
LEADS_NOUNS_EN = ["leads", "email list", "mailing list", "mail list", "business emails", "executive emails",
                  "CEO CFO email list", "corporate email list", "B2B contacts", "phone leads", "call list", "data", "email leads",
                  "customer list", "database with phone numbers", "contacts list", "SMS list"]
BANK_POS_EN = ["bank logs", "bank log with email access", "bank login + security answers", "online banking access",
               "bank accounts with balance", "bank drops", "drop accounts", "checking account logins",
               "bank log + full info", "bank account with routing and login", "savings account logs"]

# -- English negatives --------------------------------------------------------------------------

SUBSCRIPTION_BRANDS_EN = ["Netflix", "Spotify", "Hulu", "HBO", "Brazzers", "Pornhub", "Deezer", "Tidal", "Scribd",
                          "Crunchyroll", "CBS All Access", "Showtime", "Starz", "Sling TV", "Playstation Plus",
                          "Xbox Live Gold", "Minecraft", "Duolingo", "Grammarly", "Lynda", "Udemy", "Chegg", "Audible",
                          "Naughty America", "Reality Kings", "Bangbros", "Mofos", "Vimeo", "Zwift", "Headspace",
                          "Tinder Gold", "Filefactory", "Rapidgator", "Uploaded", "Keep2share", "Mega", "NordVPN",
                          "IPVanish", "PureVPN", "Sky", "Now TV", "Apple Music", "YouTube Red", "Dropbox Pro"]
# A "premium account, lifetime" on a market is someone's cracked login (the warranty replaces it when the
# owner changes the password): account credentials. An upgrade or invite applied to the buyer's own
# account hands over nobody's data: not trafficking.
CRACKED_WAYS_EN = ["premium account", "premium account | lifetime", "account [lifetime + freebies]",
                   "lifetime premium account", "account lifetime warranty", "account [LIFETIME WARRANTY]",
                   "accounts + freebies", "accounts [lifetime + freebies]", "premium accounts plus freebies",
                   "account - lifetime access", "VIP account", "premium membership login"]
UPGRADE_WAYS_EN = ["premium upgrade on your account", "upgrade on your own email", "gift subscription",
                   "family plan slot (your account)", "premium invite", "subscription activated on your account",
                   "gift code 12 months", "redeem code", "membership voucher", "referral invite",
                   # Accounts registered by the seller for the buyer: nobody else's data inside.
                   "new registered accounts (PVA)", "fresh created accounts, phone verified", "anonymous email account",
                   "bulk new accounts (self-registered)", "account registered in your name"]
GUIDE_TOPICS_EN = ["carding", "cashout", "CC to BTC", "PayPal cashout", "bank drop", "Venmo", "gift card", "refund",
                   "ATM", "dumps cashing", "fullz usage", "loan fraud", "tax refund", "Western Union", "Amazon",
                   "eBay", "social engineering", "ID verification bypass", "credit boost", "bitcoin doubling",
                   "in-store carding", "chargeback", "spamming", "phishing", "account takeover", "SIM swap",
                   "identity theft", "BIN finding", "cardable sites", "anonymity", "OPSEC", "making money online"]
GUIDE_NOUNS_EN = ["guide", "method", "tutorial", "ebook", "handbook", "course", "bible", "pack", "guides bundle",
                  "megapack", "masterclass", "school", "video course", "PDF", "explained", "tips", "starter pack",
                  "coaching", "system", "blueprint"]
HYPE_EN = ["JUST RELEASED", "UPDATED {m} 2017", "MAKE ${k} A WEEK", "EARN ${k} A DAY", "NOOB FRIENDLY", "100% WORKING",
           "${k} VALUE", "BEST ON THE MARKET", "GUARANTEED", "LEGIT", "NEW {m}", "V{v}", "[{m} 2017]", "ULTIMATE",
           "PLATINUM EDITION", "STEP BY STEP", "WORKS WORLDWIDE", "TOP SELLER", "LIMITED OFFER", "BEGINNER LEVEL",
           "A+++", "AUTO DELIVERY", "INSTANT DELIVERY", "FREE BONUS", "REDUCED", "SALE", "ESCROW",
           # vendor promotion: who sells, how much they sold, what a bigger order brings
           "{n}+ SALES", "LEVEL {j} VENDOR", "INSTANT MONEY", "PREMIUM PACKAGE", "YOUR BEST SOURCE", "BLACK WEEK BONUS",
           "BUY {j} GET {n}", "AUTOSHOP", "VENDOR GIVES YOU", "FOR EVERY {j} ORDERED I SEND {n}", "TRUSTED VENDOR",
           "BEST SOURCE FOR QUALITY", "RESTOCKED", "HUGE DISCOUNT", "BULK PRICES", "= PROFIT"]
TOOLS_EN = ["anti-detect browser", "EMV software", "dump writer", "MSR encoder", "track generator", "CC generator",
            "virtual card generator", "BIN list", "cardable BINs", "cardable sites list", "card checker",
            "account checker", "proxy checker", "RDP", "socks5", "VPN", "clean IP RDP", "antidetect configs",
            "fraud fox", "spoofing app", "caller ID spoofer", "SMS spoofer", "scam page kit", "letter + scampage",
            "phishing kit", "SQL injection tool", "dorks generator", "mailer", "SMTP", "webmail inbox sender",
            "skimmer", "ATM skimmer", "keylogger", "RAT", "crypter", "stealer builder", "exploit", "cPanel",
            "shell", "email extractor", "lead scraper", "IP grabber", "virtual phone number", "prepaid SIM"]
SERVICES_EN = ["PayPal transfer ${k}", "bank transfer ${k}", "Western Union transfer ${k}", "Venmo transfer",
               "cashout service", "carding service", "carded order", "drop service", "reship service", "loan service",
               "credit repair service", "followers boost", "{k} views", "hacking service", "DDoS attack",
               "email kill service", "account recovery service", "verification service", "custom listing for {name}",
               "custom order", "tip jar", "listing for {name}", "private listing", "bulk order", "shipping upgrade",
               "market invite", "forum invite code", "shop invite", "escrow service", "mixing service"]
GIFT_EN = ["${k} {b} gift card for ${j}", "{b} eGift card ${k}", "{b} voucher code", "{b} promo code", "{b} coupon",
           "{b} gift card {p}% off", "{b} store credit"]
GIFT_BRANDS_EN = ["Amazon", "iTunes", "Google Play", "Starbucks", "Walmart", "Target", "Best Buy", "eBay", "Steam",
                  "Sephora", "Nike", "Uber Eats", "Domino's", "Visa prepaid", "paysafecard", "Home Depot", "Macy's"]
TEMPLATE_EN = ["{c} passport PSD template", "{c} driver license template", "{c} utility bill template",
               "{b} bank statement template", "{c} ID card PSD", "{c} tax form template", "insurance card template",
               "pay stub template", "{c} residence permit template", "document editing service",
               "{c} novelty ID", "fake {c} ID with hologram", "{c} fake passport", "scannable {c} DL"]
# Counterfeit documents (a made object, no real person behind it) and methods named as "X to Y".
COUNTERFEIT_EN = ["{c} drivers license", "{c} drivers licence", "{c} passports", "{c} ID cards for sale", "{c} state ID",
                  "{c} ID with security features", "{c} DL with hologram and UV", "real/fake {c} passport",
                  "{c} residence card", "{c} learner licence", "{c} ID (physical, scannable)",
                  "{c} student card", "{c} press card", "{c} work permit"]
METHOD_EN = ["cashout CCs to bank account", "CC to BTC", "CVV to gift cards", "dumps to cash", "PayPal to bitcoin",
             "credit card to mobile credit", "CC to clean PayPal", "{topic} hacking", "hacking {thing}",
             "bypass {thing} verification", "crack any {thing} PIN", "{thing} exploit explained", "installing {tool}",
             "{topic} with physical cards", "make ${k} daily with {topic}", "{topic} tricks", "{topic} secrets"]
METHOD_THINGS_EN = ["ATM", "Wi-Fi", "car", "PayPal", "bank", "iCloud", "Windows", "Mac login", "phone", "Visa",
                    "SIM", "router", "CCTV", "smart lock", "email"]
OTHER_NEG_EN = ["The Art of {w}", "{w}: A History", "{w} for Dummies", "{w} Handbook (ebook)", "{w} collection of books",
                "{w} command reference", "{w} cookbook", "{w} banking trojan", "{w} SMS bomber", "{w} email bomber",
                "onion links list", "market links updated", "{w} printable coupons",
                "hacked RDP servers", "RDP logins (servers)", "cPanel logins (hosting)", "shell access", "SMTP logins",
                "{w} private forum membership", "{w} forum VIP access", "romance scam scripts", "ACH transfer service, {p}% fee",
                "{w} cosmetics set", "{w} sportswear", "{w} sticker pack", "{w} music album", "{w} wallpapers pack"]
# Software names carry data-like tokens (`CC` for Creative Cloud, "logs", "cookies").
SOFTWARE_VENDORS_EN = ["Adobe", "Autodesk", "Microsoft", "Corel", "Native Instruments", "Sony", "Avid", "Apple", "JetBrains",
                       "Piriform", "Nero", "Kaspersky", "Avast", "Ableton", "Image-Line", "VMware", "Parallels"]
SOFTWARE_PRODUCTS_EN = ["Photoshop", "Illustrator", "Premiere Pro", "After Effects", "Dreamweaver", "InDesign", "Lightroom",
                        "Acrobat", "AutoCAD", "3ds Max", "Office", "Kontakt", "Vegas Pro", "FL Studio", "CCleaner",
                        "Final Cut Pro", "Logic Pro", "IntelliJ", "Windows 10 Pro", "Live Suite", "Workstation"]
SOFTWARE_WAYS_EN = ["CC {y} (x86/x64) + crack", "CC {y} portable", "CS6 + keygen", "{y} pro edition", "v{v} update",
                    "{y} for Mac", "CC {y} for macOS", "+ serial key", "lifetime license", "full version + patch",
                    "business edition", "CC {y} latest release"]
# More of what sits next to data and delivers none, in the wordings markets use for it: payments and
# cash-outs done *with* cards or logins the buyer already has, BIN lists, phishing pages, articles and
# "information", link lists and freebies, booking services paid with carded cards, account takedowns,
# password bypasses. Written from the kinds the definition excludes (LABELING: services done for the
# buyer, tools, guides), with card and bank words in them so those words alone cannot decide.
CASHOUT_EN = ["cash out {src} to {dst}", "{src} to {dst}", "{src} to {dst} with {via}", "buy {dst} with {src}",
              "buy and cash out {dst} with {src}", "cash out any {src}", "cashout all {src} to {dst}",
              "{p}% successful {src} transfers", "{src} transfer service", "payment to your {dst} with {src}",
              "load your {dst} from {src}", "{src} top-up service", "make high-limit {card} ({k}$/day)",
              "make a killing with {src} transfers", "{src} loading service, you give the details",
              "cashout {src} via {via}", "{src} -> {dst} exchange, {p}% rate", "turn your {src} into {dst}"]
CASHOUT_SRC_EN = ["CC", "CCs", "CVV", "credit card", "bank account", "bank logs", "PayPal", "ACH", "dumps",
                  "debit card", "IBAN", "stolen card", "fullz", "bank", "wire", "Western Union"]
CASHOUT_DST_EN = ["BTC", "bitcoin", "bank account", "PayPal", "IBAN", "stripe account", "Skrill", "gift cards",
                  "cash", "crypto", "Venmo", "mobile credit", "prepaid card", "Perfect Money"]
CASHOUT_VIA_EN = ["Google Play", "Amazon", "Apple Pay", "Uber", "Airbnb", "Steam", "eBay", "a drop", "crypto ATM",
                  "Android Pay", "Bitpay", "Coinbase", "LocalBitcoins", "Moneygram"]
BIN_EN = ["{c} best BIN non VBV", "non VBV & non MSC BINs list", "{c} BIN list {y}", "cardable BINs for {site}",
          "BIN {bin} non VBV {c}", "BIN {bin} - works on {site}", "{n} fresh BINs", "private BIN collection",
          "auto-approve BINs", "BIN lookup tool", "bins for carding {site}", "high balance BINs {c}"]
PHISH_EN = ["{b} phishing page + instructions", "{b} scam page {y}", "{b} scampage (updated {m})",
            "{b} login page clone", "{b} phishing kit with panel", "{b} letter + scampage", "{b} fake login page",
            "{c} {b} phishing page", "{b} true login page, results to your email", "{b} spoofed email template"]
INFO_EN = ["{topic} vulnerability [article]", "{topic} hacking information", "{topic} info pack", "{topic} explained",
           "free {y} {topic} information", "{topic} research paper", "{topic} FAQ", "{topic} news digest",
           "{topic} whitepaper", "{topic} secrets revealed", "{topic} security flaw write-up"]
INFO_TOPICS_EN = ["chip + PIN", "bank account", "credit card", "ATM", "NFC payment", "contactless card", "SWIFT",
                  "PayPal", "2FA", "online banking", "EMV", "card skimming", "identity theft", "SIM swap", "carding"]
LINKS_EN = ["list of the best darknet sites", "{n} onion links", "darknet market links + freebies",
            "{site} freebies", "free {site} and {site2} method", "freebies pack + porn links", "best porn sites list",
            "{n} working deep web links", "vendor shop links", "carding forums list", "free {site} food + freebies",
            "free {site} {p}% discount method"]
BOOKING_EN = ["flight request", "flight / hotel booking", "hotel booking {p}% off", "cheap flights booking service",
              "carded flights", "airline tickets at {p}% off", "{site} booking on your name", "car rental booking",
              "train tickets booking", "event tickets in bulk", "hotel stays {p}% off", "{site} ride credit"]
TAKEDOWN_EN = ["{b} account assassination", "{b} account suspension service", "get any {b} account banned",
               "{b} account takedown", "{b} page removal", "{b} account recovery (yours)", "{b} verification badge",
               "{b} followers and likes"]
BYPASS_EN = ["bypass {thing} login password", "unlock {thing} (your device)", "reset {thing} password",
             "{thing} activation lock removal", "{thing} FRP bypass", "remove {thing} PIN", "{thing} jailbreak"]
BYPASS_THINGS_EN = ["Macintosh", "Windows", "iPhone", "iCloud", "Samsung", "Android", "BIOS", "MacBook", "Xbox", "PS4"]
SITES_EN = ["Papa Johns", "Dominos", "Pizza Hut", "Uber Eats", "Amazon", "Walmart", "Stripe", "Shopify", "Booking.com",
            "Expedia", "Airbnb", "Hilton", "Steam", "Best Buy", "McDonald's", "KFC", "Subway", "Starbucks"]
NAMES_EN = ["mike", "jdog", "buyer", "tom", "alex", "vip", "client", "sam", "k9", "xyz", "regular", "joe"]
MONTHS_EN = ["JAN", "FEB", "MAR", "APRIL", "MAY", "JUNE", "JULY", "AUG", "SEPT", "OCT", "NOV", "DEC"]

# -- Chinese -------------------------------------------------------------------------------------

CARD_BANKS_ZH = ["摩根大通", "美国银行", "富国", "汇丰", "渣打", "巴克莱", "加拿大皇家银行", "澳洲联邦银行",
                 "三井住友", "星展", "美国运通", "第一资本", "德意志银行"]
CARD_TIERS_ZH = ["白金卡", "金卡", "黑卡", "钛金卡", "商务卡", "无限卡", "普卡", "借记卡", "双币卡", "公务卡"]
CARD_PLACES_ZH = ["美国", "欧洲", "英国", "加拿大", "澳洲", "日本", "香港", "台湾", "韩国", "新加坡", "德国", "法国"]
CARD_ZH = ["{p}{bk}{t} 可用额度{k}刀", "{p}{t} 带余额 {k}美金", "{p}{bk}卡 余额{k}", "{p}信用卡 带CVV 余额{k}",
           "{p}VISA卡料", "{p}万事达卡 全资料", "一轨二轨 带pin", "内轨料 带pin码", "外轨料", "磁道料 带密码",
           "{p}卡 CVV {k}张", "{p}在线卡料 新鲜", "带余额黑卡", "{p}{t}（持卡人资料全）",
           # carders' slang: 库料/裤料 (cards from a dumped shop database), 裸C (bare CVV), 毛料 (unchecked), 包活
           "{p}库料 包活", "一手{p}裤料", "{p}裸C 高质量", "{p}毛料 包{pp}%活率", "{p}料 不活退款", "高额{p}库料"]
LEAK_ZH = ["社工库 {g}G", "{g}G数据库打包", "综合库 {y}亿", "{g}GB泄露数据", "各大网站泄露库合集", "网站库打包 共{n}个",
           "邮箱账号+密码 {y}亿", "明文库 {g}G", "境外网站泄露邮箱密码库", "{s}库 明文", "{s}数据库 用户密码",
           "{s}站库", "综合社工库 {g}G", "老库合集 {g}G", "海外论坛裤子 {g}G"]
LEAK_SITES_ZH = ["某论坛", "某游戏", "某商城", "某招聘网", "某视频站", "某交友网", "某APP", "某小说站", "某快递",
                 "某P2P", "某银行", "某酒店", "某外卖", "某直播", "某教育网"]
LOAN_ZH = ["网贷", "网贷 实时", "网贷隔夜", "贷款裸号", "网贷注册数据", "贷款APP注册用户", "网贷申请人 实时",
           "股民名单资源", "保险客户 {n}万条", "理财客户资源", "贷款意向客户", "借条平台用户", "信用卡申请人",
           "网贷逾期名单", "现金贷新客"]
KIT_ZH = ["银行卡四件套", "四件套", "四件套 身份证 银行卡 手机卡 U盾", "五件套",
          "全套银行卡 带身份证", "一类卡四件套", "个人四件套 送手持"]
LOOKUP_ZH = ["各类查询 业务", "代查个人信息", "全国调档 代查", "全国查人 出结果快", "行踪轨迹查询", "人员轨迹", "手机号查人",
             "定位查人", "查个人资料", "查机主", "查户籍照片", "查开房", "接单查档", "调档服务", "银行卡查询 出明细",
             "查名下", "查通话", "查人找人服务"]
ESCORT_ZH = ["伴游女资料", "外围女 联系方式", "楼凤 资料", "小姐 联系方式 照片"]
# Chinese hard negatives: card shops, generators, hacking tools, anonymous services, documents, paperwork services.
NEG_ZH = ["料站网址", "料站推荐", "卡站网址 自动发货", "信用卡购买网站", "CVV商城网址", "料站会员账户", "信用卡号生成器",
          "测卡软件", "卡料检测工具", "CVV在线生成器 测试用", "SQL注入工具", "拖库工具", "漏洞扫描器",
          "匿名邮箱", "匿名网盘", "暗网地址合集", "洋葱搜索工具", "洋葱网址大全", "员工培训手册", "行业报告 PDF",
          "政策文件 PDF 合集", "黑客学习资料", "电子书合集", "代办户口迁移", "代办护照", "PS证件模板", "营业执照 出售",
          "远程桌面主机", "独立IP VPS", "挖矿机", "群发短信设备", "短信轰炸", "电话轰炸", "破解版", "激活工具",
          "高防服务器", "假币", "仿真币", "微信号 老号 可改绑", "代实名认证", "代办银行卡", "云服务器 低价",
          "虚拟信用卡 开卡", "境外支付通道", "USDT 承兑"]


def mojibake(rng: random.Random) -> str:
    """Decoration (stars, arrows, emoji) as scrapers store it after a wrong decode: generic noise, both labels."""
    deco = rng.choice(["★", "☆", "✔", "✅", "❤", "➤", "►", "◄", "♛", "⚡", "🔥", "💰", "💯", "⭐", "✨", "▶", "♦", "☛"])
    raw = (deco * rng.randint(1, 4)).encode("utf-8")
    codec = rng.choice(["latin-1", "cp1252", "mac_roman", "gbk", "cp1251", "utf-8"])
    text = raw.decode(codec, errors="replace")
    if rng.random() < 0.4:
        text = "".join("\ufffd" if ord(ch) > 127 and rng.random() < 0.5 else ch for ch in text)
    return text


def _fill(rng: random.Random, pattern: str, brands: list[str], **more: str) -> str:
    return pattern.format(**more,
        b=rng.choice(brands), n=rng.choice([5, 10, 20, 25, 50, 100, 250, 500, 1000]), c=rng.choice(_COUNTRIES),
        k=rng.choice([25, 50, 100, 200, 500, 1000, 1500, 2000, 2500, 5000, 10000]), j=rng.choice([10, 20, 30, 45]),
        p=rng.choice([50, 60, 70, 75, 80]), m=rng.choice(MONTHS_EN), v=f"{rng.randint(1, 9)}.{rng.randint(0, 9)}",
        name=rng.choice(NAMES_EN),
    )


_COUNTRIES = ["USA", "UK", "Canada", "Australia", "German", "French", "Italian", "Spanish", "Dutch", "Swiss", "EU",
              "Austria", "Belgium", "Texas", "Florida", "California", "New York", "Irish", "Swedish", "Polish"]


def hype(rng: random.Random) -> str:
    return _fill(rng, rng.choice(HYPE_EN), GIFT_BRANDS_EN)


def en_positive(rng: random.Random) -> tuple[str, str]:
    """(category, product) for an English market-shaped positive; a share comes bundled with a
    guide, which keeps it a positive (the buyer still receives the data)."""
    cat, product = _en_positive(rng)
    if rng.random() < 0.08:
        product += rng.choice([" + guide", " + bonus guide", " + cashout tutorial", " + method", " (guide included)"])
    return cat, product


def _en_positive(rng: random.Random) -> tuple[str, str]:
    r = rng.random()
    if r < 0.22:
        parts = [rng.choice(CARD_ISSUERS_EN + _COUNTRIES), rng.choice(CARD_TIERS_EN) if rng.random() < 0.5 else "",
                 rng.choice(CARD_NOUNS_EN), rng.choice(CARD_TRAITS_EN) if rng.random() < 0.7 else ""]
        if rng.random() < 0.3:
            parts.reverse()
        return "cards_cvv", " ".join(p for p in parts if p).replace("{n}", str(rng.choice([3, 5, 10, 20, 100])))
    if r < 0.32:
        parts = [rng.choice(CARD_ISSUERS_EN + _COUNTRIES), rng.choice(DUMP_NOUNS_EN),
                 rng.choice(["", "with pin", "high balance", "fresh", "skimmed", "worldwide"])]
        return "cards_cvv", " ".join(p for p in parts if p)
    if r < 0.46:
        fields = " ".join(rng.sample(FULLZ_FIELDS_EN, rng.randint(1, 4)))
        noun = rng.choice(FULLZ_NOUNS_EN)
        shape = rng.random()
        product = (f"{rng.choice(_COUNTRIES)} {noun} {fields}" if shape < 0.5 else f"{noun} with {fields}"
                   if shape < 0.8 else f"{fields} {noun}")
        return "identity_docs", product
    if r < 0.52:
        return "lookup_service", f"{rng.choice(LOOKUP_NOUNS_EN)} {rng.choice(['', 'service', 'any state', 'fast', '24/7'])}"
    if r < 0.6:
        scan = rng.choice(SCAN_NOUNS_EN).replace("{n}", str(rng.choice([5, 10, 50, 100])))
        return "identity_docs", f"{rng.choice([*_COUNTRIES, ''])} {scan}".strip()
    if r < 0.74:
        brand = rng.choice(ACCOUNT_BRANDS_EN)
        cat = "finance_bank" if brand in FINANCE_BRANDS_EN else "credentials_accounts"  # PayPal, Venmo logins
        return cat, _fill(rng, rng.choice(ACCOUNT_BATCH_EN), [brand])
    if r < 0.8:
        site = rng.choice(SUBSCRIPTION_BRANDS_EN) if rng.random() < 0.6 else pseudo_word(rng) + rng.choice([".com", ".net", ".xxx"])
        return "credentials_accounts", f"{site} {rng.choice(CRACKED_WAYS_EN)}"
    if r < 0.86:
        return "credentials_accounts", f"{rng.choice(['', str(rng.choice([50, 200, 800])) + 'k', '1M', 'fresh'])} {rng.choice(COMBO_NOUNS_EN)}".strip()
    if r < 0.93:
        return "contacts_phone", f"{rng.choice([*_COUNTRIES, ''])} {rng.choice(LEADS_SECTORS_EN)} {rng.choice(LEADS_NOUNS_EN)}".strip()
    return "finance_bank", f"{rng.choice(BANK_BRANDS_EN + _COUNTRIES)} {rng.choice(BANK_POS_EN)}"


def en_negative(rng: random.Random) -> str:
    """An English market-shaped hard negative (no third person's data is delivered)."""
    if rng.random() < 0.1:
        return more_en_negative(rng)
    r = rng.random()
    if r < 0.1:
        return f"{rng.choice(SUBSCRIPTION_BRANDS_EN)} {rng.choice(UPGRADE_WAYS_EN)}"
    if r < 0.4:
        g = f"{rng.choice(GUIDE_TOPICS_EN)} {rng.choice(GUIDE_NOUNS_EN)}"
        if rng.random() < 0.3:
            g = f"how to {rng.choice(['cash out', 'card', 'get', 'use', 'make money with', 'find', 'open', 'bypass'])} " + \
                rng.choice(["CVV", "dumps", "fullz", "bank drops", "PayPal", "gift cards", "bank accounts", "BTC", "loans"])
        return f"{g} {hype(rng)}" if rng.random() < 0.6 else g
    if r < 0.52:
        return _fill(rng, rng.choice(COUNTERFEIT_EN), GIFT_BRANDS_EN)
    if r < 0.6:
        return _fill(rng, rng.choice(METHOD_EN), GIFT_BRANDS_EN, topic=rng.choice(GUIDE_TOPICS_EN),
                     thing=rng.choice(METHOD_THINGS_EN), tool=rng.choice(TOOLS_EN))
    if r < 0.68:
        return rng.choice(TOOLS_EN) + rng.choice(["", " 2017", " cracked", " latest version", " lifetime license", " + configs"])
    if r < 0.74:
        return _fill(rng, rng.choice(SERVICES_EN), GIFT_BRANDS_EN)
    if r < 0.8:
        return _fill(rng, rng.choice(OTHER_NEG_EN), GIFT_BRANDS_EN, w=pseudo_word(rng))
    if r < 0.85:
        return _fill(rng, rng.choice(GIFT_EN), GIFT_BRANDS_EN)
    if r < 0.9:
        return more_en_negative(rng)
    if r < 0.95:
        way = rng.choice(SOFTWARE_WAYS_EN).format(y=rng.choice([2015, 2016, 2017, 2018]), v=f"{rng.randint(1, 20)}.{rng.randint(0, 9)}")
        return f"{rng.choice([*SOFTWARE_VENDORS_EN, ''])} {rng.choice(SOFTWARE_PRODUCTS_EN)} {way}".strip()
    return _fill(rng, rng.choice(TEMPLATE_EN), BANK_BRANDS_EN)


BUNDLE_JOINS_EN = [" + ", " with ", " & ", " and ", " plus ", " / ", " + free ", " incl. "]
BUNDLE_TAILS_EN = [" list", " + instructions", " + bonus", " with tutorial", " information", " info", " + freebies",
                   " pack", " + support", " (full access)", " + updates", " collection", " with all details"]


def bundle_en(rng: random.Random, product: str, other: str) -> str:
    """Listings join things with `+`, `with`, `list`, `info`: on both labels alike, so the joints
    themselves say nothing (a positive's `CC + SSN` taught the model that `+` meant data)."""
    if rng.random() < 0.5:
        return product + rng.choice(BUNDLE_JOINS_EN) + other
    return product + rng.choice(BUNDLE_TAILS_EN)


def more_en_negative(rng: random.Random) -> str:
    """Cash-outs, BIN lists, phishing pages, articles, link lists, bookings, takedowns, bypasses."""
    site, site2 = rng.sample(SITES_EN, 2)
    fill = {"src": rng.choice(CASHOUT_SRC_EN), "dst": rng.choice(CASHOUT_DST_EN), "via": rng.choice(CASHOUT_VIA_EN),
            "card": rng.choice(["debit cards", "credit cards", "cards", "clones"]), "site": site, "site2": site2,
            "bin": str(rng.randint(400000, 559999)), "y": str(rng.choice([2015, 2016, 2017])),
            "topic": rng.choice(INFO_TOPICS_EN), "thing": rng.choice(BYPASS_THINGS_EN)}
    kind = rng.choice([CASHOUT_EN, CASHOUT_EN, BIN_EN, PHISH_EN, INFO_EN, LINKS_EN, BOOKING_EN, TAKEDOWN_EN, BYPASS_EN])
    brands = ACCOUNT_BRANDS_EN + BANK_BRANDS_EN
    return _fill(rng, rng.choice(kind), brands, **fill)


def zh_positive(rng: random.Random) -> tuple[str, str]:
    """(category, product) for a Chinese market-shaped positive."""
    fill = {"pp": rng.choice([50, 60, 70, 80]), "p": rng.choice([*CARD_PLACES_ZH, "JP", "TW", "US", "EU", "KR"]), "bk": rng.choice(CARD_BANKS_ZH), "t": rng.choice(CARD_TIERS_ZH),
            "k": rng.choice([500, 2500, 5000, 8000, 12000, 16000, 23000, 30000]), "g": rng.choice([5, 10, 20, 50, 100, 200, 500]),
            "y": rng.choice([1, 2, 5, 10, 30]), "n": rng.choice([10, 30, 50, 100, 5000]), "s": rng.choice(LEAK_SITES_ZH)}
    r = rng.random()
    if r < 0.25:
        return "cards_cvv", rng.choice(CARD_ZH).format(**fill)
    if r < 0.45:
        return "credentials_accounts", rng.choice(LEAK_ZH).format(**fill)
    if r < 0.65:
        return "finance_bank", rng.choice(LOAN_ZH).format(**fill)
    if r < 0.77:
        return "finance_bank", rng.choice(KIT_ZH)
    if r < 0.93:
        return "lookup_service", rng.choice(LOOKUP_ZH)
    return "mixed_other", rng.choice(ESCORT_ZH).format(**fill)


def zh_negative(rng: random.Random) -> str:
    return rng.choice(NEG_ZH)


# -- the bulk of any market: goods that have nothing to do with data ------------------------------

GOODS_EN = ["seeds", "supplements", "capsules", "tablets", "powder", "crystals", "oil", "tincture", "gummies", "candies",
            "chocolate bars", "lozenges", "patches", "syringes", "needles", "scale", "grinder", "pipe", "bong",
            "vaporizer", "cartridges", "smell proof bags", "vacuum bags", "jars", "papers", "filters", "USB stick",
            "live USB system", "laptop", "phone", "SIM card", "burner phone", "headphones", "watch", "ring",
            "necklace", "bracelet", "earrings", "belt", "wallet", "handbag", "sunglasses", "sneakers", "hoodie",
            "t-shirt", "jacket", "perfume", "book", "novel", "encyclopedia", "magazine", "poster", "art print",
            "knife", "flashlight", "lock picks", "bullets", "magazine clip", "holster", "scope", "body armor",
            "gold bar", "silver coin", "banknotes", "stamps", "tea", "coffee", "spices", "cigars", "tobacco",
            "e-liquid", "kratom powder", "mushroom spores", "grow kit", "LED lamp", "hydroponic kit", "nutrients",
            "test kit", "reagent kit", "pill press", "capsule machine", "lab glass", "solvent", "precursor",
            "hormones", "peptides", "vials", "ampoules", "blister pack", "trim", "shake", "buds", "nugs", "wax",
            "resin", "extract", "edible", "invitation", "invite", "sticker", "keychain", "lighter", "pen"]
ADJ_EN = ["pure", "organic", "premium", "lab tested", "high grade", "top shelf", "AAA+", "strong", "potent", "fresh",
          "new batch", "left-over", "budget", "cheap", "sample", "mix and match", "custom", "handmade", "original",
          "authentic", "imported", "domestic", "feminized", "small", "large", "bulk", "trial", "promo"]
_SYLLABLES = ["ka", "zo", "mi", "tra", "lex", "ber", "on", "vi", "sa", "pio", "dan", "rix", "mo", "tel", "qua", "ne",
              "fu", "ji", "san", "gor", "el", "by", "ta", "dro", "xe", "lu", "po", "nic", "ster", "ra"]


def pseudo_word(rng: random.Random) -> str:
    """A made-up brand, strain or vendor name: unseen words must not read as data."""
    w = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
    return w.upper() if rng.random() < 0.3 else w.capitalize()


def en_goods(rng: random.Random) -> str:
    """An ordinary-goods negative: adjective, made-up brand, goods, size."""
    size = rng.choice(["", f"{rng.randint(1, 500)}mg", f"{rng.randint(1, 100)}g", f"{rng.randint(2, 100)}x",
                       f"{rng.randint(1, 30)} pcs", f"{rng.randint(1, 12)} pack", "1/2 oz", "half ounce", "1 lb"])
    parts = [size, rng.choice(ADJ_EN) if rng.random() < 0.6 else "", pseudo_word(rng) if rng.random() < 0.6 else "",
             rng.choice(GOODS_EN)]
    if rng.random() < 0.3:
        parts.append(rng.choice(["listing", "custom listing", "restock", f"batch #{rng.randint(1, 20)}", "reship",
                                 "ships from USA", "EU to EU", "US2US", "next day", "FE only", "full escrow"]))
    return " ".join(p for p in parts if p)
